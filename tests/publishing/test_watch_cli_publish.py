"""`pimdesk watch` in a terminal says when a dropped photo went live on an auto-publish channel.

The trial users run is "drop a photo, see it live": the watcher's own output must show the
publish, not only the ingest, or the user opens the storefront to find out.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from pimdesk.library import Library
from pimdesk.services import products, publishing
from pimdesk.services.watch import add_folder

from .conftest import photo


def test_watch_prints_the_auto_publish_of_a_dropped_photo(library: Library, tmp_path: Path) -> None:
    shoot, store = tmp_path / "shoot", tmp_path / "store"
    shoot.mkdir()
    store.mkdir()
    publishing.add_channel(
        library,
        "web",
        exporter="storefront",
        settings={"output": str(store), "auto_publish": "true"},
    )
    products.create_product(library, "LAMP-2", values={"name-en_US": "No photo yet"})
    products.create_product(
        library, "LAMP-1", values={"name-en_US": "Desk lamp", "price-USD": "49"}
    )
    add_folder(library, shoot)
    root = library.root
    library.close()

    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "pimdesk", "--library", str(root), "watch"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True)  # type: ignore[arg-type]
    reader.start()
    try:
        deadline = time.monotonic() + 60
        while not any(line.startswith("watching") for line in lines):
            assert time.monotonic() < deadline and proc.poll() is None, "".join(lines)
            time.sleep(0.05)
        shot = photo(tmp_path / "staging" / "LAMP-1_main_1.jpg")
        shutil.copyfile(shot, shoot / shot.name)
        # the catch-up publish at start may already have listed LAMP-1 (no photo yet): wait
        # for a publish after the photo's ingest
        while not _published_after_ingest(lines):
            assert time.monotonic() < deadline and proc.poll() is None, "".join(lines)
            time.sleep(0.05)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
        reader.join(timeout=5)
    output = "".join(lines)
    assert "LAMP-1_main_1.jpg -> LAMP-1 main 1" in output
    published = _published_after_ingest(lines)
    # LAMP-2 has no photo, so the storefront blocks it: the line says so
    assert published[0].split() == [
        "published",
        "web:",
        "1",
        "published,",
        "0",
        "withdrawn,",
        "1",
        "blocked",
    ]
    assert "Desk lamp" in (store / "index.html").read_text(encoding="utf-8")


def _published_after_ingest(lines: list[str]) -> list[str]:
    """The watcher's "published web" lines printed after the dropped photo was ingested."""
    snapshot = list(lines)
    ingested = [i for i, line in enumerate(snapshot) if "LAMP-1_main_1.jpg -> LAMP-1" in line]
    if not ingested:
        return []
    return [
        line
        for line in snapshot[ingested[0] + 1 :]
        if line.startswith("published") and "web" in line
    ]
