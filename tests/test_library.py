"""The library folder, its catalog and the migrations that build and upgrade it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import select, text

from pimdesk.catalog import migrate
from pimdesk.catalog.db import Base, make_engine
from pimdesk.catalog.models import Attribute, Family, Locale, Product
from pimdesk.catalog.search import search_products
from pimdesk.errors import LibraryError, LibraryLockedError
from pimdesk.library import Library


def test_new_library_has_its_files_and_small_shop_defaults(tmp_path: Path) -> None:
    root = tmp_path / "shop"
    with Library.open(root) as lib:
        assert (root / "library.toml").read_text().startswith("[database]")
        assert (root / "catalog.sqlite").exists()
        with lib.session() as s:
            assert [loc.code for loc in s.scalars(select(Locale))] == ["en_US"]
            codes = set(s.scalars(select(Attribute.code)))
            assert {"sku", "name", "description", "price", "brand", "gtin", "weight"} <= codes
            assert s.scalars(select(Family.code)).all() == ["default"]


def test_sqlite_catalog_uses_wal_foreign_keys_and_busy_timeout(library: Library) -> None:
    with library.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 5000


def test_migrations_have_one_head_and_match_the_models(any_library: Library) -> None:
    script = ScriptDirectory.from_config(migrate.alembic_config())
    assert len(script.get_heads()) == 1
    with any_library.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    # FTS shadow tables (and PostgreSQL's search table and its GIN index) are not models;
    # anything else must agree.
    diff = [
        d for d in diff if not (d[0] in {"remove_table", "remove_index"} and "search" in d[1].name)
    ]
    assert diff == []


def test_library_made_by_the_first_migration_is_upgraded_with_its_data(tmp_path: Path) -> None:
    root = tmp_path / "old"
    root.mkdir()
    db = root / "catalog.sqlite"
    (root / "library.toml").write_text(f'[database]\nurl = "sqlite:///{db}"\n')
    engine = make_engine(f"sqlite:///{db}")
    migrate.upgrade(engine, "0001_catalog")
    with engine.begin() as conn:
        conn.execute(
            text(
                'INSERT INTO product (sku, enabled, "values", revision, created_at, updated_at)'
                " VALUES ('OLD-1', 1, :v, 1, '2024-01-01', '2024-01-01')"
            ),
            {"v": '{"name": {"<all_channels>": {"en_US": "Old kettle"}}}'},
        )
    engine.dispose()

    with Library.open(root) as lib:
        assert migrate.current_revision(lib.engine) == migrate.head_revision()
        with lib.session() as s:
            product = s.scalars(select(Product).where(Product.sku == "OLD-1")).one()
            assert product.values["name"]["<all_channels>"]["en_US"] == "Old kettle"
            # The search migration indexes what was there before it.
            assert [h.sku for h in search_products(s, "kett")] == ["OLD-1"]
            assert [h.sku for h in search_products(s, "old-1")] == ["OLD-1"]
    backups = list((root / "backups").glob("before-migration-0001_catalog.sqlite"))
    assert backups, "a backup is taken before upgrading an existing catalog"
    check = sqlite3.connect(backups[0])
    assert check.execute("SELECT sku FROM product").fetchall() == [("OLD-1",)]
    check.close()


def test_a_failed_transaction_leaves_the_catalog_unchanged(library: Library) -> None:
    with pytest.raises(RuntimeError), library.session() as s:
        s.add(Product(sku="GONE-1"))
        s.flush()
        raise RuntimeError("boom")
    with library.session() as s:
        assert s.scalars(select(Product)).all() == []


def test_second_instance_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    first = Library.open(tmp_path / "lib")
    second = Library.open(tmp_path / "lib")
    try:
        first.acquire_instance_lock("the pimdesk window")
        with pytest.raises(LibraryLockedError, match="already open in the pimdesk window"):
            second.acquire_instance_lock("pimdesk watch")
        first.release_instance_lock()
        second.acquire_instance_lock("pimdesk watch")
    finally:
        first.close()
        second.close()


def test_unreadable_library_settings_name_the_file(tmp_path: Path) -> None:
    root = tmp_path / "broken"
    root.mkdir()
    (root / "library.toml").write_text("this is [not toml")
    with pytest.raises(LibraryError, match=r"library\.toml"):
        Library.open(root)


def test_opening_a_missing_library_without_create_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(LibraryError, match=r"pimdesk --library \S*nowhere init"):
        Library.open(tmp_path / "nowhere", create=False)
    assert not (tmp_path / "nowhere").exists()


def test_the_numbered_migration_files_name_alembics_head(tmp_path: Path) -> None:
    """Opening a library checks its schema against the newest numbered migration file without
    importing Alembic; that shortcut is only right while the files are chained in number order."""
    assert migrate.shipped_head() == migrate.head_revision()
    with Library.open(tmp_path / "lib") as lib:
        assert migrate.stored_revision(lib.engine) == migrate.shipped_head()
        assert migrate.upgrade(lib.engine) is False  # up to date: nothing applied
