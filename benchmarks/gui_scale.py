"""Benchmark: the window on a 100,000-product library with 300,000 asset versions.

A child process builds the library: the catalog's own schema (``Library.open``), then
products, assets, versions and links written in bulk with plain SQL (this script only; the
application never does), the search index rebuilt by ``catalog.search.reindex_all``, and a
small WebP thumbnail for every current version. Then, offscreen, in this process:

- **first page**: from opening the library to the products table holding its first page;
- **UI stall**: a 10 ms ``QTimer`` heartbeat records the longest gap between two ticks
  (minus the interval) while the products table is scrolled end to end (every keyset page
  fetched as a user's scrolling asks for it), while the asset grid (which has all its rows
  at once) is paged through screen by screen to the end, each screen waiting for its assets,
  and while a 1,000-file ingest and a publish of a channel run in the background;
- **search as you type**: keystroke-to-results latency of the search box, p50/p95;
- **peak memory**: ``ru_maxrss`` of this process (the window, not the build).

Targets: first page <= 2 s, longest stall <= 100 ms, search p95 <= 50 ms, peak <= 800 MB.
Run: ``python -m benchmarks.gui_scale`` (``--quick``: 10,000 products, 30,000 versions).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

TARGET_FIRST_PAGE_S = 2.0
TARGET_STALL_MS = 100.0
TARGET_SEARCH_P95_MS = 50.0
TARGET_PEAK_MB = 800.0
WORDS = ["classic", "oak", "linen", "steel", "kettle", "bottle", "tote", "shirt", "mug", "bowl"]


# -- building the library (child process) ---------------------------------------------------


def build(root: Path, products: int, versions_per_asset: int) -> None:
    from PIL import Image
    from sqlalchemy import text

    from pimdesk.assets.store import thumb_relpath
    from pimdesk.catalog import search, summary
    from pimdesk.library import Library

    rng = random.Random(7)
    library = Library.open(root)
    now = "2026-01-01 00:00:00.000000"
    blobs = []
    for _ in range(48):
        buffer = io.BytesIO()
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        Image.new("RGB", (96, 96), colour).save(buffer, "WEBP", quality=60)
        blobs.append(buffer.getvalue())
    with library.engine.begin() as conn:
        family_id = conn.execute(text("SELECT id FROM family WHERE code='default'")).scalar()
        rows = []
        for n in range(products):
            word = WORDS[n % len(WORDS)]
            values = {
                "name": {"<all_channels>": {"en_US": f"{word.title()} product {n}"}},
                "price": {
                    "<all_channels>": {"<all_locales>": [{"amount": "9.90", "currency": "USD"}]}
                },
            }
            rows.append(
                {
                    "id": n + 1,
                    "sku": f"SKU-{n:06d}",
                    "family": family_id,
                    "values": json.dumps(values),
                    "now": now,
                }
            )
        conn.execute(
            text(
                'INSERT INTO product (id, sku, family_id, enabled, "values", revision, '
                "created_at, updated_at) VALUES (:id, :sku, :family, 1, :values, 1, :now, :now)"
            ),
            rows,
        )
        assets, versions, links = [], [], []
        version_id = 0
        for n in range(products):
            assets.append({"id": n + 1, "title": f"SKU-{n:06d}_main", "now": now})
            links.append({"asset": n + 1, "product": n + 1})
            for number in range(1, versions_per_asset + 1):
                version_id += 1
                sha = hashlib.sha256(f"{n}-{number}".encode()).hexdigest()
                versions.append(
                    {
                        "id": version_id,
                        "asset": n + 1,
                        "number": number,
                        "sha": sha,
                        "approval": "approved" if number == versions_per_asset else "draft",
                        "path": f"/studio/SKU-{n:06d}_main.jpg",
                        "now": now,
                    }
                )
                if number == versions_per_asset:
                    path = root / thumb_relpath(sha)
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_bytes(blobs[n % len(blobs)])
        conn.execute(
            text(
                "INSERT INTO asset (id, kind, title, alt_text, metadata, created_at, updated_at) "
                "VALUES (:id, 'image', :title, '{}', '{}', :now, :now)"
            ),
            assets,
        )
        conn.execute(
            text(
                "INSERT INTO asset_version (id, asset_id, number, sha256, size, format, extension,"
                " width, height, exif, source_path, source_missing, approval, ingested_at) VALUES"
                " (:id, :asset, :number, :sha, 1000, 'JPEG', 'jpg', 1200, 1200, '{}', :path, 0,"
                " :approval, :now)"
            ),
            versions,
        )
        conn.execute(
            text(
                "INSERT INTO asset_link (asset_id, product_id, role, position, origin) "
                "VALUES (:asset, :product, 'main', 1, 'rule')"
            ),
            links,
        )
    with library.session() as session:
        search.reindex_all(session)
    with library.session() as session:
        # what the catalog keeps for rows it writes itself (bulk SQL here bypasses it)
        summary.refresh_all(session)
    library.close()


# -- measuring (this process) ---------------------------------------------------------------


class Heartbeat:
    """Longest gap between ticks of a 10 ms timer on the UI thread, in ms (minus 10 ms)."""

    def __init__(self) -> None:
        from PySide6.QtCore import QTimer

        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._tick)
        self.last = 0.0
        self.worst = 0.0

    def start(self) -> None:
        self.last = time.perf_counter()
        self.worst = 0.0
        self.timer.start()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.worst = max(self.worst, (now - self.last) * 1000 - 10)
        self.last = now

    def stop(self) -> float:
        self.timer.stop()
        return max(self.worst, 0.0)


def pump_until(condition: Any, timeout: float) -> bool:
    from PySide6.QtWidgets import QApplication

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        QApplication.processEvents()
        if condition():
            return True
        time.sleep(0.002)
    return False


def scroll_to_end(view: Any, model: Any, timeout: float) -> int:
    """Scroll as a user dragging the scroll bar to the bottom again and again would."""
    from PySide6.QtWidgets import QApplication

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        bar = view.verticalScrollBar()
        bar.setValue(bar.maximum())
        QApplication.processEvents()
        if model.exhausted and not model.canFetchMore():
            break
        time.sleep(0.002)
    return model.rowCount()


def page_through(view: Any, model: Any, timeout: float) -> int:
    """Page Down from the top to the very end, as a user holding the key would: each screen
    is shown once its assets have arrived (the grid knows all its rows from the start and
    reads each page of summaries as it comes into view)."""
    from PySide6.QtCore import QPoint

    deadline = time.monotonic() + timeout
    bar = view.verticalScrollBar()
    corner = QPoint(8, 8)

    def shown() -> bool:
        index = view.indexAt(corner)
        return not index.isValid() or model.item(index.row()) is not None

    def at_the_end() -> bool:  # the last asset is on screen (the layout may still grow)
        last = model.index(model.rowCount() - 1)
        return view.viewport().rect().intersects(view.visualRect(last))

    while time.monotonic() < deadline:
        pump_until(shown, max(0.0, deadline - time.monotonic()))
        if at_the_end():
            break
        bar.setValue(min(bar.value() + bar.pageStep(), bar.maximum()))
    return model.rowCount()


def measure(root: Path, quick: bool) -> dict[str, Any]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PIL import Image
    from PySide6.QtCore import QSettings
    from PySide6.QtTest import QTest

    from pimdesk.gui.app import create_application
    from pimdesk.library import Library

    app = create_application(scheme="light")
    results: dict[str, Any] = {}

    started = time.perf_counter()
    library = Library.open(root)
    from pimdesk.gui.main_window import MainWindow

    window = MainWindow(
        library, settings=QSettings(str(root.parent / "b.ini"), QSettings.Format.IniFormat)
    )
    window.resize(1400, 900)
    window.show()
    products_screen = window.screens["products"]
    pump_until(lambda: products_screen.model.rowCount() > 0, 60)
    results["first_page_s"] = time.perf_counter() - started

    beat = Heartbeat()
    # products table end to end
    beat.start()
    t = time.perf_counter()
    rows = scroll_to_end(products_screen.table, products_screen.model, 1800)
    results["products_scroll"] = {
        "rows": rows,
        "seconds": time.perf_counter() - t,
        "stall_ms": beat.stop(),
        # the window's high-water mark once the table has been scrolled to its end
        # (it keeps a bounded number of pages, so this no longer grows with the catalog)
        "peak_mb_so_far": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "pages_held": products_screen.model.loaded_pages(),
    }
    # asset grid end to end
    window.show_screen("assets")
    assets_screen = window.screens["assets"]
    pump_until(lambda: assets_screen.model.rowCount() > 0, 60)
    beat.start()
    t = time.perf_counter()
    rows = page_through(assets_screen.grid, assets_screen.model, 1800)
    results["assets_scroll"] = {
        "rows": rows,
        "pages_read": assets_screen.model.pages_read,
        "seconds": time.perf_counter() - t,
        "stall_ms": beat.stop(),
    }

    # search as you type
    window.show_screen("products")
    box = window.search
    box.setFocus()
    latencies: list[float] = []
    box.results_shown.connect(lambda _text, seconds: latencies.append(seconds * 1000))
    rng = random.Random(3)
    queries = [f"SKU-{rng.randrange(10_000 if quick else 100_000):06d}" for _ in range(8)]
    queries += [rng.choice(WORDS) for _ in range(8)]
    for query in queries:
        box.clear()
        for char in query:
            before = len(latencies)
            QTest.keyClick(box, char)
            pump_until(lambda b=before: len(latencies) > b, 5)
    box.completer_.popup().hide()
    results["search"] = {
        "keystrokes": len(latencies),
        "p50_ms": statistics.median(latencies),
        "p95_ms": statistics.quantiles(latencies, n=20)[18],
    }

    # 1,000-file ingest and a publish in the background
    from pimdesk.gui.image_strip import ingest_and_link
    from pimdesk.services import ingest, publishing

    shots = root.parent / "shots"
    shots.mkdir(exist_ok=True)
    files = []
    for n in range(1000):
        path = shots / f"SKU-{n:06d}_detail.jpg"
        Image.new("RGB", (800, 800), (n % 256, 80, 160)).save(path, "JPEG", quality=80)
        files.append(path)
    site = root.parent / "site"
    site.mkdir(exist_ok=True)
    import contextlib

    from pimdesk.errors import ValidationError

    with contextlib.suppress(ValidationError):  # a library kept (--keep) has it already
        publishing.add_channel(
            library, "site", exporter="storefront", settings={"output": str(site)}
        )
    done: dict[str, Any] = {}
    beat.start()
    t = time.perf_counter()
    window.context.workers.run(
        ingest.ingest_paths,
        library,
        files,
        write=True,
        on_result=lambda r: done.setdefault("ingest", time.perf_counter() - t),
        on_error=lambda e: done.setdefault("ingest_error", str(e)),
    )
    publish_job = window.context.workers.run(
        publishing.publish_channel,
        library,
        "site",
        progress=True,
        cancellable=True,
        on_result=lambda r: done.setdefault("publish", r.result),
        on_error=lambda e: done.setdefault("publish_error", str(e)),
    )
    pump_until(lambda: "ingest" in done or "ingest_error" in done, 1800)
    ingest_seconds = time.perf_counter() - t
    publish_job.cancel()  # the ingest was the measured window; stop the publish there
    pump_until(lambda: any(k.startswith("publish") for k in done), 600)
    results["background"] = {
        "ingest_files": len(files),
        "ingest_seconds": ingest_seconds,
        "publish": done.get("publish") or done.get("publish_error"),
        "stall_ms": beat.stop(),
    }
    assert ingest_and_link  # the GUI's drop path uses the same ingest service

    window.context.workers.wait(600_000)
    window.close()
    window.shutdown()
    library.close()
    results["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    del app
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--build", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--keep", type=Path, help="build the library here and keep it")
    args = parser.parse_args()
    products = 10_000 if args.quick else 100_000
    if args.build:
        build(args.build, products, 3)
        return 0
    with tempfile.TemporaryDirectory(prefix="pimdesk-gui-bench-") as tmp:
        base = args.keep or Path(tmp)
        root = base / "library"
        if not (root / "library.toml").exists():
            t = time.perf_counter()
            command = [sys.executable, "-m", "benchmarks.gui_scale", "--build", str(root)]
            subprocess.run(command + (["--quick"] if args.quick else []), check=True)
            print(
                f"built {products:,} products, {3 * products:,} versions in "
                f"{time.perf_counter() - t:.1f} s"
            )
        results = measure(root, args.quick)
    print(
        f"machine: {os.cpu_count()} CPUs, {platform.processor() or platform.machine()}, "
        f"load {os.getloadavg()[0]:.1f}"
    )
    first = results["first_page_s"]
    print(
        f"first page of the products table: {first:.2f} s "
        f"({first / TARGET_FIRST_PAGE_S:.2f}x the {TARGET_FIRST_PAGE_S} s target)"
    )
    for key, label in (("products_scroll", "products table"), ("assets_scroll", "asset grid")):
        r = results[key]
        print(
            f"{label} scrolled end to end: {r['rows']:,} rows in {r['seconds']:.1f} s, "
            f"longest UI stall {r['stall_ms']:.0f} ms "
            f"({r['stall_ms'] / TARGET_STALL_MS:.2f}x the {TARGET_STALL_MS:.0f} ms target)"
        )
    print(
        f"after the products table: window peak {results['products_scroll']['peak_mb_so_far']:.0f}"
        f" MB, {results['products_scroll']['pages_held']} pages of rows held"
    )
    b = results["background"]
    print(
        f"1,000-file ingest + publish in the background: ingest {b['ingest_seconds']:.1f} s, "
        f"publish {b['publish']}, longest UI stall {b['stall_ms']:.0f} ms "
        f"({b['stall_ms'] / TARGET_STALL_MS:.2f}x the target)"
    )
    s = results["search"]
    print(
        f"search as you type: {s['keystrokes']} keystrokes, p50 {s['p50_ms']:.1f} ms, "
        f"p95 {s['p95_ms']:.1f} ms ({s['p95_ms'] / TARGET_SEARCH_P95_MS:.2f}x the "
        f"{TARGET_SEARCH_P95_MS:.0f} ms target)"
    )
    print(
        f"peak memory of the window process: {results['peak_mb']:.0f} MB "
        f"({results['peak_mb'] / TARGET_PEAK_MB:.2f}x the {TARGET_PEAK_MB:.0f} MB target)"
    )
    print(json.dumps(results, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
