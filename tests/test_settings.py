"""``pimdesk settings``: the README's settings can be read and changed, and they act."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from pimdesk.cli import cli
from pimdesk.errors import PimdeskError
from pimdesk.library import Library
from pimdesk.services import assets
from pimdesk.services.ingest import ingest_paths
from pimdesk.services.settings import list_settings, set_setting

PHOTO = Path(__file__).parent / "data" / "photos" / "products" / "mg01-bk-0.jpg"


def run(root: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--library", str(root), *args])
    return result.exit_code, result.output


def test_settings_list_their_values_defaults_and_meaning(tmp_path: Path) -> None:
    root = tmp_path / "lib"
    assert run(root, "init")[0] == 0
    code, out = run(root, "settings", "--json")
    assert code == 0
    rows = {row["key"]: row for row in json.loads(out)}
    assert rows["assets.auto_approve"]["value"] is True
    assert rows["rights.expiring_days"]["value"] == 30
    assert "draft" in rows["assets.auto_approve"]["help"]


def test_turning_auto_approve_off_keeps_a_dropped_photo_as_a_draft(tmp_path: Path) -> None:
    root = tmp_path / "lib"
    assert run(root, "init")[0] == 0
    code, out = run(root, "settings", "set", "assets.auto_approve", "false")
    assert (code, out.strip()) == (0, "assets.auto_approve = false")
    shoot = tmp_path / "shoot"
    shoot.mkdir()
    (shoot / "photo.jpg").write_bytes(PHOTO.read_bytes())
    with Library.open(root) as library:
        asset_id = ingest_paths(library, [shoot]).files[0].asset_id
        assert asset_id is not None
        assert [v.approval for v in assets.show_asset(library, asset_id).versions] == ["draft"]


@pytest.mark.parametrize(
    ("key", "value", "said"),
    [
        ("assets.auto_aprove", "false", "no setting 'assets.auto_aprove' (did you mean "),
        ("assets.auto_approve", "maybe", "'maybe' is not true or false"),
        ("rights.expiring_days", "soon", "'soon' is not a whole number"),
        ("rights.expiring_days", "-3", "-3 is too small (use 0 or more)"),
        ("history.retention_days", "0", "0 is too small (use 1 or more)"),
    ],
)
def test_a_bad_setting_names_the_key_and_changes_nothing(
    library: Library, key: str, value: str, said: str
) -> None:
    before = list_settings(library)
    with pytest.raises(PimdeskError) as caught:
        set_setting(library, key, value)
    assert said in str(caught.value) and key in str(caught.value)
    assert list_settings(library) == before


def test_the_cli_reports_a_bad_value_in_one_line_with_exit_1(tmp_path: Path) -> None:
    root = tmp_path / "lib"
    assert run(root, "init")[0] == 0
    code, out = run(root, "settings", "set", "rights.expiring_days", "-3")
    assert code == 1 and "rights.expiring_days: -3 is too small" in out
