"""Counts read right (``1 family``, ``2 new assets``) and a table cell cut to fit ends in
``…``, so a reader knows there is more (``--json`` has it whole)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from pimdesk.cli import cli
from pimdesk.cli.common import TABLE_CELL_WIDTH, echo_table
from pimdesk.cli.display import outcome_counts
from pimdesk.words import count


def test_count_says_one_thing_and_many_things() -> None:
    assert count(1, "file") == "1 file"
    assert count(0, "file") == "0 files"
    assert count(2, "family", "families") == "2 families"
    assert count(1, "family", "families") == "1 family"


def test_ingest_outcomes_are_counted_as_words() -> None:
    summary = {"new_asset": 1, "new_version": 2, "identical": 0, "unmatched": 3, "problem": 1}
    assert outcome_counts(summary) == "1 new asset, 2 new versions, 3 unmatched, 1 problem"


def test_a_long_cell_is_cut_with_an_ellipsis(capsys: pytest.CaptureFixture[str]) -> None:
    long = "word " * 40
    echo_table([{"name": long, "sku": "A-1"}, {"name": "short", "sku": "B-2"}], ["name", "sku"])
    lines = capsys.readouterr().out.splitlines()
    cell = lines[1][:TABLE_CELL_WIDTH].strip()
    assert cell.endswith("…") and len(cell) <= TABLE_CELL_WIDTH
    assert long.startswith(cell[:-1])
    assert lines[1].split()[-1] == "A-1"  # the columns after it stay in place
    assert lines[2].split()[0] == "short"  # a cell that fits is not cut


def test_the_last_column_a_reason_is_shown_whole(capsys: pytest.CaptureFixture[str]) -> None:
    reason = "cannot read the TIFF image: decoder error -2 (libtiff: TIFFFetchNormalTag: bad)"
    echo_table([{"path": "/shoot/x.tif", "reason": reason}], ["path", "reason"])
    assert capsys.readouterr().out.splitlines()[1].endswith(reason)


def test_a_cell_with_line_breaks_stays_on_its_row(capsys: pytest.CaptureFixture[str]) -> None:
    echo_table([{"sku": "A-1", "name": "first\nsecond"}], ["sku", "name"])
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and lines[1].endswith("first second")


def test_status_of_a_new_library_says_1_family(tmp_path: Path) -> None:
    root = str(tmp_path / "lib")
    assert CliRunner().invoke(cli, ["--library", root, "init"]).exit_code == 0
    shown = CliRunner().invoke(cli, ["--library", root, "status"]).output
    products = next(line for line in shown.splitlines() if line.startswith("products"))
    assert products == "products  0 (0 variants under 0 models), 1 family"


def test_a_cell_keeps_its_own_spacing(capsys: pytest.CaptureFixture[str]) -> None:
    echo_table([{"name": "r", "pattern": "a  b"}], ["name", "pattern"])  # a regex, say
    assert capsys.readouterr().out.splitlines()[1].endswith("a  b")
