"""Stored table summaries (completeness per channel, labels) stay true as the catalog
changes, and the products-table service pages, sorts and filters on them."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import select

from pimdesk.catalog import migrate
from pimdesk.catalog.models import ProductCompleteness, ProductLabel, ProductModelLabel
from pimdesk.library import Library
from pimdesk.services import product_table, products, reference
from pimdesk.services.product_table import TableFilter


def stored(library: Library, sku: str) -> dict[str, int]:
    """channel -> the ratio the catalog stored for this product."""
    from pimdesk.catalog.models import Channel, Product

    with library.session() as s:
        rows = s.execute(
            select(Channel.code, ProductCompleteness.ratio)
            .join(Channel, Channel.id == ProductCompleteness.channel_id)
            .join(Product, Product.id == ProductCompleteness.product_id)
            .where(Product.sku == sku)
        ).all()
    return dict(rows)


def computed(library: Library, sku: str) -> dict[str, int]:
    """channel -> the lowest ratio over its locales, computed by the catalog now."""
    lowest: dict[str, int] = {}
    for c in products.get_product(library, sku).completeness:
        lowest[c.channel] = min(c.ratio, lowest.get(c.channel, 100))
    return lowest


def test_editing_a_value_updates_the_stored_completeness(apparel: Library) -> None:
    before = stored(apparel, "TEE-BLK-M")
    assert before == computed(apparel, "TEE-BLK-M") and before["ecommerce"] < 100
    products.set_values(
        apparel, "TEE-BLK-M", {"price-EUR": "9", "weight": "210", "weight-unit": "GRAM"}
    )
    after = stored(apparel, "TEE-BLK-M")
    assert after["ecommerce"] > before["ecommerce"]
    assert after == computed(apparel, "TEE-BLK-M")
    products.undo_last_change(apparel, "TEE-BLK-M")
    assert stored(apparel, "TEE-BLK-M") == before


def test_a_model_edit_updates_its_variants_and_its_label(apparel: Library) -> None:
    # the German name is inherited from the root model by every variant
    products.set_values(apparel, "TEE", {"name-de_DE": "Hemd"})
    assert stored(apparel, "TEE-BLK-S") == computed(apparel, "TEE-BLK-S")
    assert stored(apparel, "TEE-BLK-S")["ecommerce"] == 100
    with apparel.session() as s:
        labels = dict(s.execute(select(ProductLabel.locale, ProductLabel.name)).all())
        model_labels = dict(
            s.execute(select(ProductModelLabel.locale, ProductModelLabel.name)).all()
        )
    assert labels["de_DE"] == "Hemd" and model_labels["de_DE"] == "Hemd"


def test_requirements_channels_and_images_keep_the_summary_true(
    apparel: Library, tmp_path: Path
) -> None:
    from PIL import Image

    from pimdesk.services import assets, ingest, publishing

    reference.set_family_requirements(
        apparel,
        "shirts",
        requirements={"ecommerce": ["sku", "name"]},
        image_requirements={"ecommerce": ["main"]},
    )
    assert stored(apparel, "TEE-BLK-M") == computed(apparel, "TEE-BLK-M")
    photo = tmp_path / "tee.jpg"
    Image.new("RGB", (600, 600), "black").save(photo, "JPEG")
    asset_id = ingest.ingest_paths(apparel, [photo]).files[0].asset_id
    assert asset_id is not None
    assets.set_approval(apparel, asset_id, "approved")
    assets.link_asset(apparel, asset_id, "TEE-BLK-M", role="main")
    assert stored(apparel, "TEE-BLK-M") == computed(apparel, "TEE-BLK-M")
    (tmp_path / "out").mkdir()
    publishing.add_channel(
        apparel, "shop", exporter="folder", settings={"output": str(tmp_path / "out")}
    )
    assert set(stored(apparel, "TEE-BLK-M")) == {"ecommerce", "shop"}
    assert stored(apparel, "TEE-BLK-M") == computed(apparel, "TEE-BLK-M")


def test_an_import_fills_the_summary(any_library: Library, tmp_path: Path) -> None:
    from pimdesk.services import imports

    sheet = tmp_path / "products.csv"
    sheet.write_text("sku;family;name-en_US\nIMP-1;default;Imported kettle\nIMP-2;default;\n")
    imports.import_file(any_library, sheet)
    assert stored(any_library, "IMP-1") == computed(any_library, "IMP-1")
    page = product_table.table_page(any_library, sort="name")
    assert [(r.sku, r.name) for r in page.rows] == [("IMP-2", ""), ("IMP-1", "Imported kettle")]


def test_a_library_at_the_previous_head_is_upgraded_and_its_summary_filled(
    tmp_path: Path,
) -> None:
    root = tmp_path / "lib"
    with Library.open(root) as lib:
        products.create_product(lib, "OLD-1", values={"name-en_US": "Old kettle"})
        expected = computed(lib, "OLD-1")
        config = migrate.alembic_config(lib.engine)
        with lib.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0004_publishing")
        assert migrate.current_revision(lib.engine) == "0004_publishing"
    with Library.open(root) as lib:
        assert migrate.current_revision(lib.engine) == migrate.head_revision()
        assert stored(lib, "OLD-1") == expected
        page = product_table.table_page(lib)
        assert page.rows[0].name == "Old kettle"
        assert page.rows[0].completeness == expected


# -- the products-table service ------------------------------------------------------------


def many(library: Library, count: int) -> list[str]:
    """Products whose names run opposite to their SKUs; every third is disabled."""
    skus = [f"P-{n:03d}" for n in range(count)]
    for n, sku in enumerate(skus):
        products.create_product(
            library,
            sku,
            values={"name-en_US": f"Item {count - n:03d}"},
            enabled=n % 3 != 0,
        )
    return skus


def all_pages(library: Library, limit: int = 4, **kwargs: object) -> list[str]:
    seen: list[str] = []
    after = None
    while True:
        page = product_table.table_page(library, after=after, limit=limit, **kwargs)  # type: ignore[arg-type]
        seen.extend(r.sku for r in page.rows)
        if page.next_after is None:
            return seen
        after = page.next_after


@pytest.mark.parametrize("sort", ["sku", "name", "family", "model", "enabled", "last_published"])
def test_every_sort_pages_both_ways_without_gaps(any_library: Library, sort: str) -> None:
    skus = many(any_library, 11)
    up = all_pages(any_library, sort=sort)
    down = all_pages(any_library, sort=sort, descending=True)
    assert sorted(up) == skus and len(up) == len(set(up))
    assert down == list(reversed(up))
    if sort == "name":
        assert up == list(reversed(skus))
    if sort == "enabled":  # disabled first, each group by SKU
        disabled = [s for n, s in enumerate(skus) if n % 3 == 0]
        assert up == disabled + [s for s in skus if s not in disabled]
    if sort in ("family", "model", "last_published"):  # all equal: by SKU
        assert up == skus


def test_sort_by_completeness_of_a_channel(any_library: Library) -> None:
    many(any_library, 6)
    products.set_values(any_library, "P-004", {"description-en_US-ecommerce": "A fine item"})
    up = all_pages(any_library, sort="completeness:ecommerce")
    assert up[-1] == "P-004"
    assert all_pages(any_library, sort="completeness:ecommerce", descending=True)[0] == "P-004"
    with pytest.raises(Exception, match="no channel"):
        product_table.table_page(any_library, sort="completeness:nowhere")


def test_completeness_filter_per_channel(any_library: Library) -> None:
    many(any_library, 3)
    reference.set_family_requirements(
        any_library,
        "default",
        requirements={"ecommerce": ["sku"]},
        image_requirements={"ecommerce": []},
    )
    complete = TableFilter(completeness="complete", completeness_channel="ecommerce")
    assert all_pages(any_library, filters=complete) == ["P-000", "P-001", "P-002"]
    reference.set_family_requirements(
        any_library, "default", requirements={"ecommerce": ["sku", "description"]}
    )
    assert all_pages(any_library, filters=complete) == []
    assert len(all_pages(any_library, filters=TableFilter(completeness="incomplete"))) == 3


def test_models_list_once_and_expand_to_their_variants(apparel: Library) -> None:
    products.create_product(apparel, "SOCKS", family="shirts", values={"name-en_US": "Socks"})
    page = product_table.table_page(apparel)
    assert [(r.kind, r.sku) for r in page.rows] == [("product", "SOCKS"), ("model", "TEE")]
    tee = page.rows[1]
    assert tee.variants == 2 and tee.name == "Tee"
    assert tee.complete_variants["ecommerce"] == (0, 2)  # no German name yet
    variants = product_table.model_variants(apparel, "TEE")
    assert [(v.sku, v.parent) for v in variants] == [
        ("TEE-BLK-M", "TEE-BLK"),
        ("TEE-BLK-S", "TEE-BLK"),
    ]
    # a product-level filter lists the variants themselves
    flat = product_table.table_page(apparel, filters=TableFilter(completeness="incomplete"))
    assert {r.sku for r in flat.rows} == {"SOCKS", "TEE-BLK-M", "TEE-BLK-S"}
    by_family = product_table.table_page(apparel, filters=TableFilter(family="default"))
    assert by_family.rows == []


def test_waiting_to_publish_follows_publishing_tracking(
    any_library: Library, tmp_path: Path
) -> None:
    from pimdesk.services import publishing

    many(any_library, 4)
    (tmp_path / "out").mkdir()
    publishing.add_channel(
        any_library, "shop", exporter="folder", settings={"output": str(tmp_path / "out")}
    )
    waiting = TableFilter(waiting_channel="shop")
    enabled = ["P-001", "P-002"]  # P-000 and P-003 are disabled: never on a channel
    assert all_pages(any_library, filters=waiting) == enabled
    publishing.publish_channel(any_library, "shop")
    assert all_pages(any_library, filters=waiting) == []
    products.set_values(any_library, "P-002", {"name-en_US": "Renamed"})
    assert all_pages(any_library, filters=waiting) == ["P-002"]
    row = product_table.table_page(any_library, filters=waiting).rows[0]
    assert row.waiting == ("shop",) and row.last_published is not None
    assert product_table.publishing_channels(any_library) == ["shop"]
    # a channel that publishes nowhere has nothing waiting
    assert all_pages(any_library, filters=TableFilter(waiting_channel="ecommerce")) == []
