"""``channels show`` says where a field comes from when the exporter fills it itself (a
Shopify handle made from the title), instead of listing it as filled by nothing."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from pimdesk.channels.api import FieldSpec
from pimdesk.channels.mapping import fallback
from pimdesk.cli import cli
from pimdesk.library import Library
from pimdesk.services import publishing


def test_the_exporters_own_fallback_is_read_from_the_field_help() -> None:
    assert fallback(FieldSpec("condition", "Condition", help="Empty: new.")) == "new"
    assert fallback(FieldSpec("cost", "Cost")) is None
    assert fallback(FieldSpec("x", "X", help="Leave it empty for none: it stays out.")) is None


def test_channels_show_says_the_handle_comes_from_the_title(tmp_path: Path) -> None:
    root = tmp_path / "lib"
    with Library.open(root) as lib:
        settings = {"output": str(tmp_path / "out")}
        publishing.add_channel(lib, "shop", exporter="shopify_csv", settings=settings)
        detail = publishing.show_channel(lib, "shop")
    assert "handle" not in detail.unfilled_fields
    handle = next(row for row in detail.fields if row.field == "handle")
    # the handle a Shopify import keeps (attribute ``handle``), else made from the title
    assert handle.source == "handle" and handle.fallback and "title" in handle.fallback
    assert "cost" in detail.unfilled_fields  # nothing fills it and Shopify makes none up

    shown = CliRunner().invoke(cli, ["--library", str(root), "channels", "show", "shop"])
    assert shown.exit_code == 0, shown.output
    lines = shown.output.splitlines()
    handle_line = next(line for line in lines if line.strip().startswith("handle <-"))
    assert "made from the title" in handle_line and "(nothing)" not in handle_line
    unfilled = next(line for line in lines if "nothing fills:" in line)
    assert "handle" not in unfilled and "cost" in unfilled
