"""The calls the product screens make, run in workers: services in, plain rows out.

No SQL here: each function calls the services of the catalog, publishing and browse areas
and shapes their answers into the rows the Qt models hold.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pimdesk.gui.products_model import ProductRow
from pimdesk.library import Library
from pimdesk.services import browse

PageFetch = Callable[[str | None, int, bool], Sequence[ProductRow]]


@dataclass(frozen=True)
class TableSetup:
    channels: list[str]
    families: list[tuple[str, str]]


def table_setup(library: Library) -> TableSetup:
    return TableSetup(
        channels=browse.channel_codes(library), families=browse.family_choices(library)
    )


def _rows(lines: Sequence[browse.ProductLine]) -> list[ProductRow]:
    return [
        ProductRow(
            id=line.id,
            sku=line.sku,
            name=line.name,
            family=line.family,
            enabled=line.enabled,
            last_published=line.last_published,
            thumbnail=line.thumbnail,
            parent=line.parent,
        )
        for line in lines
    ]


def product_page(
    library: Library,
    after: str | None,
    limit: int,
    descending: bool = False,
    *,
    prefix: str = "",
    family: str | None = None,
    completeness: str | None = None,
    waiting: bool = False,
    locale: str | None = None,
) -> list[ProductRow]:
    """One keyset page of the products table."""
    lines = browse.product_page(
        library,
        after=after,
        limit=limit,
        descending=descending,
        locale=locale,
        prefix=prefix,
        family=family,
    )
    return _rows(lines)


def product_rows(
    library: Library, skus: Sequence[str], channels: Sequence[str], locale: str | None
) -> list[ProductRow]:
    """Fresh rows for products already shown (after an edit)."""
    return _rows(browse.product_page(library, limit=len(skus), skus=skus, locale=locale))
