"""The read process: page reads run in a separate process so the window's Python never
waits for them.

Qt calls into Python for every cell it paints; a worker *thread* building a page of 200
products (Python-heavy: the catalog's completeness, SQLAlchemy rows) holds the GIL and the
painting waits. In a process of its own the same read costs the window nothing but the
pickled answer. Each read process opens the library once (read-only use: it never writes,
so it emits no events the window would miss). No Qt here.

A read process must not outlive the window: when the window is killed (SIGTERM, a crash)
no shutdown runs, and a pool worker blocked on its call queue would wait forever (it holds
both ends of that pipe, so it never sees end-of-file). :func:`follow_window` watches the
window's process and ends this one when it is gone.
"""

from __future__ import annotations

import importlib
import os
import select
import threading
from pathlib import Path
from typing import Any

from pimdesk.library import Library

_LIBRARIES: dict[str, Library] = {}


def _library(root: str) -> Library:
    library = _LIBRARIES.get(root)
    if library is None:
        library = Library.open(Path(root), create=False)
        _LIBRARIES[root] = library
    return library


def warm(root: str) -> bool:
    """Open the library now, so the first real read does not pay for it."""
    _library(root)
    return True


def call(root: str, function: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """Run ``module:qualname`` with the library at ``root`` as its first argument."""
    module_name, _, name = function.partition(":")
    target: Any = importlib.import_module(module_name)
    for part in name.split("."):
        target = getattr(target, part)
    return target(_library(root), *args, **kwargs)


WATCH_INTERVAL = 0.5  # seconds, where the process cannot be waited on directly


def follow_window(window_pid: int) -> None:
    """Pool initializer: exit this process as soon as the window's process has ended."""
    thread = threading.Thread(
        target=_exit_when_gone, args=(window_pid,), name="follow-window", daemon=True
    )
    thread.start()


def _exit_when_gone(pid: int) -> None:
    try:
        handle = os.pidfd_open(pid)  # Linux 5.3+: readable once the process has ended
    except (AttributeError, OSError):
        handle = None
    if handle is not None:
        select.select([handle], [], [])
    else:
        while _alive(pid):
            threading.Event().wait(WATCH_INTERVAL)
    os._exit(0)  # no cleanup to run: this process only ever read


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by someone else (cannot be the window, but wait)
        return True
    return True
