"""Benchmark: the waiting list, ``pimdesk status`` and CLI start-up on a large catalog.

On a library of N products (100,000; ``--quick``: 5,000) built like ``benchmarks.publish``
(one main photo each, a ``shopify_csv`` channel), every product is recorded as published at
its current revision. The published rows are written directly instead of running a
``publish --all`` (70 s at this size): the waiting list computes fingerprints only for the
candidates it finds, so the rows' placeholder fingerprints do not change what is measured.

- **waiting list after one product changed** (``publishing.listing_states``): the first
  lookup of the channel (no lookup state yet: every product compared once), then the
  steady state in the same process and in a fresh process. Target <= 0.2 s.
- **status** (``library_status``, what ``pimdesk status --json`` prints): CPU and wall
  seconds, and after one product changed; beside it, the old way (completeness of every
  product computed in Python) measured in the same run.
- **CLI start-up**: ``pimdesk --help`` and ``pimdesk publish --help`` as fresh processes,
  and the import time of ``pimdesk.cli`` (``python -X importtime``).

Run: ``python -m benchmarks.tracking`` (``--quick``; ``--keep DIR`` reuses/keeps a library).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert, select

TARGET_FIND = 0.2


def build(root: Path, count: int) -> None:
    from benchmarks.publish import build_library
    from pimdesk.catalog.models import Channel, Product, PublishedListing
    from pimdesk.services import publishing

    library, _ = build_library(root / "library", count, 8)
    out = root / "out"
    out.mkdir(exist_ok=True)
    publishing.add_channel(
        library,
        "shop",
        exporter="shopify_csv",
        settings={"output": str(out), "base_url": "https://cdn.example.com/shop/"},
    )
    with library.session() as s:
        channel_id = s.scalar(select(Channel.id).where(Channel.code == "shop"))
        rows = [
            {"channel_id": channel_id, "product_id": pid, "sku": sku, "fingerprint": "0" * 64,
             "revision": revision, "versions": []}
            for pid, sku, revision in s.execute(select(Product.id, Product.sku, Product.revision))
        ]  # fmt: skip
        for start in range(0, len(rows), 5000):
            s.execute(insert(PublishedListing), rows[start : start + 5000])
    with library.session() as s:  # the stored completeness the catalog's writes keep
        from pimdesk.catalog import summary

        summary.refresh_all(s)
    library.close()


def child_find(library_root: str, sku: str) -> None:
    """In a fresh process: change one product, time the waiting list."""
    from pimdesk.library import Library
    from pimdesk.services import products, publishing

    library = Library.open(Path(library_root))
    publishing.publish_channel(library, "shop", mode="changed")  # settle the previous round
    products.set_values(library, sku, {"name-en_US": f"Changed {time.time()}"})
    start = time.perf_counter()
    states = publishing.listing_states(library, "shop")
    seconds = time.perf_counter() - start
    assert [s.sku for s in states] == [sku], states[:3]
    print(f"{seconds:.4f}")
    library.close()


def fresh_find(library_root: Path, sku: str) -> float:
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.tracking", "--child-find", str(library_root), sku],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(proc.stdout.strip().splitlines()[-1])


def timed_status(library: object) -> tuple[float, float]:
    from pimdesk.services.status import library_status

    cpu, wall = time.process_time(), time.perf_counter()
    library_status(library)  # type: ignore[arg-type]
    return time.process_time() - cpu, time.perf_counter() - wall


def cli_startup() -> dict[str, float]:
    def run(*args: str) -> float:
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "pimdesk", *args], capture_output=True, check=True
            )
            best = min(best, time.perf_counter() - start)
        return best

    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import pimdesk.cli"],
        capture_output=True,
        text=True,
        check=True,
    )
    total = 0
    for line in proc.stderr.splitlines():
        match = re.match(r"import time:\s+\d+ \|\s+(\d+) \| pimdesk\.cli$", line)
        if match:
            total = int(match.group(1))
    return {
        "import pimdesk.cli": total / 1e6,
        "pimdesk --help": run("--help"),
        "pimdesk publish --help": run("publish", "--help"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5,000 products")
    parser.add_argument("--products", type=int, default=None)
    parser.add_argument("--keep", type=Path, help="build the library here, or reuse it")
    parser.add_argument("--child-find", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_find:
        child_find(*args.child_find)
        return
    from pimdesk.library import Library
    from pimdesk.services import products, publishing

    count = args.products or (5_000 if args.quick else 100_000)
    work = args.keep or Path(tempfile.mkdtemp(prefix="pimdesk-bench-tracking-"))
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()}; products: {count}")
    try:
        if not (work / "library").exists():
            start = time.perf_counter()
            build(work, count)
            print(f"setup: {time.perf_counter() - start:.1f} s")
        root = work / "library"
        library = Library.open(root)
        with library.session() as s:  # forget earlier lookups: measure the first one too
            from pimdesk.catalog.models import ChannelTracking

            s.query(ChannelTracking).delete()
        publishing.publish_channel(library, "shop", mode="changed")  # settle earlier runs

        changed: list[str] = []

        def find(sku: str) -> float:
            products.set_values(library, sku, {"name-en_US": f"Changed {time.time()}"})
            changed.append(sku)
            start = time.perf_counter()
            states = publishing.listing_states(library, "shop")
            seconds = time.perf_counter() - start
            assert [s.sku for s in states] == changed, states[:3]
            return seconds

        with library.session() as s:
            s.query(ChannelTracking).delete()
        first = find("SKU-000042")
        print(f"waiting list, first lookup of the channel (compares every product): {first:.3f} s")
        steady = [find(f"SKU-{n:06d}") for n in (43, 44, 45, 46, 47)]
        print(
            "waiting list after one change, same process: "
            + ", ".join(f"{t:.4f}" for t in steady)
            + f" s (best {min(steady):.4f}, worst {max(steady):.4f}; target <= {TARGET_FIND} s,"
            f" worst/target {max(steady) / TARGET_FIND:.2f})"
        )
        publishing.publish_channel(library, "shop", mode="changed")
        library.close()
        fresh = [fresh_find(root, f"SKU-{n:06d}") for n in (50, 51, 52)]
        print(
            "waiting list after one change, fresh process: "
            + ", ".join(f"{t:.4f}" for t in fresh)
            + f" s (worst/target {max(fresh) / TARGET_FIND:.2f})"
        )
        library = Library.open(root)
        publishing.publish_channel(library, "shop", mode="changed")
        cpu, wall = timed_status(library)
        print(f"status (every section, counts by query): CPU {cpu:.3f} s, wall {wall:.3f} s")
        products.set_values(library, "SKU-000060", {"name-en_US": "Status change"})
        cpu, wall = timed_status(library)
        print(f"status after one change: CPU {cpu:.3f} s, wall {wall:.3f} s")
        from pimdesk.catalog import completeness_counts
        from pimdesk.catalog.context import load_context

        with library.session() as s:  # what status computed before: every product in Python
            cpu, wall = time.process_time(), time.perf_counter()
            completeness_counts.summary_computed(s, load_context(s))
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        print(f"limit/old way: completeness of every product in Python: CPU {cpu:.2f} s")
        library.close()
        for label, seconds in cli_startup().items():
            print(f"{label}: {seconds:.3f} s")
        print(f"load average at the end: {os.getloadavg()}")
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
