"""Shared fixtures: real libraries on disk, on SQLite and (when configured) PostgreSQL.

Set ``PIMDESK_TEST_DATABASE_URL`` to a PostgreSQL URL whose role may create databases and
every test that takes ``any_library`` runs on both engines, each in a database of its own.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pimdesk.library import Library

DATA = Path(__file__).parent / "data"
PG_URL = os.environ.get("PIMDESK_TEST_DATABASE_URL")


@pytest.fixture
def data_dir() -> Path:
    return DATA


@pytest.fixture
def library(tmp_path: Path) -> Iterator[Library]:
    """A new SQLite library in a temporary folder."""
    lib = Library.open(tmp_path / "library")
    yield lib
    lib.close()


def _pg_database() -> Iterator[str]:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import OperationalError

    admin_url = make_url(PG_URL)
    name = f"pimdesk_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    # CREATE DATABASE copies template1 and fails while another session (a parallel test run)
    # is copying it too; that is contention, not a failure of the code under test.
    for attempt in range(20):
        try:
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            break
        except OperationalError as exc:
            if "being accessed by other users" not in str(exc) or attempt == 19:
                raise
            time.sleep(0.1 * (attempt + 1))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(
                text(
                    # Client sessions only: an autovacuum worker may be in the database too,
                    # our role may not signal it, and DROP DATABASE stops it by itself.
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid() "
                    "AND backend_type = 'client backend'"
                ),
                {"name": name},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


ENGINES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=ENGINES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty catalog database URL for each engine under test."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'catalog.sqlite'}"
        return
    if not PG_URL:
        pytest.skip("PIMDESK_TEST_DATABASE_URL is not set (PostgreSQL tests run in CI)")
    yield from _pg_database()


@pytest.fixture
def any_library(tmp_path: Path, database_url: str) -> Iterator[Library]:
    """A new library on each engine under test (SQLite, and PostgreSQL when configured)."""
    lib = Library.open(tmp_path / "library", database_url=database_url)
    yield lib
    lib.close()
