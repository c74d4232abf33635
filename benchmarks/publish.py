"""Benchmark: publishing a large catalog, finding what changed, and rendition throughput.

Measured in one run, on a library of N products (100,000; ``--quick``: 5,000), each with a
main photo (the photos are ``--photos`` distinct originals shared between products, so the
disk holds a realistic number of renditions while every product still has an image):

- ``publish --all`` to ``shopify_csv`` with every rendition already cached, as the CLI runs
  it (a fresh process: library open, listings built, CSV written). Target <= 30 s.
- after one product changes: finding the waiting listings (``listing_states``), target
  <= 0.2 s; and ``publish --changed`` both in a long-running process (the watcher / GUI
  case) and as a fresh CLI process, with the fixed cost of any fresh ``pimdesk`` process
  (``channels list``) measured beside it. Target <= 1 s. The feed left by the ``--changed``
  runs is compared byte for byte with what ``--all`` writes.
- rendition throughput: ``RenditionCache.ensure`` on ``--photos`` originals against the
  limit measured in the same run (plain Pillow decode + resize + encode of the same files
  on all cores). Target ratio >= 0.8.

Run: ``python -m benchmarks.publish`` (``--quick`` for a small run, ``--products N``,
``--skip-renditions``).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

from PIL import Image, ImageDraw
from sqlalchemy import insert, select

from pimdesk.assets.store import object_relpath
from pimdesk.catalog.models import Asset, AssetLink, AssetVersion, Family, Product
from pimdesk.library import Library
from pimdesk.renditions.cache import RenditionCache, RenditionSource
from pimdesk.renditions.profiles import get_profile
from pimdesk.services import products, publishing

TARGET_ALL = 30.0
TARGET_FIND = 0.2
TARGET_CHANGED = 1.0
TARGET_RATIO = 0.8


def make_photo(index: int, size: tuple[int, int] = (2400, 1800)) -> bytes:
    image = Image.new("RGB", size, (250, 250, 250))
    draw = ImageDraw.Draw(image)
    w, h = size
    colour = ((index * 37) % 256, (index * 91) % 256, (index * 53) % 256)
    draw.rectangle((w // 5, h // 5, 4 * w // 5, 4 * h // 5), fill=colour)
    draw.ellipse((w // 3, h // 3, w // 2, h // 2), fill=(20, 20, 20))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def price(n: int) -> dict[str, str]:
    return {"amount": f"{n % 90 + 9}.90", "currency": "USD"}


def build_library(root: Path, count: int, photos: int) -> tuple[Library, list[Path]]:
    library = Library.open(root)
    originals: list[tuple[str, Path]] = []
    for i in range(photos):
        data = make_photo(i)
        sha = hashlib.sha256(data).hexdigest()
        path = library.root / object_relpath(sha, "jpg")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        originals.append((sha, path))
    with library.session() as s:
        asset_ids = []
        for i, (sha, path) in enumerate(originals):
            asset = Asset(kind="image", title=f"photo {i}")
            asset.versions.append(
                AssetVersion(
                    number=1,
                    sha256=sha,
                    size=path.stat().st_size,
                    format="JPEG",
                    extension="jpg",
                    width=2400,
                    height=1800,
                    source_path=str(path),
                    approval="approved",
                )
            )
            s.add(asset)
            s.flush()
            asset_ids.append(asset.id)
        default_family = s.scalar(select(Family.id).where(Family.code == "default"))
        rows = [
            {
                "sku": f"SKU-{n:06d}",
                "family_id": default_family,
                "enabled": True,
                "revision": 1,
                "values": {
                    "name": {"<all_channels>": {"en_US": f"Product number {n}"}},
                    "price": {"<all_channels>": {"<all_locales>": [price(n)]}},
                    "brand": {"<all_channels>": {"<all_locales>": "Acme Goods"}},
                    "stock": {"<all_channels>": {"<all_locales>": n % 17}},
                },
            }
            for n in range(count)
        ]  # fmt: skip
        for start in range(0, count, 5000):
            s.execute(insert(Product), rows[start : start + 5000])
        ids = list(s.scalars(select(Product.id).order_by(Product.id)))
        links = [
            {
                "asset_id": asset_ids[i % len(asset_ids)],
                "product_id": pid,
                "role": "main",
                "position": 1,
                "origin": "import",
            }
            for i, pid in enumerate(ids)
        ]
        for start in range(0, len(links), 5000):
            s.execute(insert(AssetLink), links[start : start + 5000])
    return library, [p for _, p in originals]


def _limit_one(path: str) -> int:
    """The floor: decode (draft), resize to the Shopify box, encode; no cache, no bookkeeping."""
    with Image.open(path) as image:
        image.draft("RGB", (4096, 4096))
        image = image.convert("RGB")
        image.thumbnail((2048, 2048), Image.Resampling.LANCZOS)
        canvas = Image.new("RGB", (2048, 2048), (255, 255, 255))
        canvas.paste(image, ((2048 - image.width) // 2, (2048 - image.height) // 2))
        buffer = io.BytesIO()
        canvas.save(buffer, "JPEG", quality=85, optimize=True, progressive=True)
        return len(buffer.getvalue())


def rendition_throughput(originals: list[Path], scratch: Path) -> tuple[float, float]:
    workers = os.cpu_count() or 1
    start = time.perf_counter()
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
        list(pool.map(_limit_one, [str(p) for p in originals]))
    limit = len(originals) / (time.perf_counter() - start)

    lib = Library.open(scratch)
    cache = RenditionCache(scratch / "renditions-bench", workers=workers)
    sources = [RenditionSource(hashlib.sha256(p.read_bytes()).hexdigest(), p) for p in originals]
    start = time.perf_counter()
    with lib.session() as s:
        made = cache.ensure(s, get_profile("shopify"), sources)
    ours = len(originals) / (time.perf_counter() - start)
    assert all(m.error is None for m in made.values())
    lib.close()
    return ours, limit


def cli(root: Path, *args: str) -> tuple[float, dict]:
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "pimdesk", "--library", str(root), *args, "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"pimdesk {' '.join(args)} failed: {proc.stderr.strip()}")
    return seconds, json.loads(proc.stdout)


def line(label: str, seconds: float, target: float) -> None:
    print(f"{label}: {seconds:.3f} s (target <= {target} s, ratio {seconds / target:.2f})")


def fresh_process_floor(root: Path) -> float:
    """What any fresh ``pimdesk`` process pays before it does anything: the interpreter,
    the CLI's imports and opening the library (``pimdesk channels list``)."""
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "pimdesk", "--library", str(root), "channels", "list", "--json"],
        capture_output=True,
        check=True,
    )
    return time.perf_counter() - start


def median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5,000 products, 8 photos")
    parser.add_argument("--products", type=int, default=None)
    parser.add_argument("--photos", type=int, default=None)
    parser.add_argument(
        "--skip-renditions", action="store_true", help="do not measure rendition throughput"
    )
    parser.add_argument("--repeat", type=int, default=3, help="changes measured (median)")
    args = parser.parse_args()
    count = args.products or (5_000 if args.quick else 100_000)
    photos = args.photos or (8 if args.quick else 48)
    tmp = Path(tempfile.mkdtemp(prefix="pimdesk-bench-publish-"))
    try:
        load = os.getloadavg()
        print(
            f"machine: {os.cpu_count()} cores, load average {load[0]:.1f} {load[1]:.1f} "
            f"{load[2]:.1f}; products: {count}; distinct photos: {photos}"
        )
        t0 = time.perf_counter()
        library, originals = build_library(tmp / "library", count, photos)
        out = tmp / "out"
        out.mkdir()
        publishing.add_channel(
            library,
            "shop",
            exporter="shopify_csv",
            settings={"output": str(out), "base_url": "https://cdn.example.com/shop/"},
        )
        print(f"setup: {time.perf_counter() - t0:.1f} s")

        if not args.skip_renditions:
            ours, limit = rendition_throughput(originals, tmp / "scratch")
            print(
                f"renditions: {ours:.2f} images/s vs limit {limit:.2f} images/s "
                f"(ratio {ours / limit:.2f}, target >= {TARGET_RATIO})"
            )

        library.close()
        root = tmp / "library"
        warm, report = cli(root, "publish", "shop", "--all")
        listed = len(report["published"])
        print(f"first publish --all (renders, copies images): {warm:.1f} s, {listed} listings")
        seconds, report = cli(root, "publish", "shop", "--all")
        print(
            f"publish --all, renditions cached (fresh CLI process): {seconds:.2f} s "
            f"(target <= {TARGET_ALL:.0f} s, ratio {seconds / TARGET_ALL:.2f} of the budget)"
        )
        floor = fresh_process_floor(root)
        print(
            f"fresh-process floor (`pimdesk channels list`: interpreter, imports, open): "
            f"{floor:.3f} s"
        )

        library = Library.open(root)
        start = time.perf_counter()
        publishing.publish_channel(library, "shop", mode="all")
        print(f"publish --all in process: {time.perf_counter() - start:.2f} s")
        finds, changes = [], []
        for k in range(args.repeat):
            sku = f"SKU-{42 + k:06d}"
            products.set_values(library, sku, {"name-en_US": f"Changed product {k}"})
            start = time.perf_counter()
            states = publishing.listing_states(library, "shop")
            finds.append(time.perf_counter() - start)
            assert [s.sku for s in states] == [sku], states[:3]
            start = time.perf_counter()
            report_obj = publishing.publish_channel(library, "shop", mode="changed")
            changes.append(time.perf_counter() - start)
            assert report_obj.published == [sku], report_obj.published[:3]
            assert not report_obj.notes, report_obj.notes
        line(
            f"find waiting listings after one change (median of {args.repeat})",
            median(finds),
            TARGET_FIND,
        )
        line(
            f"publish --changed in process, watcher/GUI (median of {args.repeat}, "
            f"max {max(changes):.3f} s)",
            median(changes),
            TARGET_CHANGED,
        )
        fresh = []
        for k in range(args.repeat):
            sku = f"SKU-{142 + k:06d}"
            products.set_values(library, sku, {"name-en_US": f"Changed again {k}"})
            seconds, report = cli(root, "publish", "shop", "--changed")
            fresh.append(seconds)
            assert report["published"] == [sku], report["published"][:3]
            assert not report["notes"], report["notes"]
        line(
            f"publish --changed, fresh CLI process (median of {args.repeat})",
            median(fresh),
            TARGET_CHANGED,
        )
        print(
            f"  of which the fresh-process floor: {floor:.3f} s; publishing itself: "
            f"{median(fresh) - floor:.3f} s"
        )
        feed = (out / "products.csv").read_bytes()
        publishing.publish_channel(library, "shop", mode="all")
        same = (out / "products.csv").read_bytes() == feed
        print(f"feed after the --changed runs is byte-identical to --all: {same}")
        library.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
