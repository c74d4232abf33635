"""Helpers shared by the Shopify and WooCommerce parsers: codes from labels, cells for an
attribute in the catalog's default locale (shared by every channel)."""

from __future__ import annotations

import re
import unicodedata

from pimdesk.catalog.context import CatalogContext
from pimdesk.catalog.edits import Cell
from pimdesk.importexport.columns import VALUE_PART, ColumnKey


def slug(text: str, separator: str = "_") -> str:
    """A code from a label: ``"Light Blue"`` -> ``light_blue`` (ASCII letters and digits)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    code = re.sub(r"[^A-Za-z0-9]+", separator, ascii_text).strip(separator).lower()
    return code or "x"


def attribute_code(label: str) -> str:
    code = slug(label)
    return code if not code[0].isdigit() else f"a_{code}"


def cells_for(
    context: CatalogContext, attribute: str, raw: object, column: str, part: str = VALUE_PART
) -> list[Cell]:
    """The cell setting ``attribute`` in the default locale; a scopable one's shared value.

    A Shopify or WooCommerce file has no channels: its description is the description,
    stored once for every channel (:mod:`pimdesk.catalog.values`), so a channel added after
    the import publishes it too (copies per channel existing at import time did not)."""
    info = context.attributes.get(attribute)
    if info is None:
        return []
    locale = context.default_locale if info.localizable else None
    return [Cell(ColumnKey(attribute, locale, None, part), raw, column)]


def axis_attribute(context: CatalogContext, label: str) -> str:
    """The simple-select attribute an option name maps to (``Color`` -> ``color``)."""
    code = attribute_code(label)
    existing = context.attributes.get(code)
    if existing is None or (
        existing.type == "simpleselect" and not existing.localizable and not existing.scopable
    ):
        return code
    return f"{code}_option"
