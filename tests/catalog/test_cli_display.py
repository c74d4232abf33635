"""People's CLI output shows values as people write them, not Python reprs."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from pimdesk.cli import cli
from pimdesk.cli.display import format_value


def test_values_are_formatted_for_people() -> None:
    prices = [{"amount": "50.00", "currency": "USD"}, {"amount": "45.00", "currency": "EUR"}]
    assert format_value(prices) == "50.00 USD, 45.00 EUR"
    assert format_value({"amount": "350", "unit": "GRAM"}) == "350 GRAM"
    assert format_value(None) == format_value("") == format_value([]) == "(empty)"
    assert format_value(True) == "yes"
    assert format_value(["red", "blue"]) == "red, blue"
    assert format_value("one\ntwo\n\nthree") == "one two three"
    cut = format_value("word " * 40, limit=20)
    assert len(cut) == 20 and cut.endswith("…") and "\n" not in cut


def test_show_set_history_and_undo_print_readable_values(tmp_path: Path) -> None:
    runner = CliRunner()
    lib = str(tmp_path / "lib")
    data = tmp_path / "in.csv"
    long_text = "First line\nsecond line " + "x" * 200
    data.write_text(
        'sku,brand,price-USD,weight,description-en_US-ecommerce\nA-1,Acme,50,350 GRAM,"'
        + long_text
        + '"\n'
    )
    assert runner.invoke(cli, ["--library", lib, "init"]).exit_code == 0
    assert runner.invoke(cli, ["--library", lib, "import", str(data)]).exit_code == 0

    shown = runner.invoke(cli, ["--library", lib, "products", "show", "A-1"]).output
    assert "price: 50.00 USD" in shown and "weight: 350 GRAM" in shown
    assert "description-en_US-ecommerce: First line second line x" in shown
    assert "…" in shown and "{" not in shown and "[" not in shown

    out = runner.invoke(cli, ["--library", lib, "products", "set", "A-1", "name-en_US=Kettle"])
    assert out.output.strip() == "A-1: name-en_US: (empty) -> Kettle"
    history = runner.invoke(cli, ["--library", lib, "products", "history", "A-1"]).output
    assert "None" not in history and "'" not in history and "Kettle" in history
    undone = runner.invoke(cli, ["--library", lib, "products", "undo", "A-1"]).output
    assert undone.strip() == "A-1: name-en_US: Kettle -> (empty)"

    # scripts keep the raw data
    raw = json.loads(
        runner.invoke(cli, ["--library", lib, "products", "show", "A-1", "--json"]).output
    )
    assert raw["sku"] == "A-1"
    entries = json.loads(
        runner.invoke(cli, ["--library", lib, "products", "history", "A-1", "--json"]).output
    )
    assert entries[0]["old"] == "Kettle" and entries[0]["new"] is None
