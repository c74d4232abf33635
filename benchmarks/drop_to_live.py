"""Benchmark: a photo dropped into the watched folder, live on the storefront and in the CSV.

A library of N products with a main photo each (1,000; ``--quick``: 100), ``storefront``
and ``shopify_csv`` channels on auto-publish, ``pimdesk watch`` running in a separate
process. Twenty times (``--quick``: 5), a new version of one product's main photo is written
into the watched folder; the clock starts when the file is closed and stops when both the
storefront's index page and the Shopify CSV reference the new rendition (its versioned file
name) and that file holds the cached rendition of the new version byte for byte, the
stability wait and the debounce included. Reports median and p95 against the targets (1 s and 2 s).

The limit measured in the same run: rendering that one photo for both profiles and copying
it, in this process, with nothing else (what no pipeline can beat).

Run: ``python -m benchmarks.drop_to_live`` (``--quick`` for a small run).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image, ImageDraw

from pimdesk.library import Library
from pimdesk.renditions.pipeline import render
from pimdesk.renditions.profiles import get_profile
from pimdesk.services import publishing
from pimdesk.services.ingest import ingest_paths
from pimdesk.services.watch import add_folder

TARGET_MEDIAN = 1.0
TARGET_P95 = 2.0


def photo_bytes(seed: int, size: tuple[int, int] = (1600, 1200)) -> bytes:
    image = Image.new("RGB", size, (250, 250, 250))
    draw = ImageDraw.Draw(image)
    w, h = size
    colour = ((seed * 37) % 256, (seed * 91) % 256, (seed * 53) % 256)
    draw.rectangle((w // 5, h // 5, 4 * w // 5, 4 * h // 5), fill=colour)
    draw.text((w // 4, h // 4), f"shot {seed}", fill=(0, 0, 0))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=88)
    return buffer.getvalue()


def setup(root: Path, count: int) -> tuple[Path, Path, Path, list[str]]:
    from sqlalchemy import insert, select

    from pimdesk.catalog.models import Family, Product

    library = Library.open(root / "library")
    shoot, store, shop = root / "shoot", root / "store", root / "shopify"
    for folder in (shoot, store, shop):
        folder.mkdir()
    skus = [f"DROP-{n:05d}" for n in range(count)]
    with library.session() as s:
        family = s.scalar(select(Family.id).where(Family.code == "default"))
        rows = [
            {
                "sku": sku,
                "family_id": family,
                "enabled": True,
                "revision": 1,
                "values": {
                    "name": {"<all_channels>": {"en_US": f"Product {sku}"}},
                    "price": {
                        "<all_channels>": {
                            "<all_locales>": [{"amount": "19.90", "currency": "USD"}]
                        }
                    },
                },
            }
            for sku in skus
        ]
        s.execute(insert(Product), rows)
    for n, sku in enumerate(skus):
        (shoot / f"{sku}_main_1.jpg").write_bytes(photo_bytes(n))
    ingest_paths(library, [shoot], source_root=shoot)
    add_folder(library, shoot)
    publishing.add_channel(
        library,
        "web",
        exporter="storefront",
        settings={"output": str(store), "auto_publish": "true"},
    )
    publishing.add_channel(
        library,
        "shop",
        exporter="shopify_csv",
        settings={
            "output": str(shop),
            "base_url": "https://cdn.example.com/shop/",
            "auto_publish": "true",
        },
    )
    for code in ("web", "shop"):
        publishing.publish_channel(library, code, mode="all")
    library.close()
    return shoot, store, shop, skus


def live_reference(document: Path, folder: Path, tag: str, want: bytes | None) -> bool:
    """True when ``document`` names an image carrying ``tag`` (the new photo's hash prefix,
    part of every versioned rendition name) and that file holds the new rendition's bytes."""
    if want is None:
        return False
    try:
        if tag not in document.read_text(encoding="utf-8"):
            return False
    except FileNotFoundError:
        return False
    for path in folder.rglob(f"*{tag}*"):
        try:
            if path.read_bytes() == want:
                return True
        except FileNotFoundError:
            continue
    return False


def rendition_bytes(library_root: Path, profile: str, sha: str) -> bytes | None:
    folder = library_root / "renditions" / profile / sha[:2]
    for path in folder.glob(f"{sha}-*"):
        return path.read_bytes()
    return None


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100 products, 5 drops")
    parser.add_argument("--products", type=int, default=None)
    parser.add_argument("--drops", type=int, default=None)
    args = parser.parse_args()
    count = args.products or (100 if args.quick else 1000)
    drops = args.drops or (5 if args.quick else 20)
    tmp = Path(tempfile.mkdtemp(prefix="pimdesk-bench-drop-"))
    watcher: subprocess.Popen[bytes] | None = None
    try:
        print(f"machine: {os.cpu_count()} cores; products: {count}; drops: {drops}")
        t0 = time.perf_counter()
        shoot, store, shop, skus = setup(tmp, count)
        print(f"setup (ingest, first publish of both channels): {time.perf_counter() - t0:.1f} s")
        library_root = tmp / "library"
        watcher = subprocess.Popen(
            [sys.executable, "-m", "pimdesk", "--library", str(library_root), "watch"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        time.sleep(3.0)  # start-up: reconciliation scan, caches warmed by the first publish
        if watcher.poll() is not None:
            raise SystemExit(f"pimdesk watch exited: {watcher.stderr.read().decode()[-500:]}")
        times: list[float] = []
        limits: list[float] = []
        for i in range(drops):
            sku = skus[(i * 7919) % len(skus)]
            data = photo_bytes(10_000 + i)
            sha = hashlib.sha256(data).hexdigest()
            staging = tmp / f"drop-{i}.jpg"
            staging.write_bytes(data)
            start_limit = time.perf_counter()
            for profile in ("storefront", "shopify"):
                render(staging, get_profile(profile))
            shutil.copyfile(staging, tmp / f"copy-{i}.jpg")
            limits.append(time.perf_counter() - start_limit)

            target = shoot / f"{sku}_main_1.jpg"
            with open(target, "wb") as handle:
                handle.write(data)
            closed = time.perf_counter()
            deadline = closed + 60
            while True:
                tag = sha[:8]
                want_store = rendition_bytes(library_root, "storefront", sha)
                want_shop = rendition_bytes(library_root, "shopify", sha)
                if live_reference(store / "index.html", store, tag, want_store) and (
                    live_reference(shop / "products.csv", shop, tag, want_shop)
                ):
                    break
                if time.perf_counter() > deadline:
                    raise SystemExit(f"drop {i} ({sku}) not live after 60 s")
                time.sleep(0.01)
            times.append(time.perf_counter() - closed)
            print(f"  drop {i + 1:2d} {sku}: {times[-1]:.3f} s")
            time.sleep(0.3)
        median, p95 = statistics.median(times), percentile(times, 0.95)
        limit = statistics.median(limits)
        print(f"drop to live: median {median:.3f} s (target <= {TARGET_MEDIAN} s), p95 {p95:.3f} s "
              f"(target <= {TARGET_P95} s)")  # fmt: skip
        print(
            f"limit (render both profiles + copy, in process): median {limit:.3f} s; "
            f"drop-to-live / limit = {median / limit:.1f}x"
        )
    finally:
        if watcher is not None and watcher.poll() is None:
            watcher.send_signal(signal.SIGTERM)
            try:
                watcher.wait(timeout=30)
            except subprocess.TimeoutExpired:
                watcher.kill()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
