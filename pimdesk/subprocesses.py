"""Worker processes that import the installed pimdesk, wherever the user started it.

Python 3.11's fork server starts with ``python -c`` and ignores the parent's ``sys.path``,
so the current folder comes first on its path: a folder named ``pimdesk`` there (a clone of
the source, say) shadows the installed package and every worker fails to import. Children
started with the safe-path flag (``PYTHONSAFEPATH``, Python 3.11+) leave the current folder
out, as the console script itself does.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
from collections.abc import Sequence
from multiprocessing.context import BaseContext


def forkserver_context(preload: Sequence[str] = ()) -> BaseContext:
    """A fork-server context whose server (and so every worker) imports the real package."""
    os.environ.setdefault("PYTHONSAFEPATH", "1")
    context = multiprocessing.get_context("forkserver")
    if preload:
        context.set_forkserver_preload(list(preload))
    return context


NICE_VARIABLE = "PIMDESK_WORKER_NICE"


def background_worker() -> None:
    """Pool initializer of the CPU-heavy workers (ingest analysis, renditions): lower this
    process's priority by ``$PIMDESK_WORKER_NICE`` (unset: unchanged).

    The window sets it, so that on a busy machine its UI thread gets a CPU before the
    workers decoding and encoding images in the background do; batch runs from the CLI
    leave it unset and run at full priority.
    """
    try:
        niceness = int(os.environ.get(NICE_VARIABLE, "0"))
    except ValueError:
        return
    if niceness > 0 and hasattr(os, "nice"):
        with contextlib.suppress(OSError):  # not permitted here: run at the priority given
            os.nice(niceness)
