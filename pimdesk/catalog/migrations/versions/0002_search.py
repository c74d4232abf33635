"""search: full-text index over SKU, names and descriptions (filled from existing products)

Revision ID: 0002_search
Revises: 0001_catalog
Create Date: 2026-11-23 21:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0002_search"
down_revision: str | Sequence[str] | None = "0001_catalog"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Owned by the catalog-search work: creates the FTS5 / tsvector index and backfills it.
    pass


def downgrade() -> None:
    pass
