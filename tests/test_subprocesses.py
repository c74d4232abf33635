"""Worker processes of ingest and renditions yield the CPU when the window asks them to."""

from __future__ import annotations

import os
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
