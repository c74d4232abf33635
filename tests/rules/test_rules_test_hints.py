"""``rules test`` says what the ingest will say: a file still carrying its camera's name
(IMG_4411.jpg) waits in the inbox with a hint to rename it or put it in a SKU folder, and the
tester shows that same hint (text and --json) instead of a bare "SKU 'IMG' is unknown"."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from pimdesk.cli import cli
from pimdesk.library import Library
from pimdesk.services import assets, products
from pimdesk.services import rules as rule_service
from pimdesk.services.ingest import ingest_paths

PHOTO = Path(__file__).parents[1] / "data" / "photos" / "products" / "mg01-bk-0.jpg"
HINT = (
    "IMG_4411.jpg is a camera's own file name, not a product's (SKU 'IMG' is not a known "
    "product): rename it after its product (e.g. SKU_main_1.jpg) or put it in a folder named "
    "by the SKU"
)


def _run(library: Library, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--library", str(library.root), *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_rules_test_gives_the_hint_the_ingest_gives(library: Library, tmp_path: Path) -> None:
    shutil.copyfile(PHOTO, tmp_path / "IMG_4411.jpg")
    ingest_paths(library, [tmp_path / "IMG_4411.jpg"], workers=1)
    (waiting,) = assets.list_assets(library, unmatched=True)
    said_by_ingest = waiting.inbox_reason
    assert said_by_ingest is not None
    advice = said_by_ingest.partition("): ")[2]
    assert advice.startswith("rename it after its product")

    text = _run(library, "rules", "test", "IMG_4411.jpg")
    assert f"    {HINT}\n" in text
    assert advice in text
    (row,) = json.loads(_run(library, "rules", "test", "--json", "IMG_4411.jpg"))
    assert row["action"] == "inbox"
    assert row["reason"] == HINT


def test_no_hint_where_the_ingest_gives_none(library: Library) -> None:
    products.create_product(library, "WB-750")
    results = rule_service.test_names(
        library, ["WB-750/IMG_4411.jpg", "holiday.jpg", "DSC01234.JPG"]
    )
    linked, plain, camera = results
    assert linked.action == "link" and "camera" not in linked.reason  # placed: nothing to say
    assert plain.reason == "SKU 'holiday' is not a known product"  # not a camera's name
    assert camera.reason.startswith("DSC01234.JPG is a camera's own file name")
    rule_service.set_options(library, {"strict": True})
    (strict,) = rule_service.test_names(library, ["IMG_4411.jpg"])
    assert strict.action == "problem"  # strict rules: a problem, which the ingest words plainly
    assert "camera" not in strict.reason
