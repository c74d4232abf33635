"""Worker processes of ingest and renditions yield the CPU when the window asks them to."""

from __future__ import annotations

import os

import pytest

from pimdesk.assets import pipeline
from pimdesk.renditions import cache
from pimdesk.subprocesses import NICE_VARIABLE


def _niceness() -> int:
    return os.nice(0)


@pytest.mark.skipif(not hasattr(os, "nice"), reason="POSIX niceness")
@pytest.mark.parametrize("make_pool", [pipeline._pool, cache._pool], ids=["ingest", "renditions"])
def test_workers_run_nicer_when_asked(monkeypatch, make_pool) -> None:
    ours = os.nice(0)
    monkeypatch.setenv(NICE_VARIABLE, "5")
    with make_pool(1) as pool:
        assert pool.submit(_niceness).result(timeout=120) == min(ours + 5, 19)
    monkeypatch.delenv(NICE_VARIABLE)
    with make_pool(1) as pool:  # the CLI leaves it unset: full priority
        assert pool.submit(_niceness).result(timeout=120) == ours
