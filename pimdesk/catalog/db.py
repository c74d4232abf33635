"""Engine, declarative base and session factory shared by every model module.

SQLite is tuned once per connection (WAL, foreign keys, busy timeout) so that the GUI,
the watcher and a CLI command can share one catalog file; PostgreSQL needs none of it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, DateTime, Engine, MetaData, Numeric, create_engine, event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from pimdesk.errors import LibraryError, PimdeskError

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SQLITE_BUSY_TIMEOUT_MS = 10_000


def utcnow() -> dt.datetime:
    """Timezone-aware now; every timestamp in the catalog is UTC."""
    return dt.datetime.now(dt.UTC)


class AwareDateTime(TypeDecorator[dt.datetime]):
    """A datetime column that round-trips as timezone-aware UTC on every engine."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    """Declarative base: named constraints (so SQLite batch migrations work) and typed columns."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        dict[str, Any]: JSON,
        list[Any]: JSON,
        list[str]: JSON,
        Decimal: Numeric(18, 4),
        dt.datetime: AwareDateTime(),
    }


def _tune_sqlite(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine for a catalog URL, SQLite or PostgreSQL."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, **kwargs
        )
        event.listen(engine, "connect", _tune_sqlite)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back everything on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


# The driver's words (lower case) -> what happened, what to do. Matched on the message: both
# SQLite and PostgreSQL report these as a bare OperationalError.
_NOT_SAVED = "what was being written when it failed was not saved"
_DATABASE_FAILURES: tuple[tuple[tuple[str, ...], str, str], ...] = (
    (
        # SQLITE_BUSY only: "database table is locked" is a conflict inside one connection,
        # a bug, shown as one
        ("database is locked",),
        "the catalog is busy: something else writing to it (the watcher, the window, a "
        "publish or an import, or a program that opened the catalog file) kept it locked "
        f"for more than {SQLITE_BUSY_TIMEOUT_MS // 1000} s",
        f"{_NOT_SAVED}; run the command again in a moment, and an ingest goes on from the "
        "files it had recorded",
    ),
    (
        ("database or disk is full", "no space left on device"),
        "the disk holding the catalog is full",
        f"{_NOT_SAVED}; free some space, then run the command again",
    ),
    (
        ("readonly database",),
        "the catalog cannot be written: its file or folder is read-only",
        "check the permissions of the catalog file and of its folder",
    ),
    (
        ("disk i/o error",),
        "the disk failed while reading or writing the catalog",
        f"{_NOT_SAVED}; check the disk, and the share if the library is on one, then run "
        "the command again",
    ),
    (
        (
            "server closed the connection",
            "connection refused",
            "could not connect",
            "could not translate host name",
            "failed to resolve host",
            "timeout expired",
        ),
        "the catalog server cannot be reached",
        "check that the PostgreSQL server is running and reachable, then run the command again",
    ),
)


def database_failure(exc: BaseException) -> PimdeskError | None:
    """A database failure the user can act on (a busy or full catalog, a lost server), as a
    :class:`PimdeskError` with the driver's own words; ``None`` for anything else, which is
    a bug and should be shown as one."""
    if not isinstance(exc, OperationalError):
        return None
    original = getattr(exc, "orig", None)
    said = (str(original if original is not None else exc).strip().splitlines() or [""])[0]
    lowered = said.lower()
    for needles, message, hint in _DATABASE_FAILURES:
        if any(needle in lowered for needle in needles):
            return LibraryError(f"{message}; the database said: {said}", hint=hint)
    return None
