"""The products service: listing, details with inheritance, edits, completeness, history."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from pimdesk.catalog.models import ValueChange
from pimdesk.errors import NotFoundError, PimdeskError, ValidationError
from pimdesk.events import Change
from pimdesk.library import Library
from pimdesk.services import products


def test_variant_shows_inherited_values_and_completeness_per_channel_and_locale(
    apparel: Library,
) -> None:
    detail = products.get_product(apparel, "TEE-BLK-S")
    assert detail.parent_code == "TEE-BLK"
    assert detail.family == "shirts" and detail.family_variant == "shirts_by_color_size"
    assert detail.name == "Tee"
    inherited = {(v.attribute, v.inherited, v.source) for v in detail.values}
    assert ("name", True, "TEE") in inherited
    assert ("color", True, "TEE-BLK") in inherited
    assert ("size", False, "TEE-BLK-S") in inherited
    assert detail.axes == ("size",)
    assert detail.categories == ("tops",)
    by_locale = {c.locale: c for c in detail.completeness}
    assert by_locale["en_US"].ratio == 100 and by_locale["en_US"].missing == ()
    # name is localizable: nothing in German yet -> 3 of 4
    assert by_locale["de_DE"].ratio == 75 and by_locale["de_DE"].missing == ("name",)


def test_price_needs_every_channel_currency_and_metric_needs_a_unit(apparel: Library) -> None:
    detail = products.get_product(apparel, "TEE-BLK-M")
    en = next(c for c in detail.completeness if c.locale == "en_US")
    # USD only while the channel wants USD and EUR; no weight at all
    assert set(en.missing) == {"price", "weight"}
    assert en.ratio == 50
    with apparel.session() as s:
        from pimdesk.catalog.models import Product

        s.execute(
            update(Product)
            .where(Product.sku == "TEE-BLK-M")
            .values(
                values={
                    "size": {"<all_channels>": {"<all_locales>": "m"}},
                    "weight": {"<all_channels>": {"<all_locales>": {"amount": "3", "unit": None}}},
                    "price": {
                        "<all_channels>": {
                            "<all_locales>": [
                                {"amount": "10.00", "currency": "USD"},
                                {"amount": "9.00", "currency": "EUR"},
                            ]
                        }
                    },
                }
            )
        )
    en = next(
        c for c in products.get_product(apparel, "TEE-BLK-M").completeness if c.locale == "en_US"
    )
    assert en.missing == ("weight",)
    assert en.ratio == 75


def test_model_shows_how_many_variants_are_complete(apparel: Library) -> None:
    detail = products.get_product(apparel, "TEE")
    assert detail.is_model
    assert [v.sku for v in detail.variants] == ["TEE-BLK", "TEE-WHT", "TEE-BLK-M", "TEE-BLK-S"]
    en = next(c for c in detail.variant_completeness if c.locale == "en_US")
    assert (en.complete, en.total) == (1, 2)
    assert str(en) == "1 of 2 variants complete"


def test_required_image_role_counts_only_with_an_approved_version(library: Library) -> None:
    from pimdesk.catalog.models import Asset, AssetLink, AssetVersion, Product

    products.create_product(
        library,
        "K-1",
        values={"name-en_US": "Kettle", "price-USD": "5", "description-en_US-ecommerce": "Boils"},
    )
    first = products.get_product(library, "K-1").completeness[0]
    assert first.missing == ("image:main",) and first.ratio == 80
    with library.session() as s:
        product = s.scalars(select(Product)).one()
        asset = Asset(kind="image")
        asset.versions.append(
            AssetVersion(
                number=1,
                sha256="a" * 64,
                size=1,
                format="JPEG",
                extension="jpg",
                source_path="/x.jpg",
                approval="draft",
            )
        )
        s.add(asset)
        s.flush()
        s.add(AssetLink(asset_id=asset.id, product_id=product.id, role="main"))
    assert products.get_product(library, "K-1").completeness[0].ratio == 80
    with library.session() as s:
        s.execute(update(AssetVersion).values(approval="approved"))
    assert products.get_product(library, "K-1").completeness[0].ratio == 100


def test_list_pages_by_sku_and_filters(apparel: Library) -> None:
    for n in range(5):
        products.create_product(apparel, f"A-{n}", values={"name-en_US": f"Item {n}"})
    first = products.list_products(apparel, limit=3)
    assert [r.sku for r in first] == ["A-0", "A-1", "A-2"]
    second = products.list_products(apparel, after_sku=first[-1].sku, limit=3)
    assert [r.sku for r in second] == ["A-3", "A-4", "TEE-BLK-M"]
    assert products.count_products(apparel) == 7
    assert [r.sku for r in products.list_products(apparel, family="shirts")] == [
        "TEE-BLK-M",
        "TEE-BLK-S",
    ]
    assert [r.sku for r in products.list_products(apparel, category="tops")] == ["TEE-BLK-S"]
    assert [r.sku for r in products.list_products(apparel, parent="TEE")] == [
        "TEE-BLK-M",
        "TEE-BLK-S",
    ]
    variant = products.list_products(apparel, parent="TEE-BLK", limit=1)[0]
    assert variant.name == "Tee" and variant.parent_code == "TEE-BLK" and not variant.is_model
    assert [m.sku for m in products.list_models(apparel)] == ["TEE", "TEE-BLK", "TEE-WHT"]


def test_set_values_validates_records_history_bumps_revision_and_emits(apparel: Library) -> None:
    seen: list[Change] = []
    apparel.events.subscribe(seen.append)
    before = products.get_product(apparel, "TEE-BLK-S").revision
    result = products.set_values(
        apparel,
        "TEE-BLK-S",
        {"price-EUR": "8.5", "description-en_US-ecommerce": "Soft"},
        author="ana",
        source="cli",
    )
    assert {c.field for c in result.changes} == {"price", "description"}
    detail = products.get_product(apparel, "TEE-BLK-S")
    assert detail.value("price") == [
        {"amount": "8.50", "currency": "EUR"},
        {"amount": "10.00", "currency": "USD"},
    ]
    assert detail.revision == before + 1
    assert seen[-1].kind == "values" and seen[-1].product_ids == {detail.id}
    entries = products.history(apparel, "TEE-BLK-S")
    assert entries[0].author == "ana" and entries[0].source == "cli"
    assert {e.batch for e in entries[:2]} == {result.batch}
    with pytest.raises(ValidationError, match=r"not a number|not a price") as info:
        products.set_values(apparel, "TEE-BLK-S", {"price-USD": "cheap"})
    assert "price-USD" in str(info.value)
    with pytest.raises(ValidationError, match="unknown attribute 'nope'"):
        products.set_values(apparel, "TEE-BLK-S", {"nope": "1"})
    with pytest.raises(NotFoundError):
        products.set_values(apparel, "NOPE", {"brand": "x"})


def test_editing_a_model_touches_its_variants(apparel: Library) -> None:
    revisions = {
        r.sku: products.get_product(apparel, r.sku).revision
        for r in products.list_products(apparel)
    }
    seen: list[Change] = []
    apparel.events.subscribe(seen.append)
    products.set_values(apparel, "TEE", {"brand": "Acme Goods"})
    assert products.get_product(apparel, "TEE-BLK-M").revision == revisions["TEE-BLK-M"] + 1
    assert products.get_product(apparel, "TEE-BLK-M").value("brand") == "Acme Goods"
    assert len(seen[-1].product_ids) == 2


def test_axis_values_must_be_unique_among_siblings(apparel: Library) -> None:
    with pytest.raises(ValidationError, match="TEE-BLK-M and TEE-BLK-S have the same variant axis"):
        products.set_values(apparel, "TEE-BLK-M", {"size": "s"})
    with pytest.raises(ValidationError, match="TEE-BLK-X and TEE-BLK-S"):
        products.create_product(apparel, "TEE-BLK-X", parent="TEE-BLK", values={"size": "s"})
    with pytest.raises(ValidationError, match="needs a value for the variant axis size"):
        products.create_product(apparel, "TEE-BLK-Y", parent="TEE-BLK")
    with pytest.raises(ValidationError, match=r"TEE-WHT2 and TEE-(BLK|WHT)"):
        products.create_product_model(apparel, "TEE-WHT2", parent="TEE", values={"color": "white"})
    with pytest.raises(NotFoundError, match="parent model 'GHOST' does not exist"):
        products.create_product(apparel, "X-1", parent="GHOST")
    # the white sub-model may hold a small
    products.create_product(apparel, "TEE-WHT-S", parent="TEE-WHT", values={"size": "s"})


def test_undo_reverts_the_last_change_and_is_recorded(apparel: Library) -> None:
    products.set_values(apparel, "TEE-BLK-S", {"brand": "One"})
    products.set_values(apparel, "TEE-BLK-S", {"brand": "Two", "price-USD": "12"})
    result = products.undo_last_change(apparel, "TEE-BLK-S", author="ana")
    detail = products.get_product(apparel, "TEE-BLK-S")
    assert detail.value("brand") == "One"
    assert {"amount": "10.00", "currency": "USD"} in detail.value("price")
    newest = products.history(apparel, "TEE-BLK-S")[0]
    assert newest.batch == result.batch and newest.source.startswith("undo")
    products.undo_last_change(apparel, "TEE-BLK-S")  # a second undo goes further back
    assert products.get_product(apparel, "TEE-BLK-S").value("brand") == "Acme"
    products.create_product(apparel, "FRESH")
    with pytest.raises(PimdeskError, match="created FRESH"):
        products.undo_last_change(apparel, "FRESH")


def test_successive_undos_walk_back_through_history(apparel: Library) -> None:
    original = products.get_product(apparel, "TEE-BLK-S")
    before = (original.value("name", "en_US"), original.value("brand"))
    products.set_values(apparel, "TEE-BLK-S", {"name-en_US": "First", "brand": "A"})
    products.set_values(apparel, "TEE-BLK-S", {"name-en_US": "Second"})
    products.set_values(apparel, "TEE-BLK-S", {"brand": "C"})
    seen = []
    for _ in range(3):
        products.undo_last_change(apparel, "TEE-BLK-S", source="cli")
        detail = products.get_product(apparel, "TEE-BLK-S")
        seen.append((detail.value("name", "en_US"), detail.value("brand")))
    assert seen == [("Second", "A"), ("First", "A"), before]
    entries = products.history(apparel, "TEE-BLK-S")
    news = [e.new for e in entries]
    for value in ("First", "A", "Second", "C"):
        assert value in news  # every edit is still listed
    assert sum(e.source.startswith("undo") for e in entries) == 4  # 3 undos, 4 fields
    # an edit after undos becomes the last change; undo takes back exactly that edit
    products.set_values(apparel, "TEE-BLK-S", {"brand": "D"})
    products.undo_last_change(apparel, "TEE-BLK-S")
    assert products.get_product(apparel, "TEE-BLK-S").value("brand") == before[1]


def test_history_retention_and_purge(apparel: Library) -> None:
    products.set_values(apparel, "TEE-BLK-S", {"brand": "Old"})
    with apparel.session() as s:
        s.execute(update(ValueChange).values(changed_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC)))
    products.set_values(apparel, "TEE-BLK-S", {"brand": "New"})
    products.set_history_retention(apparel, 30)
    removed = products.purge_history(apparel)
    assert removed > 0
    entries = products.history(apparel, "TEE-BLK-S")
    assert [e.new for e in entries] == ["New"]
    with pytest.raises(ValidationError):
        products.set_history_retention(apparel, 0)


def test_delete_product(apparel: Library) -> None:
    products.delete_product(apparel, "TEE-BLK-M")
    with pytest.raises(NotFoundError):
        products.get_product(apparel, "TEE-BLK-M")


def test_setting_one_currency_on_a_variant_keeps_the_inherited_others(apparel: Library) -> None:
    """A shop owner changes the USD price of one variant: its EUR price, shown as inherited
    from the model, must not vanish (that made the product incomplete for EUR channels)."""
    products.set_values(apparel, "TEE", {"price-USD": "30", "price-EUR": "28"})
    products.create_product(apparel, "TEE-WHT-S", parent="TEE-WHT", values={"size": "s"})
    products.set_values(apparel, "TEE-WHT-S", {"price-USD": "26"})
    detail = products.get_product(apparel, "TEE-WHT-S")
    price = next(v for v in detail.values if v.attribute == "price")
    assert not price.inherited
    assert {(p["currency"], p["amount"]) for p in price.data} == {
        ("EUR", "28.00"),
        ("USD", "26.00"),
    }
