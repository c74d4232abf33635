"""Keeping a catalog safe: backups and integrity checks (``pimdesk backup`` / ``check``).

``backup`` copies a live SQLite catalog with SQLite's online backup API, which gives a
consistent snapshot even while the GUI or a watcher writes (WAL). For PostgreSQL the tool
is ``pg_dump``; it is run when it is on PATH, otherwise the error says so.

``check`` reports findings rather than raising: the storage engine's own checks (SQLite
``integrity_check``, ``foreign_key_check``, the FTS index's ``integrity-check``) and
catalog-level ones a database cannot know about (variants whose parent is gone, values of
attributes that no longer exist, products missing from the search index). Areas add their
own checks to :data:`CHECKS`.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from pimdesk.catalog.search import SEARCH_TABLE
from pimdesk.errors import PimdeskError

if TYPE_CHECKING:
    from pimdesk.library import Library


class BackupError(PimdeskError):
    """A backup could not be written."""


@dataclass(frozen=True)
class BackupResult:
    path: str
    bytes: int
    engine: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Finding:
    """One thing ``check`` found wrong. ``check`` names what was checked."""

    check: str
    message: str
    where: str = ""
    severity: str = "error"  # error | warning

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        where = f"{self.where}: " if self.where else ""
        return f"[{self.check}] {where}{self.message}"


# -- backup -------------------------------------------------------------------------------


def backup(library: Library, dest: Path | str, *, overwrite: bool = False) -> BackupResult:
    """Write a consistent copy of the catalog to ``dest`` (a file path).

    Refuses to replace an existing file unless ``overwrite``; the copy is written next to
    ``dest`` first and renamed into place, so a failed backup never leaves half a file
    where the old backup was.
    """
    dest = Path(dest).expanduser()
    if dest.is_dir():
        raise BackupError(
            "is a folder", where=str(dest), hint="give a file name, e.g. pimdesk-backup.sqlite"
        )
    if dest.exists() and not overwrite:
        raise BackupError(
            "already exists; nothing was written",
            where=str(dest),
            hint="choose another name, or pass --overwrite to replace it",
        )
    if not dest.parent.exists():
        raise BackupError("the folder does not exist", where=str(dest.parent))
    if library.is_sqlite:
        return _backup_sqlite(library, dest)
    return _backup_postgres(library, dest)


def _backup_sqlite(library: Library, dest: Path) -> BackupResult:
    database = library.engine.url.database
    if not database:
        raise BackupError("an in-memory catalog cannot be backed up", where=library.database_url)
    partial = dest.with_name(f".{dest.name}.partial")
    try:
        source = sqlite3.connect(database)
        try:
            target = sqlite3.connect(partial)
            try:
                source.backup(target)
                # A self-contained file: no -wal beside it is needed to read the copy.
                target.execute("PRAGMA journal_mode=DELETE")
            finally:
                target.close()
        finally:
            source.close()
        partial.replace(dest)
    except (sqlite3.Error, OSError) as exc:
        partial.unlink(missing_ok=True)
        raise BackupError(f"backup failed: {exc}", where=str(dest)) from exc
    return BackupResult(path=str(dest), bytes=dest.stat().st_size, engine="sqlite")


def _backup_postgres(library: Library, dest: Path) -> BackupResult:
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise BackupError(
            "a PostgreSQL catalog is backed up with pg_dump, which is not on PATH",
            where=library.database_url.split("@")[-1],
            hint="install the PostgreSQL client tools, or run pg_dump -Fc on the server",
        )
    url = library.engine.url.set(drivername="postgresql")
    partial = dest.with_name(f".{dest.name}.partial")
    result = subprocess.run(
        [
            pg_dump,
            "--format=custom",
            "--file",
            str(partial),
            "--dbname",
            url.render_as_string(hide_password=False),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        partial.unlink(missing_ok=True)
        message = (result.stderr.strip().splitlines() or ["pg_dump failed"])[-1]
        raise BackupError(message, where=str(dest))
    partial.replace(dest)
    return BackupResult(path=str(dest), bytes=dest.stat().st_size, engine="postgresql")


# -- check --------------------------------------------------------------------------------

Check = Callable[["Library", Connection], list[Finding]]


def _sqlite_integrity(library: Library, conn: Connection) -> list[Finding]:
    if not library.is_sqlite:
        return []
    findings = []
    for (line,) in conn.exec_driver_sql("PRAGMA integrity_check").all():
        if line != "ok":
            findings.append(Finding("integrity", str(line), where="catalog.sqlite"))
    for table, rowid, parent, _fk in conn.exec_driver_sql("PRAGMA foreign_key_check").all():
        findings.append(
            Finding(
                "foreign_keys",
                f"row {rowid} points at a missing {parent}",
                where=str(table),
            )
        )
    return findings


def _search_index(library: Library, conn: Connection) -> list[Finding]:
    findings = []
    if library.is_sqlite:
        try:
            conn.exec_driver_sql(
                f"INSERT INTO {SEARCH_TABLE}({SEARCH_TABLE}) VALUES ('integrity-check')"
            )
        except Exception as exc:  # sqlite reports corruption as an error
            findings.append(
                Finding("search_index", f"the full-text index is damaged: {exc}", SEARCH_TABLE)
            )
        key = "rowid"
    else:
        key = "product_id"
    unindexed = conn.execute(
        text(f"SELECT count(*) FROM product WHERE id NOT IN (SELECT {key} FROM {SEARCH_TABLE})")
    ).scalar_one()
    if unindexed:
        findings.append(
            Finding(
                "search_index",
                f"{unindexed} product(s) are missing from the search index",
                SEARCH_TABLE,
                severity="warning",
            )
        )
    stale = conn.execute(
        text(f"SELECT count(*) FROM {SEARCH_TABLE} WHERE {key} NOT IN (SELECT id FROM product)")
    ).scalar_one()
    if stale:
        findings.append(
            Finding(
                "search_index",
                f"{stale} index row(s) belong to deleted products",
                SEARCH_TABLE,
                severity="warning",
            )
        )
    return findings


def _catalog_consistency(library: Library, conn: Connection) -> list[Finding]:
    findings = []
    orphans = conn.execute(
        text(
            "SELECT p.sku FROM product p LEFT JOIN product_model m ON m.id = p.parent_id "
            "WHERE p.parent_id IS NOT NULL AND m.id IS NULL ORDER BY p.sku"
        )
    ).all()
    for (sku,) in orphans:
        findings.append(Finding("variants", "variant whose parent model is missing", sku))
    orphan_models = conn.execute(
        text(
            "SELECT c.code FROM product_model c LEFT JOIN product_model m ON m.id = c.parent_id "
            "WHERE c.parent_id IS NOT NULL AND m.id IS NULL ORDER BY c.code"
        )
    ).all()
    for (code,) in orphan_models:
        findings.append(Finding("variants", "sub-model whose parent model is missing", code))

    known = {code for (code,) in conn.execute(text("SELECT code FROM attribute"))}
    unknown: dict[str, list[str]] = {}
    for table, ident in (("product", "sku"), ("product_model", "code")):
        for identifier, values in conn.execute(
            text(f'SELECT {ident}, "values" FROM {table}')
        ).all():
            document = json.loads(values) if isinstance(values, str) else values
            if not isinstance(document, Mapping):
                findings.append(
                    Finding("values", "the value document is not an object", identifier)
                )
                continue
            for attribute in document:
                if attribute not in known:
                    unknown.setdefault(attribute, []).append(identifier)
    for attribute, identifiers in sorted(unknown.items()):
        shown = ", ".join(identifiers[:5]) + (" ..." if len(identifiers) > 5 else "")
        findings.append(
            Finding(
                "values",
                f"{len(identifiers)} product(s) hold values of the unknown attribute "
                f"{attribute!r} ({shown})",
                attribute,
            )
        )
    return findings


def _asset_files(library: Library, conn: Connection) -> list[Finding]:
    """Every asset version's original in ``objects/`` and thumbnail in ``thumbs/``.

    One query and stat calls only (no hashing): fast enough for 300,000 versions. A missing
    original is an error (publishing fails on it); a missing thumbnail is a warning.
    """
    from pimdesk.assets.store import object_relpath, thumb_relpath

    findings = []
    root = Path(library.root)
    rows = conn.execute(
        text(
            "SELECT asset_id, number, sha256, extension FROM asset_version "
            "ORDER BY asset_id, number"
        )
    )
    for asset_id, number, sha256, extension in rows:
        where = f"asset {asset_id} version {number}"
        original = object_relpath(sha256, extension)
        if not (root / original).is_file():
            findings.append(
                Finding(
                    "asset_files",
                    f"the original {original} is missing from the library; restore it from "
                    "a backup of the library folder, or ingest the file again",
                    where,
                )
            )
        thumb = thumb_relpath(sha256)
        if not (root / thumb).is_file():
            findings.append(
                Finding(
                    "asset_files",
                    f"the thumbnail {thumb} is missing; ingest the original again to regenerate it",
                    where,
                    severity="warning",
                )
            )
    return findings


CHECKS: list[Check] = [_sqlite_integrity, _search_index, _catalog_consistency, _asset_files]


def check(library: Library) -> list[Finding]:
    """Every finding of every check; an empty list means the catalog is sound."""
    findings: list[Finding] = []
    with library.engine.connect() as conn:
        for run in CHECKS:
            findings.extend(run(library, conn))
            conn.rollback()
    return findings


def rebuild_search_index(library: Library) -> int:
    """Index every product afresh (``pimdesk check --repair``); return how many."""
    from pimdesk.catalog.search import reindex_all

    with library.session() as session:
        return reindex_all(session, recreate=True)
