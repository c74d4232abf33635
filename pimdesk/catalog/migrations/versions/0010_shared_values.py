"""shared values: an imported description becomes the value every channel sees

Revision ID: 0010_shared_values
Revises: 0009_withdrawn_listing
Create Date: 2026-11-24 06:00:00

Imports used to store a scopable value (a description) once per channel that existed at the
import, so a channel added later published blank descriptions and counted complete. A
scopable attribute now has a shared value (``<all_channels>``) that every channel without
its own reads; imports write it. This migration turns the old copies into it: in every
product and model document, a scopable value that each channel holding it holds with the
same data (and that has no shared value yet) is stored once, shared. Channels that had the
copy see the same data as before; a channel added after the import now sees it too. Values
that differ between channels stay per channel. Data only: the schema does not change.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

from pimdesk.catalog import summary
from pimdesk.catalog.values import share_copies

revision: str = "0010_shared_values"
down_revision: str | Sequence[str] | None = "0009_withdrawn_listing"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ALL_CHANNELS = "<all_channels>"
CHUNK = 2000

_attribute = sa.table("attribute", sa.column("code", sa.String), sa.column("scopable", sa.Boolean))
_model = sa.table(
    "product_model",
    sa.column("id", sa.Integer),
    sa.column("parent_id", sa.Integer),
    sa.column("values", sa.JSON),
)
_product = sa.table(
    "product",
    sa.column("id", sa.Integer),
    sa.column("parent_id", sa.Integer),
    sa.column("values", sa.JSON),
    sa.column("revision", sa.Integer),
)


def _per_channel(document: dict[str, Any], scopable: set[str]) -> set[tuple[str, str]]:
    """(attribute, locale key) slots the document holds per channel."""
    return {
        (attribute, lkey)
        for attribute, by_channel in document.items()
        if attribute in scopable and isinstance(by_channel, dict)
        for ckey, by_locale in by_channel.items()
        if ckey != ALL_CHANNELS and isinstance(by_locale, dict)
        for lkey in by_locale
    }


def _products(bind: sa.Connection) -> Iterator[tuple[int, int | None, Any]]:
    """Every product's (id, parent_id, values), read in chunks by id (a large catalog's
    documents are not all held in memory at once; rows may be updated between chunks)."""
    last = 0
    while True:
        chunk = bind.execute(
            sa.select(_product.c.id, _product.c.parent_id, _product.c["values"])
            .where(_product.c.id > last)
            .order_by(_product.c.id)
            .limit(CHUNK)
        ).all()
        if not chunk:
            return
        for row in chunk:
            yield row[0], row[1], row[2]
        last = chunk[-1][0]


def upgrade() -> None:
    bind = op.get_bind()
    query = sa.select(_attribute.c.code).where(_attribute.c.scopable)
    scopable = set(bind.execute(query).scalars())
    if not scopable:
        return
    # Models first, parents before sub-models: a variant keeps per channel what a parent
    # keeps per channel, or its shared value would not win over the parent's (nearest wins
    # per channel key).
    models = {
        model_id: (parent_id, dict(values or {}))
        for model_id, parent_id, values in bind.execute(
            sa.select(_model.c.id, _model.c.parent_id, _model.c["values"])
        )
    }
    kept: dict[int, set[tuple[str, str]]] = {}
    changed_models: set[int] = set()
    for model_id in sorted(models, key=lambda i: (models[i][0] is not None, i)):
        parent_id, document = models[model_id]
        above = set(kept.get(parent_id, set())) if parent_id is not None else set()
        if share_copies(document, scopable, above):
            changed_models.add(model_id)
            bind.execute(
                _model.update().where(_model.c.id == model_id).values({"values": document})
            )
        kept[model_id] = above | _per_channel(document, scopable)
    touched: list[int] = []
    for product_id, parent_id, values in _products(bind):
        document = dict(values or {})
        above = kept.get(parent_id, set()) if parent_id is not None else set()
        changed = share_copies(document, scopable, above)
        if changed:
            bind.execute(
                _product.update().where(_product.c.id == product_id).values({"values": document})
            )
        grandparent = models[parent_id][0] if parent_id in models else None
        if changed or parent_id in changed_models or grandparent in changed_models:
            touched.append(product_id)
    for start in range(0, len(touched), CHUNK):
        # a channel that had no copy now publishes the value: its listing is waiting
        bind.execute(
            _product.update()
            .where(_product.c.id.in_(touched[start : start + CHUNK]))
            .values(revision=_product.c.revision + 1)
        )
    if touched or changed_models:
        session = Session(bind=bind)
        summary.refresh_all(session)  # completeness of the channels that gained values
        session.flush()


def downgrade() -> None:
    """Nothing to undo: channels see the same values through the shared one (older pimdesk
    reads a shared value of a scopable attribute too, through ``values.resolve``)."""
