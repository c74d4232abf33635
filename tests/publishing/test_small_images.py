"""A channel without an image minimum (the storefront) takes any photo, but a camera RAW's
256x171 embedded preview or a truncated HEIC's 16x16 first image looks tiny on a product
page: publishing says so (what, how large, on which channel) without blocking, and
``status`` names the live listings that show such an image."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from pimdesk.cli import cli
from pimdesk.services import products, publishing
from pimdesk.services.ingest import ingest_paths

from .conftest import Shop

DATA = Path(__file__).resolve().parents[1] / "data"
DNG = DATA / "publishing" / "raw_nikon_z_9.dng"  # Pillow reads its 256x171 preview only
HEIC = DATA / "photos" / "corrupt" / "heif_truncated.heic"  # first image 16x16


def small_shop(shop: Shop) -> None:
    shop.add_channel(exporter="storefront")
    shop.product("BRD-1", name="Oak board", gtin="4006381333931", brand="Acme")
    shop.drop_photo("BRD-1_main_1.jpg", size=(1200, 900))
    for source, name in ((DNG, "BRD-1_detail_1.dng"), (HEIC, "BRD-1_detail_2.heic")):
        shutil.copyfile(source, shop.shoot / name)
    report = ingest_paths(
        shop.library,
        [shop.shoot / "BRD-1_detail_1.dng", shop.shoot / "BRD-1_detail_2.heic"],
        source_root=shop.shoot,
    )
    assert all(f.outcome == "new_asset" for f in report.files), report.files


def test_tiny_previews_go_live_with_a_warning_naming_them(any_shop: Shop) -> None:
    shop = any_shop
    small_shop(shop)
    report = shop.publish()
    assert report.published == ["BRD-1"] and report.blocked == [], report  # not blocking
    dng = [w for w in report.warnings if "BRD-1_detail_1.dng" in w]
    heic = [w for w in report.warnings if "BRD-1_detail_2.heic" in w]
    assert len(dng) == 1 and len(heic) == 1, report.warnings
    assert "256x171 px" in dng[0] and "on web" in dng[0] and "500 px" in dng[0]
    assert "embedded preview" in dng[0]  # a RAW: the way out is a full-size JPEG or TIFF
    assert "16x16 px" in heic[0]
    assert not any("BRD-1_main_1.jpg" in w for w in report.warnings)  # 1200 px: fine
    # both were published all the same (the storefront has no minimum)
    assert len(list((shop.out / "images").glob("BRD-1-detail-*"))) == 2

    small = publishing.small_images(shop.library, "web")
    assert [(i.sku, i.file, i.width, i.height) for i in small] == [
        ("BRD-1", "BRD-1_detail_1.dng", 256, 171),
        ("BRD-1", "BRD-1_detail_2.heic", 16, 16),
    ]
    result = CliRunner().invoke(cli, ["--library", str(shop.library.root), "status"])
    assert result.exit_code == 0, result.output
    line = next(x for x in result.output.splitlines() if x.startswith("publish   web"))
    assert "1 live with images under 500 px" in line, line
    assert "BRD-1_detail_1.dng 256x171 px" in line and "BRD-1_detail_2.heic 16x16 px" in line
    # the CLI's publish prints the warnings too
    shop.drop_photo("BRD-1_main_1.jpg", size=(1300, 900))  # a change, so there is a run
    result = CliRunner().invoke(cli, ["--library", str(shop.library.root), "publish", "web"])
    assert result.exit_code == 0, result.output
    assert "warning: BRD-1: images: detail image 1 (BRD-1_detail_1.dng" in result.output


def test_a_channel_with_a_minimum_shows_no_small_image(shop: Shop) -> None:
    small_shop(shop)
    shop.add_channel(
        "google",
        exporter="google_merchant",
        output=str(shop.out.parent / "google"),
        shop_url="https://shop.example.com",
        base_url="https://cdn.example.com/g/",
    )
    products.set_values(shop.library, "BRD-1", {"description-en_US-google": "An oak board."})
    report = shop.publish("google")
    assert report.published == ["BRD-1"], report
    # Google leaves the small extra images out (its own minimum), so none goes live there
    assert all("goes live" not in w for w in report.warnings), report.warnings
    assert publishing.small_images(shop.library, "google") == []
    result = CliRunner().invoke(cli, ["--library", str(shop.library.root), "status", "--json"])
    rows = {c["channel"]: c for c in json.loads(result.output)["publishing"]["channels"]}
    assert "small_images" not in rows["google"]
