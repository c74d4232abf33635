"""ingest problems remember the file they saw: size and mtime

Revision ID: 0007_problem_files
Revises: 0006_tracking
Create Date: 2026-11-24 00:30:00

A file that could not be read (corrupt, truncated, not an image) was read again on every
start of the watcher. The problem row now keeps the size and modification time the file had
when it failed, so a reconciliation skips it until it changes. Existing problems get NULL
(unknown): they are read once more, then remembered.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_problem_files"
down_revision: str | Sequence[str] | None = "0006_tracking"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ALTER TABLE on both engines (no batch copy of the table on SQLite).
    op.add_column("ingest_problem", sa.Column("size", sa.BigInteger(), nullable=True))
    op.add_column("ingest_problem", sa.Column("mtime", sa.Double(), nullable=True))


def downgrade() -> None:
    op.drop_column("ingest_problem", "mtime")
    op.drop_column("ingest_problem", "size")
