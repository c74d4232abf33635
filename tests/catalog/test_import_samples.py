"""Real Shopify and WooCommerce files import as shops expect; our own exports round-trip."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pimdesk.events import Change
from pimdesk.library import Library
from pimdesk.services import products
from pimdesk.services.exports import export_file
from pimdesk.services.imports import import_file

CATALOGS = Path(__file__).parent.parent / "data" / "catalogs"


def test_shopify_apparel_sample(any_library: Library) -> None:
    seen: list[Change] = []
    any_library.events.subscribe(seen.append)
    report = import_file(any_library, CATALOGS / "shopify_apparel.csv")
    assert report.format == "shopify" and report.committed
    assert (report.created, report.models_created, report.rejected) == (22, 1, 0)
    assert products.count_products(any_library) == 22
    variants = products.list_products(any_library, parent="classic-varsity-top")
    assert [v.sku for v in variants] == [
        "classic-varsity-top-large",
        "classic-varsity-top-medium",
        "classic-varsity-top-small",
    ]
    # every row had an empty Variant SKU: each derived SKU is reported, none dropped
    derived = [w for w in report.warnings if "Variant SKU is empty" in w]
    assert len(derived) == 22
    assert any("row 2:" in w and "'ocean-blue-shirt'" in w for w in derived)
    shirt = products.get_product(any_library, "ocean-blue-shirt")
    assert shirt.name == "Ocean Blue Shirt" and shirt.parent_code is None
    assert shirt.value("price") == [{"amount": "50.00", "currency": "USD"}]
    assert shirt.value("image_urls").startswith("https://burst.shopifycdn.com/photos/")
    small = products.get_product(any_library, "classic-varsity-top-small")
    assert small.value("size") == "small" and small.name == "Classic Varsity Top"
    assert seen[-1].kind == "import" and len(seen[-1].product_ids) == 22


def test_shopify_jewelery_sample_with_image_rows_and_compare_at_prices(
    any_library: Library,
) -> None:
    report = import_file(any_library, CATALOGS / "shopify_jewelery.csv")
    assert (report.created, report.models_created, report.rejected) == (23, 3, 0)
    model = products.get_product(any_library, "gemstone")
    assert model.is_model and model.family_variant == "shopify_colour_by_colour"
    assert [v.sku for v in model.variants] == ["gemstone-blue", "gemstone-purple"]
    # two extra image rows are kept as URLs on the model
    assert len(model.value("image_urls").splitlines()) == 4
    blue = products.get_product(any_library, "chain-bracelet-blue")
    # Compare At Price 44.99 is the regular price; Variant Price 42.99 the sale price
    assert blue.value("price") == [{"amount": "44.99", "currency": "USD"}]
    assert blue.value("sale_price") == [{"amount": "42.99", "currency": "USD"}]
    # a quoted cell holding bare LF newlines inside a CRLF file
    choker = products.get_product(any_library, "choker-with-gold-pendant")
    assert "\n" in choker.value("description", "en_US", "ecommerce")
    assert "<li>Made in USA</li>" in model.value("description", "en_US", "ecommerce")


NEW_HEADER = (
    "Title,URL handle,Description,Vendor,Product category,Type,Tags,Published on online store,"
    "Status,SKU,Barcode,Option1 name,Option1 value,Option1 Linked To,Price,Compare-at price,"
    "Weight value (grams),Product image URL,Image position\n"
    "Canvas Tote Bag,canvas-tote,<p>Heavy cotton canvas tote.</p>,Acme Goods,,Bags,"
    '"tote, canvas",TRUE,Active,TOTE-NAT,6291041500213,Color,Natural,,24.00,30.00,350,'
    "https://cdn.example.com/tote-natural.jpg,1\n"
    ",canvas-tote,,,,,,,,TOTE-BLK,6291041500220,,Black,,24.00,30.00,350,"
    "https://cdn.example.com/tote-black.jpg,2\n"
    ",canvas-tote,,,,,,,,,,,,,,,,https://cdn.example.com/tote-detail.jpg,3\n"
)


def test_shopify_new_header_set(any_library: Library, tmp_path: Path) -> None:
    path = tmp_path / "new.csv"
    path.write_text(NEW_HEADER, encoding="utf-8")
    report = import_file(any_library, path)
    assert (report.format, report.created, report.models_created) == ("shopify", 2, 1)
    assert not [w for w in report.warnings if "is empty" in w]
    natural = products.get_product(any_library, "TOTE-NAT")
    assert natural.parent_code == "canvas-tote"
    assert natural.value("gtin") == "6291041500213"
    assert natural.value("weight") == {"amount": "350", "unit": "GRAM"}
    assert natural.value("price") == [{"amount": "30.00", "currency": "USD"}]
    assert natural.value("sale_price") == [{"amount": "24.00", "currency": "USD"}]
    assert natural.value("color") == "natural"
    assert natural.value("brand") == "Acme Goods" and natural.enabled
    assert products.get_product(any_library, "TOTE-BLK").tags == ("canvas", "tote")
    assert (
        len(products.get_product(any_library, "canvas-tote").value("image_urls").splitlines()) == 3
    )


def test_shopify_invalid_barcode_is_a_row_error(library: Library, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(NEW_HEADER.replace("6291041500220", "3.65275E+11"), encoding="utf-8")
    from pimdesk.errors import ImportFailed

    with pytest.raises(ImportFailed, match=r"row 3, column 'Barcode'.*scientific notation"):
        import_file(library, path)
    assert products.count_products(library) == 0


def test_woocommerce_sample(any_library: Library) -> None:
    report = import_file(any_library, CATALOGS / "woocommerce_sample_products.csv")
    assert (report.format, report.created, report.models_created, report.rejected) == (
        "woocommerce",
        23,
        2,
        0,
    )
    vneck = products.get_product(any_library, "woo-vneck-tee")
    assert vneck.is_model and [v.sku for v in vneck.variants] == [
        "woo-vneck-tee-blue",
        "woo-vneck-tee-green",
        "woo-vneck-tee-red",
    ]
    hoodie = products.get_product(any_library, "woo-hoodie")
    assert hoodie.family_variant == "woocommerce_color_logo_by_color_logo"
    assert len(hoodie.variants) == 4
    blue_logo = products.get_product(any_library, "woo-hoodie-blue-logo")
    assert (blue_logo.value("color"), blue_logo.value("logo")) == ("blue", "yes")
    assert blue_logo.value("weight") == {"amount": "1.5", "unit": "POUND"}  # inherited
    # mixed-case SKUs are kept as they are
    assert products.get_product(any_library, "Woo-tshirt-logo").name == "T-Shirt with Logo"
    beanie = products.get_product(any_library, "woo-beanie")
    assert beanie.value("price") == [{"amount": "20.00", "currency": "USD"}]
    assert beanie.value("sale_price") == [{"amount": "18.00", "currency": "USD"}]
    assert beanie.categories == ("clothing_accessories",)


def test_woocommerce_parent_by_id_and_missing_parent(library: Library, tmp_path: Path) -> None:
    from pimdesk.errors import ImportFailed

    header = "ID,Type,SKU,Name,Regular price,Parent,Attribute 1 name,Attribute 1 value(s)\n"
    good = tmp_path / "good.csv"
    good.write_text(
        header + '10,variable,TOTE,Tote,,,Color,"Natural, Black"\n'
        "11,variation,TOTE-NAT,Tote - Natural,30,id:10,Color,Natural\n"
    )
    assert import_file(library, good).created == 1
    assert products.get_product(library, "TOTE-NAT").parent_code == "TOTE"
    bad = tmp_path / "bad.csv"
    bad.write_text(header + "12,variation,X-1,X,5,NOPE,Color,Natural\n")
    with pytest.raises(ImportFailed, match=r"row 2, column 'parent'.*'NOPE' does not exist"):
        import_file(library, bad)


@pytest.mark.parametrize(
    "sample", ["shopify_apparel.csv", "shopify_jewelery.csv", "woocommerce_sample_products.csv"]
)
def test_sample_import_export_import_is_lossless(
    any_library: Library, tmp_path: Path, sample: str
) -> None:
    import_file(any_library, CATALOGS / sample)
    first = tmp_path / "first.csv"
    export_file(any_library, first)
    again = import_file(any_library, first)
    assert (again.created, again.updated, again.models_updated) == (0, 0, 0)
    assert again.unchanged == products.count_products(any_library)
    second = tmp_path / "second.csv"
    export_file(any_library, second)
    assert first.read_bytes() == second.read_bytes()
    # and through a workbook
    book = tmp_path / "catalog.xlsx"
    export_file(any_library, book)
    assert import_file(any_library, book).unchanged == products.count_products(any_library)


def test_round_trip_into_a_fresh_library(apparel: Library, tmp_path: Path) -> None:
    """Models, sub-models, variants, prices in two currencies, metrics, categories, tags."""
    products.create_product(
        apparel,
        "MUG-1",
        values={
            "name-en_US": '=HYPERLINK("x")',
            "name-de_DE": "Becher",
            "description-en_US-ecommerce": 'Line one\nLine "two", three',
            "price-USD": "8",
            "price-EUR": "7.5",
            "gtin": "4006381333931",
            "release_date": "2024-02-29",
            "stock": "-3",
        },
        tags=["kitchen", "gift"],
        categories=["tops"],
    )
    products.set_enabled(apparel, "TEE-BLK-M", False)
    out = tmp_path / "catalog.csv"
    export_file(apparel, out)
    text = out.read_text(encoding="utf-8")
    assert "'=HYPERLINK" in text  # formula cells are escaped for spreadsheets
    # a second library with the same reference data but no products
    other_root = tmp_path / "other"
    shutil.copytree(apparel.root, other_root, dirs_exist_ok=True)
    if not apparel.is_sqlite:
        pytest.skip("copying a library folder copies only the SQLite catalog")
    with Library.open(other_root) as other:
        for row in products.list_products(other, limit=1000):
            products.delete_product(other, row.sku)
        with other.session() as s:
            from sqlalchemy import delete

            from pimdesk.catalog.models import Product, ProductModel

            s.execute(delete(Product))
            s.execute(delete(ProductModel).where(ProductModel.parent_id.is_not(None)))
            s.execute(delete(ProductModel))
        report = import_file(other, out)
        assert (report.created, report.models_created) == (3, 3)
        back = tmp_path / "back.csv"
        export_file(other, back)
        assert back.read_text(encoding="utf-8") == text
        mug = products.get_product(other, "MUG-1")
        assert mug.name == '=HYPERLINK("x")'
        assert mug.value("stock") == -3
        assert not products.get_product(other, "TEE-BLK-M").enabled
