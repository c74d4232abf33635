"""Create and upgrade a catalog schema through the shipped Alembic migrations only.

A new catalog is built by running every migration from the first, so new and upgraded
catalogs are made by the same code path. Before upgrading an existing SQLite catalog a
backup copy is taken next to it, so a failed or interrupted migration loses nothing.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def shipped_head() -> str:
    """The newest migration by its numbered file name, read without importing Alembic.

    Every command opens the library and checks its schema; importing Alembic for that
    costs a fifth of a second of each ``pimdesk`` start. Migration files are numbered
    (``0006_tracking.py``) and chained in that order, which a test checks against Alembic's
    own idea of the head.
    """
    names = sorted(p.stem for p in (MIGRATIONS_DIR / "versions").glob("[0-9][0-9][0-9][0-9]_*.py"))
    return names[-1]


def stored_revision(engine: Engine) -> str | None:
    """The schema revision recorded in the catalog (None: no schema yet), by plain SQL."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def alembic_config(engine: Engine | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    if len(heads) != 1:
        raise RuntimeError(f"migrations must have exactly one head, found {heads}")
    return heads[0]


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def is_empty(engine: Engine) -> bool:
    return not inspect(engine).get_table_names()


def upgrade(engine: Engine, revision: str = "head", *, backup_dir: Path | None = None) -> bool:
    """Bring the schema to ``revision``; return True when anything was applied.

    ``backup_dir``: where to put a copy of a SQLite catalog before changing an existing
    schema (the library passes its own ``backups/`` folder).
    """
    if revision == "head" and stored_revision(engine) == shipped_head():
        return False  # the common case, every start: no Alembic import needed
    from alembic import command

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
