"""Incremental publishing through stored pieces (shopify_csv): after a change only the groups
it touches are rebuilt, and the feed is byte for byte what a full rebuild writes."""

from __future__ import annotations

import csv
import io
import sqlite3
import textwrap
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from pimdesk.catalog.models import AssetLink, Product, PublishedListing
from pimdesk.channels.exporters.shopify import ShopifyCsvExporter
from pimdesk.channels.pieces import store_path
from pimdesk.channels.registry import registry_for
from pimdesk.services import assets, products, publishing, reference

from .conftest import Shop, kill_while_writing

FEED = "products.csv"


def shopify_shop(shop: Shop, exporter: str = "shopify_csv") -> Shop:
    shop.add_channel("shop", exporter=exporter, base_url="https://cdn.example.com/shop/")
    return shop


def feed(shop: Shop) -> bytes:
    return (shop.out / FEED).read_bytes()


def rows(shop: Shop) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(feed(shop).decode("utf-8"))))


def handles(shop: Shop) -> dict[str, str]:
    """Variant SKU -> handle."""
    return {r["Variant SKU"]: r["Handle"] for r in rows(shop) if r["Variant SKU"]}


def same_as_full_rebuild(shop: Shop) -> bytes:
    """The feed an incremental publish left equals what ``--all`` writes from scratch."""
    incremental = feed(shop)
    report = shop.publish("shop", mode="all")
    assert report.result in ("ok", "partial"), report
    assert feed(shop) == incremental
    return incremental


def last_notes(shop: Shop) -> list[str]:
    return publishing.publish_history(shop.library, "shop", limit=1)[0].notes


def tees(shop: Shop) -> None:
    """A product model TEE with two colour variants (one Shopify handle, two variant rows)."""
    lib = shop.library
    reference.create_options(
        lib, "color", [("black", {"en_US": "Black"}), ("white", {"en_US": "White"})]
    )
    reference.create_family(lib, "tees", attributes=["sku", "name", "price", "color", "brand"])
    reference.create_family_variant(lib, "tees_by_color", family="tees", axes_level1=["color"])
    products.create_product_model(
        lib, "TEE", family_variant="tees_by_color", values={"name-en_US": "Tee", "brand": "Acme"}
    )
    for sku, color in (("TEE-BLK", "black"), ("TEE-WHT", "white")):
        products.create_product(
            lib, sku, family="tees", parent="TEE", values={"color": color, "price-USD": "15"}
        )


def test_changed_after_one_edit_equals_a_full_rebuild(any_shop: Shop) -> None:
    shop = shopify_shop(any_shop)
    shop.product("MUG-1", name="Blue mug", brand="Acme")
    shop.product("MUG-2", name="Red mug")
    tees(shop)
    shop.drop_photo("MUG-1_main_1.jpg")
    first = shop.publish("shop", mode="all")
    assert sorted(first.published) == ["MUG-1", "MUG-2", "TEE-BLK", "TEE-WHT"]
    before = feed(shop)

    products.set_values(shop.library, "TEE-BLK", {"price-USD": "17.50"})
    report = shop.publish("shop")

    assert report.published == ["TEE-BLK"]
    assert report.unchanged == 3
    assert last_notes(shop) == []  # the stored pieces were used, nothing rebuilt from scratch
    assert feed(shop) != before
    prices = {r["Variant SKU"]: r["Variant Price"] for r in rows(shop) if r["Variant SKU"]}
    assert prices == {"MUG-1": "19.90", "MUG-2": "19.90", "TEE-BLK": "17.50", "TEE-WHT": "15.00"}
    assert handles(shop) == {
        "MUG-1": "blue-mug",
        "MUG-2": "red-mug",
        "TEE-BLK": "tee",
        "TEE-WHT": "tee",
    }
    same_as_full_rebuild(shop)
    assert shop.publish("shop").result == "nothing"


def test_colliding_handles_stay_unique_when_only_one_group_changes(any_shop: Shop) -> None:
    shop = shopify_shop(any_shop)
    shop.product("CUP-1", name="Mug")
    shop.product("MUG-9", name="Mug")
    shop.product("MUG-5", name="Mug 2")  # asks for "mug-2", which MUG-9 would get next
    shop.publish("shop", mode="all")
    assert handles(shop) == {"CUP-1": "mug", "MUG-5": "mug-2", "MUG-9": "mug-3"}

    products.set_values(shop.library, "MUG-9", {"price-USD": "21.00"})
    assert shop.publish("shop").published == ["MUG-9"]
    assert handles(shop) == {"CUP-1": "mug", "MUG-5": "mug-2", "MUG-9": "mug-3"}
    same_as_full_rebuild(shop)

    # the first group is renamed: published handles stick (Shopify matches rows by handle),
    # so nothing moves, incrementally or on a full rebuild
    products.set_values(shop.library, "CUP-1", {"name-en_US": "Cup"})
    report = shop.publish("shop")
    assert report.published == ["CUP-1"]
    assert handles(shop) == {"CUP-1": "mug", "MUG-5": "mug-2", "MUG-9": "mug-3"}
    with shop.library.session() as s:
        remote = dict(s.execute(select(PublishedListing.sku, PublishedListing.remote_id)).all())
    assert remote == {"CUP-1": "mug", "MUG-5": "mug-2", "MUG-9": "mug-3"}
    same_as_full_rebuild(shop)

    # a group never published lets a name go: the later never-published ones move up, as a
    # full rebuild would name them
    shop.product("NEW-1", name="Jug")
    shop.product("NEW-2", name="Jug")
    products.set_enabled(shop.library, "NEW-1", False)  # never published: never in the file
    shop.publish("shop")
    assert handles(shop)["NEW-2"] == "jug"
    same_as_full_rebuild(shop)


def _asset_of(shop: Shop, sku: str) -> int:
    with shop.library.session() as s:
        return int(
            s.scalar(
                select(AssetLink.asset_id)
                .join(Product, Product.id == AssetLink.product_id)
                .where(Product.sku == sku)
            )
        )


def test_an_image_shared_by_two_products_stays_right_when_its_first_user_changes(
    any_shop: Shop,
) -> None:
    shop = shopify_shop(any_shop)
    shop.product("MUG-1", name="Blue mug")
    shop.product("MUG-2", name="Red mug")
    shop.drop_photo("MUG-1_main_1.jpg")
    asset_id = _asset_of(shop, "MUG-1")
    assets.link_asset(shop.library, asset_id, "MUG-2", role="main")
    shop.publish("shop", mode="all")
    images = {r["Handle"]: r["Image Src"] for r in rows(shop)}
    # one file for the shared version, named for the first product using it
    assert images["blue-mug"] == images["red-mug"]
    assert images["red-mug"].rsplit("/", 1)[1].startswith("MUG-1")

    assets.unlink(shop.library, asset_id, sku="MUG-1")
    report = shop.publish("shop")

    assert report.published == ["MUG-1"]
    images = {r["Handle"]: r["Image Src"] for r in rows(shop)}
    assert images["blue-mug"] == ""
    name = images["red-mug"].rsplit("/", 1)[1]
    assert name.startswith("MUG-2")
    assert (shop.out / name).is_file()
    assert not list(shop.out.glob("MUG-1*"))  # the old file went with its last user
    same_as_full_rebuild(shop)

    # and back: MUG-1 is again the first user, MUG-2 follows it
    assets.link_asset(shop.library, asset_id, "MUG-1", role="main")
    shop.publish("shop")
    images = {r["Handle"]: r["Image Src"] for r in rows(shop)}
    assert images["blue-mug"] == images["red-mug"]
    assert (shop.out / images["red-mug"].rsplit("/", 1)[1]).is_file()
    same_as_full_rebuild(shop)


def test_withdrawn_and_disabled_products_leave_the_shop_on_changed(any_shop: Shop) -> None:
    shop = shopify_shop(any_shop)
    shop.product("MUG-1", name="Blue mug")
    shop.product("MUG-2", name="Red mug")
    tees(shop)
    shop.publish("shop", mode="all")

    products.set_enabled(shop.library, "MUG-2", False)
    products.delete_product(shop.library, "TEE-WHT")
    report = shop.publish("shop")

    assert report.withdrawn == ["MUG-2", "TEE-WHT"]
    # Shopify keeps what a file leaves out: MUG-2 stays as a draft row; a deleted variant
    # cannot be written any more, and the report says so
    assert report.withdrawal_rows == ["MUG-2"]
    assert any(w.startswith("TEE-WHT: deleted") for w in report.warnings)
    assert set(handles(shop)) == {"MUG-1", "MUG-2", "TEE-BLK"}
    status = {r["Variant SKU"]: r["Status"] for r in rows(shop) if r["Title"]}
    assert status == {"MUG-1": "active", "MUG-2": "draft", "TEE-BLK": "active"}
    assert report.unchanged == 2
    with shop.library.session() as s:
        assert set(s.scalars(select(PublishedListing.sku))) == {"MUG-1", "TEE-BLK"}
    same_as_full_rebuild(shop)

    products.set_enabled(shop.library, "MUG-2", True)
    assert shop.publish("shop").published == ["MUG-2"]
    assert set(handles(shop)) == {"MUG-1", "MUG-2", "TEE-BLK"}
    same_as_full_rebuild(shop)


def _two_products(shop: Shop) -> None:
    shop.product("MUG-1", name="Blue mug")
    shop.product("MUG-2", name="Red mug")
    shop.publish("shop", mode="all")


def test_a_corrupt_pieces_store_falls_back_to_a_full_rebuild_and_says_so(shop: Shop) -> None:
    shopify_shop(shop)
    _two_products(shop)
    path = store_path(shop.library.root, "shop")
    assert path.is_file()
    path.write_bytes(b"this is not a SQLite database" * 100)

    products.set_values(shop.library, "MUG-2", {"price-USD": "25.00"})
    report = shop.publish("shop")

    assert report.result == "ok" and report.published == ["MUG-2"]
    assert any("could not be read" in note for note in report.notes)
    assert any("could not be read" in note for note in last_notes(shop))
    assert {r["Variant SKU"]: r["Variant Price"] for r in rows(shop)} == {
        "MUG-1": "19.90",
        "MUG-2": "25.00",
    }
    same_as_full_rebuild(shop)
    products.set_values(shop.library, "MUG-1", {"price-USD": "26.00"})
    shop.publish("shop")
    assert last_notes(shop) == []  # the rebuilt store serves the next run


def test_a_stale_pieces_store_or_an_edited_feed_is_rebuilt(shop: Shop) -> None:
    shopify_shop(shop)
    _two_products(shop)
    path = store_path(shop.library.root, "shop")
    old = path.read_bytes()
    products.set_values(shop.library, "MUG-1", {"price-USD": "11.00"})
    shop.publish("shop")
    path.write_bytes(old)  # a store from before the last run (restored from a backup)

    products.set_values(shop.library, "MUG-2", {"price-USD": "12.00"})
    shop.publish("shop")

    assert any("another run" in note for note in last_notes(shop))
    assert {r["Variant SKU"]: r["Variant Price"] for r in rows(shop)} == {
        "MUG-1": "11.00",
        "MUG-2": "12.00",
    }
    same_as_full_rebuild(shop)

    (shop.out / FEED).write_bytes(feed(shop).replace(b"12.00", b"99.00"))  # edited by hand
    products.set_values(shop.library, "MUG-1", {"price-USD": "13.00"})
    shop.publish("shop")
    assert any("not the one last assembled" in note for note in last_notes(shop))
    assert b"99.00" not in feed(shop)
    same_as_full_rebuild(shop)


class FailingShopify(ShopifyCsvExporter):
    """shopify_csv whose feed assembly fails (``fail``) or stalls for a minute (``stall``, to
    be killed) after every piece was written to the temp file."""

    name = "test_shopify_failing"
    fail = False
    stall = False

    def feed_tail(self) -> bytes:
        if FailingShopify.stall:
            time.sleep(60)
        if FailingShopify.fail:
            raise OSError(28, "No space left on device (injected)")
        return b""


@pytest.fixture
def failing_shop(shop: Shop) -> Shop:
    registry_for(shop.library).add(FailingShopify, source="tests")
    FailingShopify.fail = FailingShopify.stall = False
    yield shopify_shop(shop, FailingShopify.name)  # type: ignore[misc]
    FailingShopify.fail = FailingShopify.stall = False


def test_failure_mid_write_keeps_the_feed_and_the_store_consistent(failing_shop: Shop) -> None:
    shop = failing_shop
    _two_products(shop)
    tees(shop)
    shop.publish("shop")
    before = feed(shop)
    products.set_values(shop.library, "TEE-BLK", {"price-USD": "18.00"})
    products.set_enabled(shop.library, "MUG-2", False)

    FailingShopify.fail = True
    with pytest.raises(publishing.PublishError, match="injected"):
        shop.publish("shop")

    assert feed(shop) == before
    assert [p.name for p in shop.out.iterdir() if "pimdesk-tmp" in p.name] == []
    assert publishing.publish_history(shop.library, "shop", limit=1)[0].result == "failed"

    FailingShopify.fail = False
    report = shop.publish("shop")
    assert report.published == ["TEE-BLK"] and report.withdrawn == ["MUG-2"]
    assert last_notes(shop) == []  # the store was left as it was: still usable
    assert set(handles(shop)) == {"MUG-1", "MUG-2", "TEE-BLK", "TEE-WHT"}  # MUG-2: a draft
    same_as_full_rebuild(shop)


def test_dry_run_leaves_the_store_and_the_feed_alone(shop: Shop, tmp_path: Path) -> None:
    shopify_shop(shop)
    _two_products(shop)
    path = store_path(shop.library.root, "shop")
    stored, before = path.read_bytes(), feed(shop)
    products.set_values(shop.library, "MUG-2", {"price-USD": "30.00"})

    report = shop.publish("shop", dry_run=True)

    assert report.published == ["MUG-2"]
    assert path.read_bytes() == stored and feed(shop) == before


KILLED = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, {tests!r})
    from pimdesk.library import Library
    from pimdesk.channels.registry import registry_for
    from publishing.test_incremental import FailingShopify
    from pimdesk.services.publishing import publish_channel
    lib = Library.open({root!r})
    registry_for(lib).add(FailingShopify)
    FailingShopify.stall = True
    publish_channel(lib, "shop", mode="changed")
    """
)


def test_a_publish_killed_while_writing_leaves_feed_and_store_usable(failing_shop: Shop) -> None:
    shop = failing_shop
    _two_products(shop)
    before = feed(shop)
    products.set_values(shop.library, "MUG-2", {"price-USD": "31.00"})
    script = KILLED.format(tests=str(Path(__file__).parents[1]), root=str(shop.library.root))
    kill_while_writing(script, shop.out)

    assert feed(shop) == before
    report = shop.publish("shop")
    assert report.published == ["MUG-2"]
    assert last_notes(shop) == []  # the killed run's store transaction never happened
    assert not [p for p in shop.out.rglob("*") if "tmp" in p.name]
    assert {r["Variant SKU"]: r["Variant Price"] for r in rows(shop)}["MUG-2"] == "31.00"
    same_as_full_rebuild(shop)


def _break_store(shop: Shop, table: str) -> None:
    """Replace one table of the store by one of another shape (the file still opens)."""
    db = sqlite3.connect(store_path(shop.library.root, "shop"))
    try:
        db.executescript(f"DROP TABLE {table}; CREATE TABLE {table} (something_else TEXT);")
        db.commit()
    finally:
        db.close()


def test_a_store_that_opens_but_does_not_hold_together_is_rebuilt(shop: Shop) -> None:
    shopify_shop(shop)
    shop.product("MUG-1", name="Blue mug")
    shop.product("MUG-2", name="Red mug")
    shop.drop_photo("MUG-1_main_1.jpg")
    shop.publish("shop", mode="all")

    _break_store(shop, "names")  # read while the listings are built
    products.set_values(shop.library, "MUG-1", {"price-USD": "41.00"})
    report = shop.publish("shop")
    assert report.result == "ok" and report.published == ["MUG-1"]
    assert any("could not be read" in note for note in report.notes)
    same_as_full_rebuild(shop)

    _break_store(shop, "owned")  # read while the feed is put together
    products.set_values(shop.library, "MUG-1", {"price-USD": "42.00"})
    report = shop.publish("shop")
    assert report.result == "ok" and report.published == ["MUG-1"]
    assert any("inconsistent" in note for note in report.notes)
    runs = publishing.publish_history(shop.library, "shop", limit=2)
    assert [r.result for r in runs] == ["ok", "failed"]  # the broken attempt stays logged
    assert {r["Variant SKU"]: r["Variant Price"] for r in rows(shop)}["MUG-1"] == "42.00"
    same_as_full_rebuild(shop)


def woo_rows(shop: Shop) -> list[list[str]]:
    data = (shop.out / FEED).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data[3:].decode("utf-8"))))


def test_woocommerce_publishes_incrementally_and_relays_out_when_axes_change(
    any_shop: Shop,
) -> None:
    shop = any_shop
    shop.add_channel("shop", exporter="woocommerce_csv", base_url="https://cdn.example.com/")
    shop.product("MUG-1", name="Blue mug")
    tees(shop)
    shop.drop_photo("MUG-1_main_1.jpg")
    shop.publish("shop", mode="all")
    header = woo_rows(shop)[0]
    assert header[-5:] == [
        f"Attribute 1 {p}" for p in ("name", "value(s)", "visible", "global", "default")
    ]

    products.set_values(shop.library, "TEE-BLK", {"price-USD": "16.00"})
    report = shop.publish("shop")
    assert report.published == ["TEE-BLK"] and last_notes(shop) == []
    prices = {r[2]: r[26] for r in woo_rows(shop)[1:]}
    assert prices["TEE-BLK"] == "16.00" and prices["MUG-1"] == "19.90"
    same_as_full_rebuild(shop)

    # the only variable product goes: no Attribute columns any more, every row laid out again
    products.delete_product(shop.library, "TEE-BLK")
    products.delete_product(shop.library, "TEE-WHT")
    report = shop.publish("shop")
    assert report.withdrawn == ["TEE-BLK", "TEE-WHT"]
    assert any("layout changed" in note for note in last_notes(shop))
    rows_now = woo_rows(shop)
    assert not any(h.startswith("Attribute") for h in rows_now[0])
    assert [r[2] for r in rows_now[1:]] == ["MUG-1"]
    assert all(len(r) == len(rows_now[0]) for r in rows_now)
    same_as_full_rebuild(shop)
