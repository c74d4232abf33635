"""Field-level history: who or what changed which value, when, from what to what.

Every operation writes its changes under one batch id, so "undo the last change" reverts
exactly what one save, one CLI ``set`` or one import did to a product. History older than
the retention setting (``history.retention_days``, default 365) is purged on request.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from pimdesk.catalog.db import utcnow
from pimdesk.catalog.models import Setting, ValueChange

RETENTION_KEY = "history.retention_days"
DEFAULT_RETENTION_DAYS = 365

# Fields that are properties of the product rather than attribute values.
PROPERTY_FIELDS = ("@enabled", "@family", "@parent", "@categories", "@tags", "@created")


@dataclass(frozen=True)
class FieldChange:
    """One changed field before it is recorded."""

    field: str
    locale: str | None
    channel: str | None
    old: Any
    new: Any


@dataclass(frozen=True)
class HistoryEntry:
    id: int
    identifier: str
    field: str
    locale: str | None
    channel: str | None
    old: Any
    new: Any
    author: str
    source: str
    batch: str | None
    changed_at: dt.datetime


def new_batch() -> str:
    return uuid.uuid4().hex


def diff_values(old: dict[str, Any], new: dict[str, Any]) -> list[FieldChange]:
    """Field-level differences between two value documents."""
    from pimdesk.catalog.values import iter_values

    before = {(a, loc, ch): d for a, loc, ch, d in iter_values(old)}
    after = {(a, loc, ch): d for a, loc, ch, d in iter_values(new)}
    changes = []
    for key in sorted(before.keys() | after.keys(), key=lambda k: tuple(x or "" for x in k)):
        if before.get(key) != after.get(key):
            changes.append(FieldChange(key[0], key[1], key[2], before.get(key), after.get(key)))
    return changes


def change_rows(
    entity_type: str,
    entity_id: int,
    identifier: str,
    changes: Iterable[FieldChange],
    *,
    author: str,
    source: str,
    batch: str,
    at: dt.datetime | None = None,
) -> list[dict[str, Any]]:
    """Rows for a bulk insert into value_change (imports collect these for many products)."""
    when = at or utcnow()
    return [
        {
            "entity_type": entity_type,
            "entity_id": entity_id,
            "identifier": identifier,
            "field": c.field,
            "locale": c.locale,
            "channel": c.channel,
            "old": c.old,
            "new": c.new,
            "author": author,
            "source": source,
            "batch": batch,
            "changed_at": when,
        }
        for c in changes
    ]


def record(session: Session, rows: Sequence[dict[str, Any]], chunk: int = 2000) -> None:
    for start in range(0, len(rows), chunk):
        session.execute(ValueChange.__table__.insert(), list(rows[start : start + chunk]))


def entries(
    session: Session, entity_type: str, entity_id: int, limit: int | None = None
) -> list[HistoryEntry]:
    """Newest first."""
    query = (
        select(ValueChange)
        .where(ValueChange.entity_type == entity_type, ValueChange.entity_id == entity_id)
        .order_by(ValueChange.id.desc())
    )
    if limit:
        query = query.limit(limit)
    return [
        HistoryEntry(
            r.id,
            r.identifier,
            r.field,
            r.locale,
            r.channel,
            r.old,
            r.new,
            r.author,
            r.source,
            r.batch,
            r.changed_at,
        )
        for r in session.scalars(query)
    ]


UNDO_PREFIX = "undo:"


def undo_batch(undone: str) -> str:
    """A batch id for an undo that says which batch it reverted (``undo:<new>:<undone>``).

    The undone batch is recorded in the id itself (the column holds 64 characters), so
    "the last change" can skip both undo batches and the batches they already reverted.
    """
    return f"{UNDO_PREFIX}{uuid.uuid4().hex[:16]}:{undone}"


def batch_key(row: ValueChange) -> str:
    """The batch a row belongs to; rows written without a batch stand alone."""
    return row.batch if row.batch is not None else f"#{row.id}"


def _undone_by(row: ValueChange) -> str | None:
    """The batch an undo row reverted, or None when the row is not from a recorded undo."""
    if row.batch and row.batch.startswith(UNDO_PREFIX):
        parts = row.batch.split(":", 2)
        if len(parts) == 3 and parts[2]:
            return parts[2]
    return None


def last_batch(session: Session, entity_type: str, entity_id: int) -> list[ValueChange]:
    """The changes of the most recent batch still in effect on this entity, oldest first.

    Undo batches and the batches they reverted are skipped, so successive undos walk back
    through history like Ctrl+Z instead of redoing the undo. Undos written before undo
    batches named their target count as reverting the newest live batch below them.
    """
    rows = session.scalars(
        select(ValueChange)
        .where(ValueChange.entity_type == entity_type, ValueChange.entity_id == entity_id)
        .order_by(ValueChange.id.desc())
    )
    undone: set[str] = set()
    legacy_undos: set[str] = set()
    skipped: set[str] = set()
    target: str | None = None
    picked: list[ValueChange] = []
    for row in rows:
        key = batch_key(row)
        if target is not None:
            if key == target:
                picked.append(row)
            continue
        if key in skipped:
            continue
        reverted = _undone_by(row)
        if reverted is not None:
            undone.add(reverted)
            skipped.add(key)
        elif row.source.startswith(UNDO_PREFIX):
            legacy_undos.add(key)
            skipped.add(key)
        elif key in undone:
            skipped.add(key)
        elif legacy_undos:
            legacy_undos.pop()
            skipped.add(key)
        else:
            target = key
            picked.append(row)
    return list(reversed(picked))


def retention_days(session: Session) -> int:
    setting = session.get(Setting, RETENTION_KEY)
    if setting is None or setting.value is None:
        return DEFAULT_RETENTION_DAYS
    return int(setting.value)


def set_retention_days(session: Session, days: int) -> None:
    if days < 1:
        from pimdesk.errors import ValidationError

        raise ValidationError("history retention must be at least 1 day", where=RETENTION_KEY)
    setting = session.get(Setting, RETENTION_KEY)
    if setting is None:
        session.add(Setting(key=RETENTION_KEY, value=days))
    else:
        setting.value = days


def purge(session: Session, now: dt.datetime | None = None) -> int:
    """Delete history older than the retention period; return how many changes went."""
    cutoff = (now or utcnow()) - dt.timedelta(days=retention_days(session))
    result = session.execute(delete(ValueChange).where(ValueChange.changed_at < cutoff))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
