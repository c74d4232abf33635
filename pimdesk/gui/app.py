"""Starting the window: the QApplication, palette, logging, the library and its lock.

``pimdesk gui`` calls :func:`run`. Everything that can go wrong before the window exists
(no library, the library already open elsewhere) is shown as a dialog and ends with exit
code 1; an unexpected exception later is logged and shown as a dialog, never a traceback.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from types import TracebackType

import platformdirs
from PySide6.QtCore import QCoreApplication, Qt, QTimer
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory

from pimdesk import __version__
from pimdesk.errors import PimdeskError
from pimdesk.gui.dialogs import error_text
from pimdesk.library import Library

log = logging.getLogger(__name__)

LOCK_PURPOSE = "the pimdesk window"
SWITCH_INTERVAL = 0.0005  # seconds (Python's default is 0.005)


def log_file() -> Path:
    folder = Path(platformdirs.user_log_dir("pimdesk", appauthor=False))
    folder.mkdir(parents=True, exist_ok=True)
    return folder / "pimdesk-gui.log"


def setup_logging() -> Path | None:
    try:
        path = log_file()
        handler: logging.Handler = logging.FileHandler(path, encoding="utf-8")
    except OSError:
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.getLogger("pimdesk").addHandler(handler)
    logging.getLogger("pimdesk").setLevel(logging.INFO)
    return path


def create_application(argv: list[str] | None = None, scheme: str = "system") -> QApplication:
    """The QApplication (or the existing one), high-DPI aware, with the chosen palette."""
    from pimdesk.gui.compat import protect_bool_refcounts

    protect_bool_refcounts()
    app = QApplication.instance()
    if app is None:
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
            Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
        )
        QCoreApplication.setOrganizationName("pimdesk")
        QCoreApplication.setApplicationName("pimdesk")
        app = QApplication(argv if argv is not None else sys.argv[:1])
    assert isinstance(app, QApplication)
    # Workers run Python too; a short GIL switch interval lets the UI thread (which calls
    # into Python for every cell it paints) take its turn within half a millisecond.
    sys.setswitchinterval(SWITCH_INTERVAL)
    app.setApplicationVersion(__version__)
    app.setApplicationDisplayName("pimdesk")
    apply_scheme(app, scheme)
    return app


def apply_scheme(app: QApplication, scheme: str = "system") -> None:
    """``system`` follows the desktop's light/dark setting; ``light``/``dark`` force one.

    Fusion draws the palette faithfully on every platform, which is what makes the forced
    schemes (screenshots, a user's choice) look right.
    """
    fusion = QStyleFactory.create("Fusion")
    if fusion is not None:
        app.setStyle(fusion)
    if scheme == "system":
        hints = app.styleHints()
        dark = hints.colorScheme() == Qt.ColorScheme.Dark
        app.setPalette(dark_palette() if dark else light_palette())
    else:
        app.setPalette(dark_palette() if scheme == "dark" else light_palette())


def _palette(colours: dict[QPalette.ColorRole, str], disabled: str) -> QPalette:
    """A palette from role colours; disabled text of every kind gets ``disabled``."""
    palette = QPalette()
    for role, colour in colours.items():
        palette.setColor(role, QColor(colour))
    for role in (
        QPalette.ColorRole.Text,
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.ButtonText,
    ):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor(disabled))
    return palette


def light_palette() -> QPalette:
    return _palette(
        {
            QPalette.ColorRole.Window: "#f3f3f3",
            QPalette.ColorRole.WindowText: "#1b1b1b",
            QPalette.ColorRole.Base: "#ffffff",
            QPalette.ColorRole.AlternateBase: "#f6f7f9",
            QPalette.ColorRole.Text: "#1b1b1b",
            QPalette.ColorRole.Button: "#ececec",
            QPalette.ColorRole.ButtonText: "#1b1b1b",
            QPalette.ColorRole.Highlight: "#2a6fdb",
            QPalette.ColorRole.HighlightedText: "#ffffff",
            QPalette.ColorRole.ToolTipBase: "#ffffe1",
            QPalette.ColorRole.ToolTipText: "#1b1b1b",
            QPalette.ColorRole.PlaceholderText: "#767676",
            QPalette.ColorRole.Link: "#1a5fc8",
            QPalette.ColorRole.Mid: "#c8c8c8",
        },
        disabled="#8a8a8a",
    )


def dark_palette() -> QPalette:
    return _palette(
        {
            QPalette.ColorRole.Window: "#232629",
            QPalette.ColorRole.WindowText: "#eff0f1",
            QPalette.ColorRole.Base: "#1b1e20",
            QPalette.ColorRole.AlternateBase: "#272b2e",
            QPalette.ColorRole.Text: "#eff0f1",
            QPalette.ColorRole.Button: "#31363b",
            QPalette.ColorRole.ButtonText: "#eff0f1",
            QPalette.ColorRole.Highlight: "#3d7fe0",
            QPalette.ColorRole.HighlightedText: "#ffffff",
            QPalette.ColorRole.ToolTipBase: "#31363b",
            QPalette.ColorRole.ToolTipText: "#eff0f1",
            QPalette.ColorRole.PlaceholderText: "#9a9ea2",
            QPalette.ColorRole.Link: "#6fa8ff",
            QPalette.ColorRole.Mid: "#4a4f54",
            QPalette.ColorRole.BrightText: "#ffffff",
        },
        disabled="#7f8386",
    )


def _fatal(message: str, details: str) -> int:
    from PySide6.QtWidgets import QMessageBox

    box = QMessageBox(QMessageBox.Icon.Critical, "pimdesk", message)
    box.setInformativeText(details)
    box.exec()
    return 1


def run(library_path: Path | None = None, scheme: str = "system") -> int:
    """Open the window on the library; return the process exit code."""
    log_path = setup_logging()
    app = create_application(scheme=scheme)
    try:
        library = Library.open(library_path)
    except PimdeskError as exc:
        return _fatal(*error_text(exc))
    try:
        library.acquire_instance_lock(LOCK_PURPOSE)
    except PimdeskError as exc:
        library.close()
        return _fatal(*error_text(exc))

    from pimdesk.gui.main_window import MainWindow

    window = MainWindow(library, log_path=log_path)

    def excepthook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        log.error("unexpected error", exc_info=(kind, exc, tb))
        window.context.show_error(exc)

    previous_hook = sys.excepthook
    sys.excepthook = excepthook
    try:
        window.show()
        # the watcher and auto-publish start once the window is up, not before its first page
        QTimer.singleShot(0, window.start_background)
        return app.exec()
    finally:
        sys.excepthook = previous_hook
        window.shutdown()
        library.close()
