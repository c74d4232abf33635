"""The ingest pipeline as a list of stages, run over many files with bounded work in flight.

    expand -> quick skip (same path, size, mtime already recorded) -> [worker: stat/stable,
    hash, known bytes?, metadata + thumbnail, copy to objects/] -> match rules + write rows
    (one writer, one transaction per batch) -> one Change event per batch

The worker stage is the CPU cost; it runs in a process pool over all cores and receives
paths, never images. At most ``2 x workers`` files are in flight, so memory stays flat
however many files arrive. Small runs (a single dropped photo) skip the pool and run
in-process so the photo is live at once. The listing (:mod:`pimdesk.assets.walk`) and the
workers (:mod:`pimdesk.assets.readers`) live apart from the catalog's imports, so the
command line can start reading before the catalog is open.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from pimdesk.assets import outcomes as oc
from pimdesk.assets.analyse import FileResult, process_file
from pimdesk.assets.matching import Matcher, load_matcher
from pimdesk.assets.names import natural_key
from pimdesk.assets.readers import HeadStart, analyse_all
from pimdesk.assets.records import (
    PendingFile,
    ProductIndex,
    Writer,
    resolve_gone_problems,
    unchanged_failures,
)
from pimdesk.assets.walk import Candidate, bad_name, expand
from pimdesk.catalog.models import AssetVersion
from pimdesk.catalog.revisions import touch_assets, touch_products
from pimdesk.events import Change

if TYPE_CHECKING:
    from pimdesk.library import Library

log = logging.getLogger(__name__)

ProgressCallback = Callable[[oc.IngestEvent], None]

UNCHANGED_FAILURE = "unchanged since it failed, not read again"
BATCH_FILES = 32
BATCH_SECONDS = 0.5


# -- stage 2: quick skip (stage 1, expand: pimdesk.assets.walk) ---------------------------


def already_recorded(session: Session, candidates: list[Candidate]) -> set[str]:
    """Paths whose size and mtime match the version recorded from them: no need to hash."""
    by_path: dict[str, tuple[int, float | None]] = {}
    texts = [str(c.path) for c in candidates]
    for start in range(0, len(texts), 500):
        rows = session.execute(
            select(AssetVersion.source_path, AssetVersion.size, AssetVersion.source_mtime).where(
                AssetVersion.source_path.in_(texts[start : start + 500]),
                AssetVersion.source_missing.is_(False),
            )
        ).all()
        by_path.update({p: (s, m) for p, s, m in rows})
    same: set[str] = set()
    for text in by_path.keys() & set(texts):
        try:
            st = os.stat(text)
        except OSError:
            continue
        size, mtime = by_path[text]
        if st.st_size == size and mtime is not None and st.st_mtime == mtime:
            same.add(text)
    return same


# -- stage 4: match + write (stage 3, the workers: pimdesk.assets.readers) -----------------


class Batches:
    """Collects worker results and writes them in one transaction per batch."""

    def __init__(self, library: Library, matcher: Matcher, products: ProductIndex):
        self.library = library
        self.matcher = matcher
        self.products = products
        self.report = oc.IngestReport()

    def write(self, items: list[PendingFile]) -> list[oc.FileOutcome]:
        try:
            return self._write(items)
        except Exception as exc:  # one bad row must not sink the batch: retry one by one
            if len(items) == 1:
                log.exception("cannot record %s", items[0].result.path)
                return self._write([], problems=[(items[0].result.path, f"cannot record: {exc}")])
            with self.library.session() as session:
                self.products = ProductIndex.load(session)
            outcomes: list[oc.FileOutcome] = []
            for item in items:
                outcomes.extend(self.write([item]))
            return outcomes

    def _order(self, item: PendingFile) -> tuple[bool, tuple[tuple[int, int, str], ...]]:
        """Names that give a position first, so A_main_1.jpg takes main 1 before a camera's
        A/IMG_0001.jpg of the same batch is given the next free one (else the hero would
        replace it); then name order, not the order the workers finished, so IMG_4411,
        IMG_4412 take the free positions in turn."""
        match = self.matcher(item.relative, self.products.skus)
        return match.next_free, natural_key(item.relative)

    def _write(
        self, items: list[PendingFile], problems: list[tuple[str, str]] | None = None
    ) -> list[oc.FileOutcome]:
        root = str(self.library.root)
        with self.library.session() as session:
            writer = Writer(session, self.matcher, self.products)
            writer.prefetch([item.result.sha256 for item in items if item.result.sha256])
            writer.prefetch_paths([item.result.path for item in items if item.result.sha256])
            outcomes = []
            for item in sorted(items, key=self._order):
                if item.result.sha256 and not item.result.analysed:
                    known = session.scalar(
                        select(AssetVersion.id)
                        .where(AssetVersion.sha256 == item.result.sha256)
                        .limit(1)
                    )
                    if known is None:  # in the store but not in the catalog: read it again
                        item = PendingFile(
                            process_file(item.result.path, root, True), item.relative
                        )
                outcomes.append(writer.record(item))
            for path, reason in problems or []:
                outcomes.append(writer.problem(path, reason))
            writer.finish()
            outcomes = writer.completed(outcomes)
            product_ids = touch_assets(session, writer.asset_ids)
            product_ids |= touch_products(session, writer.product_ids - product_ids)
        self.report.files.extend(outcomes)
        self.report.asset_ids |= writer.asset_ids
        self.report.product_ids |= product_ids
        if writer.asset_ids or product_ids:
            self.library.emit(
                Change(
                    kind="ingest",
                    asset_ids=frozenset(writer.asset_ids),
                    product_ids=frozenset(product_ids),
                )
            )
        return outcomes


def run(
    library: Library,
    paths: Sequence[Path],
    *,
    progress: ProgressCallback | None = None,
    source_root: Path | None = None,
    workers: int | None = None,
    skip_failed: bool = False,
    head_start: HeadStart | None = None,
) -> oc.IngestReport:
    """Ingest files and folders; every file gets an outcome; returns the report.

    ``skip_failed`` (reconciliations): a file whose bytes failed before and that has not
    changed since (size, mtime) is reported as the same problem without being read again.
    Problems recorded for files below a folder argument that are gone are resolved.
    ``head_start``: workers already reading the first of these files (the command line
    starts them before opening the catalog); taken over, and shut down at the end.
    """
    emit = progress or (lambda _event: None)
    listed = head_start.listing(paths, source_root) if head_start is not None else None
    candidates, missing = listed if listed is not None else expand(paths, source_root)
    bad_names = [c for c in candidates if bad_name(str(c.path))]
    candidates = [c for c in candidates if not bad_name(str(c.path))]
    total = len(candidates) + len(missing) + len(bad_names)
    emit(oc.IngestEvent("scan", 0, total, message=f"{total} files found"))
    folders = [str(Path(p).absolute()) for p in paths if Path(p).is_dir()]
    with library.session() as session:
        matcher = load_matcher(session)
        products = ProductIndex.load(session)
        unchanged = already_recorded(session, candidates)
        failed = (
            unchanged_failures(session, [str(c.path) for c in candidates]) if skip_failed else {}
        )
        gone = resolve_gone_problems(session, folders)
    if gone:
        library.emit(Change(kind="ingest", detail=f"{len(gone)} problems resolved (files gone)"))
    batches = Batches(library, matcher, products)
    done = 0

    def flush(items: list[PendingFile]) -> None:
        nonlocal done
        for outcome in batches.write(items):
            done += 1
            emit(
                oc.IngestEvent(
                    "file", done, total, outcome.path, outcome.outcome, outcome.reason or ""
                )
            )

    relative = {str(c.path): c.relative for c in candidates}
    first: list[PendingFile] = [
        PendingFile(FileResult(path=p, problem="no such file or folder"), "") for p in missing
    ]
    for candidate in bad_names:
        text = str(candidate.path)
        problem = bad_name(text)
        first.append(PendingFile(FileResult(path=_printable(text), problem=problem), ""))
    todo: list[str] = []
    for candidate in candidates:
        text = str(candidate.path)
        if text in unchanged:
            first.append(PendingFile(FileResult(path=text, problem=None), candidate.relative))
        elif text in failed:
            done += 1
            outcome = oc.FileOutcome(
                text, oc.PROBLEM, reason=f"{UNCHANGED_FAILURE}: {failed[text]}"
            )
            batches.report.files.append(outcome)
            emit(oc.IngestEvent("file", done, total, text, oc.PROBLEM, outcome.reason or ""))
        else:
            todo.append(text)
    skipped = [item for item in first if item.result.problem is None]
    if skipped:
        flush_unchanged(batches, skipped, emit, total, start=done)
        done += len(skipped)
    problems = [item for item in first if item.result.problem is not None]
    if problems:
        flush(problems)

    buffer: list[PendingFile] = []
    last = time.monotonic()
    for result in analyse_all(todo, library.root, workers, head=head_start):
        buffer.append(PendingFile(result, relative.get(result.path, Path(result.path).name)))
        if len(buffer) >= BATCH_FILES or time.monotonic() - last > BATCH_SECONDS:
            flush(buffer)
            buffer, last = [], time.monotonic()
    if buffer:
        flush(buffer)
    emit(oc.IngestEvent("done", done, total, message=str(batches.report.summary())))
    return batches.report


def flush_unchanged(
    batches: Batches, items: list[PendingFile], emit: ProgressCallback, total: int, start: int = 0
) -> None:
    """Files already recorded with the same size and mtime: reported, not re-read."""
    paths = [i.result.path for i in items]
    with batches.library.session() as session:
        rows: dict[str, AssetVersion] = {}
        for start in range(0, len(paths), 500):
            query = select(AssetVersion).where(
                AssetVersion.source_path.in_(paths[start : start + 500])
            )
            rows.update({v.source_path: v for v in session.scalars(query)})
        for index, item in enumerate(items, start=1):
            version = rows.get(item.result.path)
            outcome = oc.FileOutcome(
                path=item.result.path,
                outcome=oc.IDENTICAL,
                asset_id=version.asset_id if version else None,
                version=version.number if version else None,
                reason="unchanged since the last ingest",
            )
            batches.report.files.append(outcome)
            emit(oc.IngestEvent("file", start + index, total, outcome.path, outcome.outcome))


def _printable(text: str) -> str:
    return text.encode("utf-8", "backslashreplace").decode("utf-8")
