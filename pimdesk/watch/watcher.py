"""The folder watcher: watchdog observers feed hints, one worker thread ingests.

    observer threads --events--> Settler (debounce, wait until complete) --> worker thread:
        ingest_paths(ready files, per folder) / flag missing (if the folder is online) /
        reconcile (on start, on a folder's return, after an inotify overflow) /
        supervise (offline and back, new or removed folders, dead polling emitters)

The watcher never prints: it reports through ``on_event`` (the CLI prints one line per
event; the GUI will show them). It survives anything a file can do to it: every step of the
loop is guarded, logged and reported, and the loop goes on. The worker is the only writer.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from watchdog.events import (
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
    FileClosedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver, ObservedWatch
from watchdog.observers.polling import PollingObserver

from pimdesk.assets import outcomes as oc
from pimdesk.services import watch as folders_service
from pimdesk.services.ingest import ingest_paths
from pimdesk.watch.scan import scan_folder
from pimdesk.watch.settle import Settler, Timing

if TYPE_CHECKING:
    from pimdesk.library import Library
    from pimdesk.services.watch import FolderInfo

log = logging.getLogger(__name__)

INOTIFY_HINT = (
    "the system's limit of inotify watches is reached; raise it with "
    "'sudo sysctl fs.inotify.max_user_watches=524288' (and put "
    "'fs.inotify.max_user_watches=524288' in /etc/sysctl.d/60-pimdesk.conf to keep it); "
    "polling this folder meanwhile"
)
BATCH_LIMIT = 500  # files per ingest_paths call: a storm becomes a few large batches


@dataclass(frozen=True)
class WatchEvent:
    """Something the watcher did or noticed, for a front end to show.

    ``kind``: ``watching``, ``polling`` (fallback or chosen), ``offline``, ``online``,
    ``scan`` (a reconciliation finished), ``ingested`` (``outcome`` says what happened to
    the file), ``unchanged`` (a scan skipped a file already ingested), ``missing`` (the
    source file went away; the asset is kept), ``skipped`` (a scan left an entry out,
    e.g. a symlink loop), ``warning`` and ``error``.
    """

    kind: str
    folder: str
    path: str | None = None
    message: str = ""
    outcome: oc.FileOutcome | None = None


EventCallback = Callable[[WatchEvent], None]


class BackgroundService(Protocol):
    """Something that runs next to the watcher (the publishing work's AutoPublisher)."""

    def start(self) -> None: ...

    def stop(self) -> None: ...


@dataclass
class _Folder:
    info: FolderInfo
    online: bool = False
    polling: bool = False  # polling now (chosen, or as the fallback)
    observer: BaseObserver | None = None  # own PollingObserver, or the shared native one
    watch: ObservedWatch | None = None
    rescan: bool = True  # a reconciliation is due (start, return, overflow)
    offline_reported: bool = False
    mount_point: bool = False  # it was a mount point when last online (a share)
    fresh: list[Path] = field(default_factory=list)


class _Handler(FileSystemEventHandler):
    """Runs on an observer's thread: turns events into hints for the settler, nothing more."""

    def __init__(self, watcher: FolderWatcher, folder: _Folder, native: bool):
        self.watcher = watcher
        self.folder = folder
        self.native = native

    def on_any_event(self, event: FileSystemEvent) -> None:
        try:
            self.watcher._hint(self.folder, event, self.native)
        except Exception:  # never let an exception kill the observer thread
            log.exception("watch: cannot handle %r", event)


class _OverflowSignal(logging.Handler):
    """watchdog only logs an inotify queue overflow: listen for it and rescan."""

    def __init__(self, watcher: FolderWatcher):
        super().__init__(logging.WARNING)
        self.watcher = watcher

    def emit(self, record: logging.LogRecord) -> None:
        if "overflow" in record.getMessage().lower():
            self.watcher.request_rescan(reason="the inotify event queue overflowed")


class FolderWatcher:
    """Watches every folder of the library's watch list until stopped.

    ``start()`` returns at once; the initial reconciliation runs on the worker thread.
    ``wait_idle(timeout)`` is for tests and scripts: True once nothing is pending.
    ``services`` start and stop with the watcher (auto-publishing plugs in there).
    """

    def __init__(
        self,
        library: Library,
        *,
        on_event: EventCallback | None = None,
        timing: Timing | None = None,
        health_interval: float = 1.0,
        polling_interval: float = 1.0,
        force_polling: bool = False,
        services: Iterable[BackgroundService] = (),
    ):
        self.library = library
        self.on_event = on_event or (lambda _event: None)
        self.settler = Settler(timing)
        self.health_interval = health_interval
        self.polling_interval = polling_interval
        self.force_polling = force_polling
        self.services: list[BackgroundService] = list(services)
        self._folders: dict[int, _Folder] = {}
        self._native: BaseObserver | None = None
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._busy = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._overflow = _OverflowSignal(self)
        self._last_health = 0.0
        self._subscans: set[tuple[int, Path]] = set()

    # -- lifecycle ----------------------------------------------------------------------

    def start(self) -> None:
        if self._thread is not None:
            return
        logging.getLogger("watchdog.observers.inotify_c").addHandler(self._overflow)
        logging.getLogger("watchdog.observers.inotify").addHandler(self._overflow)
        self._busy.set()  # the first reconciliation is pending
        self._thread = threading.Thread(target=self._run, name="pimdesk-watcher", daemon=True)
        self._thread.start()
        for service in self.services:
            try:
                service.start()
            except Exception as exc:
                log.exception("watch: a background service failed to start")
                self._report("error", "", message=f"{service!r} did not start: {exc}")

    def stop(self, timeout: float = 30.0) -> None:
        for service in reversed(self.services):
            try:
                service.stop()
            except Exception:
                log.exception("watch: a background service failed to stop")
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        for folder in list(self._folders.values()):
            self._detach(folder)
        if self._native is not None:
            self._stop_observer(self._native)
            self._native = None
        logging.getLogger("watchdog.observers.inotify_c").removeHandler(self._overflow)
        logging.getLogger("watchdog.observers.inotify").removeHandler(self._overflow)

    def __enter__(self) -> FolderWatcher:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def run_forever(self, stop: threading.Event) -> None:
        """Block until ``stop`` is set (the CLI sets it on Ctrl+C or SIGTERM)."""
        self.start()
        try:
            while not stop.wait(0.5):
                if self._thread is None or not self._thread.is_alive():
                    break
        finally:
            self.stop()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """True once no file is waiting, no scan is due and the worker rests."""
        deadline = time.monotonic() + timeout
        calm_since: float | None = None
        while time.monotonic() < deadline:
            with self._lock:
                due = any(f.rescan or f.fresh for f in self._folders.values()) or self._subscans
            idle = not self._busy.is_set() and len(self.settler) == 0 and not due
            if idle:
                calm_since = calm_since or time.monotonic()
                if time.monotonic() - calm_since >= 0.15:  # events may still be in flight
                    return True
            else:
                calm_since = None
            self._wake.set()
            time.sleep(0.02)
        return False

    def request_rescan(self, folder_id: int | None = None, reason: str = "") -> None:
        with self._lock:
            for folder in self._folders.values():
                if folder_id is None or folder.info.id == folder_id:
                    folder.rescan = True
        if reason:
            self._report("warning", "", message=f"{reason}: rescanning")
        self._wake.set()

    def status(self) -> list[tuple[str, str]]:
        """(folder, state) for every folder: watching, polling or offline."""
        with self._lock:
            return [
                (f.info.path, "offline" if not f.online else "polling" if f.polling else "watching")
                for f in self._folders.values()
            ]

    # -- observer threads ---------------------------------------------------------------

    def _hint(self, folder: _Folder, event: FileSystemEvent, native: bool) -> None:
        root = folder.info.root
        kind = type(event)
        paths: list[tuple[str, str]] = []  # (role, path)
        if kind in (FileMovedEvent, DirMovedEvent):
            paths = [("gone", _text(event.src_path)), ("arrived", _text(event.dest_path))]
        elif kind in (FileDeletedEvent, DirDeletedEvent):
            paths = [("gone", _text(event.src_path))]
        elif kind is FileModifiedEvent:  # IN_MODIFY: a writer is at work
            paths = [("writing" if native else "changed", _text(event.src_path))]
        elif kind is FileCreatedEvent:
            # Not "writing": watchdog also simulates creations for the files of a folder that
            # appeared, and those were closed before anyone watched (no close event follows).
            paths = [("changed", _text(event.src_path))]
        elif kind is FileClosedEvent:
            paths = [("closed", _text(event.src_path))]
        elif kind is DirCreatedEvent:
            paths = [("arrived", _text(event.src_path))]
        else:
            return  # opened, closed without writing, attributes: not a change of content
        for role, text in paths:
            path = Path(text)
            if path == root:
                if role == "gone":  # the folder itself went: offline, checked by the worker
                    self._last_health = 0.0
                    self._wake.set()
                continue
            try:
                relative = path.relative_to(root).as_posix()
            except ValueError:
                continue
            is_dir = event.is_directory
            if role == "gone":
                self.settler.gone(path)
            elif is_dir:
                if folder.info.filter.wants_folder(relative):
                    with self._lock:
                        self._subscans.add((folder.info.id, path))
            elif folder.info.filter.wants(relative):
                if role == "closed":
                    self.settler.closed(path)
                elif role == "writing":
                    self.settler.touch(path, writing=True)
                elif role == "arrived":
                    self.settler.touch(path, writing=False)  # renamed in: complete
                else:
                    self.settler.touch(path)
        self._wake.set()

    # -- the worker ---------------------------------------------------------------------

    def _run(self) -> None:
        while not self._stop.is_set():
            self._busy.set()
            self._wake.clear()  # a hint arriving during the step wakes the next wait at once
            try:
                self._step()
            except Exception as exc:  # the loop survives anything
                log.exception("watch: unexpected error")
                self._report("error", "", message=f"unexpected error: {exc!r}")
            finally:
                self._busy.clear()
            self._wake.wait(self.settler.next_wakeup())

    def _step(self) -> None:
        now = time.monotonic()
        if now - self._last_health >= self.health_interval:
            self._last_health = now
            self._supervise()
        self._reconcile_due()
        self._subscan_due()
        ready, gone = self.settler.due()
        if ready:
            self._ingest(ready)
        if gone:
            self._gone(gone)

    def _guard(self, what: str, folder: str, func: Callable[[], None]) -> None:
        try:
            func()
        except Exception as exc:
            log.exception("watch: %s failed for %s", what, folder)
            self._report("error", folder, message=f"{what} failed: {exc}")

    # supervision ---------------------------------------------------------------------------

    def _supervise(self) -> None:
        """Attach new folders, drop removed ones, notice folders going and coming back,
        restart polling emitters that stopped (they stop for good when a share drops)."""
        wanted = {info.id: info for info in folders_service.folders(self.library)}
        with self._lock:
            current = dict(self._folders)
        for folder_id, folder in current.items():
            if folder_id not in wanted:
                self._detach(folder)
                with self._lock:
                    self._folders.pop(folder_id, None)
        for folder_id, info in wanted.items():
            folder = current.get(folder_id)
            if folder is None:
                folder = _Folder(info)
                with self._lock:
                    self._folders[folder_id] = folder
            folder.info = info
            self._guard("supervising", info.path, lambda f=folder: self._check(f))

    def _check(self, folder: _Folder) -> None:
        online = folders_service.root_online(folder.info.root, mount_point=folder.mount_point)
        if not online:
            self._went_offline(folder)
            return
        if not folder.online:
            folder.mount_point = os.path.ismount(folder.info.root)
            self._attach(folder)
            folder.online, folder.rescan = True, True  # rescan what changed meanwhile
            if folder.offline_reported:
                folder.offline_reported = False
                self._report("online", folder.info.path, message="the folder is back: rescanning")
            return
        if folder.polling and folder.observer is not None and not _alive(folder.observer):
            self._report("warning", folder.info.path, message="the polling observer stopped")
            self._detach(folder)
            self._attach(folder)
            folder.rescan = True

    def _went_offline(self, folder: _Folder) -> None:
        self._detach(folder)
        folder.online, folder.rescan = False, True
        if not folder.offline_reported:
            folder.offline_reported = True
            self._report(
                "offline",
                folder.info.path,
                message="the folder is not available; it will be watched again when it comes "
                "back (nothing is marked missing meanwhile)",
            )

    def _attach(self, folder: _Folder) -> None:
        info = folder.info
        if not (info.polling or self.force_polling):
            try:
                self._attach_native(folder)
                self._report("watching", info.path, message="watching for new files")
                return
            except OSError as exc:
                if exc.errno not in (errno.ENOSPC, errno.EMFILE):
                    raise
                self._detach(folder)
                self._report("warning", info.path, message=INOTIFY_HINT)
        observer = PollingObserver(timeout=self.polling_interval)
        folder.watch = observer.schedule(
            _Handler(self, folder, native=False), info.path, recursive=info.recursive
        )
        observer.start()
        folder.observer, folder.polling = observer, True
        how = "by polling (network share)" if info.polling else "by polling instead"
        self._report("polling", info.path, message=f"watching {how}")

    def _attach_native(self, folder: _Folder) -> None:
        """Schedule inotify (or the platform's native) watches, and check they all took:
        watchdog silently skips subfolders it cannot watch when the inotify limit is hit,
        which would lose their events; count the kernel's watches instead of trusting it."""
        info = folder.info
        if self._native is None:
            self._native = Observer()
            self._native.start()
        before = inotify_watch_count()
        folder.watch = self._native.schedule(
            _Handler(self, folder, native=True), info.path, recursive=info.recursive
        )
        folder.observer, folder.polling = self._native, False
        if before is None or not info.recursive:
            return
        for _attempt in range(2):  # folders may appear or go while we count: look twice
            added = (inotify_watch_count() or 0) - before
            if added >= count_folders(info.root):
                return
            time.sleep(0.05)
        raise OSError(errno.ENOSPC, "inotify watch limit reached below the folder")

    def _detach(self, folder: _Folder) -> None:
        observer, watch = folder.observer, folder.watch
        folder.observer, folder.watch = None, None
        if observer is None:
            return
        if observer is self._native:
            if watch is not None:
                # KeyError/OSError: the kernel already dropped the watch (the folder went away)
                with contextlib.suppress(KeyError, OSError):
                    observer.unschedule(watch)
        else:
            self._stop_observer(observer)

    @staticmethod
    def _stop_observer(observer: BaseObserver) -> None:
        try:
            observer.stop()
            observer.join(5)
        except Exception:
            log.exception("watch: stopping an observer failed")

    # reconciliation ------------------------------------------------------------------------

    def _reconcile_due(self) -> None:
        with self._lock:
            due = [f for f in self._folders.values() if f.rescan and f.online]
        for folder in due:
            folder.rescan = False
            self._guard("scanning", folder.info.path, lambda f=folder: self._reconcile(f))
        with self._lock:
            fresh = [(f, f.fresh) for f in self._folders.values() if f.fresh]
        for folder, paths in fresh:
            folder.fresh = []
            for path in paths:  # found by a scan while still being written: wait for it
                self.settler.touch(path)

    def _reconcile(self, folder: _Folder) -> None:
        report = folders_service.reconcile(
            self.library, folder.info, mount_point=folder.mount_point
        )
        if not report.online:
            self._went_offline(folder)
            return
        for path, reason in report.skipped:
            self._report("skipped", folder.info.path, path=path, message=reason)
        if report.ingest is not None:
            self._report_outcomes(folder.info.path, report.ingest.files)
        for path in report.missing_paths:
            self._report("missing", folder.info.path, path=path, message="missing at source")
        folder.fresh = list(report.fresh)
        counted = report.ingest.summary() if report.ingest else {}
        self._report(
            "scan",
            folder.info.path,
            message=", ".join(f"{v} {k}" for k, v in counted.items() if v) or "nothing new",
        )

    def _subscan_due(self) -> None:
        with self._lock:
            due, self._subscans = self._subscans, set()
        for folder_id, path in due:
            folder = self._folders.get(folder_id)
            if folder is None or not folder.online:
                continue
            try:
                relative = path.relative_to(folder.info.root).as_posix()
            except ValueError:
                continue
            scanned = scan_folder(path, folder.info.filter.below(relative))
            for file in scanned.files:
                self.settler.touch(file)  # a folder copied or moved in: its files, stably

    # ingest and missing ------------------------------------------------------------------

    def _folder_of(self, path: Path) -> _Folder | None:
        with self._lock:
            for folder in self._folders.values():
                if folder.info.root in path.parents:
                    return folder
        return None

    def _by_folder(self, paths: list[Path]) -> list[tuple[_Folder, list[Path]]]:
        groups: dict[int, tuple[_Folder, list[Path]]] = {}
        for path in paths:
            folder = self._folder_of(path)
            if folder is not None:
                groups.setdefault(folder.info.id, (folder, []))[1].append(path)
        return list(groups.values())

    def _ingest(self, ready: list[Path]) -> None:
        for folder, paths in self._by_folder(ready):
            for start in range(0, len(paths), BATCH_LIMIT):
                chunk = paths[start : start + BATCH_LIMIT]
                self._guard(
                    "ingest",
                    folder.info.path,
                    lambda f=folder, c=chunk: self._ingest_chunk(f, c),
                )

    def _ingest_chunk(self, folder: _Folder, paths: list[Path]) -> None:
        try:
            report = ingest_paths(self.library, paths, source_root=folder.info.root)
        except Exception:
            folder.rescan = True  # nothing lost: the next reconciliation finds these files
            raise
        self._report_outcomes(folder.info.path, report.files)

    def _gone(self, gone: list[Path]) -> None:
        for folder, paths in self._by_folder(gone):
            self._guard("missing", folder.info.path, lambda f=folder, p=paths: self._flag(f, p))

    def _flag(self, folder: _Folder, paths: list[Path]) -> None:
        if not folders_service.root_online(folder.info.root, mount_point=folder.mount_point):
            self._last_health = 0.0  # the folder itself went: the supervisor reports it
            return
        gone_paths, _asset_ids = folders_service.flag_missing(
            self.library, folder.info.root, paths, mount_point=folder.mount_point
        )
        for path in gone_paths:
            self._report("missing", folder.info.path, path=path, message="missing at source")

    # reporting ---------------------------------------------------------------------------

    def _report_outcomes(self, folder: str, outcomes: list[oc.FileOutcome]) -> None:
        for outcome in outcomes:
            # Already ingested, or failed before and not read again: the scan line counts them.
            unchanged = outcome.outcome in (oc.IDENTICAL, oc.PROBLEM) and (
                outcome.reason or ""
            ).startswith("unchanged")
            self._report(
                "unchanged" if unchanged else "ingested",
                folder,
                path=outcome.path,
                message=outcome.reason or "",
                outcome=outcome,
            )

    def _report(
        self,
        kind: str,
        folder: str,
        *,
        path: str | None = None,
        message: str = "",
        outcome: oc.FileOutcome | None = None,
    ) -> None:
        try:
            self.on_event(WatchEvent(kind, folder, path, message, outcome))
        except Exception:
            log.exception("watch: the event callback failed")


def inotify_watch_count() -> int | None:
    """How many inotify watches this process holds (Linux: /proc/self/fdinfo), else None."""
    fd_dir = Path("/proc/self/fd")
    if not fd_dir.is_dir():
        return None
    total = 0
    for entry in fd_dir.iterdir():
        try:
            if os.readlink(entry) != "anon_inode:inotify":
                continue
            info = Path("/proc/self/fdinfo", entry.name).read_text(encoding="ascii")
        except OSError:
            continue
        total += sum(1 for line in info.splitlines() if line.startswith("inotify wd:"))
    return total


def count_folders(root: Path) -> int:
    """The folders a recursive inotify watch of ``root`` needs (symlinked ones not followed)."""
    count = 0
    for _dirpath, _dirnames, _files in os.walk(root, followlinks=False):
        count += 1
    return count


def _alive(observer: BaseObserver) -> bool:
    if not observer.is_alive():
        return False
    emitters = getattr(observer, "emitters", ())
    return all(e.is_alive() for e in emitters)


def _text(path: str | bytes) -> str:
    return path.decode("utf-8", "surrogateescape") if isinstance(path, bytes) else path
