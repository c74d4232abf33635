"""Error dialogs name the file or field and what to do, and never show a traceback."""

from __future__ import annotations

from pathlib import Path

from pimdesk.errors import ValidationError
from pimdesk.gui.dialogs import error_text, show_error


def test_user_error_names_where_and_what_to_do(qtbot) -> None:
    exc = ValidationError("must be at most 70 characters", where="brand", hint="shorten it")
    box = show_error(None, exc)
    qtbot.addWidget(box)
    assert box.text() == "Must be at most 70 characters"
    assert "Where: brand" in box.informativeText()
    assert "What to do: shorten it" in box.informativeText()


def test_unexpected_error_says_where_the_log_is_not_the_traceback(qtbot) -> None:
    try:
        {}["missing"]
    except KeyError as exc:
        headline, details = error_text(exc, Path("/tmp/pimdesk-gui.log"))
    assert headline == "Something went wrong inside pimdesk."
    assert "/tmp/pimdesk-gui.log" in details
    assert "Traceback" not in details and "line " not in details


def test_file_error_names_the_file() -> None:
    headline, details = error_text(FileNotFoundError(2, "No such file", "/photos/a.jpg"))
    assert "No such file" in headline
    assert "/photos/a.jpg" in details
