"""An extra photo the channel cannot take (under its minimum) is left out of that channel's
listing with a warning naming it; only an unusable MAIN image keeps the product off the
channel (what Google Merchant itself does with a bad additional_image_link)."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree

from PIL import Image
from sqlalchemy import select

from pimdesk.catalog.models import AssetVersion, PublishedListing
from pimdesk.services import publishing
from pimdesk.services.ingest import ingest_paths

from .conftest import Shop

GTIN = "4006381333931"  # valid check digit
G = "{http://base.google.com/ns/1.0}"


def google_items(folder: Path) -> dict[str, ElementTree.Element]:
    root = ElementTree.parse(folder / "products.xml").getroot()
    return {item.findtext(f"{G}id") or "": item for item in root.iter("item")}


def google_shop(shop: Shop) -> None:
    shop.add_channel(
        "google",
        exporter="google_merchant",
        shop_url="https://shop.example.com",
        base_url="https://cdn.example.com/g/",
    )
    shop.product(
        "KET-1",
        name="Kettle",
        gtin=GTIN,
        brand="Acme",
        **{"description-en_US-google": "A kettle."},
    )
    shop.drop_photo("KET-1_main_1.jpg", size=(1200, 1000))


def test_a_small_extra_photo_is_left_out_of_google_not_the_product(any_shop: Shop) -> None:
    shop = any_shop
    google_shop(shop)
    first = shop.publish("google")
    assert first.published == ["KET-1"], first
    # the case: one small detail shot (100x68 px) added after the product went live
    shop.drop_photo("KET-1_detail_1.jpg", size=(100, 68))
    report = shop.publish("google")
    assert report.withdrawn == [] and report.blocked == [], report
    assert report.published == [] and report.unchanged == 1  # what goes out is the same
    warning = [w for w in report.warnings if "KET-1_detail_1.jpg" in w]
    assert len(warning) == 1, report.warnings
    assert "100x68 px" in warning[0] and "at least 500 px" in warning[0]
    assert "left out of the google listing" in warning[0]
    item = google_items(shop.out)["KET-1"]
    assert item.findtext(f"{G}image_link", "").startswith("https://cdn.example.com/g/KET-1-main")
    assert item.findall(f"{G}additional_image_link") == []
    assert not [p for p in shop.out.iterdir() if "detail" in p.name]
    # the status and products show say the same: the product is published, not blocked
    states = publishing.listing_states(shop.library, "google")
    assert all(s.state != "blocked" for s in states if s.sku == "KET-1"), states
    counts = publishing.channel_counts(shop.library, "google")
    assert counts.published == 1 and counts.blocked == 0
    # the detail's version is not recorded as published on Google
    with shop.library.session() as s:
        detail = s.scalar(
            select(AssetVersion.id).where(AssetVersion.source_path.like("%KET-1_detail_1.jpg"))
        )
        versions = s.scalar(select(PublishedListing.versions))
    assert detail is not None and detail not in versions

    # a detail shot large enough goes out as an additional image
    shop.drop_photo("KET-1_detail_2.jpg", size=(900, 700))
    shop.publish("google")
    extra = google_items(shop.out)["KET-1"].findall(f"{G}additional_image_link")
    assert len(extra) == 1 and "detail-2" in (extra[0].text or "")


def test_a_small_main_photo_still_blocks_the_product(shop: Shop) -> None:
    google_shop(shop)
    shop.drop_photo("KET-1_main_1.jpg", size=(120, 90))  # a new, small version of the main
    shop.drop_photo("KET-1_detail_1.jpg", size=(1200, 1000))
    report = shop.publish("google")
    assert [b.sku for b in report.blocked] == ["KET-1"], report
    reasons = report.blocked[0].reasons
    assert any("main image 1 (KET-1_main_1.jpg, 120x90 px)" in r for r in reasons), reasons


def white_photo(shop: Shop, name: str, size: tuple[int, int]) -> None:
    """A product shot on pure white (what Amazon's MAIN needs), ingested."""
    image = Image.new("RGB", size, (255, 255, 255))
    w, h = size
    image.paste((30, 90, 200), (w // 6, h // 6, 5 * w // 6, 5 * h // 6))
    image.save(shop.shoot / name, "JPEG", quality=92)
    ingest_paths(shop.library, [shop.shoot / name], source_root=shop.shoot)


def test_a_small_extra_photo_is_left_out_of_the_amazon_images(shop: Shop) -> None:
    shop.add_channel("amazon", exporter="amazon_images")
    shop.product("KET-1", gtin=GTIN)
    white_photo(shop, "KET-1_main_1.jpg", (2400, 1800))
    white_photo(shop, "KET-1_detail_1.jpg", (100, 68))
    white_photo(shop, "KET-1_detail_2.jpg", (1200, 900))
    report = shop.publish("amazon")
    assert report.published == ["KET-1"] and report.blocked == [], report
    assert any("KET-1_detail_1.jpg, 100x68 px" in w for w in report.warnings), report.warnings
    names = sorted(p.name for p in shop.out.glob("*.jpg"))
    assert names == [f"{GTIN}.MAIN.jpg", f"{GTIN}.PT01.jpg"], names


def test_a_run_that_only_leaves_a_photo_out_still_tells_the_watcher(any_shop: Shop) -> None:
    """Nothing is written when the only change is a photo the channel leaves out, but the
    watcher (which prints the publish Changes) must still say why the photo is not there."""
    from pimdesk.events import Change

    shop = any_shop
    google_shop(shop)
    shop.publish("google")
    changes: list[Change] = []
    shop.library.events.subscribe(changes.append)
    shop.drop_photo("KET-1_detail_1.jpg", size=(100, 68))
    shop.publish("google")
    published = [c for c in changes if c.kind == "publish"]
    assert len(published) == 1 and not published[0].product_ids
    assert [n for n in published[0].notes if "KET-1_detail_1.jpg" in n], published[0].notes
