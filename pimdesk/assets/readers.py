"""The worker stage of ingest: files read on all cores, at most ``2 x workers`` in flight.

Workers receive paths, never images, and return a :class:`FileResult`; they never touch
the catalog. A run of a command line ingest can start its workers, and hand them its
first files, before the catalog is opened (:class:`HeadStart`): opening the catalog and
loading its libraries takes about half a second, which the workers spend decoding.
Imports here stay clear of the catalog for that reason.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from pimdesk.assets.analyse import FileResult, process_file
from pimdesk.assets.formats import slow_to_read
from pimdesk.assets.walk import Candidate, bad_name, expand
from pimdesk.subprocesses import background_worker, forkserver_context

log = logging.getLogger(__name__)

INLINE_LIMIT = 2  # at most this many files to decode: no process pool
IN_FLIGHT_PER_WORKER = 2  # files handed to the pool per worker: one decoding, one queued
SLOW_AHEAD = 32  # places a slow file (HEIC, video...) is handed out before its turn


def _pool(workers: int) -> ProcessPoolExecutor:
    """Workers forked from this process when it runs a single thread (cheapest: nothing
    is imported again); from a fork server otherwise (the watcher and the GUI run threads,
    and forking a threaded process can inherit a held lock)."""
    if threading.active_count() == 1 and os.name == "posix":
        context = multiprocessing.get_context("fork")
    else:
        context = forkserver_context(preload=["pimdesk.assets.analyse"])
    return ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=background_worker
    )


def reading_order(paths: Sequence[str], ahead: int = SLOW_AHEAD) -> list[str]:
    """The order files are handed to the workers: a slow file (see
    :func:`~pimdesk.assets.formats.slow_to_read`) moves up to ``ahead`` places earlier;
    the rest keep the given order.

    A run ends when its last file is read; a HEIC or a video handed out last keeps one
    core busy for up to a second while the others have nothing left to do. Started
    ``ahead`` files earlier, it is read while the other cores get through those. No file
    moves further, so the results :func:`in_given_order` keeps back to record the files
    in the given order stay few (at most ``ahead`` plus the files in flight) however
    many slow files a folder holds.
    """
    keyed = sorted(
        (index - ahead, 0, index, path) if slow_to_read(path) else (index, 1, index, path)
        for index, path in enumerate(paths)
    )
    return [path for *_, path in keyed]


def in_given_order(
    results: Iterable[FileResult], order: Sequence[str], hold: int
) -> Iterator[FileResult]:
    """Worker results in the order of ``order`` rather than the order they finished, so
    what the catalog records (new positions, versions) follows the names, not the
    scheduling. At most ``hold`` finished results wait for an earlier one: beyond that
    (a file stalled on a slow share) the earliest waiting is let through, so a run is
    never held back by one file."""
    rank = {path: index for index, path in enumerate(order)}
    waiting: dict[str, FileResult] = {}
    passed: set[str] = set()  # let through ahead of their turn
    next_index = 0
    try:
        for result in results:
            if result.path not in rank or result.path in waiting:  # unexpected: pass it on
                yield result
                continue
            waiting[result.path] = result
            while next_index < len(order) and (
                order[next_index] in waiting or order[next_index] in passed
            ):
                path = order[next_index]
                next_index += 1
                if path in waiting:
                    yield waiting.pop(path)
            while len(waiting) > hold:
                path = min(waiting, key=rank.__getitem__)
                passed.add(path)
                yield waiting.pop(path)
        for path in sorted(waiting, key=rank.__getitem__):
            yield waiting[path]
    finally:
        close = getattr(results, "close", None)
        if close is not None:  # the workers stop now, not when the generator is collected
            close()


class HeadStart:
    """Workers started, and the first files handed to them, before the catalog is open.

    Only for a one-shot ingest of a library that exists (the command line's): the files
    are listed as :func:`pimdesk.assets.pipeline.run` would list them, and the first
    ``2 x workers`` are read at once. Reading is safe to start early: it only adds
    content-addressed objects and thumbnails, which the catalog rows then point to. A file
    the catalog turns out to know already unchanged costs one wasted read, at most
    ``2 x workers`` files per run. Use as a context manager; the pool is shut down on exit
    unless :func:`analyse_all` has taken it over.
    """

    def __init__(self, paths: Sequence[Path], root: Path, workers: int | None = None):
        self.paths = list(paths)
        self.root = root
        self.workers = workers or os.cpu_count() or 1
        self.candidates, self.missing = expand(self.paths, None)
        self.pool: ProcessPoolExecutor | None = None
        self.started: dict[str, Future[FileResult]] = {}
        readable = [str(c.path) for c in self.candidates if bad_name(str(c.path)) is None]
        if len(readable) <= INLINE_LIMIT:
            return  # a file or two: read in the ingesting process, as without a head start
        self.pool = _pool(self.workers)
        # in name order, not reading order: these are read before the catalog can say
        # which files it already has, and a slow file is often a large one (a video)
        for text in readable[: self.workers * IN_FLIGHT_PER_WORKER]:
            self.started[text] = self.pool.submit(process_file, text, str(root))

    def listing(
        self, paths: Sequence[Path], source_root: Path | None
    ) -> tuple[list[Candidate], list[str]] | None:
        """The files listed up front, when they are the ones this ingest asks for."""
        if source_root is not None or [Path(p) for p in paths] != self.paths:
            return None
        return self.candidates, self.missing

    def take(self) -> tuple[ProcessPoolExecutor | None, dict[str, Future[FileResult]]]:
        """The running pool and the files submitted to it; the caller now shuts it down."""
        pool, started = self.pool, self.started
        self.pool, self.started = None, {}
        return pool, started

    def __enter__(self) -> HeadStart:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:  # never taken over (the catalog did not open, say)
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None


def analyse_all(
    paths: list[str],
    root: Path,
    workers: int | None = None,
    head: HeadStart | None = None,
) -> Iterator[FileResult]:
    """Worker results, in the order of ``paths`` (see :func:`in_given_order`), with at most
    ``2 x workers`` files in flight, slow ones handed out early (:func:`reading_order`).

    ``head``: a :class:`HeadStart` whose pool and already submitted files are taken over
    (a submitted file that is not in ``paths``, one the catalog knows unchanged, is let
    finish and its result dropped).
    """
    results = _analyse(reading_order(paths), root, workers, head=head)
    in_flight = _worker_count(workers, head) * IN_FLIGHT_PER_WORKER
    # room for everything reading_order moves ahead and what is in flight, twice over: only
    # a file that takes far longer than the others (a stalled share) fills it
    return in_given_order(results, paths, hold=2 * (SLOW_AHEAD + in_flight))


def _worker_count(workers: int | None, head: HeadStart | None) -> int:
    """The head start's pool size when it has one, else ``workers``, else one per core."""
    return (head.workers if head is not None else None) or workers or os.cpu_count() or 1


def _analyse(
    paths: list[str],
    root: Path,
    workers: int | None = None,
    _restarts: int = 2,
    head: HeadStart | None = None,
) -> Iterator[FileResult]:
    """Worker results as they complete, files handed out in the order of ``paths``.

    A worker that dies (a decoder crash, the out-of-memory killer) breaks the pool: the
    files it was reading become problems and the rest go to a fresh pool. A pool that
    cannot start at all (for example a host script without the ``__main__`` guard that
    the fork server needs) is reported in the log and the files are read in this process.
    """
    pool, started = head.take() if head is not None else (None, {})
    if pool is None and len(paths) <= INLINE_LIMIT:
        for path in paths:
            yield process_file(path, str(root))
        return
    workers = _worker_count(workers, head)
    limit = workers * IN_FLIGHT_PER_WORKER
    wanted = set(paths)
    inflight: dict[Future[FileResult], str] = {
        future: path for path, future in started.items() if path in wanted
    }
    queue = iter([path for path in paths if path not in started])
    produced = 0
    broken = False
    executor = pool if pool is not None else _pool(workers)
    with executor:

        def submit(batch: Iterable[str]) -> None:
            nonlocal broken
            for path in batch:
                if broken:
                    leftover.append(path)
                    continue
                try:
                    inflight[executor.submit(process_file, path, str(root))] = path
                except (BrokenProcessPool, RuntimeError):
                    broken = True
                    leftover.append(path)

        leftover: list[str] = []
        submit(_take(queue, limit - len(inflight)))
        while inflight:
            done, _ = wait(inflight, return_when=FIRST_COMPLETED)
            for future in done:
                path = inflight.pop(future)
                try:
                    result = future.result()
                except BrokenProcessPool as exc:
                    broken = True
                    if produced == 0:  # the pool never worked: not this file's fault
                        leftover.append(path)
                        continue
                    log.error("ingest worker died while reading %s: %r", path, exc)
                    result = FileResult(
                        path=path, problem="the worker reading it stopped abruptly (decoder crash?)"
                    )
                except Exception as exc:
                    log.error("ingest worker failed on %s: %r", path, exc)
                    result = FileResult(path=path, problem=f"the worker reading it failed: {exc}")
                produced += 1
                yield result
            submit(_take(queue, limit - len(inflight)))
    rest = leftover + list(queue)
    if not rest:
        return
    if produced == 0 or _restarts <= 0:
        log.error("ingest worker processes are unavailable; reading %d files here", len(rest))
        for path in rest:
            yield process_file(path, str(root))
        return
    yield from _analyse(rest, root, workers, _restarts - 1)


def _take(iterator: Iterator[str], count: int) -> Iterable[str]:
    for _ in range(max(0, count)):
        try:
            yield next(iterator)
        except StopIteration:
            return
