"""Recognise a file's format from its header row (``--format auto``)."""

from __future__ import annotations

from collections.abc import Sequence

from pimdesk.errors import PimdeskError

FORMATS = ("akeneo", "shopify", "woocommerce")

SHOPIFY_LEGACY = {"Handle", "Title", "Variant SKU", "Variant Price", "Option1 Name"}
SHOPIFY_NEW = {"URL handle", "Title", "SKU", "Price", "Option1 name"}
WOOCOMMERCE = {"Type", "SKU", "Name", "Regular price", "Parent"}


def detect_format(headers: Sequence[str], identifier: str = "sku", *, source: str = "") -> str:
    names = {h.strip() for h in headers}
    if len(names & SHOPIFY_LEGACY) >= 3 and "Handle" in names:
        return "shopify"
    if len(names & SHOPIFY_NEW) >= 3 and "URL handle" in names:
        return "shopify"
    if len(names & WOOCOMMERCE) >= 3 and "Type" in names:
        return "woocommerce"
    if identifier in names or "code" in names:
        return "akeneo"
    raise PimdeskError(
        "cannot tell the file's format from its header row "
        f"(first columns: {', '.join(list(headers)[:5])})",
        where=source or None,
        hint=f"an Akeneo-style file needs a '{identifier}' column; "
        "or pass --format shopify|woocommerce|akeneo",
    )
