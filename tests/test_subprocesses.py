"""Worker processes of ingest and renditions yield the CPU when the window asks them to."""

from __future__ import annotations

import os
import platform
import subprocess
import sys

import pytest

from pimdesk.subprocesses import NICE_VARIABLE

# In a fresh interpreter: the fork server (ingest's workers when threads run) keeps the
# environment it started with, so the variable must be set before it starts, as the window
# does when it builds its workers.
PROBE = """
import os, sys, threading
from pimdesk.assets import readers
from pimdesk.renditions import cache

threading.Thread(target=threading.Event().wait, daemon=True).start()  # as in the window
pool = {"ingest": readers._pool, "renditions": cache._pool}[sys.argv[1]](1)
with pool:
    print(pool.submit(os.nice, 0).result(timeout=120) - os.nice(0))
"""


@pytest.mark.skipif(not hasattr(os, "nice"), reason="POSIX niceness")
@pytest.mark.parametrize("pool", ["ingest", "renditions"])
@pytest.mark.parametrize(("value", "added"), [("5", 5), (None, 0)])
def test_workers_run_nicer_when_asked(pool: str, value: str | None, added: int) -> None:
    env = {k: v for k, v in os.environ.items() if k != NICE_VARIABLE}
    if value is not None:
        env[NICE_VARIABLE] = value
    done = subprocess.run(
        [sys.executable, "-c", PROBE, pool], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert int(done.stdout.strip()) == min(added, 19 - os.nice(0))  # unset: full priority


# Allocate and free what decoding a photo does (a few megabytes at a time), five times, and
# count the page faults each round costs: memory handed back to the kernel and asked for again
# faults in anew (about 2,500 faults for these 10 MB with glibc's start-up settings).
REUSE_PROBE = """
import ctypes, resource
from pimdesk.subprocesses import background_worker

ctypes.CDLL(None).prctl(41, 1, 0, 0, 0)  # PR_SET_THP_DISABLE: count small pages, as usual
background_worker()  # what every ingest and renditions worker runs first
faults = []
for _ in range(5):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    a, b, c = bytearray(4 << 20), bytearray(4 << 20), bytearray(2 << 20)
    del a, b, c
    faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
print(" ".join(map(str, faults)))
"""


@pytest.mark.skipif(
    not sys.platform.startswith("linux")
    or platform.libc_ver()[0] != "glibc"
    or sys.maxsize < 2**32,
    reason="64-bit glibc's mallopt",
)
def test_a_worker_reuses_the_memory_it_frees_for_the_next_image() -> None:
    def rounds() -> list[int]:
        env = {k: v for k, v in os.environ.items() if k != "GLIBC_TUNABLES"}
        out = subprocess.run(
            [sys.executable, "-c", REUSE_PROBE],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
            env=env,
        ).stdout
        return [int(n) for n in out.split()]

    first, *again = rounds()
    assert first > 1000  # the first round touches new memory...
    assert max(again) < first // 20  # ...the next ones reuse it
