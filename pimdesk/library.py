"""The library folder: where it is, what it holds, and opening it safely.

A library is a folder with ``library.toml`` (the catalog URL and little else), the SQLite
catalog (unless the URL points at PostgreSQL), the content-addressed ``objects/``, the
``thumbs/`` and the ``renditions/`` cache. Paths are resolved on demand, never at import.
"""

from __future__ import annotations

import os
import shlex
import tomllib
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
        return str(self.config["database"]["url"])

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
        small-shop defaults (see ``catalog.seed``).
        """
        if root is not None:  # a path the user typed: maybe a typo, so no demo offered
            hint = f"create one with: pimdesk --library {shlex.quote(str(root))} init"
        else:  # the default library on a first run
            hint = "create it with: pimdesk init, or try the demo shop: pimdesk demo"
        root = library_root(root)
        config_path = root / CONFIG_NAME
        if not config_path.exists():
            if not create:
                raise LibraryError("no pimdesk library here", where=str(root), hint=hint)
            if root.exists() and not root.is_dir():
                raise LibraryError("exists and is not a folder", where=str(root))
            root.mkdir(parents=True, exist_ok=True)
            url = database_url or os.environ.get("PIMDESK_DATABASE_URL", "")
            config = {"database": {"url": url}}
            if not config["database"]["url"]:
                config["database"]["url"] = f"sqlite:///{(root / CATALOG_NAME).resolve()}"
            config_path.write_text(tomli_w.dumps(config), encoding="utf-8")
        try:
            config = tomllib.loads(config_path.read_text(encoding="utf-8"))
            url = str(config["database"]["url"])
        except (tomllib.TOMLDecodeError, KeyError, TypeError) as exc:
            raise LibraryError(
                f"cannot read the library settings: {exc}",
                where=str(config_path),
                hint="it needs a [database] table with url = '...'",
            ) from exc
        engine = make_engine(url)
        library = cls(root, config, engine)
        library._prepare_schema()
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
            raise LibraryError(f"cannot open the catalog: {exc}", where=self.database_url) from exc
        if fresh:
            with self.session() as session:
                seed.seed_defaults(session)

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
