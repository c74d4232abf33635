"""Benchmark: a photo dropped into a watched folder -> ingested (the watcher's latency).

Each round writes a new version of one product's photo into the watched folder (written and
closed by one writer, as a camera app or a copy does) and times from the close until the
watcher reports the ingest outcome. The limit, measured in the same run: ``ingest_paths`` of
the same kind of file called directly (no events, no stability wait). The difference is what
watching costs: the event, the debounce, the close-quiet window and the worker's wake-up.

Run: ``python -m benchmarks.watch_drop`` (``--quick`` for 5 rounds instead of 20).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import threading
import time
from pathlib import Path

from pimdesk.catalog.models import Product
from pimdesk.library import Library
from pimdesk.services import watch as watch_service
from pimdesk.services.ingest import ingest_paths
from pimdesk.watch.watcher import FolderWatcher, WatchEvent

PHOTOS = Path(__file__).parents[1] / "tests" / "data" / "photos" / "exif"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="5 rounds instead of 20")
    args = parser.parse_args()
    rounds = 5 if args.quick else 20
    photos = sorted(PHOTOS.glob("*.jpg"))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        library = Library.open(root / "lib")
        with library.session() as session:
            session.add_all([Product(sku="WB-750"), Product(sku="AB-12")])
        shots = root / "shots"
        shots.mkdir()
        watch_service.add_folder(library, shots)

        # the limit: the same files ingested directly, one call each
        direct = []
        staging = root / "staging"
        staging.mkdir()
        for n in range(rounds):
            source = staging / "AB-12_front.jpg"
            shutil.copyfile(photos[n % len(photos)], source)
            start = time.perf_counter()
            ingest_paths(library, [source], source_root=staging)
            direct.append(time.perf_counter() - start)

        arrived: dict[str, float] = {}
        seen = threading.Event()

        def on_event(event: WatchEvent) -> None:
            if event.kind == "ingested" and event.path:
                arrived[event.path] = time.perf_counter()
                seen.set()

        watcher = FolderWatcher(library, on_event=on_event)
        watcher.start()
        watcher.wait_idle(60)
        latencies = []
        target = shots / "WB-750_front.jpg"
        for n in range(rounds):
            data = photos[(n + 3) % len(photos)].read_bytes()
            seen.clear()
            arrived.pop(str(target), None)
            with open(target, "wb") as handle:
                handle.write(data)
            closed = time.perf_counter()
            while str(target) not in arrived and time.perf_counter() - closed < 30:
                seen.wait(0.5)
            latencies.append(arrived.get(str(target), float("inf")) - closed)
            watcher.wait_idle(30)
        watcher.stop()
        library.close()

    limit = statistics.median(direct)
    median = statistics.median(latencies)
    p95 = sorted(latencies)[max(0, round(0.95 * len(latencies)) - 1)]
    print(f"rounds: {rounds}")
    print(f"limit: ingest_paths called directly, median {limit:.3f} s")
    print(
        f"drop -> ingested by the watcher: median {median:.3f} s ({median / limit:.1f}x the "
        f"limit, +{median - limit:.3f} s for watching), p95 {p95:.3f} s, max {max(latencies):.3f} s"
    )
    print(f"target 'well under a second': median {median:.2f} s")


if __name__ == "__main__":
    main()
