"""tracking: a change sequence on products, marks for deletions, per-channel lookup state

Revision ID: 0006_tracking
Revises: 0005_table_summaries
Create Date: 2026-11-24 00:20:00

Triggers number every product insert, revision bump and enable/disable with the next value
of one library-wide change sequence (``product.changed_seq``); deleting a product or a
published listing writes a ``tracking_mark`` with the next value. The waiting list then
reads only what changed after the point where a channel's last lookup left off
(``channel_tracking``) instead of comparing every product with its published row.

The sequence must follow commit order, so a lookup that saw value N can never later meet
a newly committed value <= N: SQLite has one writer at a time (the next value is the
highest in use + 1, read inside the writing transaction); on PostgreSQL every statement
that writes products or removes published listings first takes one transaction-scoped
advisory lock, so writers of products take turns until they commit.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_tracking"
down_revision: str | Sequence[str] | None = "0005_table_summaries"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# pg_advisory_xact_lock key: "pimdesk tracking" (any constant shared by every writer)
PG_LOCK_KEY = 7_104_541_002

_SQLITE_NEXT = (
    "(SELECT max(coalesce((SELECT max(changed_seq) FROM product), 0),"
    " coalesce((SELECT max(seq) FROM tracking_mark), 0)) + 1)"
)

SQLITE_UP = [
    f"""CREATE TRIGGER trg_product_tracking_insert AFTER INSERT ON product
    BEGIN
        UPDATE product SET changed_seq = {_SQLITE_NEXT} WHERE id = NEW.id;
    END""",
    f"""CREATE TRIGGER trg_product_tracking_update AFTER UPDATE OF revision, enabled ON product
    WHEN NEW.revision IS NOT OLD.revision OR NEW.enabled IS NOT OLD.enabled
    BEGIN
        UPDATE product SET changed_seq = {_SQLITE_NEXT} WHERE id = NEW.id;
    END""",
    f"""CREATE TRIGGER trg_product_tracking_delete AFTER DELETE ON product
    BEGIN
        INSERT INTO tracking_mark (seq, product_id) VALUES ({_SQLITE_NEXT}, OLD.id);
    END""",
    f"""CREATE TRIGGER trg_published_listing_tracking_delete AFTER DELETE ON published_listing
    BEGIN
        INSERT INTO tracking_mark (seq, product_id) VALUES ({_SQLITE_NEXT}, OLD.product_id);
    END""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS trg_product_tracking_insert",
    "DROP TRIGGER IF EXISTS trg_product_tracking_update",
    "DROP TRIGGER IF EXISTS trg_product_tracking_delete",
    "DROP TRIGGER IF EXISTS trg_published_listing_tracking_delete",
]

PG_UP = [
    "CREATE SEQUENCE pimdesk_change_seq AS bigint",
    "SELECT setval('pimdesk_change_seq', greatest((SELECT max(changed_seq) FROM product), 1))",
    f"""CREATE FUNCTION pimdesk_tracking_lock() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM pg_advisory_xact_lock({PG_LOCK_KEY});
        RETURN NULL;
    END $$""",
    """CREATE FUNCTION pimdesk_product_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' OR NEW.revision IS DISTINCT FROM OLD.revision
           OR NEW.enabled IS DISTINCT FROM OLD.enabled THEN
            NEW.changed_seq := nextval('pimdesk_change_seq');
        END IF;
        RETURN NEW;
    END $$""",
    """CREATE FUNCTION pimdesk_product_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO tracking_mark (seq, product_id) VALUES (nextval('pimdesk_change_seq'), OLD.id);
        RETURN NULL;
    END $$""",
    """CREATE FUNCTION pimdesk_listing_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO tracking_mark (seq, product_id)
        VALUES (nextval('pimdesk_change_seq'), OLD.product_id);
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER trg_product_tracking_lock BEFORE INSERT OR UPDATE OR DELETE ON product
    FOR EACH STATEMENT EXECUTE FUNCTION pimdesk_tracking_lock()""",
    """CREATE TRIGGER trg_published_listing_tracking_lock BEFORE DELETE ON published_listing
    FOR EACH STATEMENT EXECUTE FUNCTION pimdesk_tracking_lock()""",
    """CREATE TRIGGER trg_product_tracking_change BEFORE INSERT OR UPDATE ON product
    FOR EACH ROW EXECUTE FUNCTION pimdesk_product_changed()""",
    """CREATE TRIGGER trg_product_tracking_delete AFTER DELETE ON product
    FOR EACH ROW EXECUTE FUNCTION pimdesk_product_deleted()""",
    """CREATE TRIGGER trg_published_listing_tracking_delete AFTER DELETE ON published_listing
    FOR EACH ROW EXECUTE FUNCTION pimdesk_listing_deleted()""",
]
PG_DOWN = [
    "DROP TRIGGER IF EXISTS trg_published_listing_tracking_delete ON published_listing",
    "DROP TRIGGER IF EXISTS trg_product_tracking_delete ON product",
    "DROP TRIGGER IF EXISTS trg_product_tracking_change ON product",
    "DROP TRIGGER IF EXISTS trg_published_listing_tracking_lock ON published_listing",
    "DROP TRIGGER IF EXISTS trg_product_tracking_lock ON product",
    "DROP FUNCTION IF EXISTS pimdesk_listing_deleted()",
    "DROP FUNCTION IF EXISTS pimdesk_product_deleted()",
    "DROP FUNCTION IF EXISTS pimdesk_product_changed()",
    "DROP FUNCTION IF EXISTS pimdesk_tracking_lock()",
    "DROP SEQUENCE IF EXISTS pimdesk_change_seq",
]


def upgrade() -> None:
    op.create_table(
        "channel_tracking",
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("mark", sa.BigInteger(), nullable=False),
        sa.Column("pending", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channel.id"],
            name=op.f("fk_channel_tracking_channel_id_channel"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("channel_id", name=op.f("pk_channel_tracking")),
    )
    op.create_table(
        "tracking_mark",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_tracking_mark")),
    )
    # Plain ALTER TABLE, never a batch copy of the table: on SQLite a copy drops and renames
    # ``product``, and the drop cascades to every table that references it.
    op.add_column(
        "product",
        sa.Column("changed_seq", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
    )
    op.create_index("ix_product_changed_seq", "product", ["changed_seq"], unique=False)
    # Existing products: numbered once, in id order, so the sequence starts above them.
    op.execute("UPDATE product SET changed_seq = id")
    for statement in PG_UP if op.get_bind().dialect.name == "postgresql" else SQLITE_UP:
        op.execute(statement)


def downgrade() -> None:
    for statement in PG_DOWN if op.get_bind().dialect.name == "postgresql" else SQLITE_DOWN:
        op.execute(statement)
    op.drop_index("ix_product_changed_seq", table_name="product")
    op.execute("ALTER TABLE product DROP COLUMN changed_seq")  # SQLite >= 3.35 and PostgreSQL
    op.drop_table("tracking_mark")
    op.drop_table("channel_tracking")
