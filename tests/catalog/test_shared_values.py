"""A description imported without a channel is the description of every channel, including
channels added after the import; a channel's own value still wins there.

The new-user review: a Shopify file imported into a fresh library, then a Shopify channel
added and published: every Body (HTML) was blank while ``products show`` had the description
(stored for the one channel that existed at import time) and the channel counted complete.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import select, text

from pimdesk.catalog import migrate
from pimdesk.catalog.db import make_engine
from pimdesk.catalog.models import Product
from pimdesk.catalog.values import share_copies
from pimdesk.cli import cli
from pimdesk.library import Library
from pimdesk.services import products, publishing, reference
from pimdesk.services.exports import export_file
from pimdesk.services.imports import import_file

CATALOGS = Path(__file__).parent.parent / "data" / "catalogs"
JEWELRY = CATALOGS / "shopify_jewelery.csv"
BANGLE = "Gold bangle bracelet with studded jewels."


def shop_channel(library: Library, out: Path, code: str = "shop") -> None:
    publishing.add_channel(
        library, code, exporter="shopify_csv", settings={"output": str(out / code)}
    )


def bodies(library: Library, out: Path, code: str = "shop") -> dict[str, str]:
    """Handle -> Body (HTML) of the rows that start a product, as the channel published them."""
    publishing.publish_channel(library, code, mode="all")
    with (out / code / "products.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return {r["Handle"]: r["Body (HTML)"] for r in rows if r["Title"]}


def completeness(library: Library, sku: str, channel: str) -> tuple[int, tuple[str, ...]]:
    found = [c for c in products.get_product(library, sku).completeness if c.channel == channel]
    return found[0].ratio, found[0].missing


def test_a_channel_added_after_a_shopify_import_publishes_its_descriptions(
    any_library: Library, tmp_path: Path
) -> None:
    import_file(any_library, JEWELRY)
    shop_channel(any_library, tmp_path)
    published = bodies(any_library, tmp_path)
    assert len(published) == 20 and all(published.values())  # 23 products, 3 with variants
    assert published["bangle-bracelet"] == BANGLE
    # stored once, shared: products show says which channels publish it
    detail = products.get_product(any_library, "bangle-bracelet")
    [view] = [v for v in detail.values if v.attribute == "description"]
    assert (view.locale, view.channel, view.used_by) == ("en_US", None, ("ecommerce", "shop"))
    # completeness reads it as the listing does: required on the new channel, it is filled
    reference.set_family_requirements(
        any_library, "default", requirements={"ecommerce": ["sku"], "shop": ["description"]}
    )
    assert completeness(any_library, "bangle-bracelet", "shop") == (100, ())


def test_completeness_on_a_new_channel_tells_a_missing_description(
    any_library: Library, tmp_path: Path
) -> None:
    products.create_product(any_library, "BARE-1", values={"name-en_US": "Bare"})
    products.create_product(
        any_library, "FULL-1", values={"name-en_US": "Full", "description-en_US": "Told"}
    )
    shop_channel(any_library, tmp_path)
    reference.set_family_requirements(
        any_library, "default", requirements={"shop": ["name", "description"]}
    )
    assert completeness(any_library, "BARE-1", "shop") == (50, ("description",))
    assert completeness(any_library, "FULL-1", "shop") == (100, ())
    lib = str(any_library.root)
    status = CliRunner().invoke(cli, ["--library", lib, "status", "--json"])
    assert status.exit_code == 0, status.output
    counts = {c["channel"]: c for c in json.loads(status.output)["catalog"]["completeness"]}
    assert (counts["shop"]["complete"], counts["shop"]["total"]) == (1, 2)


def test_a_channels_own_value_wins_on_that_channel_only(
    any_library: Library, tmp_path: Path
) -> None:
    import_file(any_library, JEWELRY)
    shop_channel(any_library, tmp_path)
    shop_channel(any_library, tmp_path, "outlet")
    products.set_values(any_library, "bangle-bracelet", {"description-en_US-shop": "Shop text"})
    assert bodies(any_library, tmp_path)["bangle-bracelet"] == "Shop text"
    assert bodies(any_library, tmp_path, "outlet")["bangle-bracelet"] == BANGLE
    views = {
        v.channel: v.used_by
        for v in products.get_product(any_library, "bangle-bracelet").values
        if v.attribute == "description"
    }
    assert views == {None: ("ecommerce", "outlet"), "shop": ("shop",)}
    # clearing the channel's own value gives it the shared one back
    products.set_values(any_library, "bangle-bracelet", {"description-en_US-shop": ""})
    assert bodies(any_library, tmp_path)["bangle-bracelet"] == BANGLE


def test_a_channel_that_existed_before_the_import_gets_the_descriptions_too(
    any_library: Library, tmp_path: Path
) -> None:
    shop_channel(any_library, tmp_path)
    import_file(any_library, JEWELRY)
    assert bodies(any_library, tmp_path)["bangle-bracelet"] == BANGLE


def test_products_show_names_where_each_value_goes(tmp_path: Path) -> None:
    lib = str(tmp_path / "lib")
    runner = CliRunner()
    assert runner.invoke(cli, ["--library", lib, "init"]).exit_code == 0
    assert runner.invoke(cli, ["--library", lib, "import", str(JEWELRY)]).exit_code == 0
    added = runner.invoke(
        cli,
        [
            *("--library", lib, "channels", "add", "shop", "--exporter", "shopify_csv"),
            *("--set", f"output={tmp_path / 'out'}"),
        ],
    )
    assert added.exit_code == 0, added.output
    runner.invoke(
        cli, ["--library", lib, "products", "set", "bangle-bracelet", "description-en_US-shop=Own"]
    )
    shown = runner.invoke(cli, ["--library", lib, "products", "show", "bangle-bracelet"])
    assert f"description-en_US: {BANGLE}  (shared: ecommerce)" in shown.output
    assert "description-en_US-shop: Own  (shop only)" in shown.output
    as_json = runner.invoke(
        cli, ["--library", lib, "products", "show", "bangle-bracelet", "--json"]
    )
    used_by = {
        v["channel"]: v["used_by"]
        for v in json.loads(as_json.output)["values"]
        if v["attribute"] == "description"
    }
    assert used_by == {None: ["ecommerce"], "shop": ["shop"]}


def test_an_akeneo_column_without_a_channel_is_the_shared_value_and_exports_back(
    any_library: Library, tmp_path: Path
) -> None:
    sheet = tmp_path / "in.csv"
    sheet.write_text(
        "sku,description-en_US,description-en_US-ecommerce\n"
        "A-1,For everyone,\n"
        "A-2,For everyone,Ecommerce only\n",
        encoding="utf-8",
    )
    import_file(any_library, sheet)
    shop_channel(any_library, tmp_path)
    assert products.get_product(any_library, "A-1").value("description", "en_US", "shop") == (
        "For everyone"
    )
    a2 = products.get_product(any_library, "A-2")
    assert a2.value("description", "en_US", "ecommerce") == "Ecommerce only"
    assert a2.value("description", "en_US", "shop") == "For everyone"
    exported = tmp_path / "out.csv"
    export_file(any_library, exported)
    with exported.open(encoding="utf-8", newline="") as handle:
        rows = {r["sku"]: r for r in csv.DictReader(handle)}
    assert rows["A-2"]["description-en_US"] == "For everyone"
    assert rows["A-2"]["description-en_US-ecommerce"] == "Ecommerce only"
    assert rows["A-1"]["description-en_US-shop"] == ""


def test_share_copies_keeps_values_that_differ_between_channels() -> None:
    doc = {
        "description": {
            "ecommerce": {"en_US": "Same", "de_DE": "Eins"},
            "shop": {"en_US": "Same", "de_DE": "Zwei"},
        },
        "name": {"<all_channels>": {"en_US": "Kettle"}},
    }
    assert share_copies(doc, {"description"})
    assert doc["description"] == {
        "ecommerce": {"de_DE": "Eins"},
        "shop": {"de_DE": "Zwei"},
        "<all_channels>": {"en_US": "Same"},
    }
    assert not share_copies(doc, {"description"})  # nothing left to share
    kept = {"description": {"ecommerce": {"en_US": "Variant"}}}
    assert not share_copies(kept, {"description"}, {("description", "en_US")})


def _old_library(tmp_path: Path) -> Path:
    """A library at 0009 as the previous pimdesk left it: an import's descriptions stored for
    'ecommerce' only, a 'shop' channel added after it (no copy), a value that differs per
    channel, a model with a copy. 0010 changes no schema, so a library made now and set back
    to 0009 with the old value layout is what an 0009 library is."""
    root = tmp_path / "old"
    with Library.open(root) as lib:
        shop_channel(lib, tmp_path)
        reference.create_options(lib, "color", [("black", {"en_US": "Black"})])
        reference.create_family_variant(
            lib, "default_by_color", family="default", axes_level1=["color"]
        )
        products.create_product_model(lib, "TEE", family_variant="default_by_color")
        products.create_product(
            lib, "TEE-B", parent="TEE", values={"color": "black", "price-USD": "5"}
        )
        products.create_product(lib, "OLD-1", values={"name-en_US": "Old kettle"})
        products.create_product(lib, "OLD-2", values={"name-en_US": "Old pot"})
        url = str(lib.engine.url)
    price = {"<all_channels>": {"<all_locales>": [{"amount": "5.00", "currency": "USD"}]}}
    documents = {
        "OLD-1": {
            "name": {"<all_channels>": {"en_US": "Old kettle"}},
            "price": price,
            "description": {"ecommerce": {"en_US": "Imported text"}},
        },
        "OLD-2": {
            "name": {"<all_channels>": {"en_US": "Old pot"}},
            "price": price,
            "description": {"ecommerce": {"en_US": "Web"}, "shop": {"en_US": "Shop"}},
        },
    }
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0009_withdrawn_listing'"))
        for sku, values in documents.items():
            conn.execute(
                text('UPDATE product SET "values" = :v WHERE sku = :s'),
                {"v": json.dumps(values), "s": sku},
            )
        model = {"description": {"ecommerce": {"en_US": "Model text"}}}
        conn.execute(
            text("UPDATE product_model SET \"values\" = :v WHERE code = 'TEE'"),
            {"v": json.dumps(model)},
        )
    engine.dispose()
    return root


def test_an_old_library_upgrades_its_per_channel_copies_to_shared_values(
    tmp_path: Path,
) -> None:
    root = _old_library(tmp_path)
    with Library.open(root) as lib:
        assert migrate.current_revision(lib.engine) == migrate.head_revision()
        with lib.session() as s:
            revisions = dict(s.execute(select(Product.sku, Product.revision)).all())
        old = products.get_product(lib, "OLD-1")
        assert [(v.channel, v.used_by) for v in old.values if v.attribute == "description"] == [
            (None, ("ecommerce", "shop"))
        ]
        assert old.value("description", "en_US", "shop") == "Imported text"
        differs = products.get_product(lib, "OLD-2")
        assert differs.value("description", "en_US", "shop") == "Shop"
        assert differs.value("description", "en_US", "ecommerce") == "Web"
        variant = products.get_product(lib, "TEE-B")
        assert variant.value("description", "en_US", "shop") == "Model text"
        # the shop listings of OLD-1 and TEE-B changed: they wait to be republished
        published = bodies(lib, tmp_path)
        assert "Imported text" in published.values() and "Model text" in published.values()
        assert "Shop" in published.values()
    assert revisions["OLD-1"] == 2 and revisions["TEE-B"] == 2 and revisions["OLD-2"] == 1


def test_a_channel_added_to_an_upgraded_library_sees_the_old_imports(tmp_path: Path) -> None:
    root = _old_library(tmp_path)
    with Library.open(root) as lib:
        shop_channel(lib, tmp_path, "outlet")
        assert products.get_product(lib, "OLD-1").value("description", "en_US", "outlet") == (
            "Imported text"
        )
        assert products.get_product(lib, "OLD-2").value("description", "en_US", "outlet") is None
