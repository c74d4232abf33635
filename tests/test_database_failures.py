"""A catalog another process keeps busy (the watcher writing a large batch, a long import)
is one clear line and exit code 1, not a traceback; and nothing half-done is saved."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from pimdesk.catalog import db
from pimdesk.catalog.models import Product
from pimdesk.cli import cli
from pimdesk.library import Library


def test_a_catalog_kept_busy_by_another_process_is_a_clear_error_and_saves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "shop"
    assert CliRunner().invoke(cli, ["--library", str(root), "init"]).exit_code == 0
    monkeypatch.setattr(db, "SQLITE_BUSY_TIMEOUT_MS", 200)  # not the real 10 s wait
    other = sqlite3.connect(root / "catalog.sqlite", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process in the middle of a write
    try:
        result = CliRunner().invoke(
            cli, ["--library", str(root), "products", "add", "WB-750", "name-en_US=Bottle"]
        )
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert result.exit_code == 1, result.output
    assert "pimdesk: error: the catalog is busy" in result.output
    assert "database is locked" in result.output  # the driver's own words, once
    assert "run the command again" in result.output
    assert "Traceback" not in result.output
    with Library.open(root) as library, library.session() as session:
        assert session.scalars(select(Product.sku)).all() == []


def test_an_unexpected_database_error_is_still_shown_as_a_bug() -> None:
    """Only failures a user can act on become one line: a broken statement is a bug."""
    broken = OperationalError("SELECT nope", {}, sqlite3.OperationalError("no such column: nope"))
    assert db.database_failure(broken) is None
    inside = OperationalError("DROP", {}, sqlite3.OperationalError("database table is locked"))
    assert db.database_failure(inside) is None  # one connection in its own way: a bug
    full = OperationalError("INSERT", {}, sqlite3.OperationalError("database or disk is full"))
    failure = db.database_failure(full)
    assert failure is not None
    assert "the disk holding the catalog is full" in str(failure)
    # psycopg 3's words for a server name that does not resolve
    lost = OperationalError(
        "connect", {}, Exception("failed to resolve host 'db.shop.invalid': [Errno -2]")
    )
    failure = db.database_failure(lost)
    assert failure is not None
    assert "the catalog server cannot be reached" in str(failure)
