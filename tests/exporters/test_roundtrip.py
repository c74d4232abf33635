"""Our Shopify and WooCommerce files read back by pimdesk's own importers of those formats.

The importers (catalog-core's ``pimdesk/importexport``) were written separately from the
exporters, against the channels' real sample files; a file they read back into the same
products, prices and barcodes is good evidence the exporters write the channels' format.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pimdesk.channels.exporters.shopify import ShopifyCsvExporter
from pimdesk.channels.exporters.woocommerce import WooCommerceCsvExporter
from pimdesk.library import Library
from pimdesk.services import products
from pimdesk.services.imports import import_file


@pytest.mark.parametrize("header_set", ["legacy", "new"])
def test_shopify_file_imports_back(
    listings, out_dir: Path, run, library: Library, header_set: str
) -> None:
    exporter = ShopifyCsvExporter(
        {"output": str(out_dir), "base_url": "https://cdn.example.com/", "header_set": header_set}
    )
    run(exporter, [*listings.tote(), listings.simple()])
    report = import_file(library, out_dir / "products.csv")
    assert report.format == "shopify" and report.committed and report.rejected == 0
    assert (report.created, report.models_created) == (3, 1)
    nat = products.get_product(library, "TOTE-NAT")
    assert nat.parent_code == "canvas-tote"
    assert nat.value("price") == [{"amount": "30.00", "currency": "USD"}]
    assert nat.value("sale_price") == [{"amount": "24.00", "currency": "USD"}]
    assert nat.value("gtin") == "6291041500213"
    blk = products.get_product(library, "TOTE-BLK")
    assert blk.value("gtin") == "6291041500220"
    mug = products.get_product(library, "MUG-1")
    assert mug.parent_code is None and mug.name == "Enamel Mug"
    assert mug.value("price") == [{"amount": "12.50", "currency": "USD"}]


def test_woocommerce_file_imports_back(listings, out_dir: Path, run, library: Library) -> None:
    exporter = WooCommerceCsvExporter(
        {"output": str(out_dir), "base_url": "https://cdn.example.com/"}
    )
    formula = listings.simple("EVIL-1", "=SUM(A1:A9)", values={"price": "3"})
    run(exporter, [*listings.tote(), listings.simple(), formula])
    assert "'=SUM(A1:A9)" in (out_dir / "products.csv").read_text("utf-8-sig")
    report = import_file(library, out_dir / "products.csv")
    assert report.format == "woocommerce" and report.committed and report.rejected == 0
    assert (report.created, report.models_created) == (4, 1)
    # the ' prefix is WooCommerce's own escaping: its importer (and ours) strips it again
    assert products.get_product(library, "EVIL-1").name == "=SUM(A1:A9)"
    nat = products.get_product(library, "TOTE-NAT")
    assert nat.parent_code == "TOTE"
    assert nat.value("price") == [{"amount": "30.00", "currency": "USD"}]
    assert nat.value("sale_price") == [{"amount": "24.00", "currency": "USD"}]
    assert nat.value("gtin") == "6291041500213"
    mug = products.get_product(library, "MUG-1")
    assert mug.name == "Enamel Mug"
