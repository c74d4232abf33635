"""Publishing through the service: listings, fingerprints, states, runs, bad input, failures."""

from __future__ import annotations

import datetime as dt
import os
import textwrap
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from pimdesk.catalog.models import AssetRights, PublishedListing
from pimdesk.channels.registry import registry_for
from pimdesk.errors import PimdeskError, ValidationError
from pimdesk.services import products, publishing

from .conftest import FeedExporter, Shop, kill_while_writing, read_feed


def test_publish_writes_listings_with_rendered_images_and_logs_the_run(any_shop: Shop) -> None:
    shop = any_shop
    shop.add_channel(base_url="https://cdn.example.com/")
    shop.product("MUG-1", name="Blue mug", brand="Acme")
    shop.product("MUG-2", name="Red mug")
    shop.drop_photo("MUG-1_main_1.jpg", size=(2400, 1600))
    shop.drop_photo("MUG-2_main_1.jpg")

    report = shop.publish()

    assert report.result == "ok"
    assert sorted(report.published) == ["MUG-1", "MUG-2"]
    feed = read_feed(shop.out)
    items = {i["sku"]: i for i in feed["items"]}
    assert items["MUG-1"]["fields"]["brand"] == "Acme"
    assert items["MUG-1"]["fields"]["price"] == "19.90"
    assert items["MUG-1"]["fields"]["family"] == "Default"
    image = shop.out / items["MUG-1"]["images"][0]
    from PIL import Image

    with Image.open(image) as im:
        assert max(im.size) == 1200  # the storefront profile, rendered from 2400 px
    history = publishing.publish_history(shop.library, "web")
    assert history[0].result == "ok" and sorted(history[0].products) == ["MUG-1", "MUG-2"]
    assert len(history[0].versions) == 2
    with shop.library.session() as s:
        rows = s.scalars(select(PublishedListing)).all()
        assert {r.sku for r in rows} == {"MUG-1", "MUG-2"}
        assert all(len(r.fingerprint) == 64 and r.versions for r in rows)
        assert {r.remote_id for r in rows} == {"feed.json#MUG-1", "feed.json#MUG-2"}

    again = shop.publish()
    assert again.result == "nothing" and again.published == []


def test_fingerprint_changes_only_when_the_listing_changes(any_shop: Shop) -> None:
    shop = any_shop
    shop.add_channel()
    shop.product("A-1", name="Lamp")
    shop.drop_photo("A-1_main_1.jpg")
    shop.publish()
    assert publishing.listing_states(shop.library, "web") == []

    # a value the channel does not see (scoped to another channel): revision moves, the
    # fingerprint does not, nothing is waiting, and the revision is remembered
    products.set_values(shop.library, "A-1", {"description-en_US-ecommerce": "Only for ecommerce"})
    assert publishing.listing_states(shop.library, "web") == []
    assert shop.publish().result == "nothing"

    products.set_values(shop.library, "A-1", {"name-en_US": "Desk lamp"})
    states = publishing.listing_states(shop.library, "web")
    assert [(s.sku, s.state) for s in states] == [("A-1", "waiting")]
    report = shop.publish()
    assert report.published == ["A-1"]
    assert read_feed(shop.out)["items"][0]["title"] == "Desk lamp"

    # a new photo version is a change too
    shop.drop_photo("A-1_main_1.jpg", color=(20, 140, 20))
    assert [s.state for s in publishing.listing_states(shop.library, "web")] == ["waiting"]


def test_states_never_published_blocked_and_withdraw(any_shop: Shop) -> None:
    shop = any_shop
    shop.add_channel()
    shop.product("OK-1")
    shop.product("NOPRICE", price=None)
    shop.product("GONE")
    shop.product("OFF")
    states = {s.sku: s for s in publishing.listing_states(shop.library, "web")}
    assert states["OK-1"].state == "never_published"
    assert states["NOPRICE"].state == "blocked"
    assert any("price" in r for r in states["NOPRICE"].reasons)

    report = shop.publish()
    assert report.result == "partial"
    assert sorted(report.published) == ["GONE", "OFF", "OK-1"]
    assert [b.sku for b in report.blocked] == ["NOPRICE"]
    assert "price: required by the channel" in report.blocked[0].reasons[0]
    assert sorted(i["sku"] for i in read_feed(shop.out)["items"]) == ["GONE", "OFF", "OK-1"]

    products.delete_product(shop.library, "GONE")
    products.set_enabled(shop.library, "OFF", False)
    states = {s.sku: s.state for s in publishing.listing_states(shop.library, "web")}
    assert states == {"NOPRICE": "blocked", "GONE": "withdraw", "OFF": "withdraw"}
    counts = publishing.channel_counts(shop.library, "web")
    assert (counts.published, counts.withdraw, counts.blocked) == (1, 2, 1)

    report = shop.publish()
    assert sorted(report.withdrawn) == ["GONE", "OFF"]
    feed = read_feed(shop.out)
    assert [i["sku"] for i in feed["items"]] == ["OK-1"]
    assert sorted(feed["withdrawn"]) == ["GONE", "OFF"]
    assert {s.state for s in publishing.listing_states(shop.library, "web")} == {"blocked"}


def test_expired_image_disappears_on_the_next_publish(any_shop: Shop) -> None:
    shop = any_shop
    shop.add_channel()
    shop.product("TEE")
    shop.drop_photo("TEE_main_1.jpg")
    shop.drop_photo("TEE_back_1.jpg", color=(0, 0, 160))
    shop.publish()
    assert len(read_feed(shop.out)["items"][0]["images"]) == 2

    # the rights of the back photo run out: time passes, no row changes
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)
    with shop.library.session() as s:
        from pimdesk.catalog.models import AssetLink

        link = s.scalars(select(AssetLink).where(AssetLink.role == "back")).one()
        rights = s.get(AssetRights, link.asset_id) or AssetRights(asset_id=link.asset_id)
        rights.expires_at = soon
        s.add(rights)
    while dt.datetime.now(dt.UTC) <= soon:
        time.sleep(0.05)
    touched = publishing.check_rights_expiry(shop.library)
    assert touched == {shop.ids["TEE"]}
    report = shop.publish()
    assert report.published == ["TEE"]
    images = read_feed(shop.out)["items"][0]["images"]
    assert len(images) == 1 and "main" in images[0]
    assert not (shop.out / "images").joinpath(Path(images[0]).name.replace("main", "back")).exists()
    assert publishing.check_rights_expiry(shop.library) == set()  # only once


def test_image_under_the_channel_minimum_blocks_only_that_product(shop: Shop) -> None:
    shop.add_channel()
    shop.product("BIG")
    shop.product("TINY")
    shop.drop_photo("BIG_main_1.jpg")
    shop.drop_photo("TINY_main_1.jpg", size=(80, 60))
    report = shop.publish()
    assert [b.sku for b in report.blocked] == ["TINY"]
    assert "80x60" in report.blocked[0].reasons[0] and "100 px" in report.blocked[0].reasons[0]
    assert [i["sku"] for i in read_feed(shop.out)["items"]] == ["BIG"]


def test_invalid_gtin_and_too_long_field_block(shop: Shop) -> None:
    shop.add_channel()
    shop.product("G-1", gtin="6291041500213")
    shop.product("LONG", name="x" * 61)
    with shop.library.session() as s:  # a bad check digit, as an old import might hold
        from pimdesk.catalog.models import Product

        p = s.scalars(select(Product).where(Product.sku == "G-1")).one()
        p.values = {**p.values, "gtin": {"<all_channels>": {"<all_locales>": "6291041500214"}}}
    report = shop.publish()
    reasons = {b.sku: " ".join(b.reasons) for b in report.blocked}
    assert "not a valid GTIN" in reasons["G-1"]
    assert "61 characters" in reasons["LONG"]


def test_missing_or_unwritable_output_folder_is_a_clear_error(shop: Shop, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    shop.add_channel(output=str(missing))  # adding the channel creates the folder ...
    missing.rmdir()  # ... which vanishes later (an unmounted drive): publish must not remake it
    shop.product("P-1")
    with pytest.raises(PimdeskError, match="does not exist"):
        shop.publish()
    assert not missing.exists()
    assert publishing.publish_history(shop.library, "web")[0].result == "failed"
    # a file where the folder should be
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    publishing.set_channel(shop.library, "web", {"output": str(blocker)})
    with pytest.raises(PimdeskError, match="not a folder"):
        shop.publish()
    assert blocker.read_text() == "not a folder"


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write to any folder")
def test_read_only_output_folder_is_refused(shop: Shop, tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    shop.add_channel(output=str(locked))
    shop.product("P-1")
    try:
        with pytest.raises(PimdeskError, match="not writable"):
            shop.publish()
        assert list(locked.iterdir()) == []
    finally:
        locked.chmod(0o755)


def test_injected_failure_mid_write_keeps_the_previous_feed(shop: Shop) -> None:
    shop.add_channel()
    shop.product("K-1", name="Kettle")
    shop.publish()
    before = (shop.out / "feed.json").read_bytes()
    products.set_values(shop.library, "K-1", {"name-en_US": "Kettle v2"})
    publishing.set_channel(shop.library, "web", {"fail_mid_write": "true"})
    with pytest.raises(PimdeskError, match="previous output is unchanged"):
        shop.publish()
    assert (shop.out / "feed.json").read_bytes() == before
    assert not [p for p in shop.out.rglob("*") if "tmp" in p.name]
    assert publishing.publish_history(shop.library, "web")[0].result == "failed"
    assert [s.state for s in publishing.listing_states(shop.library, "web")] == ["waiting"]
    publishing.set_channel(shop.library, "web", {"fail_mid_write": "false"})
    assert shop.publish().published == ["K-1"]
    assert read_feed(shop.out)["items"][0]["title"] == "Kettle v2"


KILLED_PUBLISH = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, {tests!r})
    from pimdesk.library import Library
    from pimdesk.channels.registry import registry_for
    from publishing.conftest import FeedExporter
    from pimdesk.services.publishing import publish_channel
    lib = Library.open({root!r})
    registry_for(lib).add(FeedExporter)
    publish_channel(lib, "web", mode="all")
    """
)


def test_killed_publish_then_next_run_completes_without_temp_files(shop: Shop) -> None:
    shop.add_channel()
    shop.product("S-1")
    shop.drop_photo("S-1_main_1.jpg")
    shop.publish()
    products.set_values(shop.library, "S-1", {"name-en_US": "Renamed"})
    publishing.set_channel(shop.library, "web", {"stall_mid_write": "true"})
    script = KILLED_PUBLISH.format(
        tests=str(Path(__file__).parents[1]), root=str(shop.library.root)
    )
    kill_while_writing(script, shop.out)
    assert read_feed(shop.out)["items"][0]["title"] == "Product S-1"  # old feed intact
    publishing.set_channel(shop.library, "web", {"stall_mid_write": "false"})
    report = shop.publish()
    assert report.published == ["S-1"]
    assert read_feed(shop.out)["items"][0]["title"] == "Renamed"
    assert not [p for p in shop.out.rglob("*") if "tmp" in p.name]


def test_escaping_base_url_or_template_is_refused(shop: Shop) -> None:
    with pytest.raises(PimdeskError, match="leave the output folder"):
        shop.add_channel(base_url="../../etc/")
    shop.add_channel(base_url="images/")
    for bad in ("../{sku}.{ext}", "{sku}/../../x.{ext}", "/abs/{sku}.{ext}", "{sku}.{nope}.{ext}"):
        with pytest.raises(ValidationError):
            publishing.set_channel(shop.library, "web", {"image_name_template": bad})
    with pytest.raises(PimdeskError, match="leave the output folder"):
        publishing.set_channel(shop.library, "web", {"base_url": "/etc/"})
    with pytest.raises(ValidationError, match="no setting"):
        publishing.set_channel(shop.library, "web", {"colour": "blue"})


def test_colliding_rendition_names_are_made_unique(shop: Shop) -> None:
    shop.add_channel(image_name_template="{role}.{ext}")  # every product's main image: main.jpg
    for n, sku in enumerate(("P-1", "P-2", "CON")):
        shop.product(sku)
        shop.drop_photo(f"{sku}_main_1.jpg", color=(40 * n, 90, 90))
    shop.publish()
    names = [Path(i["images"][0]).name for i in read_feed(shop.out)["items"]]
    assert sorted(names) == ["main-2.jpg", "main-3.jpg", "main.jpg"]
    for name in names:
        assert (shop.out / "images" / name).is_file()
    publishing.set_channel(shop.library, "web", {"image_name_template": "{sku}.{ext}"})
    shop.publish()
    names = [Path(i["images"][0]).name for i in read_feed(shop.out)["items"]]
    assert "_CON.jpg" in names  # a reserved device name on Windows is never a file name


def test_field_mapping_and_unfilled_fields(shop: Shop) -> None:
    shop.add_channel()
    detail = publishing.show_channel(shop.library, "web")
    rows = {r.field: r for r in detail.fields}
    assert rows["brand"].source == "brand" and rows["brand"].origin == "default"
    assert "group" not in detail.unfilled_fields
    row = publishing.map_field(shop.library, "web", "brand", "@family")
    assert (row.source, row.origin) == ("@family", "mapped")
    with pytest.raises(ValidationError, match="no attribute"):
        publishing.map_field(shop.library, "web", "brand", "no_such_attribute")
    with pytest.raises(ValidationError, match="has no field"):
        publishing.map_field(shop.library, "web", "vendor", "brand")
    publishing.map_field(shop.library, "web", "gtin", "")
    assert "gtin" in publishing.show_channel(shop.library, "web").unfilled_fields
    shop.product("M-1")
    shop.publish()
    fields = read_feed(shop.out)["items"][0]["fields"]
    assert fields["brand"] == "Default" and fields["gtin"] is None


def test_dry_run_writes_nothing(shop: Shop) -> None:
    shop.add_channel()
    shop.product("D-1")
    report = shop.publish(dry_run=True)
    assert report.published == ["D-1"] and report.dry_run
    assert list(shop.out.iterdir()) == []
    assert publishing.publish_history(shop.library, "web") == []


def test_amazon_main_needs_1000_px_on_white_other_views_500(shop: Shop) -> None:
    shop.add_channel(rendition_profile="amazon_main")
    shop.product("SMALL")
    shop.product("OK")
    shop.drop_photo("SMALL_main_1.jpg", size=(800, 600))
    shop.drop_photo("OK_main_1.jpg", size=(2600, 2000), color=(20, 90, 20))  # trimmed: 1560 px
    shop.drop_photo("OK_detail_1.jpg", size=(700, 500), color=(20, 20, 90))
    report = shop.publish()
    assert [b.sku for b in report.blocked] == ["SMALL"]
    assert "at least 1000 px" in report.blocked[0].reasons[0]
    item = read_feed(shop.out)["items"][0]
    assert item["sku"] == "OK" and len(item["images"]) == 2
    from PIL import Image

    with Image.open(shop.out / item["images"][0]) as main:
        rgb = main.convert("RGB")
        assert rgb.getpixel((0, 0)) == (255, 255, 255)
        assert rgb.getpixel((rgb.width - 1, rgb.height - 1)) == (255, 255, 255)


def test_an_exporter_without_images_publishes_text_only_listings(shop: Shop) -> None:
    """A price or stock feed needs no renditions: its exporter declares no profile."""

    class TextFeed(FeedExporter):
        name = "test_text_feed"
        label = "Text-only feed"
        rendition_profile = None

    registry_for(shop.library).add(TextFeed, source="tests")
    shop.add_channel("prices", exporter="test_text_feed")
    shop.product("MUG-1", name="Blue mug")
    shop.drop_photo("MUG-1_main_1.jpg")

    report = shop.publish("prices")

    assert report.result == "ok" and report.published == ["MUG-1"]
    items = read_feed(shop.out)["items"]
    assert [i["sku"] for i in items] == ["MUG-1"] and items[0]["images"] == []


def test_adding_or_setting_a_channel_creates_its_missing_output_folder(
    shop: Shop, tmp_path: Path
) -> None:
    first = tmp_path / "x" / "shop1"
    detail = publishing.add_channel(
        shop.library, "web", exporter="test_feed", settings={"output": str(first)}
    )
    assert first.is_dir() and detail.created_folder == str(first)
    shop.product("P-1")
    assert shop.publish().result == "ok"
    second = tmp_path / "y" / "shop2"
    detail = publishing.set_channel(shop.library, "web", {"output": str(second)})
    assert second.is_dir() and detail.created_folder == str(second)
    # an existing folder is not "created"; other settings do not touch the folder
    assert (
        publishing.set_channel(shop.library, "web", {"output": str(second)}).created_folder is None
    )
    second.rmdir()
    publishing.set_channel(shop.library, "web", {"label": "Web"})
    assert not second.exists()


def test_a_folder_that_cannot_be_created_is_refused_and_nothing_is_added(
    shop: Shop, tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(PimdeskError, match="cannot create the output folder"):
        publishing.add_channel(
            shop.library, "web", exporter="test_feed", settings={"output": str(blocker / "sub")}
        )
    with pytest.raises(PimdeskError, match="no channel"):
        publishing.show_channel(shop.library, "web")


def test_dry_run_reports_the_output_folder_problems_a_real_publish_meets(
    shop: Shop, tmp_path: Path
) -> None:
    folder = tmp_path / "out-web"
    shop.add_channel(output=str(folder))
    shop.product("P-1")
    assert publishing.publish_channel(shop.library, "web", dry_run=True).result == "ok"
    folder.rmdir()
    report = publishing.publish_channel(shop.library, "web", dry_run=True)
    assert report.result == "failed"
    assert any("does not exist" in e for e in report.errors)
    assert not folder.exists()
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    publishing.set_channel(shop.library, "web", {"output": str(blocker)})
    report = publishing.publish_channel(shop.library, "web", dry_run=True)
    assert report.result == "failed" and any("not a folder" in e for e in report.errors)


def test_published_images_are_readable_by_a_web_server(shop: Shop) -> None:
    """The output folder is synced to a host: its images must be world-readable like the feed
    (renditions are hard-linked into it, so their own mode is what the host sees)."""
    shop.add_channel()
    shop.product("MUG-1", name="Blue mug")
    shop.drop_photo("MUG-1_main_1.jpg")
    assert shop.publish().result == "ok"
    images = [p for p in shop.out.rglob("*.jpg")]
    assert images
    for image in images:
        assert image.stat().st_mode & 0o444 == 0o444, oct(image.stat().st_mode)
    feed = shop.out / "feed.json"
    assert feed.stat().st_mode & 0o444 == 0o444
