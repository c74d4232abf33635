"""source_path_index: look up versions and problems by the path they were read from

Revision ID: 0011_source_path_index
Revises: 0010_shared_values
Create Date: 2026-11-24 09:00:00

Every ingest batch, every file the watcher sees and every reconciliation asks "what was read
from this path?" (``asset_version.source_path``, ``ingest_problem.path``). Without an index
each question scanned the whole table: fine for a demo, a full pass over 300,000 versions
for every batch in a grown library. Indexes only: no row changes; an index already there
(made by hand) is kept. PostgreSQL gets hash indexes, because a B-tree entry is limited to
about 2.7 kB and a path may be longer.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0011_source_path_index"
down_revision: str | Sequence[str] | None = "0010_shared_values"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_asset_version_source_path",
        "asset_version",
        ["source_path"],
        postgresql_using="hash",
        if_not_exists=True,
    )
    op.create_index(
        "ix_ingest_problem_path",
        "ingest_problem",
        ["path"],
        postgresql_using="hash",
        if_not_exists=True,
    )


def downgrade() -> None:
    op.drop_index("ix_ingest_problem_path", table_name="ingest_problem")
    op.drop_index("ix_asset_version_source_path", table_name="asset_version")
