"""``pimdesk demo``: a realistic shop in one command, loaded once."""

from __future__ import annotations

import csv
import json

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from pimdesk.catalog.gtin import is_valid_gtin
from pimdesk.catalog.models import Channel, Family, FamilyVariant, Product, ProductModel
from pimdesk.cli import cli
from pimdesk.library import Library
from pimdesk.services import demo
from pimdesk.services.demo import DEMO_STEPS, demo_dir, load_demo
from pimdesk.services.maintenance import check
from pimdesk.services.search import search
from pimdesk.services.status import library_status


def test_demo_builds_a_realistic_shop(any_library: Library) -> None:
    report = load_demo(any_library)
    assert not report.already and [s["step"] for s in report.steps][:2] == [
        "reference data",
        "products",
    ]
    catalog = library_status(any_library)["catalog"]
    assert set(catalog["locales"]) == {"en_US", "de_DE"}
    assert set(catalog["currencies"]) == {"USD", "EUR"}
    assert 30 <= catalog["products"] <= 60 and catalog["variants"] >= 10
    with any_library.session() as s:
        channels = {c.code: c for c in s.scalars(select(Channel))}
        assert {code: channels[code].exporter for code in ("storefront", "shopify", "google")} == {
            "storefront": "storefront",
            "shopify": "shopify_csv",
            "google": "google_merchant",
        }
        for code in ("storefront", "shopify", "google"):  # inside the library: relative
            assert channels[code].settings["output"] == f"exports/{code}"
            assert (any_library.root / "exports" / code).is_dir()
        assert channels["shopify"].settings["base_url"].startswith("https://")
        assert {"apparel", "bags", "kitchen"} <= set(s.scalars(select(Family.code)))
        two_level = s.scalars(
            select(FamilyVariant).where(FamilyVariant.code == "tshirt_color_size")
        ).one()
        assert two_level.axes_level1 == ["color"] and two_level.axes_level2 == ["size"]
        sub_models = s.scalar(
            select(func.count())
            .select_from(ProductModel)
            .where(ProductModel.parent_id.is_not(None))
        )
        assert sub_models >= 2
        variant = s.scalars(select(Product).where(Product.sku == "TEE-ORG-BLA-M")).one()
        assert variant.parent is not None and variant.parent.parent is not None
    # Some products are complete on a channel, some are not: completeness has a story.
    shopify = next(c for c in catalog["completeness"] if c["channel"] == "shopify")
    assert 0 < shopify["complete"] < shopify["total"]
    # Found by search, in both languages, and the catalog is sound.
    assert [r.sku for r in search(any_library, "WB-75")][:1] == ["WB-750-SS"]
    assert "KET-GS-17" in [r.sku for r in search(any_library, "wasserkocher")]
    assert check(any_library) == []


def test_running_the_demo_twice_adds_nothing(library: Library) -> None:
    load_demo(library)
    with library.session() as s:
        before = s.scalar(select(func.count()).select_from(Product))
    runner = CliRunner()
    again = runner.invoke(cli, ["--library", str(library.root), "demo", "--json"])
    assert again.exit_code == 0, again.output
    assert json.loads(again.output) == {"already": True, "steps": []}
    text = runner.invoke(cli, ["--library", str(library.root), "demo"])
    assert "already" in text.output
    with library.session() as s:
        assert s.scalar(select(func.count()).select_from(Product)) == before


def test_an_interrupted_demo_can_be_run_again(library: Library, monkeypatch) -> None:
    def boom(_library: Library) -> str:
        raise RuntimeError("power cut")

    monkeypatch.setattr(demo, "DEMO_STEPS", [DEMO_STEPS[0], ("boom", boom)])
    with pytest.raises(RuntimeError, match="power cut"):
        load_demo(library)
    monkeypatch.setattr(demo, "DEMO_STEPS", list(DEMO_STEPS))
    report = load_demo(library)
    assert not report.already
    with library.session() as s:
        assert s.scalar(select(func.count()).select_from(Channel)) == 4  # seed + three


def test_an_added_step_runs_after_the_built_in_ones(library: Library, monkeypatch) -> None:
    seen: list[int] = []

    def photos(lib: Library) -> str:
        with lib.session() as s:
            seen.append(s.scalar(select(func.count()).select_from(Product)) or 0)
        return "3 photos"

    monkeypatch.setattr(demo, "DEMO_STEPS", [*DEMO_STEPS, ("demo photos", photos)])
    report = load_demo(library)
    assert report.steps[-1] == {"step": "demo photos", "summary": "3 photos"}
    assert seen and seen[0] > 0


def test_demo_files_hold_valid_gtins_and_both_locales() -> None:
    with (demo_dir() / "products.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    gtins = [r["gtin"] for r in rows if r["gtin"]]
    assert len(gtins) >= 30 and all(is_valid_gtin(g) for g in gtins)
    assert len(set(gtins)) == len(gtins)
    named = [r for r in rows if r["name-en_US"]]
    assert named and all(r["name-de_DE"] for r in named)
    setup = json.loads((demo_dir() / "setup.json").read_text(encoding="utf-8"))
    assert [c["code"] for c in setup["channels"]] == ["storefront", "shopify", "google"]


def test_demo_ends_with_the_next_steps_and_their_paths_are_true(tmp_path) -> None:
    """The printed loop names real commands: the storefront it names exists after publishing."""
    root = tmp_path / "shop"
    runner = CliRunner()
    shown = runner.invoke(cli, ["--library", str(root), "demo"], env={"PIMDESK_LIBRARY": ""})
    assert shown.exit_code == 0, shown.output
    assert f"pimdesk --library {root} publish storefront" in shown.output
    assert "TOTE-NAT_main_1.jpg" in shown.output
    published = runner.invoke(cli, ["--library", str(root), "publish", "storefront"])
    assert published.exit_code in (0, 1), published.output  # partial: blocked demo products
    assert (root / "exports/storefront/index.html").exists()
    assert str(root / "exports/storefront/index.html") in shown.output
    with Library.open(root) as library:
        from pimdesk.services.products import get_product

        assert get_product(library, "TOTE-NAT").sku == "TOTE-NAT"
