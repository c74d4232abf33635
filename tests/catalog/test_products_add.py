"""``pimdesk products add`` (a product made from the command line, the waiting photos linked)
and ``products remove`` (the product goes, its photos wait in the inbox again).

A new user without a spreadsheet could not create a product at all (only ``import`` did);
the command takes the same field=value arguments as ``products set`` and links the files
that wait in the Unmatched inbox for the new SKU, as an import does.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import func, select

from pimdesk.catalog.models import Asset, Product, ValueChange
from pimdesk.cli import cli
from pimdesk.library import Library
from pimdesk.services import assets, products
from pimdesk.services.ingest import ingest_paths

PHOTOS = Path(__file__).parents[1] / "data" / "photos" / "products"


def _run(library: Library, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--library", str(library.root), *args])


def _state(library: Library) -> tuple[int, int, int]:
    """Products, history rows and inbox assets: what a failed add must leave as it was."""
    with library.session() as session:
        return (
            session.scalar(select(func.count(Product.id))) or 0,
            session.scalar(select(func.count(ValueChange.id))) or 0,
            session.scalar(select(func.count(Asset.id)).where(Asset.inbox_reason.is_not(None)))
            or 0,
        )


def test_add_creates_the_product_with_its_values(any_library: Library) -> None:
    result = _run(
        any_library, "products", "add", "WB-750", "name-en_US=Water bottle", "price-USD=24"
    )
    assert result.exit_code == 0, result.output
    assert "created WB-750 (family default, 2 values set)" in result.output
    assert "no file was waiting for it" in result.output
    detail = products.get_product(any_library, "WB-750")
    assert detail.family == "default"
    assert detail.value("name", "en_US") == "Water bottle"
    assert detail.value("price") == [{"amount": "24.00", "currency": "USD"}]
    history = products.history(any_library, "WB-750")
    assert {e.field for e in history} >= {"@created", "name", "price"}
    assert {e.source for e in history} == {"cli"}


def test_add_links_the_files_waiting_in_the_inbox_for_the_new_sku(
    any_library: Library, tmp_path: Path
) -> None:
    shoot = tmp_path / "shoot"
    shoot.mkdir()
    shutil.copyfile(PHOTOS / "mg01-bk-0.jpg", shoot / "WB-750_main_1.jpg")
    shutil.copyfile(PHOTOS / "mg02-bk-0.jpg", shoot / "WB-750_back.jpg")
    shutil.copyfile(PHOTOS / "wg01-bk-0.jpg", shoot / "OTHER-1_main_1.jpg")
    report = ingest_paths(any_library, [shoot], workers=1)
    assert report.count("unmatched") == 3
    result = _run(any_library, "products", "add", "WB-750", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["sku"] == "WB-750"
    assert sorted((m["role"], m["position"]) for m in data["linked"]) == [
        ("back", 1),
        ("main", 1),
    ]
    media = assets.product_media(any_library, "WB-750")
    assert sorted((m.role, m.title) for m in media) == [
        ("back", "WB-750_back"),
        ("main", "WB-750_main_1"),
    ]
    # the file for another SKU keeps waiting
    waiting = [a.title for a in assets.list_assets(any_library, unmatched=True)]
    assert waiting == ["OTHER-1_main_1"]
    shown = _run(any_library, "products", "add", "OTHER-1")
    assert "linked 1 waiting file from the Unmatched inbox:" in shown.output
    assert "main 1: asset" in shown.output
    assert assets.list_assets(any_library, unmatched=True) == []


def test_a_product_created_by_the_service_links_its_waiting_files(
    library: Library, tmp_path: Path
) -> None:
    """The GUI (or a script) creating a product gets the same linking as the CLI."""
    shutil.copyfile(PHOTOS / "mg01-bk-0.jpg", tmp_path / "MUG-1_main_1.jpg")
    ingest_paths(library, [tmp_path / "MUG-1_main_1.jpg"], workers=1)
    products.create_product(library, "MUG-1")
    assert [m.title for m in assets.product_media(library, "MUG-1")] == ["MUG-1_main_1"]


def test_add_as_a_variant_of_a_model(apparel: Library) -> None:
    result = _run(apparel, "products", "add", "TEE-WHT-S", "--model", "TEE-WHT", "size=s")
    assert result.exit_code == 0, result.output
    assert "created TEE-WHT-S (family shirts, variant of TEE-WHT, 1 value set)" in result.output
    assert products.get_product(apparel, "TEE-WHT-S").parent_code == "TEE-WHT"
    # the same axis value as a sibling: refused, nothing written
    before = _state(apparel)
    again = _run(apparel, "products", "add", "TEE-WHT-S2", "--model", "TEE-WHT", "size=s")
    assert again.exit_code == 1
    assert "same variant axis values" in again.stderr
    assert _state(apparel) == before


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["TEE-BLK-S"], "sku: product 'TEE-BLK-S' already exists (change it with: pimdesk"),
        (["NEW-1", "--family", "nope"], "family: no family 'nope' (the families are: default,"),
        (["NEW-1", "--model", "nope"], "parent model 'nope' does not exist (pimdesk products"),
        (["NEW-1", "--model", "TEE"], "a product belongs under a sub-model"),
        (["NEW-1", "price-USD=abc"], "price-USD: 'abc' is not a price (write a number"),
        (["NEW-1", "name-en_US=Mug", "prce=3"], "prce: unknown attribute 'prce' (did you mean"),
        (["NEW-1", "sku=OTHER"], "sku: the SKU is not a value"),
        (["TEE-BLK"], "'TEE-BLK' is the code of a product model"),
        (["NEW/1"], "contains a path separator"),
    ],
)
def test_a_failed_add_says_what_to_do_and_writes_nothing(
    apparel: Library, args: list[str], says: str
) -> None:
    before = _state(apparel)
    result = _run(apparel, "products", "add", *args)
    assert result.exit_code == 1, result.output
    assert result.stderr.count("\n") == 1
    assert says in result.stderr
    assert _state(apparel) == before


def test_usage_errors_exit_2(library: Library) -> None:
    both = _run(library, "products", "add", "X-1", "--family", "default", "--model", "M")
    assert both.exit_code == 2
    assert "give --family or --model" in both.output
    bad = _run(library, "products", "add", "X-1", "name")
    assert bad.exit_code == 2
    assert "'name' is not attribute=value" in bad.output
    assert _state(library)[0] == 0


# -- products remove ----------------------------------------------------------------------


def test_remove_sends_the_photos_only_it_showed_back_to_the_inbox(
    any_library: Library, tmp_path: Path
) -> None:
    """The product goes; its photos do not: the files are untouched, a photo it alone showed
    waits in the inbox again (and comes back when the SKU is added again), a photo another
    product shows too stays linked there."""
    products.create_product(any_library, "WB-750")
    products.create_product(any_library, "WB-751")
    shutil.copyfile(PHOTOS / "mg01-bk-0.jpg", tmp_path / "WB-750_main_1.jpg")
    shutil.copyfile(PHOTOS / "mg02-bk-0.jpg", tmp_path / "WB-750_back.jpg")
    before = {p.name: p.read_bytes() for p in tmp_path.glob("*.jpg")}
    ingest_paths(any_library, [tmp_path], workers=1)
    back = next(m.id for m in assets.product_media(any_library, "WB-750") if m.role == "back")
    assets.link_asset(any_library, back, "WB-751", "detail")  # shown by another product too
    result = _run(any_library, "products", "remove", "WB-750", "--yes", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["sku"] == "WB-750" and data["removed"] is True
    (waiting,) = assets.list_assets(any_library, unmatched=True)
    assert data["inbox"] == [waiting.id]
    assert waiting.title == "WB-750_main_1"
    assert waiting.inbox_reason == "its product WB-750 was removed"
    assert [m.id for m in assets.product_media(any_library, "WB-751")] == [back]
    assert {p.name: p.read_bytes() for p in tmp_path.glob("*.jpg")} == before
    again = _run(any_library, "products", "add", "WB-750")
    assert "linked 1 waiting file from the Unmatched inbox:" in again.output


def test_remove_asks_first_and_refuses_what_it_cannot_remove(apparel: Library) -> None:
    runner = CliRunner()
    base = ["--library", str(apparel.root), "products", "remove"]
    kept = runner.invoke(cli, [*base, "TEE-BLK-S"], input="n\n")
    assert kept.exit_code == 1
    assert "remove TEE-BLK-S (Tee)? [y/N]" in kept.stderr
    assert products.get_product(apparel, "TEE-BLK-S").sku == "TEE-BLK-S"
    gone = runner.invoke(cli, [*base, "TEE-BLK-S"], input="y\n")
    assert gone.exit_code == 0, gone.output
    assert "removed TEE-BLK-S" in gone.stdout
    before = _state(apparel)
    unknown = _run(apparel, "products", "remove", "NOPE", "--yes")
    assert unknown.exit_code == 1
    assert (
        unknown.stderr.count("\n") == 1 and "no product or product model 'NOPE'" in unknown.stderr
    )
    model = _run(apparel, "products", "remove", "TEE-BLK", "--yes")
    assert model.exit_code == 1
    assert "TEE-BLK is a product model" in model.stderr
    assert _state(apparel) == before
