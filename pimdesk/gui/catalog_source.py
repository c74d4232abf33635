"""The calls the product screens make, run in workers: services in, plain rows out.

No SQL here: each function calls the services of the catalog, search and browse areas and
shapes their answers into the rows the Qt models hold.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pimdesk.gui.rows import Page, ProductRow
from pimdesk.library import Library
from pimdesk.services import assets, browse, products, reference

PageFetch = Callable[[str | None, int, bool], Page]
TEXT_FILTER_LIMIT = 500


@dataclass(frozen=True)
class TableSetup:
    channels: list[str]
    families: list[tuple[str, str]]
    locales: list[str]


def table_setup(library: Library) -> TableSetup:
    families = reference.list_families(library)
    return TableSetup(
        channels=[c.code for c in reference.list_channels(library)],
        families=[(f.code, _label(f.labels, f.code)) for f in families],
        locales=reference.list_locales(library),
    )


def _label(labels: dict[str, object] | None, fallback: str) -> str:
    return str(next(iter((labels or {}).values()), fallback))


def _with_extras(library: Library, rows: Sequence[products.ProductRow]) -> list[ProductRow]:
    extras = browse.page_extras(library, [r.id for r in rows])
    result = []
    for row in rows:
        extra = extras.get(row.id)
        result.append(
            ProductRow(
                id=row.id,
                sku=row.sku,
                name=row.name or "",
                family=row.family,
                enabled=row.enabled,
                parent=row.parent_code,
                completeness=extra.completeness if extra else {},
                last_published=extra.last_published if extra else None,
                thumbnail=extra.thumbnail if extra else None,
            )
        )
    return result


def _keep(row: ProductRow, completeness: str | None) -> bool:
    if completeness is None or not row.completeness:
        return completeness is None
    complete = all(ratio >= 100 for ratio in row.completeness.values())
    return complete if completeness == "complete" else not complete


def product_page(
    library: Library,
    after: str | None,
    limit: int,
    descending: bool = False,
    *,
    text: str = "",
    family: str | None = None,
    category: str | None = None,
    completeness: str | None = None,
    locale: str | None = None,
) -> Page:
    """One keyset page of the products table (``descending`` is kept for the model's API:
    the catalog pages in SKU order, so the view sorts descending among rows it holds).

    With ``text`` the page is the search's answer (one page). A completeness filter keeps
    the matching rows of each page, so a page may hold fewer than ``limit`` rows.
    """
    if text:
        if after is not None:
            return Page([], None)
        from pimdesk.services import search

        hits = search.search(library, text, limit=TEXT_FILTER_LIMIT)
        skus = sorted({h.sku for h in hits if h.kind == "product" and h.sku})
        rows = (
            products.list_products(
                library,
                skus=skus,
                limit=len(skus) or 1,
                family=family,
                category=category,
                locale=locale,
            )
            if skus
            else []
        )
        return Page([r for r in _with_extras(library, rows) if _keep(r, completeness)], None)
    page = products.list_products(
        library, after_sku=after, limit=limit, family=family, category=category, locale=locale
    )
    rows = [r for r in _with_extras(library, page) if _keep(r, completeness)]
    return Page(rows, page[-1].sku if len(page) == limit else None)


def product_rows(
    library: Library, skus: Sequence[str], channels: Sequence[str], locale: str | None
) -> list[ProductRow]:
    """Fresh rows for products already shown (after an edit)."""
    rows = products.list_products(library, skus=list(skus), limit=len(skus), locale=locale)
    return _with_extras(library, rows)


def asset_page(library: Library, after: int, limit: int, **filters: Any) -> list[Any]:
    return assets.list_assets(library, after_id=after, limit=limit, **filters)


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
    """What the box shows for ``text``: the search service's answer (exact SKU only when
    this build has no search service)."""
    try:
        from pimdesk.services import search as search_service
    except ImportError:
        from pimdesk.services import products

        rows = products.list_products(library, skus=[text.strip()], limit=1)
        return [Hit("product", r.sku, r.sku, r.name or "") for r in rows]
    hits = []
    for result in search_service.search(library, text, limit=limit):
        if result.kind == "product" and result.sku:
            hits.append(Hit("product", result.sku, result.sku, result.title))
        elif result.kind == "asset":
            hits.append(Hit("asset", result.id, result.title, result.snippet))
    if not any(h.kind == "asset" for h in hits):  # no asset provider in the search service
        hits.extend(find_assets(library, text, max(3, limit - len(hits))))
    return hits


def find_assets(library: Library, text: str, limit: int) -> list[Hit]:
    """Assets whose file name contains ``text`` or that carry it as a tag."""
    from pimdesk.services import assets

    words = text.strip()
    if len(words) < 2:
        return []
    found = {a.id: a for a in assets.list_assets(library, tag=words, limit=limit)}
    for summary in assets.list_assets(library, name=words, limit=limit):
        found.setdefault(summary.id, summary)
    hits = []
    for summary in list(found.values())[:limit]:
        where = ", ".join(sorted({link.sku or link.model or "" for link in summary.links}))
        hits.append(Hit("asset", summary.id, summary.title, where or "unmatched"))
    return hits
