"""Helpers shared by the Shopify and WooCommerce parsers: codes from labels, cells for an
attribute in the catalog's default locale and every channel."""

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
    """Cells setting ``attribute`` in the default locale and, if scopable, every channel."""
    info = context.attributes.get(attribute)
    if info is None:
        return []
    locales = [context.default_locale] if info.localizable else [None]
    channels: list[str | None] = list(context.channels) if info.scopable else [None]
    return [
        Cell(ColumnKey(attribute, locale, channel, part), raw, column)
        for locale in locales
        for channel in channels
    ]


def axis_attribute(context: CatalogContext, label: str) -> str:
    """The simple-select attribute an option name maps to (``Color`` -> ``color``)."""
    code = attribute_code(label)
    existing = context.attributes.get(code)
    if existing is None or (
        existing.type == "simpleselect" and not existing.localizable and not existing.scopable
    ):
        return code
    return f"{code}_option"
