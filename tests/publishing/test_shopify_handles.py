"""Shopify handles are stable, and a Shopify (or WooCommerce) round trip keeps its images:
Shopify matches CSV rows to products by handle, so a handle that changes makes its importer
create a second product (the old one stays); and a product with no photo in pimdesk must
still carry the image URLs it was imported with, or the shop gets it without pictures."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from pimdesk.services import products
from pimdesk.services.imports import import_file

from .conftest import Shop
from .test_incremental import FEED, tees

CATALOGS = Path(__file__).resolve().parents[1] / "data" / "catalogs"
BASE = "https://cdn.example.com/shop/"


def read_csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8"), newline="")))


def handles(shop: Shop) -> dict[str, str]:
    """Variant SKU -> the handle Shopify files it under."""
    return {r["Variant SKU"]: r["Handle"] for r in read_csv(shop.out / FEED) if r["Variant SKU"]}


def images_by_handle(rows: list[dict[str, str]]) -> dict[str, list[str]]:
    """What Shopify downloads for each product: its Image Src URLs in Image Position order."""
    out: dict[str, list[tuple[int, str]]] = {}
    for row in rows:
        if row["Image Src"]:
            out.setdefault(row["Handle"], []).append((int(row["Image Position"]), row["Image Src"]))
    return {handle: [url for _, url in sorted(pairs)] for handle, pairs in out.items()}


def full_rebuild_is_the_same(shop: Shop) -> None:
    before = (shop.out / FEED).read_bytes()
    shop.publish("shop", mode="all")
    assert (shop.out / FEED).read_bytes() == before


def test_a_renamed_product_keeps_its_published_handle(any_shop: Shop) -> None:
    shop = any_shop
    shop.add_channel("shop", exporter="shopify_csv", base_url=BASE)
    shop.product("KET-1", name="Gooseneck kettle 1.7 l")
    tees(shop)
    shop.publish("shop")
    assert handles(shop) == {
        "KET-1": "gooseneck-kettle-1-7-l",
        "TEE-BLK": "tee",
        "TEE-WHT": "tee",
    }

    products.set_values(shop.library, "KET-1", {"name-en_US": "Gooseneck kettle, matte black"})
    products.set_values(shop.library, "TEE", {"name-en_US": "Organic tee"})  # the model
    report = shop.publish("shop")
    assert report.published == ["KET-1", "TEE-BLK", "TEE-WHT"]
    rows = read_csv(shop.out / FEED)
    assert {r["Handle"]: r["Title"] for r in rows if r["Title"]} == {
        "gooseneck-kettle-1-7-l": "Gooseneck kettle, matte black",  # same product, new title
        "tee": "Organic tee",
    }
    full_rebuild_is_the_same(shop)

    # a new product whose title asks for a published handle does not take it over
    shop.product("KET-2", name="Gooseneck kettle 1.7 l")
    shop.publish("shop")
    assert handles(shop)["KET-2"] == "gooseneck-kettle-1-7-l-2"
    assert handles(shop)["KET-1"] == "gooseneck-kettle-1-7-l"
    full_rebuild_is_the_same(shop)

    # withdrawn (a draft row), renamed meanwhile, back again: still the same handle
    products.set_enabled(shop.library, "KET-1", False)
    shop.publish("shop")
    products.set_values(shop.library, "KET-1", {"name-en_US": "Kettle"})
    shop.publish("shop")
    assert handles(shop)["KET-1"] == "gooseneck-kettle-1-7-l"
    products.set_enabled(shop.library, "KET-1", True)
    shop.publish("shop")
    assert handles(shop)["KET-1"] == "gooseneck-kettle-1-7-l"
    full_rebuild_is_the_same(shop)


def test_a_shopify_import_publishes_back_under_its_handles_with_its_images(
    shop: Shop,
) -> None:
    source = CATALOGS / "shopify_jewelery.csv"
    import_file(shop.library, source)
    shop.add_channel("shop", exporter="shopify_csv", base_url=BASE)
    report = shop.publish("shop")
    assert report.result == "ok" and not report.blocked

    original = read_csv(source)
    published = read_csv(shop.out / FEED)
    # the same 20 products for Shopify (chain-bracelet, not 7-shakra-bracelet from its title)
    assert {r["Handle"] for r in published} == {r["Handle"] for r in original}
    assert len({r["Handle"] for r in original}) == 20
    # every imported image URL, on the same product, in the same order
    assert images_by_handle(published) == images_by_handle(original)
    assert sum(len(v) for v in images_by_handle(published).values()) == 41
    variant_images = {r["Variant SKU"]: r["Variant Image"] for r in published if r["Variant SKU"]}
    assert variant_images["chain-bracelet-blue"] == next(
        r["Variant Image"] for r in original if r["Option1 Value"] == "Blue" and r["Variant Image"]
    )
    full_rebuild_is_the_same(shop)

    # a photo of its own in pimdesk replaces the imported URLs (never a mix)
    shop.drop_photo("boho-earrings_main_1.jpg")
    shop.publish("shop")
    boho = images_by_handle(read_csv(shop.out / FEED))["boho-earrings"]
    assert len(boho) == 1 and boho[0].startswith(BASE) and "burst" not in boho[0]
    full_rebuild_is_the_same(shop)


def test_a_woocommerce_import_publishes_back_with_its_image_urls(shop: Shop) -> None:
    source = CATALOGS / "woocommerce_sample_products.csv"
    import_file(shop.library, source)
    shop.add_channel("shop", exporter="woocommerce_csv", base_url=BASE)
    shop.publish("shop")

    def images(path: Path) -> dict[str, str]:
        data = path.read_bytes().removeprefix(b"\xef\xbb\xbf").decode("utf-8")
        rows = csv.DictReader(io.StringIO(data, newline=""))
        return {r["SKU"]: r["Images"] for r in rows if r["Type"] != "variable"}

    published, original = images(shop.out / FEED), images(source)
    # every simple product and every variation shows the images it was imported with (the
    # first is WooCommerce's featured image); blocked products are not in the file
    assert published and all(published[sku] == original[sku] for sku in published)
    assert sum(1 for urls in published.values() if urls.startswith("https://")) >= 18
    full_rebuild_is_the_same(shop)
