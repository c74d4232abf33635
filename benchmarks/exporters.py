"""The built-in exporters alone: how long writing a feed of N listings takes.

Listings are built in memory (one 4 KB image file each, a tenth of them variants of a
model), so the number is the exporter's own share of a publish, apart from listing building
and rendering (``benchmarks.publish`` measures the whole). For each exporter: the first
publish into an empty folder, a republish of the same Listing objects (what a running
watcher does: nothing changed but one product), and the limit measured in the same run:
writing the same feed bytes and hard-linking the same images with plain ``os`` calls,
no formatting, no checks.

``python -m benchmarks.exporters`` (100,000 listings for shopify_csv, 1,000 for the
storefront), ``--quick`` (10,000 / 300).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from pimdesk.channels.api import CancelToken, Exporter, Listing, ListingImage
from pimdesk.channels.exporters.shopify import ShopifyCsvExporter
from pimdesk.channels.exporters.storefront import StorefrontExporter


def make_listings(root: Path, count: int) -> list[Listing]:
    images = root / "renditions"
    images.mkdir()
    payload = os.urandom(4096)
    listings: list[Listing] = []
    for n in range(count):
        model = f"MODEL-{n // 10}" if n % 100 < 10 else None
        sku = f"SKU-{n:06d}"
        path = images / f"{sku}.jpg"
        path.write_bytes(payload)
        image = ListingImage(
            version_id=n,
            asset_id=n,
            sha256=f"{n:064x}",
            role="main",
            position=1,
            file=path,
            filename=f"{sku}-main-1.jpg",
            width=2048,
            height=2048,
            alt_text=f"Product {n}",
        )
        listings.append(
            Listing(
                product_id=n,
                sku=sku,
                title=f"Product {n} in heavy canvas",
                description="<p>Heavy cotton canvas, reinforced handles, inner pocket.</p>",
                enabled=True,
                locale="en_US",
                currency="USD",
                family="bags",
                parent_code=model,
                parent_title=f"Model {n // 10}" if model else None,
                axes={"color": f"Color {n % 10}"} if model else {},
                fields={},
                values={
                    "price": "30.00",
                    "sale_price": "24.00",
                    "brand": "Acme Goods",
                    "gtin": "6291041500213",
                    "stock": n % 7,
                    "weight": {"amount": "350", "unit": "GRAM"},
                    "tags": ["tote"],
                },
                categories=["Bags"],
                images=[image],
            )
        )
    return listings


def publish(exporter: Exporter, listings: list[Listing]) -> float:
    started = time.perf_counter()
    exporter.publish(listings, [], lambda done, total: None, CancelToken())
    return time.perf_counter() - started


def limit(listings: list[Listing], feed: Path, out: Path) -> float:
    """Plain os calls: hard-link every image and write a feed of the same size, atomically."""
    size = feed.stat().st_size
    body = os.urandom(size)
    out.mkdir()
    started = time.perf_counter()
    for listing in listings:
        for image in listing.images:
            os.link(image.file, out / image.filename)
    tmp = out / ".feed.tmp"
    with open(tmp, "wb") as handle:
        handle.write(body)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, out / "feed")
    return time.perf_counter() - started


def run(name: str, cls: type[Exporter], count: int, feed: str, root: Path) -> None:
    work = root / name
    work.mkdir()
    listings = make_listings(work, count)
    out = work / "out"
    out.mkdir()
    settings = {"output": str(out), "base_url": "https://cdn.example.com/shop/"}
    first = publish(cls(settings), listings)
    again = [publish(cls(settings), listings) for _ in range(3)]
    changed = list(listings)
    changed[count // 2] = dataclasses.replace(listings[count // 2], title="Changed title")
    one_changed = publish(cls(settings), changed)
    floor = limit(listings, out / feed, work / "limit")
    rest = statistics.median(again)
    print(f"{name}: {count:,} listings")
    print(f"  first publish            {first:8.2f} s   {first / floor:6.1f}x limit")
    print(f"  republish, nothing new   {rest:8.2f} s   {rest / floor:6.1f}x limit (median of 3)")
    print(f"  republish, one changed   {one_changed:8.2f} s   {one_changed / floor:6.1f}x limit")
    print(f"  limit (link images + write the same bytes)  {floor:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="10,000 / 300 listings")
    args = parser.parse_args()
    shopify_count, storefront_count = (10_000, 300) if args.quick else (100_000, 1_000)
    root = Path(tempfile.mkdtemp(prefix="pimdesk-bench-exporters-"))
    try:
        print(f"machine: {os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f}")
        run("shopify_csv", ShopifyCsvExporter, shopify_count, "products.csv", root)
        run("storefront", StorefrontExporter, storefront_count, "index.html", root)
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
