"""A small shop for the publishing tests: real products, real photos ingested, a test exporter.

``FeedExporter`` is a plain exporter defined here (a JSON feed plus the rendition files),
registered on the test library's registry, so the publishing service is tested apart from
the built-ins; the end-to-end tests use the built-in ``storefront`` and ``shopify_csv``.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any

import pytest
from PIL import Image, ImageDraw

from pimdesk.channels.api import (
    CancelToken,
    Exporter,
    FieldSpec,
    Listing,
    Progress,
    PublishResult,
    SettingSpec,
)
from pimdesk.channels.output import OutputFolder
from pimdesk.channels.registry import registry_for
from pimdesk.library import Library
from pimdesk.services import products, publishing
from pimdesk.services.ingest import ingest_paths


class FeedExporter(Exporter):
    """feed.json (one object per listing) and the images, written through OutputFolder.

    ``fail_mid_write``: the feed's writer raises after half of the bytes (an injected
    failure); ``stall_mid_write``: it sleeps there for a minute (to be killed).
    """

    name = "test_feed"
    label = "Test feed"
    rendition_profile = "storefront"
    min_image_size = 100
    settings_spec = (
        SettingSpec("output", "Output folder", "path", required=True),
        SettingSpec("base_url", "Base URL", "url"),
        SettingSpec("fail_mid_write", "Fail while writing", "bool", default=False),
        SettingSpec("stall_mid_write", "Stall while writing", "bool", default=False),
    )
    fields_spec = (
        FieldSpec("price", "Price", "price", required=True),
        FieldSpec("brand", "Brand", "brand"),
        FieldSpec("gtin", "GTIN", "gtin"),
        FieldSpec("family", "Family", "@family"),
        FieldSpec("group", "Group", "@parent"),
        FieldSpec("title", "Title", "name", max_length=60),
    )

    def publish(
        self,
        listings: Sequence[Listing],
        withdrawn: Sequence[str],
        progress: Progress,
        cancel: CancelToken,
    ) -> PublishResult:
        out = OutputFolder(self.settings.get("output"), self.name)
        result = PublishResult()
        items = []
        for done, listing in enumerate(listings, 1):
            names = [out.image_name(i.filename, i.file, folder="images") for i in listing.images]
            items.append(
                {
                    "sku": listing.sku,
                    "title": listing.title,
                    "fields": {k: v for k, v in listing.fields.items()},
                    "images": names,
                    "versions": [i.version_id for i in listing.images],
                }
            )
            result.remote_ids[listing.sku] = f"feed.json#{listing.sku}"
            progress(done, len(listings))
        body = json.dumps({"items": items, "withdrawn": list(withdrawn)}, default=str).encode()
        fail = bool(self.settings.get("fail_mid_write"))
        stall = bool(self.settings.get("stall_mid_write"))

        def write(handle: IO[bytes]) -> None:
            handle.write(body[: len(body) // 2])
            handle.flush()
            if stall:
                time.sleep(60)
            if fail:
                raise OSError(28, "No space left on device (injected)")
            handle.write(body[len(body) // 2 :])

        out.add_document("feed.json", write)
        result.files = out.commit(cancel)
        return result


def photo(
    path: Path, size: tuple[int, int] = (1000, 800), color: tuple[int, int, int] = (180, 40, 40)
) -> Path:
    """A product shot: a coloured box on white."""
    path.parent.mkdir(parents=True, exist_ok=True)
    image = Image.new("RGB", size, (252, 252, 252))
    w, h = size
    ImageDraw.Draw(image).rectangle((w // 5, h // 5, 4 * w // 5, 4 * h // 5), fill=color)
    image.save(path, "JPEG", quality=92)
    return path


def read_feed(folder: Path) -> dict[str, Any]:
    return json.loads((folder / "feed.json").read_text(encoding="utf-8"))


class Shop:
    """The library, its shoot folder and its output folder, with helpers the tests share."""

    def __init__(self, library: Library, root: Path):
        self.library = library
        self.shoot = root / "shoot"
        self.out = root / "out"
        self.shoot.mkdir()
        self.out.mkdir()
        self.ids: dict[str, int] = {}

    def add_channel(self, code: str = "web", exporter: str = "test_feed", **settings: Any) -> None:
        values = {"output": str(self.out), **settings}
        publishing.add_channel(self.library, code, exporter=exporter, settings=values)

    def product(
        self, sku: str, *, name: str | None = None, price: str | None = "19.90", **values: Any
    ) -> int:
        edits: dict[str, Any] = {"name-en_US": name or f"Product {sku}"}
        if price is not None:
            edits["price-USD"] = price
        edits.update(values)
        self.ids[sku] = products.create_product(self.library, sku, values=edits)
        return self.ids[sku]

    def drop_photo(self, name: str, **kwargs: Any) -> Path:
        path = photo(self.shoot / name, **kwargs)
        report = ingest_paths(self.library, [path], source_root=self.shoot)
        assert all(f.outcome in ("new_asset", "new_version") for f in report.files), report.files
        return path

    def publish(self, code: str = "web", **kwargs: Any) -> publishing.PublishReport:
        return publishing.publish_channel(self.library, code, **kwargs)


@pytest.fixture
def shop(library: Library, tmp_path: Path) -> Shop:
    registry_for(library).add(FeedExporter, source="tests")
    return Shop(library, tmp_path)


@pytest.fixture
def any_shop(any_library: Library, tmp_path: Path) -> Shop:
    registry_for(any_library).add(FeedExporter, source="tests")
    return Shop(any_library, tmp_path)


def kill_while_writing(script: str, folder: Path) -> None:
    """Run ``script`` in a new Python process and SIGKILL it once a temp file of a publish
    shows up in ``folder`` (the publish is then in the middle of writing)."""
    proc = subprocess.Popen([sys.executable, "-c", script])
    try:
        deadline = time.monotonic() + 60
        while not [p for p in folder.iterdir() if "pimdesk-tmp" in p.name]:
            assert proc.poll() is None, "the publish ended before it could be killed"
            assert time.monotonic() < deadline, "no temp file appeared"
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()


Factory = Callable[..., Path]
