"""Running out of inotify watches: a clear message and polling instead (for real).

The limit is lowered for one subprocess only, inside a user namespace of its own
(``/proc/sys/user/max_inotify_watches`` is per user namespace), so the rest of the machine
keeps its limits.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from watchkit import PHOTOS

SCRIPT = textwrap.dedent(
    """
    import json, shutil, sys, time
    from pathlib import Path
    from sqlalchemy import select
    from pimdesk.catalog.models import AssetVersion
    from pimdesk.library import Library
    from pimdesk.services import watch
    from pimdesk.watch.settle import Timing
    from pimdesk.watch.watcher import FolderWatcher

    library = Library.open(sys.argv[1])
    shots, photo = Path(sys.argv[2]), Path(sys.argv[3])
    watch.add_folder(library, shots)
    events = []
    watcher = FolderWatcher(
        library, on_event=events.append, health_interval=0.2, polling_interval=0.3,
        timing=Timing(close_quiet=0.05, settle_seconds=0.6, gone_delay=0.25),
    )
    watcher.start()
    watcher.wait_idle(60)
    target = shots / "day1" / "WB-750_front.jpg"
    shutil.copyfile(photo, target)
    deadline = time.monotonic() + 60
    found = False
    while time.monotonic() < deadline and not found:
        with library.session() as s:
            found = s.scalars(
                select(AssetVersion).where(AssetVersion.source_path == str(target))
            ).first() is not None
        time.sleep(0.05)
    status = watcher.status()
    watcher.stop()
    library.close()
    print(json.dumps({
        "ingested": found,
        "status": status,
        "events": [[e.kind, e.message] for e in events],
    }))
    """
)


def test_out_of_inotify_watches_says_how_to_raise_the_limit_and_polls(tmp_path: Path) -> None:
    unshare = shutil.which("unshare")
    if unshare is None:
        pytest.skip("needs unshare(1) to lower the inotify limit for one process")
    probe = subprocess.run(
        [unshare, "-U", "-r", "sh", "-c", "echo 1 > /proc/sys/user/max_inotify_watches"],
        capture_output=True,
    )
    if probe.returncode != 0:
        pytest.skip("user namespaces are not available here")
    shots = tmp_path / "shots"
    (shots / "day1").mkdir(parents=True)
    (shots / "day2").mkdir()
    script = tmp_path / "run.py"
    script.write_text(SCRIPT, encoding="utf-8")
    command = (
        "echo 1 > /proc/sys/user/max_inotify_watches && exec "
        f'"{sys.executable}" "{script}" "{tmp_path / "lib"}" "{shots}" '
        f'"{PHOTOS / "exif" / "Canon_40D.jpg"}"'
    )
    done = subprocess.run(
        [unshare, "-U", "-r", "sh", "-c", command], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    warnings = [message for kind, message in result["events"] if kind == "warning"]
    assert any("fs.inotify.max_user_watches" in message for message in warnings)
    assert ["polling", "watching by polling instead"] in result["events"]
    assert result["status"] == [[str(shots.resolve()), "polling"]]
    assert result["ingested"]
