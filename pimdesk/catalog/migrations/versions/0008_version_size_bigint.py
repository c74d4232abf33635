"""asset versions hold files over 2 GB: size becomes a 64-bit integer on PostgreSQL

Revision ID: 0008_version_size_bigint
Revises: 0007_problem_files
Create Date: 2026-11-24 03:20:00

``asset_version.size`` was a 32-bit INTEGER, so on PostgreSQL a video or TIFF of 2 GiB or more
could not be recorded ("integer out of range") and stayed a problem. SQLite's INTEGER already
holds 64 bits, so only PostgreSQL's column changes (in place; no table copy on SQLite).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_version_size_bigint"
down_revision: str | Sequence[str] | None = "0007_problem_files"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("asset_version", "size", type_=sa.BigInteger(), existing_nullable=False)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("asset_version", "size", type_=sa.Integer(), existing_nullable=False)
