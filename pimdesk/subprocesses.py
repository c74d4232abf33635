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
import sys
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
    """Pool initializer of the CPU-heavy workers (ingest analysis, renditions): keep freed
    memory for the next image (:func:`reuse_freed_memory`), and lower this process's
    priority by ``$PIMDESK_WORKER_NICE`` (unset: unchanged).

    The window sets the variable, so that on a busy machine its UI thread gets a CPU before
    the workers decoding and encoding images in the background do; batch runs from the
    CLI leave it unset and run at full priority.
    """
    reuse_freed_memory()
    try:
        niceness = int(os.environ.get(NICE_VARIABLE, "0"))
    except ValueError:
        return
    if niceness > 0 and hasattr(os, "nice"):
        with contextlib.suppress(OSError):  # not permitted here: run at the priority given
            os.nice(niceness)


# glibc's mallopt parameters (malloc.h)
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 * 1024 * 1024
TRIM_THRESHOLD = 64 * 1024 * 1024


def reuse_freed_memory() -> None:
    """Make glibc keep the memory a worker frees for the next image instead of handing it
    back to the kernel and asking again.

    A worker allocates and frees the same ten-odd megabytes for every photo (read buffers,
    the decoded draft, the encoder's). glibc maps blocks over its mmap threshold afresh and
    gives free memory over its trim threshold at the top of the heap back to the kernel.
    It adapts both to the largest mapped block freed so far (up to 32 MB, trim twice
    that), but after a photo's 4 MB blocks the trim threshold is 8 MB, under what each
    photo frees: so every photo's buffers were new pages, 2,800 page faults per 24 MP photo
    and 0.3-0.5 s of system time over the 243-file ingest benchmark, unless a larger block
    happened to be freed first (decoding the iPhone HEIC does). Set to glibc's own ceilings
    from the start: one fault per photo, the same peak memory (measured).

    Only on 64-bit glibc: elsewhere the C library has no ``mallopt`` (musl) or refuses a
    32 MB mmap threshold (32-bit glibc allows 512 kB), and fixing the trim threshold alone
    would switch off the adapting that helps there.
    """
    if not sys.platform.startswith("linux"):
        return
    import ctypes  # here: only the workers need these, not every command's start
    import platform

    if platform.libc_ver()[0] != "glibc":
        return

    if ctypes.sizeof(ctypes.c_void_p) != 8:
        return
    try:
        mallopt = ctypes.CDLL(None).mallopt  # this process's own C library
    except (OSError, AttributeError):
        return
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    if mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD):  # 1 when accepted
        mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD)
