"""table summaries: stored completeness per (product, channel) and labels per locale

The products table sorts and filters on completeness and names and shows them for every
row; computing them per page in Python was the products window's main cost at 100,000
products. The catalog now keeps them (``catalog.summary``); this migration creates the
tables and fills them for the products and models already in the library.

Revision ID: 0005_table_summaries
Revises: 0004_publishing
Create Date: 2026-11-24 00:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

from pimdesk.catalog import summary

revision: str = "0005_table_summaries"
down_revision: str | Sequence[str] | None = "0004_publishing"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "product_completeness",
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("ratio", sa.Integer(), nullable=False),
        sa.Column("missing", sa.JSON(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channel.id"],
            name=op.f("fk_product_completeness_channel_id_channel"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["product.id"],
            name=op.f("fk_product_completeness_product_id_product"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("product_id", "channel_id", name=op.f("pk_product_completeness")),
    )
    op.create_index(
        "ix_product_completeness_channel_ratio",
        "product_completeness",
        ["channel_id", "ratio", "product_id"],
    )
    op.create_table(
        "product_label",
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("locale", sa.String(length=20), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("sort_key", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["product.id"],
            name=op.f("fk_product_label_product_id_product"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("product_id", "locale", name=op.f("pk_product_label")),
    )
    op.create_index("ix_product_label_sort", "product_label", ["locale", "sort_key", "product_id"])
    op.create_table(
        "product_model_label",
        sa.Column("product_model_id", sa.Integer(), nullable=False),
        sa.Column("locale", sa.String(length=20), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("sort_key", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_model_id"],
            ["product_model.id"],
            name=op.f("fk_product_model_label_product_model_id_product_model"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("product_model_id", "locale", name=op.f("pk_product_model_label")),
    )
    op.create_index(
        "ix_product_model_label_sort",
        "product_model_label",
        ["locale", "sort_key", "product_model_id"],
    )
    session = Session(bind=op.get_bind())
    summary.refresh_all(session)
    session.flush()


def downgrade() -> None:
    op.drop_table("product_model_label")
    op.drop_table("product_label")
    op.drop_table("product_completeness")
