"""The window's read processes end with the window, even when it is killed (SIGTERM)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pimdesk.library import Library
from tests.gui.conftest import add_products

pytestmark = pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc")


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def _descendants(pid: int) -> set[int]:
    result: set[int] = set()
    todo = [pid]
    while todo:
        for child in _children(todo.pop()):
            if child not in result:
                result.add(child)
                todo.append(child)
    return result


def _running(pid: int) -> bool:
    """Alive and not a zombie (an orphan's zombie waits for a reaper that is not ours)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _poll(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_read_processes_exit_when_the_window_is_killed(tmp_path: Path) -> None:
    root = tmp_path / "lib"
    library = Library.open(root)
    add_products(library, 3)
    library.close()
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "PIMDESK_GUI_READ_PROCESS": "1",
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
    }
    window = subprocess.Popen(
        [sys.executable, "-m", "pimdesk", "--library", str(root), "gui"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        # the fork server and the read process it forked
        assert _poll(lambda: len(_descendants(window.pid)) >= 2, 60), "no read process started"
        children = _descendants(window.pid)
        window.send_signal(signal.SIGTERM)
        window.wait(30)
        assert _poll(lambda: not any(_running(pid) for pid in children), 30), [
            pid for pid in children if _running(pid)
        ]
    finally:
        if window.poll() is None:
            window.kill()
            window.wait()
