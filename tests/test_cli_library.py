"""Only ``init`` and ``demo`` create a library: a mistyped ``--library`` must not start an
empty one (a new user's import went into a library they did not know they had)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from pimdesk.cli import cli
from pimdesk.library import Library

COMMANDS = [
    ["status"],
    ["products", "list"],
    ["search", "kettle"],
    ["channels", "list"],
    ["publish", "shopify"],
    ["publish", "--history"],
    ["rules", "list"],
    ["watch", "list"],
    ["assets", "list"],
    ["check"],
]


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_a_command_on_a_path_without_a_library_fails_and_creates_nothing(
    tmp_path: Path, args: list[str]
) -> None:
    typo = tmp_path / "shpo"
    result = CliRunner().invoke(cli, ["--library", str(typo), *args])
    assert result.exit_code == 1, result.output
    assert result.stderr.count("\n") == 1
    assert str(typo) in result.stderr
    assert f"pimdesk --library {typo} init" in result.stderr
    assert not typo.exists()


def test_an_import_into_an_empty_folder_writes_nothing_there(tmp_path: Path) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    data = tmp_path / "in.csv"
    data.write_text("sku,brand\nA-1,Acme\n")
    result = CliRunner().invoke(cli, ["--library", str(folder), "import", str(data)])
    assert result.exit_code == 1
    assert "no pimdesk library here" in result.stderr
    assert list(folder.iterdir()) == []


def test_a_path_with_spaces_is_quoted_in_the_hint(tmp_path: Path) -> None:
    typo = tmp_path / "my shop"
    result = CliRunner().invoke(cli, ["--library", str(typo), "status"])
    assert result.exit_code == 1
    assert f"pimdesk --library '{typo}' init" in result.stderr


def test_init_creates_and_then_every_command_opens_it(tmp_path: Path) -> None:
    root = tmp_path / "shop"
    runner = CliRunner()
    made = runner.invoke(cli, ["--library", str(root), "init"])
    assert made.exit_code == 0 and f"library ready at {root}" in made.output
    assert (root / "library.toml").exists()
    assert runner.invoke(cli, ["--library", str(root), "status"]).exit_code == 0
    # init on an existing library keeps it
    assert runner.invoke(cli, ["--library", str(root), "init"]).exit_code == 0


def test_the_default_library_on_a_first_run_says_init_or_demo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PIMDESK_LIBRARY", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    result = CliRunner().invoke(cli, ["status"])
    assert result.exit_code == 1
    assert str(tmp_path / "data" / "pimdesk" / "library") in result.stderr
    assert "pimdesk init" in result.stderr and "pimdesk demo" in result.stderr
    assert not (tmp_path / "data").exists()
    assert CliRunner().invoke(cli, ["init"]).exit_code == 0
    assert CliRunner().invoke(cli, ["status"]).exit_code == 0


def test_the_window_still_creates_a_library_for_its_first_run_screen(tmp_path: Path) -> None:
    # ``pimdesk gui`` / ``make run`` open through Library.open's default (create=True)
    with Library.open(tmp_path / "first-run") as library:
        assert (library.root / "library.toml").exists()
