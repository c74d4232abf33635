"""withdrawn_listing: products a Shopify/WooCommerce CSV keeps as rows taking them off the shop

Revision ID: 0009_withdrawn_listing
Revises: 0008_version_size_bigint
Create Date: 2026-11-24 05:40:00

Shopify's and WooCommerce's importers never remove a product that is missing from the CSV,
so leaving a withdrawn product out of the file left it on sale. Such channels now keep
writing a draft/unpublished row for every product they withdrew; this table remembers which
ones (and the identity, e.g. the Shopify handle, each had). A new table: existing rows of
other tables are untouched; a library upgraded from 0008 starts with none (products
withdrawn before the upgrade were already left out of earlier files).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_withdrawn_listing"
down_revision: str | Sequence[str] | None = "0008_version_size_bigint"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "withdrawn_listing",
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(length=255), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("remote_id", sa.Text(), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channel.id"],
            name=op.f("fk_withdrawn_listing_channel_id_channel"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("channel_id", "product_id", name=op.f("pk_withdrawn_listing")),
    )


def downgrade() -> None:
    op.drop_table("withdrawn_listing")
