"""search: full-text index over SKU, names and descriptions (filled from existing products)

SQLite gets an FTS5 table (rowid = product id); PostgreSQL a table with a tsvector column
and a GIN index. Both are named ``product_search`` (the models-vs-migrations test ignores
tables named *search*: they are not models). Existing products are indexed here, so a
library made before search existed is searchable as soon as it is opened.

Revision ID: 0002_search
Revises: 0001_catalog
Create Date: 2026-11-23 21:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from pimdesk.catalog import search

revision: str = "0002_search"
down_revision: str | Sequence[str] | None = "0001_catalog"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    bind = op.get_bind()
    search.create_search_table(bind)
    search.reindex_all(bind)


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS product_search")
