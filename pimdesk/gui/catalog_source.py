"""The calls the product screens make, run in workers: services in, plain rows out.

No SQL here: each function calls the services of the catalog, search and browse areas and
shapes their answers into the rows the Qt models hold.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pimdesk.gui.rows import Page, ProductRow
from pimdesk.library import Library
from pimdesk.services import assets, product_table, reference

PageFetch = Callable[[Any, int, bool, str], Page]
TEXT_FILTER_LIMIT = 500


@dataclass(frozen=True)
class TableSetup:
    channels: list[str]
    families: list[tuple[str, str]]
    locales: list[str]
    categories: list[tuple[str, str]] = field(default_factory=list)  # (code, label)
    publishing: list[str] = field(default_factory=list)  # channels that publish somewhere


def table_setup(library: Library) -> TableSetup:
    families = reference.list_families(library)
    return TableSetup(
        channels=[c.code for c in reference.list_channels(library)],
        families=[(f.code, _label(f.labels, f.code)) for f in families],
        locales=reference.list_locales(library),
        categories=[(c.code, _label(c.labels, c.code)) for c in reference.list_categories(library)],
        publishing=product_table.publishing_channels(library),
    )


def _label(labels: dict[str, object] | None, fallback: str) -> str:
    return str(next(iter((labels or {}).values()), fallback))


def product_page(
    library: Library,
    after: Any,
    limit: int,
    descending: bool = False,
    sort: str = "sku",
    *,
    text: str = "",
    family: str | None = None,
    category: str | None = None,
    completeness: str | None = None,
    completeness_channel: str | None = None,
    waiting: str | None = None,
    locale: str | None = None,
) -> Page:
    """One keyset page of the products table in the order of ``sort`` (see
    ``services.product_table``). With ``text`` the rows are the search's answer (up to
    :data:`TEXT_FILTER_LIMIT` products), still sorted and filtered on the server."""
    skus = None
    if text:
        from pimdesk.services import search

        hits = search.search(library, text, limit=TEXT_FILTER_LIMIT)
        skus = tuple(sorted({h.sku for h in hits if h.kind == "product" and h.sku}))
    filters = product_table.TableFilter(
        family=family,
        category=category,
        completeness=completeness,
        completeness_channel=completeness_channel,
        waiting_channel=waiting,
        skus=skus,
    )
    return product_table.table_page(
        library,
        after=after,
        limit=limit,
        sort=sort,
        descending=descending,
        filters=filters,
        locale=locale,
    )


def variant_rows(library: Library, code: str, *, locale: str | None = None) -> list[ProductRow]:
    """The variants below a product model (what its row shows when expanded)."""
    return product_table.model_variants(library, code, locale=locale)


def product_rows(
    library: Library,
    skus: Sequence[str],
    channels: Sequence[str],
    locale: str | None,
    model_codes: Sequence[str] = (),
) -> list[ProductRow]:
    """Fresh rows for products (and models) already shown (after an edit)."""
    return product_table.rows_for(library, skus, model_codes, locale=locale)


def asset_page(library: Library, after: int, limit: int, **filters: Any) -> list[Any]:
    return assets.list_assets(library, after_id=after, limit=limit, **filters)


def asset_ids(library: Library, **filters: Any) -> list[int]:
    return assets.list_asset_ids(library, **filters)


def refreshed(library: Library, ids: Sequence[int]) -> list[Any]:
    """Fresh summaries of assets already shown (one page starting just before the lowest)."""
    wanted = set(ids)
    lowest = min(wanted)
    rows = assets.list_assets(library, after_id=lowest - 1, limit=max(wanted) - lowest + 1)
    return [r for r in rows if r.id in wanted]


# -- the search box ---------------------------------------------------------------------

LIMIT = 12


@dataclass(frozen=True)
class Hit:
    kind: str  # product | asset
    target: str | int  # SKU or asset id
    title: str
    detail: str = ""


def find(library: Library, text: str, limit: int = LIMIT) -> list[Hit]:
    """What the box shows for ``text``: the search service's products and assets."""
    from pimdesk.services import search as search_service

    hits = []
    for result in search_service.search(library, text, limit=limit):
        if result.kind == "product" and result.sku:
            hits.append(Hit("product", result.sku, result.sku, result.title))
        elif result.kind == "asset":
            hits.append(Hit("asset", result.id, result.title, result.snippet or "unmatched"))
    return hits
