"""``import --dry-run`` of a file with some bad rows names the bad rows and still says what
the good rows would create and update (what ``--skip-invalid`` would import)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from pimdesk.cli import cli


def _library(tmp_path: Path) -> tuple[str, Path]:
    root = str(tmp_path / "lib")
    runner = CliRunner()
    assert runner.invoke(cli, ["--library", root, "init"]).exit_code == 0
    first = tmp_path / "first.csv"
    first.write_text("sku,brand,price-USD\nA-1,Acme,5\n")
    assert runner.invoke(cli, ["--library", root, "import", str(first)]).exit_code == 0
    mixed = tmp_path / "mixed.csv"
    mixed.write_text("sku,brand,price-USD\nA-1,Acme Goods,5\nB-1,Bee,6\nC-1,Cee,lots\nD-1,Dee,7\n")
    return root, mixed


def test_a_dry_run_with_bad_rows_counts_the_good_ones(tmp_path: Path) -> None:
    root, mixed = _library(tmp_path)
    result = CliRunner().invoke(cli, ["--library", root, "import", str(mixed), "--dry-run"])
    assert result.exit_code == 1  # the import as asked would fail
    assert "row 4, column 'price-USD'" in result.stderr
    assert "would create 2 products and 0 models" in result.stdout
    assert "would update 1 product and 0 models" in result.stdout
    assert "1 rejected" in result.stdout and "nothing written" in result.stdout

    as_json = CliRunner().invoke(
        cli, ["--library", root, "import", str(mixed), "--dry-run", "--json"]
    )
    data = json.loads(as_json.stdout)
    assert (data["created"], data["updated"], data["rejected"]) == (2, 1, 1)
    assert data["committed"] is False and data["errors"][0]["row"] == 4

    listed = CliRunner().invoke(cli, ["--library", root, "products", "list", "--json"])
    assert [p["sku"] for p in json.loads(listed.stdout)] == ["A-1"]  # nothing written


def test_a_failed_real_import_does_not_claim_counts(tmp_path: Path) -> None:
    root, mixed = _library(tmp_path)
    result = CliRunner().invoke(cli, ["--library", root, "import", str(mixed)])
    assert result.exit_code == 1
    assert "would create" not in result.stdout and "created" not in result.stdout
    assert "nothing was imported" in result.stderr
