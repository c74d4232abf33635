"""Watched folders: add, list, remove, and reconcile a folder with the catalog once.

Reconciling is what makes watching reliable: events get lost (nothing was running, the
inotify queue overflowed, a share dropped), so every ``watch add`` and every start of the
watcher walks the folder, ingests what is new or changed (files already ingested with the
same path, size and mtime are skipped cheaply by the ingest) and flags files that went away
as missing at source. A folder that is not there (or is an empty mount point while the
catalog knows files from it) is *offline*: nothing is marked missing because of that.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from pimdesk.catalog.db import utcnow
from pimdesk.catalog.models import AssetVersion, WatchedFolder
from pimdesk.errors import NotFoundError, PimdeskError
from pimdesk.events import Change
from pimdesk.services.ingest import (
    IngestEvent,
    IngestReport,
    ingest_paths,
    mark_missing_at_source,
    resolve_gone_problems,
)
from pimdesk.watch.filters import FolderFilter
from pimdesk.watch.scan import scan_folder

if TYPE_CHECKING:
    from pimdesk.library import Library

FRESH_SECONDS = 2.0  # a file modified this recently may still be being written


class WatchError(PimdeskError):
    """A folder that cannot be watched (missing, overlapping, inside the library, ...)."""


@dataclass(frozen=True)
class FolderInfo:
    """One watched folder as the CLI and GUI show it."""

    id: int
    path: str
    recursive: bool
    include: tuple[str, ...]
    exclude: tuple[str, ...]
    polling: bool
    last_scan_at: dt.datetime | None
    state: str = ""  # watching | idle | offline (filled by list_folders)

    @property
    def root(self) -> Path:
        return Path(self.path)

    @property
    def filter(self) -> FolderFilter:
        return FolderFilter(self.recursive, self.include, self.exclude)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "path": self.path,
            "recursive": self.recursive,
            "include": list(self.include),
            "exclude": list(self.exclude),
            "polling": self.polling,
            "state": self.state,
            "last_scan_at": self.last_scan_at.isoformat() if self.last_scan_at else None,
        }


@dataclass
class ReconcileReport:
    """What one pass over a folder did."""

    folder: str
    online: bool
    ingest: IngestReport | None = None
    missing_asset_ids: list[int] = field(default_factory=list)
    missing_paths: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    fresh: list[Path] = field(default_factory=list)  # still being written: left for later

    def to_json(self) -> dict[str, Any]:
        return {
            "folder": self.folder,
            "online": self.online,
            "ingest": self.ingest.to_dict() if self.ingest else None,
            "missing_asset_ids": self.missing_asset_ids,
            "missing_paths": self.missing_paths,
            "skipped": [{"path": p, "reason": r} for p, r in self.skipped],
            "still_being_written": [str(p) for p in self.fresh],
        }


def _info(row: WatchedFolder, state: str = "") -> FolderInfo:
    return FolderInfo(
        id=row.id,
        path=row.path,
        recursive=row.recursive,
        include=tuple(row.include or ()),
        exclude=tuple(row.exclude or ()),
        polling=row.polling,
        last_scan_at=row.last_scan_at,
        state=state,
    )


def _inside(child: Path, parent: Path) -> bool:
    return child == parent or parent in child.parents


def folders(library: Library) -> list[FolderInfo]:
    """The watched folders (without their state: cheap, for the watcher's loop)."""
    with library.session() as session:
        rows = session.scalars(select(WatchedFolder).order_by(WatchedFolder.path))
        return [_info(row) for row in rows]


def list_folders(library: Library) -> list[FolderInfo]:
    """Watched folders with their state: ``watching`` (a watcher runs on this library),
    ``idle`` (nothing watches right now) or ``offline`` (the folder is not there)."""
    running = watcher_running(library)
    found = []
    for info in folders(library):
        state = "offline" if not root_online(info.root) else "watching" if running else "idle"
        found.append(_info_with_state(info, state))
    return found


def _info_with_state(info: FolderInfo, state: str) -> FolderInfo:
    return FolderInfo(
        info.id,
        info.path,
        info.recursive,
        info.include,
        info.exclude,
        info.polling,
        info.last_scan_at,
        state,
    )


def watcher_running(library: Library) -> bool:
    """Is a ``pimdesk watch`` (or the GUI) holding this library's instance lock?"""
    from pimdesk.library import LOCK_NAME

    path = library.root / LOCK_NAME
    if not path.exists():
        return False
    with path.open("a+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return True
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
    return False


def add_folder(
    library: Library,
    path: Path | str,
    *,
    recursive: bool = True,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    polling: bool = False,
) -> FolderInfo:
    """Remember a folder to watch. Call :func:`reconcile` next to ingest what is there."""
    root = Path(path).expanduser()
    if not root.is_dir():
        raise WatchError(
            "no such folder" if not root.exists() else "not a folder",
            where=str(root),
            hint="give the folder the photographer saves into",
        )
    root = root.resolve()
    library_root = library.root.resolve()
    if _inside(root, library_root) or _inside(library_root, root):
        raise WatchError(
            "the folder and the pimdesk library contain one another",
            where=str(root),
            hint=f"watch a folder outside the library at {library_root}",
        )
    for pattern in (*include, *exclude):
        if not pattern or not pattern.strip():
            raise WatchError("an empty --include/--exclude pattern", where=str(root))
    with library.session() as session:
        for other in session.scalars(select(WatchedFolder)):
            existing = Path(other.path)
            if existing == root:
                raise WatchError(
                    "this folder is already watched",
                    where=str(root),
                    hint="'pimdesk watch remove' it first to change its options",
                )
            if _inside(root, existing) or _inside(existing, root):
                raise WatchError(
                    f"overlaps the watched folder {existing}",
                    where=str(root),
                    hint="watch the outer folder only (subfolders are included)",
                )
        row = WatchedFolder(
            path=str(root),
            recursive=recursive,
            include=list(include),
            exclude=list(exclude),
            polling=polling,
        )
        session.add(row)
        session.flush()
        info = _info(row)
    library.emit(Change("watch", detail=f"watching {root}"))
    return info


def remove_folder(library: Library, path: Path | str) -> FolderInfo:
    """Stop watching a folder; its assets stay as they are."""
    text = str(Path(path).expanduser())
    candidates = {text, str(Path(text).absolute())}
    with contextlib.suppress(OSError):
        candidates.add(str(Path(text).resolve()))
    with library.session() as session:
        row = session.scalars(
            select(WatchedFolder).where(WatchedFolder.path.in_(sorted(candidates)))
        ).first()
        if row is None:
            raise NotFoundError(
                "this folder is not watched", where=text, hint="see 'pimdesk watch list'"
            )
        info = _info(row)
        session.delete(row)
    library.emit(Change("watch", detail=f"stopped watching {info.path}"))
    return info


def get_folder(library: Library, path: Path | str) -> FolderInfo:
    root = str(Path(path).expanduser().resolve())
    for info in folders(library):
        if info.path == root:
            return info
    raise NotFoundError("this folder is not watched", where=root)


# -- online / offline ---------------------------------------------------------------------


def _catalog_paths_below(library: Library, root: Path) -> list[str]:
    """Source paths below ``root`` not yet marked missing, each once (a replaced file has
    one version per replacement, all read from the same path)."""
    prefix = str(root).rstrip(os.sep) + os.sep
    with library.session() as session:
        return list(
            session.scalars(
                select(AssetVersion.source_path)
                .where(
                    AssetVersion.source_path.startswith(prefix, autoescape=True),
                    AssetVersion.source_missing.is_(False),
                )
                .distinct()
            )
        )


def root_online(root: Path, *, mount_point: bool = False) -> bool:
    """Is the folder there and readable? ``mount_point``: the folder was a mount point when
    it was last seen online (a share): an unmounted share leaves an empty folder behind
    that is no mount point any more, and that counts as offline, not as "all deleted"."""
    try:
        if not root.is_dir():
            return False
        with os.scandir(root) as entries:
            next(iter(entries), None)
    except OSError:
        return False
    return os.path.ismount(root) if mount_point else True


# -- reconcile ------------------------------------------------------------------------------


def reconcile(
    library: Library,
    folder: FolderInfo,
    *,
    progress: Callable[[IngestEvent], None] | None = None,
    fresh_seconds: float = FRESH_SECONDS,
    mount_point: bool = False,
) -> ReconcileReport:
    """Bring the catalog in line with the folder once: ingest new and changed files, flag
    files that went away. Files modified in the last ``fresh_seconds`` may still be being
    copied: they are returned in ``fresh`` and left for the watcher (which waits until they
    are complete)."""
    root = folder.root
    report = ReconcileReport(folder=str(root), online=root_online(root, mount_point=mount_point))
    if not report.online:
        return report
    scanned = scan_folder(root, folder.filter)
    report.skipped = [(str(p), reason) for p, reason in scanned.skipped]
    now = time.time()
    complete: list[Path] = []
    for path in scanned.files:
        try:
            fresh = now - path.lstat().st_mtime < fresh_seconds
        except OSError:
            fresh = False
        (report.fresh if fresh else complete).append(path)
    if complete:
        report.ingest = ingest_paths(
            library, complete, progress=progress, source_root=root, skip_failed=True
        )
    report.missing_paths, report.missing_asset_ids = flag_missing(
        library, root, mount_point=mount_point
    )
    with library.session() as session:
        row = session.get(WatchedFolder, folder.id)
        if row is not None:
            row.last_scan_at = utcnow()
    return report


def flag_missing(
    library: Library,
    root: Path,
    paths: Sequence[Path] | None = None,
    *,
    mount_point: bool = False,
) -> tuple[list[str], list[int]]:
    """Mark as missing at source the catalog's files below ``root`` (or just ``paths``)
    that no longer exist, and resolve the problems of files that went, but only while
    ``root`` itself is online."""
    if not root_online(root, mount_point=mount_point):
        return [], []
    resolve_gone_problems(library, list(paths) if paths is not None else [root])
    known = _catalog_paths_below(library, root)
    if paths is not None:  # only these paths (files, or folders that went as a whole)
        asked = {str(p) for p in paths}
        folders = tuple(text.rstrip(os.sep) + os.sep for text in asked)
        known = [k for k in known if k in asked or k.startswith(folders)]
    gone = [text for text in known if not os.path.lexists(text)]
    if not gone:
        return [], []
    return gone, mark_missing_at_source(library, [Path(p) for p in gone])


def watch_status(library: Library) -> dict[str, Any]:
    """The ``watch`` section of ``pimdesk status``: the folders and whether a watcher runs."""
    found = list_folders(library)
    scans = [f.last_scan_at for f in found if f.last_scan_at is not None]
    return {
        "folders": len(found),
        "watcher_running": watcher_running(library),
        "offline": [f.path for f in found if f.state == "offline"],
        "last_scan_at": max(scans).isoformat() if scans else None,
    }


def _register_status() -> None:
    from pimdesk.services.status import STATUS_PROVIDERS

    if all(name != "watch" for name, _ in STATUS_PROVIDERS):
        STATUS_PROVIDERS.append(("watch", watch_status))


_register_status()
