"""Spreadsheet import and export: Akeneo's column grammar, Shopify and WooCommerce files.

Readers turn a file into rows of cells (encoding, delimiter, CSV or XLSX); format parsers
turn those into one neutral row model (:mod:`.rows`); one importer applies it to the
catalog in bulk and in one transaction; the exporter writes the Akeneo grammar back.
"""
