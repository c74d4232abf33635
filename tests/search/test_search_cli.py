"""``pimdesk search`` and ``pimdesk status`` as a script and a person use them."""

from __future__ import annotations

import json

from click.testing import CliRunner
from sqlalchemy import select

from pimdesk.catalog.models import Family, Product
from pimdesk.catalog.search import reindex_products
from pimdesk.cli import cli
from pimdesk.library import Library
from pimdesk.services import search as search_service
from pimdesk.services.search import SearchResult, search
from pimdesk.services.status import STATUS_PROVIDERS, library_status


def _add(library: Library, sku: str, name: str, parent_id: int | None = None) -> None:
    with library.session() as s:
        family = s.scalars(select(Family)).first()
        product = Product(
            sku=sku, family=family, values={"name": {"<all_channels>": {"en_US": name}}}
        )
        s.add(product)
        s.flush()
        reindex_products(s, [product.id])


def test_search_json_lists_products_with_their_sku(any_library: Library) -> None:
    _add(any_library, "WB-750-SS", "Water bottle")
    _add(any_library, "KT-1", "Kettle")
    runner = CliRunner()
    result = runner.invoke(cli, ["--library", str(any_library.root), "search", "WB-75", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [r["sku"] for r in rows] == ["WB-750-SS"]
    assert rows[0]["kind"] == "product" and rows[0]["title"] == "Water bottle"


def test_search_text_output_and_nothing_found(library: Library) -> None:
    _add(library, "KT-1", "Kettle")
    runner = CliRunner()
    found = runner.invoke(cli, ["--library", str(library.root), "search", "kett"])
    assert found.exit_code == 0 and "KT-1" in found.output and "Kettle" in found.output
    none = runner.invoke(cli, ["--library", str(library.root), "search", '"(NEAR -*'])
    assert none.exit_code == 0 and "nothing found" in none.stderr


def test_search_limit_must_be_positive(library: Library) -> None:
    result = CliRunner().invoke(
        cli, ["--library", str(library.root), "search", "x", "--limit", "0"]
    )
    assert result.exit_code == 2


def test_an_added_provider_adds_results_and_a_broken_one_is_skipped(library: Library) -> None:
    _add(library, "KT-1", "Kettle")

    def assets(_lib: Library, text: str, limit: int) -> list[SearchResult]:
        return [SearchResult(kind="asset", id=7, title=f"{text}.jpg")]

    def broken(_lib: Library, text: str, limit: int) -> list[SearchResult]:
        raise RuntimeError("boom")

    search_service.SEARCH_PROVIDERS.extend([assets, broken])
    try:
        results = search(library, "kettle")
    finally:
        search_service.SEARCH_PROVIDERS.remove(assets)
        search_service.SEARCH_PROVIDERS.remove(broken)
    assert [(r.kind, r.sku or r.id) for r in results] == [("product", "KT-1"), ("asset", 7)]


def test_status_counts_the_catalog(any_library: Library) -> None:
    _add(any_library, "KT-1", "Kettle")
    status = library_status(any_library)
    catalog = status["catalog"]
    assert catalog["products"] == 1 and catalog["variants"] == 0 and catalog["models"] == 0
    assert catalog["locales"] == ["en_US"] and catalog["currencies"] == ["USD"]
    assert [c["code"] for c in catalog["channels"]] == ["ecommerce"]


def test_status_cli_json_and_text_with_an_added_section(library: Library) -> None:
    added = ("assets", lambda _lib: {"assets": 0, "inbox": 0})
    STATUS_PROVIDERS.append(added)
    try:
        runner = CliRunner()
        as_json = runner.invoke(cli, ["--library", str(library.root), "status", "--json"])
        text = runner.invoke(cli, ["--library", str(library.root), "status"])
    finally:  # by identity: commands imported lazily meanwhile append their own providers
        STATUS_PROVIDERS.remove(added)
    assert as_json.exit_code == 0, as_json.output
    data = json.loads(as_json.output)
    assert data["catalog"]["products"] == 0 and data["assets"] == {"assets": 0, "inbox": 0}
    assert text.exit_code == 0 and "products  0" in text.output
    assert "assets    0 assets, 0 in the inbox" in text.output


def test_status_text_prints_sections_as_readable_lines(library: Library, tmp_path) -> None:
    from pimdesk.services.watch import add_folder, reconcile

    folder = tmp_path / "drop"
    folder.mkdir()
    reconcile(library, add_folder(library, folder))
    text = CliRunner().invoke(cli, ["--library", str(library.root), "status"])
    assert text.exit_code == 0, text.output
    lines = text.output.splitlines()
    watch = [x for x in lines if x.startswith("watch ")]
    assert len(watch) == 1 and watch[0].startswith(f"watch     {folder}")
    assert ": idle, last scan " in watch[0]
    assert (
        "publish   ecommerce (no exporter): not published anywhere (to publish it: "
        "pimdesk channels set ecommerce exporter=NAME output=FOLDER)"
    ) in lines
    # no raw dumps: no None, no empty lists, no key=value or dict reprs
    shown = text.output.replace("exporter=NAME output=FOLDER", "")  # the one command hint
    for junk in ("None", "[]", "=", "{", "last_scan_at", "plugin_problems"):
        assert junk not in shown, junk


def test_status_counts_complete_products_per_channel(any_library: Library) -> None:
    from pimdesk.services.products import create_product

    create_product(
        any_library,
        "DONE-1",
        values={
            "name-en_US": "Done kettle",
            "description-en_US-ecommerce": "Boils water.",
            "price-USD": "19.90",
        },
    )
    create_product(any_library, "TODO-1", values={"name-en_US": "Half kettle"})
    summary = library_status(any_library)["catalog"]["completeness"]
    # The default family requires an image on ecommerce: nothing is complete without one.
    assert summary == [
        {
            "channel": "ecommerce",
            "total": 2,
            "complete": 0,
            "locales": [{"locale": "en_US", "complete": 0}],
        }
    ]
    from pimdesk.services.reference import set_family_requirements

    set_family_requirements(
        any_library,
        "default",
        requirements={"ecommerce": ["sku", "name", "description", "price"]},
        image_requirements={"ecommerce": []},
    )
    summary = library_status(any_library)["catalog"]["completeness"]
    assert summary[0]["complete"] == 1 and summary[0]["locales"][0]["complete"] == 1
    assert {h.sku for h in search(any_library, "kettle")} == {"DONE-1", "TODO-1"}
