"""The promise: a photo dropped into the watched folder reaches the live listings by itself.

A real watcher (watchdog), the AutoPublisher it starts through BACKGROUND_SERVICES, and the
built-in storefront and Shopify CSV exporters; nothing is mocked.
"""

from __future__ import annotations

import csv
import io
import shutil
import time
from pathlib import Path

from pimdesk.library import Library
from pimdesk.services import products, publishing
from pimdesk.services.watch import add_folder
from pimdesk.watch import background_services
from pimdesk.watch.watcher import FolderWatcher

from .conftest import photo


def wait_for(predicate, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "the listing did not change in time"
        time.sleep(0.05)


def image_files(store: Path) -> dict[str, bytes]:
    """The storefront's images now; a publish may remove a listed file before it is read."""
    files = {}
    for path in (store / "images").iterdir():
        try:
            files[path.name] = path.read_bytes()
        except FileNotFoundError:
            continue
    return files


def shopify_images(path: Path) -> list[str]:
    if not path.exists():
        return []
    rows = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8")))
    return [r["Image Src"] for r in rows if r.get("Image Src")]


def test_dropped_photo_reaches_storefront_and_shopify_csv(library: Library, tmp_path: Path) -> None:
    shoot = tmp_path / "shoot"
    shoot.mkdir()
    store, shop = tmp_path / "store", tmp_path / "shopify"
    store.mkdir()
    shop.mkdir()
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
    products.create_product(
        library, "LAMP-1", values={"name-en_US": "Desk lamp", "price-USD": "49"}
    )
    add_folder(library, shoot)
    first = photo(tmp_path / "staging" / "LAMP-1_main_1.jpg", color=(200, 30, 30))

    watcher = FolderWatcher(library, services=background_services(library))
    with watcher:
        shutil.copyfile(first, shoot / first.name)
        wait_for(lambda: len(shopify_images(shop / "products.csv")) == 1)
        wait_for(lambda: any((store / "images").glob("*")))
        page_before = (store / "index.html").read_text(encoding="utf-8")
        image_before = shopify_images(shop / "products.csv")[0]
        files_before = image_files(store)

        second = photo(tmp_path / "staging2" / "LAMP-1_main_1.jpg", color=(30, 30, 200))
        shutil.copyfile(second, shoot / second.name)  # the photographer replaces the shot

        def storefront_changed() -> bool:
            return image_files(store) != files_before

        wait_for(storefront_changed)
        # Channels cache images by URL, so the new photo must be published under a new name.
        wait_for(lambda: shopify_images(shop / "products.csv") not in ([], [image_before]))
    assert "Desk lamp" in page_before
    image_after = shopify_images(shop / "products.csv")
    assert len(image_after) == 1 and image_after != [image_before]
    names_after = {p.name for p in (store / "images").iterdir()}
    assert names_after.isdisjoint(files_before), "the old photo left the storefront"
    page_after = (store / "index.html").read_text(encoding="utf-8")
    assert all(name in page_after for name in names_after)
    assert not any(name in page_after for name in files_before)
    runs = publishing.publish_history(library, "web")
    assert len(runs) >= 2 and {r.mode for r in runs} == {"auto"}
    assert image_before.startswith("https://cdn.example.com/shop/")
