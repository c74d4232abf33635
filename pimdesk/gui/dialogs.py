"""Error dialogs people can act on, and the About box.

A :class:`PimdeskError` names what (file, row, field) and what to do; the dialog shows
exactly that. Anything else is a bug: the user gets a short apology that says where the
details were logged, never a traceback.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtWidgets import QMessageBox, QWidget

from pimdesk import __version__
from pimdesk.errors import PimdeskError

log = logging.getLogger(__name__)


def error_text(exc: BaseException, log_path: Path | None = None) -> tuple[str, str]:
    """(headline, details) for an error, in the user's words."""
    if isinstance(exc, PimdeskError):
        details = []
        if exc.where:
            details.append(f"Where: {exc.where}")
        if exc.hint:
            details.append(f"What to do: {exc.hint}")
        return exc.message[:1].upper() + exc.message[1:], "\n".join(details)
    if isinstance(exc, OSError):
        where = f"Where: {exc.filename}\n" if getattr(exc, "filename", None) else ""
        return (
            f"The file could not be used: {exc.strerror or exc}",
            f"{where}What to do: check that the file exists and that you may read and write it.",
        )
    where = f"\nThe details were written to {log_path}." if log_path else ""
    return (
        "Something went wrong inside pimdesk.",
        f"{type(exc).__name__}: {exc}{where}\nYour catalog was left as it was before this step.",
    )


def show_error(
    parent: QWidget | None, exc: BaseException, title: str = "pimdesk", log_path: Path | None = None
) -> QMessageBox:
    """Show (non-blocking) a dialog for ``exc``; unexpected errors are logged with traceback."""
    if not isinstance(exc, PimdeskError | OSError):
        log.error("unexpected error", exc_info=exc)
    headline, details = error_text(exc, log_path)
    box = QMessageBox(parent)
    box.setObjectName("errorDialog")
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(title)
    box.setText(headline)
    box.setInformativeText(details)
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    box.open()
    return box


def about(parent: QWidget | None) -> None:
    QMessageBox.about(
        parent,
        "About pimdesk",
        f"<h3>pimdesk {__version__}</h3>"
        "<p>Product facts and product media in one catalog, published to every channel.</p>"
        "<p>MIT licence. Built with Python, SQLAlchemy, Pillow and Qt for Python.</p>",
    )
