"""A channel limited to a category tree leaves out the products with no category under it;
``status``, ``publish`` (``--dry-run`` too), ``channels show`` and ``products show`` say so,
naming the SKUs, instead of counting them nowhere."""

from __future__ import annotations

import json

from click.testing import CliRunner

from pimdesk.cli import cli
from pimdesk.services import products, publishing
from pimdesk.services.reference import create_category

from .conftest import Shop

OUTSIDE = "2 outside the channel's categories"


def run(shop: Shop, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--library", str(shop.library.root), *args])
    assert result.exit_code == 0, result.output
    return result.output


def tree_shop(shop: Shop) -> None:
    """A storefront limited to the 'master' tree; MUG-1 is under it, NOCAT-1 has no
    category and OTHER-1 is filed under another tree; all three are complete, with a photo."""
    create_category(shop.library, "master")
    create_category(shop.library, "mugs", parent="master")
    create_category(shop.library, "archive")
    shop.add_channel(exporter="storefront")
    publishing.set_channel(shop.library, "web", {"category_tree": "master"})
    for sku, categories in (("MUG-1", ["mugs"]), ("NOCAT-1", []), ("OTHER-1", ["archive"])):
        products.create_product(
            shop.library,
            sku,
            values={"name-en_US": f"Product {sku}", "price-USD": "9.90"},
            categories=categories,
        )
        shop.drop_photo(f"{sku}_main_1.jpg")


def test_status_and_counts_name_the_products_outside_the_tree(any_shop: Shop) -> None:
    shop = any_shop
    tree_shop(shop)
    counts = publishing.channel_counts(shop.library, "web")
    assert counts.never_published == 1 and counts.blocked == 0
    assert counts.outside == 2 and counts.outside_skus == ["NOCAT-1", "OTHER-1"]
    status = run(shop, "status")
    line = next(x for x in status.splitlines() if x.startswith("publish   web"))
    assert f"{OUTSIDE} (NOCAT-1, OTHER-1)" in line, line
    data = json.loads(run(shop, "status", "--json"))
    row = next(c for c in data["publishing"]["channels"] if c["channel"] == "web")
    assert row["outside"] == 2 and row["outside_skus"] == ["NOCAT-1", "OTHER-1"]
    shown = run(shop, "channels", "show", "web")
    assert OUTSIDE in shown and "NOCAT-1, OTHER-1" in shown


def test_publish_and_its_dry_run_say_what_the_tree_leaves_out(any_shop: Shop) -> None:
    shop = any_shop
    tree_shop(shop)
    dry = run(shop, "publish", "web", "--dry-run")
    assert OUTSIDE in dry and "NOCAT-1, OTHER-1" in dry, dry
    report = shop.publish()
    assert report.published == ["MUG-1"] and report.outside == ["NOCAT-1", "OTHER-1"]
    site = "".join(p.read_text("utf-8") for p in shop.out.rglob("*.html"))
    assert "Product MUG-1" in site and "Product NOCAT-1" not in site
    # once filed under the tree, the product is listed and no longer counted outside
    sheet = shop.shoot.parent / "categories.csv"
    sheet.write_text("sku,categories\nNOCAT-1,mugs\n", encoding="utf-8")
    run(shop, "import", str(sheet))
    report = shop.publish()
    assert report.published == ["NOCAT-1"] and report.outside == ["OTHER-1"]
    assert publishing.channel_counts(shop.library, "web").outside_skus == ["OTHER-1"]


def test_the_incremental_shopify_path_reports_them_too(shop: Shop) -> None:
    tree_shop(shop)
    shop.add_channel("shop", exporter="shopify_csv", output=str(shop.out.parent / "shop"))
    publishing.set_channel(shop.library, "shop", {"category_tree": "master"})
    report = shop.publish("shop")
    assert report.published == ["MUG-1"] and report.outside == ["NOCAT-1", "OTHER-1"]
    csv = (shop.out.parent / "shop" / "products.csv").read_text("utf-8")
    assert "MUG-1" in csv and "NOCAT-1" not in csv


def test_products_show_says_a_complete_product_is_outside_the_channel(any_shop: Shop) -> None:
    shop = any_shop
    tree_shop(shop)
    shown = run(shop, "products", "show", "NOCAT-1")
    web = [x for x in shown.splitlines() if x.startswith("complete  web/")]
    assert web and all("outside the channel's categories" in x for x in web), shown
    assert "no category under 'master'" in web[0]
    ecommerce = [x for x in shown.splitlines() if x.startswith("complete  ecommerce/")]
    assert ecommerce and not any("outside" in x for x in ecommerce)  # no tree: listed
    assert "outside" not in run(shop, "products", "show", "MUG-1")
    data = json.loads(run(shop, "products", "show", "NOCAT-1", "--json"))
    flags = {c["channel"]: c["outside_categories"] for c in data["completeness"]}
    assert flags["web"] is True and flags["ecommerce"] is False
