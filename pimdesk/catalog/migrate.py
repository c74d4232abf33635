"""Create and upgrade a catalog schema through the shipped Alembic migrations only.

A new catalog is built by running every migration from the first, so new and upgraded
catalogs are made by the same code path. Before upgrading an existing SQLite catalog a
backup copy is taken next to it, so a failed or interrupted migration loses nothing.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def head_revision() -> str:
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    if len(heads) != 1:
        raise RuntimeError(f"migrations must have exactly one head, found {heads}")
    return heads[0]


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def is_empty(engine: Engine) -> bool:
    return not inspect(engine).get_table_names()


def upgrade(engine: Engine, revision: str = "head", *, backup_dir: Path | None = None) -> bool:
    """Bring the schema to ``revision``; return True when anything was applied.

    ``backup_dir``: where to put a copy of a SQLite catalog before changing an existing
    schema (the library passes its own ``backups/`` folder).
    """
    current = current_revision(engine)
    target = head_revision() if revision == "head" else revision
    if current == target:
        return False
    if current is not None and backup_dir is not None and engine.url.get_backend_name() == "sqlite":
        backup_sqlite(engine, backup_dir / f"before-migration-{current}.sqlite")
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    return True


def backup_sqlite(engine: Engine, destination: Path) -> Path:
    """Copy a live SQLite catalog with the online backup API (consistent even under WAL)."""
    database = engine.url.database
    if not database:
        raise ValueError("not a file-backed SQLite catalog")
    destination.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(database)
    try:
        target = sqlite3.connect(destination)
        try:
            source.backup(target)
        finally:
            target.close()
    finally:
        source.close()
    return destination
