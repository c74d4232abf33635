"""Full-text search over SKU, names and descriptions (SQLite FTS5 / PostgreSQL tsvector).

Owned by the catalog-search work. Every service that writes product values calls
:func:`reindex_products` in the same transaction, so the index never lags the catalog.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session


def reindex_products(session: Session, product_ids: Iterable[int]) -> None:
    """Refresh the index rows of these products (and drop rows of deleted ones)."""
