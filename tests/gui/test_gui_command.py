"""`pimdesk gui` exists, and the rest of the CLI never imports Qt."""

from __future__ import annotations

import subprocess
import sys

from click.testing import CliRunner

from pimdesk.cli import cli


def test_gui_command_is_listed() -> None:
    result = CliRunner().invoke(cli, ["gui", "--help"])
    assert result.exit_code == 0
    assert "Open the pimdesk window" in result.output


def test_cli_starts_without_importing_qt() -> None:
    code = "import sys, pimdesk.cli; assert not any(m.startswith('PySide6') for m in sys.modules)"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_gui_refuses_a_library_open_in_another_window(tmp_path, qtbot) -> None:
    from pimdesk.gui.app import LOCK_PURPOSE
    from pimdesk.library import Library

    holder = Library.open(tmp_path / "lib")
    holder.acquire_instance_lock(LOCK_PURPOSE)
    try:
        other = Library.open(tmp_path / "lib")
        import pytest

        from pimdesk.errors import LibraryLockedError

        with pytest.raises(LibraryLockedError) as info:
            other.acquire_instance_lock(LOCK_PURPOSE)
        assert "the pimdesk window" in str(info.value)
        other.close()
    finally:
        holder.close()
