"""Listings built in the tests: the reference sheet's tote-bag fixture (§0) and friends.

Images are real files made with Pillow, standing in for renditions the publishing service
would have rendered.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from pimdesk.channels.api import CancelToken, Listing, ListingImage, PublishResult

NASTY = "=cmd|' /C calc'!A0"
SCRIPT = "<script>alert('x')</script>"
CDATA_END = "a ]]> b"


def make_image(
    path: Path, size: tuple[int, int] = (64, 64), color: tuple[int, int, int] = (200, 180, 150)
) -> Path:
    """A JPEG (or PNG by suffix) with a coloured square on white, like a product shot."""
    path.parent.mkdir(parents=True, exist_ok=True)
    image = Image.new("RGB", size, (255, 255, 255))
    w, h = size
    image.paste(color, (w // 8, h // 8, w - w // 8, h - h // 8))
    image.save(path, quality=95)
    return path


class ListingFactory:
    """Builds listings and their image files under one temporary folder."""

    def __init__(self, root: Path):
        self.root = root
        self._version = 0

    def image(
        self,
        filename: str,
        *,
        role: str = "main",
        position: int = 1,
        alt_text: str = "",
        size: tuple[int, int] = (64, 64),
        color: tuple[int, int, int] = (200, 180, 150),
        version_id: int | None = None,
        folder: str = "renditions",
    ) -> ListingImage:
        if version_id is None:
            self._version += 1
            version_id = self._version
        file = make_image(self.root / folder / f"v{version_id}" / filename, size, color)
        return ListingImage(
            version_id=version_id,
            asset_id=version_id,
            sha256=f"{version_id:064x}",
            role=role,
            position=position,
            file=file,
            filename=filename,
            width=size[0],
            height=size[1],
            alt_text=alt_text,
        )

    def tote(self) -> list[Listing]:
        """TOTE-NAT and TOTE-BLK, exactly as reference sheet §0."""
        natural = self.image("tote-natural.jpg", alt_text="Canvas tote in natural")
        black = self.image("tote-black.jpg", alt_text="Canvas tote in black", color=(30, 30, 30))
        detail = self.image(
            "tote-detail.jpg", role="detail", position=2, alt_text="Stitching detail"
        )
        common: dict[str, Any] = {
            "price": "30.00",
            "sale_price": "24.00",
            "brand": "Acme Goods",
            "product_type": "Bags",
            "tags": ["tote", "canvas"],
            "weight": {"amount": "350", "unit": "GRAM"},
        }
        base = dict(
            title="Canvas Tote Bag",
            description="<p>Heavy cotton canvas tote.</p>",
            enabled=True,
            locale="en_US",
            currency="USD",
            family="bags",
            parent_code="TOTE",
            parent_title="Canvas Tote Bag",
            fields={"handle": "canvas-tote"},
            categories=["Bags"],
        )
        return [
            Listing(
                product_id=1,
                sku="TOTE-NAT",
                axes={"color": "Natural"},
                values={**common, "color": "Natural", "gtin": "6291041500213", "stock": 10},
                images=[natural, detail],
                **base,
            ),
            Listing(
                product_id=2,
                sku="TOTE-BLK",
                axes={"color": "Black"},
                values={**common, "color": "Black", "gtin": "6291041500220", "stock": 0},
                images=[black, detail],
                **base,
            ),
        ]

    def simple(self, sku: str = "MUG-1", title: str = "Enamel Mug", **changes: Any) -> Listing:
        image = self.image(f"{sku.lower()}-main.jpg", alt_text=f"{title} photo")
        listing = Listing(
            product_id=100 + self._version,
            sku=sku,
            title=title,
            description="A sturdy mug.",
            enabled=True,
            locale="en_US",
            currency="USD",
            family="kitchen",
            parent_code=None,
            parent_title=None,
            axes={},
            fields={},
            values={
                "price": "12.50",
                "brand": "Acme Goods",
                "gtin": "4006381333931",
                "stock": 3,
                "weight": {"amount": "0.4", "unit": "KILOGRAM"},
                "mpn": "MUG-ENAMEL-1",
            },
            categories=["Kitchen"],
            images=[image],
        )
        return dataclasses.replace(listing, **changes) if changes else listing


@pytest.fixture
def listings(tmp_path: Path) -> ListingFactory:
    return ListingFactory(tmp_path / "src")


@pytest.fixture
def out_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


@pytest.fixture
def run() -> Callable[..., PublishResult]:
    """Publish listings through an exporter and return its result; progress is recorded."""

    def _run(exporter: Any, items: list[Listing], withdrawn: tuple[str, ...] = ()) -> PublishResult:
        seen: list[tuple[int, int]] = []
        result = exporter.publish(
            items, list(withdrawn), lambda d, t: seen.append((d, t)), CancelToken()
        )
        if seen:
            assert seen[-1][0] == seen[-1][1]
        return result

    return _run
