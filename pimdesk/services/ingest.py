"""Ingest use-cases: files and folders in, source files deleted or moved.

The watcher, the CLI (``pimdesk ingest``) and the GUI (drag and drop) all call these.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import or_, select

from pimdesk.assets import pipeline, records
from pimdesk.assets.outcomes import FileOutcome, IngestEvent, IngestReport
from pimdesk.catalog.models import AssetVersion
from pimdesk.events import Change

if TYPE_CHECKING:
    from pimdesk.assets.readers import HeadStart
    from pimdesk.library import Library

__all__ = [
    "FileOutcome",
    "IngestEvent",
    "IngestReport",
    "ingest_paths",
    "mark_missing_at_source",
    "resolve_gone_problems",
    "source_moved",
]


def ingest_paths(
    library: Library,
    paths: Sequence[Path],
    *,
    progress: Callable[[IngestEvent], None] | None = None,
    source_root: Path | None = None,
    workers: int | None = None,
    skip_failed: bool = False,
    head_start: HeadStart | None = None,
) -> IngestReport:
    """Ingest files and folders (recursively) through the filename rules.

    Every file gets one outcome (new asset, new version, identical, relinked, unmatched or
    problem). ``source_root`` is the folder the rules see paths relative to (a watched
    folder); by default a folder argument is its own root and a file's name is used alone.
    ``skip_failed`` (what a reconciliation asks): files whose bytes failed before and that
    have not changed since are reported as problems again without being read.
    ``head_start``: workers the caller started on the first files before the catalog was
    open (:class:`pimdesk.assets.readers.HeadStart`); they are taken over.
    """
    return pipeline.run(
        library,
        [Path(p) for p in paths],
        progress=progress,
        source_root=source_root,
        workers=workers,
        skip_failed=skip_failed,
        head_start=head_start,
    )


def resolve_gone_problems(library: Library, paths: Sequence[Path]) -> list[str]:
    """The watcher or a reconciliation saw these files (or files below these folders) go:
    their problems are no longer current. Only call it while their folder is online."""
    with library.session() as session:
        gone = records.resolve_gone_problems(session, [str(Path(p).absolute()) for p in paths])
    if gone:
        library.emit(Change(kind="ingest", detail=f"{len(gone)} problems resolved (files gone)"))
    return gone


PATHS_PER_QUERY = 200


def _path_filter(paths: Sequence[Path]) -> list[object]:
    """Versions whose source is one of these paths or lies below one of them (a folder)."""
    clauses: list[object] = []
    for path in paths:
        text = str(Path(path).absolute())
        clauses.append(AssetVersion.source_path == text)
        # autoescape: a folder name's "_" or "%" is no wildcard ("shoot/A_B" must not take
        # "shoot/AxB" along); SQLite's LIKE also ignores case, so _below() checks again
        clauses.append(
            AssetVersion.source_path.startswith(text.rstrip(os.sep) + os.sep, autoescape=True)
        )
    return clauses


def _below(version: AssetVersion, paths: Sequence[Path]) -> bool:
    """The version's source is one of ``paths`` or inside one of them, case and all."""
    for path in paths:
        text = str(Path(path).absolute())
        if version.source_path == text or version.source_path.startswith(
            text.rstrip(os.sep) + os.sep
        ):
            return True
    return False


def mark_missing_at_source(library: Library, paths: Sequence[Path]) -> list[int]:
    """The photographer deleted these files (or folders): keep the assets, flag the versions.

    The originals stay in the library, so nothing a channel shows changes. Returns the ids
    of the assets whose versions were flagged.
    """
    if not paths:
        return []
    with library.session() as session:
        versions = []
        # In chunks: SQLite refuses an expression deeper than 1,000 terms (two per path), and
        # a folder of photos deleted while nothing watched can be thousands of paths.
        for start in range(0, len(paths), PATHS_PER_QUERY):
            chunk = paths[start : start + PATHS_PER_QUERY]
            versions.extend(
                v
                for v in session.scalars(
                    select(AssetVersion).where(
                        or_(*_path_filter(chunk)),  # type: ignore[arg-type]
                        AssetVersion.source_missing.is_(False),
                    )
                )
                if _below(v, chunk)
            )
        for version in versions:
            version.source_missing = True
        asset_ids = sorted({v.asset_id for v in versions})
    if asset_ids:
        library.emit(Change(kind="ingest", asset_ids=frozenset(asset_ids), detail="source missing"))
    return asset_ids


def source_moved(library: Library, old: Path, new: Path) -> list[int]:
    """A file or folder was moved or renamed (same bytes): the versions follow it.

    No duplicate asset is made; the links stay as they are (rename a file to change its
    match, then run ``assets rematch`` for inbox files). Returns the asset ids touched.
    """
    old_text = str(Path(old).absolute())
    new_text = str(Path(new).absolute())
    with library.session() as session:
        query = select(AssetVersion).where(or_(*_path_filter([old])))  # type: ignore[arg-type]
        versions = [v for v in session.scalars(query) if _below(v, [old])]
        for version in versions:
            version.source_path = new_text + version.source_path[len(old_text) :]
            version.source_missing = not os.path.exists(version.source_path)
        asset_ids = sorted({v.asset_id for v in versions})
    if asset_ids:
        library.emit(Change(kind="ingest", asset_ids=frozenset(asset_ids), detail="source moved"))
    return asset_ids
