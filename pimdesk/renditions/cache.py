"""The rendition cache: ``<library>/renditions/<profile>/<ab>/<sha256>-<profile hash>.<ext>``.

Keyed by the original version's content hash and the profile's content hash, so a
rendition is made once and remade only when the photo or the profile changes. Missing files
are rendered on all cores (a process pool; paths in, paths out: workers never see the
catalog) and recorded in the ``rendition`` table with their pixel size, so listings are
built without reopening images. The folder is safe to delete: everything is made again.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
from collections.abc import Iterable
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pimdesk.catalog.models import Rendition
from pimdesk.renditions.pipeline import render_job
from pimdesk.renditions.profiles import RenditionProfile

# Below this many missing renditions a pool costs more (worker start-up) than it saves.
POOL_THRESHOLD = 3


@dataclass(frozen=True)
class RenditionFile:
    """A rendition on disk (or the reason it could not be made: ``error``)."""

    sha256: str
    path: Path
    width: int
    height: int
    size: int
    error: str | None = None


@dataclass(frozen=True)
class RenditionSource:
    sha256: str
    path: Path  # the original in objects/


def cache_path(root: Path, profile: RenditionProfile, sha256: str) -> Path:
    return (
        root / profile.name / sha256[:2] / f"{sha256}-{profile.content_hash()}.{profile.extension}"
    )


class RenditionCache:
    """Renders and finds renditions for one library (``root`` = its renditions folder)."""

    def __init__(self, root: Path, *, workers: int | None = None):
        self.root = root
        self.workers = workers or os.cpu_count() or 1

    def path_for(self, profile: RenditionProfile, sha256: str) -> Path:
        return cache_path(self.root, profile, sha256)

    def ensure(
        self,
        session: Session,
        profile: RenditionProfile,
        sources: Iterable[RenditionSource],
    ) -> dict[str, RenditionFile]:
        """Every source's rendition (by sha256), rendering only what is missing or stale.

        Writes ``rendition`` index rows in ``session``; the caller commits.
        """
        wanted: dict[str, RenditionSource] = {s.sha256: s for s in sources}
        if not wanted:
            return {}
        profile_hash = profile.content_hash()
        known: dict[str, Rendition] = {}
        shas = sorted(wanted)
        for start in range(0, len(shas), 900):
            chunk = shas[start : start + 900]
            rows = session.scalars(
                select(Rendition).where(
                    Rendition.profile_hash == profile_hash, Rendition.sha256.in_(chunk)
                )
            )
            known.update({row.sha256: row for row in rows})
        result: dict[str, RenditionFile] = {}
        missing: list[RenditionSource] = []
        for sha, source in wanted.items():
            path = self.path_for(profile, sha)
            row = known.get(sha)
            if row is not None and path.exists():
                result[sha] = RenditionFile(sha, path, row.width, row.height, row.size)
            else:
                missing.append(source)
        new_rows: list[dict[str, Any]] = []
        for sha, width, height, size, error in self._render(profile, missing):
            path = self.path_for(profile, sha)
            if error is not None:
                result[sha] = RenditionFile(sha, path, 0, 0, 0, error)
                continue
            result[sha] = RenditionFile(sha, path, width, height, size)
            row = known.get(sha)
            if row is None:
                new_rows.append(
                    {
                        "sha256": sha,
                        "profile_hash": profile_hash,
                        "profile": profile.name,
                        "extension": profile.extension,
                        "width": width,
                        "height": height,
                        "size": size,
                    }
                )
            else:
                row.width, row.height, row.size = width, height, size
        if new_rows:
            _insert_ignoring_duplicates(session, new_rows)
        return result

    def _render(
        self, profile: RenditionProfile, missing: list[RenditionSource]
    ) -> list[tuple[str, int, int, int, str | None]]:
        if not missing:
            return []
        data = profile.to_dict()
        jobs = [
            (s.sha256, str(s.path), str(self.path_for(profile, s.sha256)), data) for s in missing
        ]
        if len(jobs) < POOL_THRESHOLD or self.workers <= 1:
            return [render_job(job) for job in jobs]
        with _pool(min(self.workers, len(jobs))) as pool:
            return list(
                pool.map(render_job, jobs, chunksize=max(1, len(jobs) // (self.workers * 8)))
            )


def _insert_ignoring_duplicates(session: Session, rows: list[dict[str, Any]]) -> None:
    """Index rows for new renditions. Another process (the watcher and a CLI publish) may
    have rendered the same file a moment ago: the same key means the same bytes, so a
    duplicate is skipped rather than failing the publish."""
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    elif dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:  # pragma: no cover - the two engines pimdesk supports
        session.add_all([Rendition(**row) for row in rows])
        return
    now = dt.datetime.now(dt.UTC)
    statement = dialect_insert(Rendition).on_conflict_do_nothing(
        index_elements=["sha256", "profile_hash"]
    )
    session.execute(statement, [{**row, "created_at": now} for row in rows])


def _pool(workers: int) -> Executor:
    # spawn, not fork: the watcher and the GUI run threads, and forking a threaded process
    # can copy a held lock into the child.
    from pimdesk.subprocesses import background_worker

    return ProcessPoolExecutor(
        workers, mp_context=multiprocessing.get_context("spawn"), initializer=background_worker
    )


def rendition_cache(library: Any) -> RenditionCache:
    """The cache of an open library."""
    return RenditionCache(library.renditions_dir)
