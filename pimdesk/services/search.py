"""Search everywhere: what the CLI's ``pimdesk search`` and the GUI's search box call.

Products come from the catalog's full-text index (``catalog.search``). Other areas add
their own kinds of result (assets by file name or tag, ...) by appending a provider to
:data:`SEARCH_PROVIDERS`; a provider gets the open library, the text and the limit and
returns :class:`SearchResult` rows. Results are plain data, safe to hand to another thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from pimdesk.catalog.search import search_products

if TYPE_CHECKING:
    from pimdesk.library import Library

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SearchResult:
    """One thing found. ``kind`` says what it is ("product", "asset", ...).

    A product result carries its ``sku``; other kinds put their own identity in ``id`` and
    what else they need to show in ``extra``.
    """

    kind: str
    id: int
    title: str
    sku: str | None = None
    score: float = 0.0
    snippet: str = ""
    matched: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


SearchProvider = Callable[["Library", str, int], list[SearchResult]]


def search_catalog_products(library: Library, text: str, limit: int) -> list[SearchResult]:
    """Products by SKU (exact first, then SKU prefixes), names and descriptions."""
    with library.session() as session:
        hits = search_products(session, text, limit=limit)
    return [
        SearchResult(
            kind="product",
            id=hit.product_id,
            title=hit.name,
            sku=hit.sku,
            score=hit.score,
            snippet=hit.snippet,
            matched=hit.matched,
        )
        for hit in hits
    ]


SEARCH_PROVIDERS: list[SearchProvider] = [search_catalog_products]


def _search_assets(library: Library, text: str, limit: int) -> list[SearchResult]:
    from pimdesk.services.assets import search_assets

    return search_assets(library, text, limit)


SEARCH_PROVIDERS.append(_search_assets)


def search(library: Library, text: str, limit: int = 50) -> list[SearchResult]:
    """Everything matching ``text``: each provider's results in turn, up to ``limit`` each.

    Safe for search-as-you-type: any text gives results or none. An added provider that
    fails is logged and skipped, so a broken extension never takes product search down.
    """
    results: list[SearchResult] = []
    for provider in SEARCH_PROVIDERS:
        if provider is search_catalog_products:
            results.extend(provider(library, text, limit))
            continue
        try:
            results.extend(provider(library, text, limit))
        except Exception:
            log.exception("search provider %r failed", provider)
    return results
