"""What ``--help`` and the editing commands' messages tell a person: plain text, and only
options that the named command really has."""

from __future__ import annotations

from pathlib import Path

import click
from click.testing import CliRunner

from pimdesk.cli import cli
from pimdesk.library import Library
from pimdesk.services import products


def _commands(command: click.Command, path: str) -> list[tuple[str, click.Command]]:
    found = [(path, command)]
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            found.extend(_commands(sub, f"{path} {name}"))
    return found


def test_no_help_text_shows_restructuredtext_markup() -> None:
    cli.load_all()  # type: ignore[attr-defined]
    for path, _command in _commands(cli, "pimdesk"):
        shown = CliRunner().invoke(cli, [*path.split()[1:], "--help"]).output
        for markup in ("``", ":meth:", ":class:", ":func:"):
            assert markup not in shown, (path, shown)


def test_products_set_on_an_unknown_attribute_offers_what_exists(tmp_path: Path) -> None:
    root = str(tmp_path / "lib")
    with Library.open(root) as library:
        products.create_product(library, "A-1", values={"brand": "Acme"})
    runner = CliRunner()
    result = runner.invoke(cli, ["--library", root, "products", "set", "A-1", "brnd=Acme"])
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert "unknown attribute 'brnd'" in result.stderr
    assert "did you mean 'brand'?" in result.stderr
    # products set has no --create-attributes; the message names the command that has it
    assert "pimdesk import FILE --create-attributes" in result.stderr
    assert "--create-attributes" not in runner.invoke(cli, ["products", "set", "--help"]).output
    assert "--create-attributes" in runner.invoke(cli, ["import", "--help"]).output
