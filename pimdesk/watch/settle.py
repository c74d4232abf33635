"""Wait until a file is complete before ingesting it; collect files that went away.

Events are hints, not truth. Every path an event names is remembered here (debounced: many
events for one path are one entry) and then looked at with ``stat``:

- a file is *ready* once its size and mtime have not changed for a quiet window and it can be
  opened. Where the platform says a writer closed the file (inotify's IN_CLOSE_WRITE) the
  window is short (``close_quiet``), so a dropped photo is live in well under a second; a
  file a writer still holds open waits for that close however slowly it is written (with a
  long ``stall_seconds`` safety net in case the close was missed); without close events
  (polling, network shares, a scan) the window is ``settle_seconds``.
- a path that no longer exists after ``gone_delay`` is *gone* (editors that save through
  a temporary file delete and re-create the name within that delay: then it is not gone).

Thread-safe: the observer's thread records, the watcher's worker thread collects.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass
class _Pending:
    last_change: float
    size: int | None = None
    mtime_ns: int | None = None
    writing: bool | None = None  # True: open for writing; False: closed/renamed in; None: unknown


@dataclass(frozen=True)
class Timing:
    close_quiet: float = 0.05
    settle_seconds: float = 1.5
    stall_seconds: float = 30.0
    gone_delay: float = 0.4


class Settler:
    def __init__(self, timing: Timing | None = None):
        self.timing = timing or Timing()
        self._lock = threading.Lock()
        self._files: dict[Path, _Pending] = {}
        self._gone: dict[Path, float] = {}

    # -- recording (any thread) -----------------------------------------------------------

    def touch(self, path: Path, *, writing: bool | None = None, now: float | None = None) -> None:
        """Something happened to ``path``: look at it again before ingesting."""
        now = time.monotonic() if now is None else now
        with self._lock:
            self._gone.pop(path, None)
            entry = self._files.get(path)
            if entry is None:
                self._files[path] = _Pending(last_change=now, writing=writing)
                return
            entry.last_change = now
            if writing is not None:
                entry.writing = writing

    def closed(self, path: Path, now: float | None = None) -> None:
        """A writer closed the file (IN_CLOSE_WRITE): it may be complete."""
        self.touch(path, writing=False, now=now)

    def gone(self, path: Path, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        with self._lock:
            self._files.pop(path, None)
            self._gone[path] = now

    def __len__(self) -> int:
        with self._lock:
            return len(self._files) + len(self._gone)

    # -- collecting (the worker) ----------------------------------------------------------

    def due(self, now: float | None = None, limit: int = 2000) -> tuple[list[Path], list[Path]]:
        """Files that are complete now and paths that are gone; both leave the tracker."""
        now = time.monotonic() if now is None else now
        timing = self.timing
        with self._lock:
            files = list(self._files.items())
            gone = [p for p, since in self._gone.items() if now - since >= timing.gone_delay]
            for path in gone:
                del self._gone[path]
        ready: list[Path] = []
        vanished: list[Path] = []
        for path, entry in files:
            if len(ready) >= limit:
                break
            try:
                st = os.stat(path)
            except FileNotFoundError:
                vanished.append(path)
                continue
            except OSError:
                ready.append(path)  # unreadable: the ingest records the problem and the reason
                continue
            seen = (st.st_size, st.st_mtime_ns)
            with self._lock:
                current = self._files.get(path)
                if current is not entry:
                    continue  # replaced meanwhile
                if (entry.size, entry.mtime_ns) != seen:
                    if entry.size is not None:  # it changed since we last looked
                        entry.last_change = now
                    entry.size, entry.mtime_ns = seen
                    continue
                quiet = now - entry.last_change
                if entry.writing is True:
                    wanted = timing.stall_seconds
                elif entry.writing is False:
                    wanted = timing.close_quiet
                else:
                    wanted = timing.settle_seconds
                if quiet < wanted:
                    continue
            if not _openable(path):
                continue
            with self._lock:
                if self._files.get(path) is entry:
                    del self._files[path]
                    ready.append(path)
        with self._lock:
            for path in vanished:
                entry = self._files.pop(path, None)
                if entry is not None:
                    self._gone[path] = now - timing.gone_delay  # due at once next time
        return ready, gone

    def next_wakeup(self) -> float:
        """Seconds until something may become due (for the worker's sleep)."""
        with self._lock:
            if not self._files and not self._gone:
                return 1.0
        return min(self.timing.close_quiet, 0.1)


def _openable(path: Path) -> bool:
    """Can we read it? (On Windows a file still being copied cannot be opened.)"""
    try:
        with open(path, "rb") as handle:
            handle.read(1)
        return True
    except PermissionError:
        return True  # unreadable for good: let the ingest record the problem
    except OSError:
        return False
