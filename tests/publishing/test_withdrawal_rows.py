"""Withdrawn products in Shopify and WooCommerce CSVs: their importers never delete or hide
a product that is missing from the file, so a withdrawn product must stay in it as a row
that takes it off the shop (Shopify Status draft + Published FALSE under the same Handle;
WooCommerce Published -1 under the same SKU), and stay so on every later publish."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from sqlalchemy import select, text

from pimdesk.catalog import migrate
from pimdesk.catalog.db import make_engine
from pimdesk.catalog.models import WithdrawnListing
from pimdesk.library import Library
from pimdesk.services import products, publishing

from .conftest import Shop
from .test_incremental import FEED, tees

BASE = "https://cdn.example.com/shop/"


def read_csv(shop: Shop) -> list[dict[str, str]]:
    data = (shop.out / FEED).read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):  # WooCommerce's BOM
        data = data[3:]
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))


def shopify_products(shop: Shop) -> dict[str, dict[str, str]]:
    """What Shopify's importer makes of the file: handle -> the product's first row (the
    one with the Title), with the variant SKUs of every row of that handle."""
    out: dict[str, dict[str, str]] = {}
    for row in read_csv(shop):
        product = out.setdefault(row["Handle"], {**row, "skus": ""})
        if row["Variant SKU"]:
            product["skus"] = " ".join(filter(None, [product["skus"], row["Variant SKU"]]))
    return out


def on_sale(product: dict[str, str]) -> bool:
    """Shopify shows a product when it is active and published (blank = published)."""
    return product["Status"] == "active" and product["Published"] != "FALSE"


def full_rebuild_is_the_same(shop: Shop) -> None:
    before = (shop.out / FEED).read_bytes()
    shop.publish("shop", mode="all")
    assert (shop.out / FEED).read_bytes() == before


def test_a_disabled_product_becomes_a_draft_under_its_handle_and_stays_one(
    any_shop: Shop,
) -> None:
    shop = any_shop
    shop.add_channel("shop", exporter="shopify_csv", base_url=BASE)
    shop.product("MUG-1", name="Blue mug")
    shop.product("MUG-2", name="Red mug")
    shop.product("NEW-1", name="Never sold")
    products.set_enabled(shop.library, "NEW-1", False)
    shop.publish("shop")
    handle = {p["skus"]: h for h, p in shopify_products(shop).items()}["MUG-2"]

    products.set_enabled(shop.library, "MUG-2", False)
    report = shop.publish("shop")

    assert report.withdrawn == ["MUG-2"] and report.withdrawal_rows == ["MUG-2"]
    assert "Status draft" in report.withdrawal_how
    now = shopify_products(shop)
    assert set(now) == {"blue-mug", handle}  # NEW-1 was never on the shop: not in the file
    assert now[handle]["skus"] == "MUG-2" and now[handle]["Title"] == "Red mug"
    assert (now[handle]["Status"], now[handle]["Published"]) == ("draft", "FALSE")
    assert on_sale(now["blue-mug"]) and not on_sale(now[handle])
    full_rebuild_is_the_same(shop)

    # the next publishes keep the draft row: whichever file is imported takes it off
    shop.product("MUG-3", name="Green mug")
    assert shop.publish("shop").published == ["MUG-3"]
    assert not on_sale(shopify_products(shop)[handle])
    # edited while withdrawn: the draft row follows
    products.set_values(shop.library, "MUG-2", {"price-USD": "21.00"})
    shop.publish("shop")
    draft = shopify_products(shop)[handle]
    assert draft["Variant Price"] == "21.00" and draft["Status"] == "draft"
    full_rebuild_is_the_same(shop)

    # back on the channel: active again, same handle
    products.set_enabled(shop.library, "MUG-2", True)
    assert shop.publish("shop").published == ["MUG-2"]
    assert on_sale(shopify_products(shop)[handle])
    with shop.library.session() as s:
        assert list(s.scalars(select(WithdrawnListing.sku))) == []
    full_rebuild_is_the_same(shop)


def test_a_product_blocked_now_is_drafted_and_a_deleted_one_is_reported(shop: Shop) -> None:
    shop.add_channel("shop", exporter="shopify_csv", base_url=BASE)
    shop.product("MUG-1", name="Blue mug")
    shop.product("MUG-2", name="Red mug")
    shop.publish("shop")

    products.set_values(shop.library, "MUG-2", {"price-USD": None})  # price is required
    report = shop.publish("shop")
    assert [b.sku for b in report.withdrawn_blocked] == ["MUG-2"]
    assert report.withdrawal_rows == ["MUG-2"]
    assert shopify_products(shop)["red-mug"]["Status"] == "draft"

    products.delete_product(shop.library, "MUG-1")
    report = shop.publish("shop")
    assert report.withdrawn == ["MUG-1"] and report.withdrawal_rows == []
    assert any(w.startswith("MUG-1: deleted from the catalog") for w in report.warnings)
    assert set(shopify_products(shop)) == {"red-mug"}
    # a withdrawn product deleted later: its row goes
    products.delete_product(shop.library, "MUG-2")
    shop.publish("shop")
    assert shopify_products(shop) == {}
    with shop.library.session() as s:
        assert list(s.scalars(select(WithdrawnListing.sku))) == []


def test_a_product_model_is_drafted_only_when_every_variant_is_withdrawn(shop: Shop) -> None:
    shop.add_channel("shop", exporter="shopify_csv", base_url=BASE)
    tees(shop)
    shop.publish("shop")

    products.set_enabled(shop.library, "TEE-WHT", False)
    report = shop.publish("shop")
    tee = shopify_products(shop)["tee"]
    assert tee["skus"] == "TEE-BLK" and on_sale(tee)  # Shopify has no per-variant status
    assert report.withdrawal_rows == []
    assert any(w.startswith("TEE-WHT: withdrawn while other variants") for w in report.warnings)

    products.set_enabled(shop.library, "TEE-BLK", False)
    report = shop.publish("shop")
    assert report.withdrawal_rows == ["TEE-BLK"]
    tee = shopify_products(shop)["tee"]
    # the status is the product's: the draft row hides every variant, TEE-WHT too
    assert tee["skus"] == "TEE-BLK" and tee["Status"] == "draft"
    full_rebuild_is_the_same(shop)


def test_woocommerce_withdrawals_are_draft_rows_under_the_same_sku(shop: Shop) -> None:
    shop.add_channel("shop", exporter="woocommerce_csv", base_url=BASE)
    shop.product("MUG-1", name="Blue mug")
    shop.product("MUG-2", name="Red mug")
    tees(shop)
    shop.publish("shop")

    for sku in ("MUG-2", "TEE-BLK", "TEE-WHT"):
        products.set_enabled(shop.library, sku, False)
    report = shop.publish("shop")

    assert report.withdrawal_rows == ["MUG-2", "TEE-BLK", "TEE-WHT"]
    rows = {r["SKU"]: r for r in read_csv(shop)}
    # WooCommerce's importer: Published 1 = publish, 0 = private, -1 = draft
    published = {sku: (r["Type"], r["Published"]) for sku, r in rows.items()}
    assert published == {
        "MUG-1": ("simple", "1"),
        "MUG-2": ("simple", "-1"),
        "TEE": ("variable", "-1"),
        "TEE-BLK": ("variation", "-1"),
        "TEE-WHT": ("variation", "-1"),
    }
    assert rows["MUG-2"]["Name"] == "Red mug" and rows["MUG-2"]["Regular price"] == "19.90"
    full_rebuild_is_the_same(shop)
    assert publishing.publish_channel(shop.library, "shop").result in ("nothing", "ok")


def test_a_library_at_0008_with_published_listings_upgrades_and_drafts(
    tmp_path: Path, database_url: str
) -> None:
    engine = make_engine(database_url)
    migrate.upgrade(engine, "0008_version_size_bigint")
    stamp = "2026-01-01T00:00:00+00:00"
    out = tmp_path / "out"
    out.mkdir()
    with engine.begin() as conn:
        for sku, enabled in (("OLD-1", True), ("OLD-2", False)):
            conn.execute(
                text(
                    'INSERT INTO product (sku, enabled, "values", revision, created_at,'
                    " updated_at) VALUES (:sku, :on, :v, 3, :t, :t)"
                ),
                {"sku": sku, "on": enabled, "v": '{"price": {"<all_channels>": {"<all_locales>":'
                 ' [{"amount": "5.00", "currency": "USD"}]}}}', "t": stamp},
            )  # fmt: skip
        ids = dict(conn.execute(text("SELECT sku, id FROM product")).all())
        conn.execute(
            text(
                "INSERT INTO channel (code, label, locales, currencies, exporter, settings,"
                " field_map, created_at) VALUES ('shop', 'Shop', '[\"en_US\"]', '[\"USD\"]',"
                " 'shopify_csv', :settings, '{}', :t)"
            ),
            {"settings": json.dumps({"output": str(out)}), "t": stamp},
        )
        channel_id = conn.execute(text("SELECT id FROM channel WHERE code = 'shop'")).scalar()
        for sku in ("OLD-1", "OLD-2"):
            conn.execute(
                text(
                    "INSERT INTO published_listing (channel_id, product_id, sku, fingerprint,"
                    " revision, published_at, remote_id, versions)"
                    " VALUES (:c, :p, :sku, :fp, 2, :t, :h, '[]')"
                ),
                {"c": channel_id, "p": ids[sku], "sku": sku, "fp": "0" * 64, "t": stamp,
                 "h": sku.lower()},
            )  # fmt: skip
    engine.dispose()

    with Library.open(tmp_path / "library", database_url=database_url) as lib:
        assert migrate.current_revision(lib.engine) == migrate.head_revision()
        with lib.session() as s:
            assert list(s.scalars(select(WithdrawnListing.sku))) == []  # a new, empty table
        report = publishing.publish_channel(lib, "shop")
        assert report.withdrawn == ["OLD-2"] and report.withdrawal_rows == ["OLD-2"]
        with lib.session() as s:
            assert list(s.scalars(select(WithdrawnListing.sku))) == ["OLD-2"]
        rows = list(csv.DictReader(io.StringIO((out / FEED).read_text("utf-8"))))
        status = {r["Variant SKU"]: r["Status"] for r in rows}
        assert status == {"OLD-1": "active", "OLD-2": "draft"}
