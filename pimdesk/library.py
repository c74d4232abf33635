"""The library folder: where it is, what it holds, and opening it safely.

A library is a folder with ``library.toml`` (where the catalog is, and little else), the
SQLite catalog (unless the settings name a PostgreSQL URL), the content-addressed
``objects/``, the ``thumbs/`` and the ``renditions/`` cache. Paths are resolved on demand,
never at import, and recorded relative to the folder, so a copied, moved or restored folder
opens with its own catalog (``library_config``).
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import tomli_w
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from pimdesk.catalog import migrate
from pimdesk.catalog.db import make_engine, make_session_factory, transaction
from pimdesk.errors import LibraryError, LibraryLockedError
from pimdesk.events import Change, EventBus
from pimdesk.library_config import (
    locate_catalog,
    new_config,
    read_config,
    rewrite_catalog_entry,
)
from pimdesk.locations import CATALOG_NAME, CONFIG_NAME, LOCK_NAME, library_root


class Library:
    """An open library: its folders, its catalog engine and sessions, its change events."""

    def __init__(self, root: Path, config: dict[str, Any], engine: Engine):
        self.root = root
        self.config = config
        self.engine = engine
        self.sessions: sessionmaker[Session] = make_session_factory(engine)
        self.events = EventBus()
        self._lock_file: IO[str] | None = None

    # -- folders -------------------------------------------------------------------------

    @property
    def objects_dir(self) -> Path:
        return self.root / "objects"

    @property
    def thumbs_dir(self) -> Path:
        return self.root / "thumbs"

    @property
    def renditions_dir(self) -> Path:
        return self.root / "renditions"

    @property
    def backups_dir(self) -> Path:
        return self.root / "backups"

    @property
    def database_url(self) -> str:
        """The catalog's URL as opened (a password shown as ***)."""
        return self.engine.url.render_as_string(hide_password=True)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.url.get_backend_name() == "sqlite"

    # -- opening -------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        root: Path | str | None = None,
        *,
        create: bool = True,
        database_url: str | None = None,
    ) -> Library:
        """Open (and by default create) the library at ``root``; upgrade an older schema.

        ``create=False`` opens an existing library only: a folder without ``library.toml``
        raises :class:`LibraryError` and nothing is written (the CLI's commands other than
        ``init`` and ``demo``, so a mistyped ``--library`` does not start an empty library).

        ``database_url`` only matters when the library is created: the team setup points it
        at PostgreSQL (or ``$PIMDESK_DATABASE_URL`` does). A new catalog gets the
        small-shop defaults (see ``catalog.seed``). An existing library whose SQLite catalog
        file is gone raises :class:`LibraryError` naming it, rather than starting an empty
        catalog in its place; settings of older versions that name the catalog by absolute
        path are read and rewritten as ``library_config`` describes.
        """
        if root is not None:  # a path the user typed: maybe a typo, so no demo offered
            hint = f"create one with: pimdesk --library {shlex.quote(str(root))} init"
        else:  # the default library on a first run
            hint = "create it with: pimdesk init, or try the demo shop: pimdesk demo"
        root = library_root(root)
        config_path = root / CONFIG_NAME
        created = False
        if not config_path.exists():
            if not create:
                raise LibraryError("no pimdesk library here", where=str(root), hint=hint)
            if root.exists() and not root.is_dir():
                raise LibraryError("exists and is not a folder", where=str(root))
            root.mkdir(parents=True, exist_ok=True)
            url = database_url or os.environ.get("PIMDESK_DATABASE_URL", "")
            config_path.write_text(tomli_w.dumps(new_config(root, url)), encoding="utf-8")
            created = True
        config = read_config(config_path)
        location = locate_catalog(root, config)
        if location.path is not None and not location.path.is_file():
            if not created:
                raise _missing_catalog(root, location.path)
            location.path.parent.mkdir(parents=True, exist_ok=True)
        engine = make_engine(location.url)
        library = cls(root, config, engine)
        library._prepare_schema()
        library._relocate_outputs(location.former_root)
        # Rewritten only once the catalog opened and what pointed into the former folder
        # was moved over: should either fail, the next open works it out again.
        if location.relative is not None and rewrite_catalog_entry(
            config_path, config, location.relative
        ):
            library.config = read_config(config_path)
        from pimdesk.services import wiring

        wiring.connect_all(library)
        return library

    def _prepare_schema(self) -> None:
        from pimdesk.catalog import seed

        try:
            fresh = migrate.is_empty(self.engine)
            migrate.upgrade(self.engine, backup_dir=self.backups_dir)
        except Exception as exc:  # unreachable server, unreadable file, ...
            if isinstance(exc, LibraryError):
                raise
            raise self._cannot_open(exc) from exc
        if fresh:
            with self.session() as session:
                seed.seed_defaults(session)

    def _relocate_outputs(self, former_root: Path | None) -> None:
        """Channel output folders inside this folder (or the one it was copied or moved
        from) are stored relative to it, so they travel with the folder."""
        from pimdesk.channels.output_location import relocate_outputs

        with self.session() as session:
            relocate_outputs(session, self.root, [former_root] if former_root else [])

    def _cannot_open(self, exc: Exception) -> LibraryError:
        """The catalog named (the file, or the server without the password) and what to do;
        the driver's own words, without SQLAlchemy's statement and documentation link."""
        reason = _driver_message(exc)
        database = self.engine.url.database
        if self.is_sqlite and database:
            return LibraryError(
                f"cannot open the catalog: {reason}",
                where=database,
                hint="check that the file and its folder exist and can be written; restore it "
                "from a backup (pimdesk backup) if it is damaged",
            )
        return LibraryError(
            f"cannot open the catalog: {reason}",
            where=self.database_url.split("@")[-1],
            hint=f"check that the database server runs and the url in {self.root / CONFIG_NAME}",
        )

    def close(self) -> None:
        self.release_instance_lock()
        self.engine.dispose()

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- work ----------------------------------------------------------------------------

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A transaction: committed when the block ends, rolled back entirely on error."""
        with transaction(self.sessions) as session:
            yield session

    def emit(self, change: Change) -> None:
        self.events.emit(change)

    # -- one app instance per library ----------------------------------------------------

    def acquire_instance_lock(self, purpose: str) -> None:
        """Refuse a second long-running instance (GUI or watcher) on the same library.

        An OS file lock, so a killed process never leaves a stale lock behind.
        """
        import fcntl

        path = self.root / LOCK_NAME
        handle = path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.seek(0)
            holder = handle.read().strip() or "another pimdesk process"
            handle.close()
            raise LibraryLockedError(
                f"the library is already open in {holder}",
                where=str(self.root),
                hint="close the other pimdesk window or watcher first",
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{purpose} (pid {os.getpid()})")
        handle.flush()
        self._lock_file = handle

    def release_instance_lock(self) -> None:
        if self._lock_file is not None:
            self._lock_file.close()
            self._lock_file = None


def _driver_message(exc: BaseException) -> str:
    """The database driver's message (SQLAlchemy wraps it with the statement and a link)."""
    original = getattr(exc, "orig", None)
    text = str(original if original is not None else exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _missing_catalog(root: Path, path: Path) -> LibraryError:
    """An existing library whose catalog file is gone: say so rather than start an empty one."""
    own = root / CATALOG_NAME
    if path.parent.resolve() == root.resolve():
        hint = (
            f"copy the catalog back into the library folder as {path.name}, or restore a "
            f"backup there (pimdesk backup writes one); to start afresh instead, remove "
            f"{root / CONFIG_NAME} and run pimdesk init"
        )
    else:
        hint = (
            f"the library settings {root / CONFIG_NAME} point there: restore the file, or "
            f"point them at another catalog (catalog = '{own.name}' for one in the folder)"
        )
    return LibraryError("the catalog file is missing", where=str(path), hint=hint)
