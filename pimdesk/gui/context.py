"""What every screen shares: the open library, the workers, change events, navigation.

Screens get one :class:`GuiContext` instead of reaching for globals, so tests can build a
screen on its own over a temporary library.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtWidgets import QWidget

from pimdesk.events import Change
from pimdesk.gui.dialogs import show_error
from pimdesk.gui.workers import Workers
from pimdesk.library import Library


class LibraryEvents(QObject):
    """Forwards the library's change events (emitted on any thread) to the UI thread."""

    changed = Signal(object)  # Change

    def __init__(self, library: Library, parent: QObject | None = None):
        super().__init__(parent)
        self._unsubscribe: Callable[[], None] | None = library.events.subscribe(self._forward)

    def _forward(self, change: Change) -> None:
        try:
            self.changed.emit(change)
        except RuntimeError:  # the window that listened is gone: stop listening
            self.close()

    def close(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None


class Navigator(QObject):
    """Requests to show something; the main window answers them."""

    open_product = Signal(str)  # SKU
    open_asset = Signal(int)  # asset id
    open_screen = Signal(str)  # screen key
    open_rules = Signal(str)  # a file name to prefill the rules editor with
    asset_filter = Signal(str)  # show the Assets grid with this filter (its label)
    status_message = Signal(str)


class GuiContext:
    """The open library and the services around it that screens use."""

    def __init__(
        self,
        library: Library,
        *,
        settings: QSettings | None = None,
        log_path: Path | None = None,
        parent: QObject | None = None,
    ):
        self.library = library
        self.log_path = log_path
        self.settings = settings or QSettings("pimdesk", "pimdesk")
        self.events = LibraryEvents(library, parent)
        self.nav = Navigator(parent)
        self.error_parent: QWidget | None = None
        self.workers = Workers(default_error=self.show_error, parent=parent)
        self.locale: str | None = None
        self.channel: str | None = None

    def show_error(self, exc: BaseException, title: str = "pimdesk") -> None:
        show_error(self.error_parent, exc, title=title, log_path=self.log_path)

    def close(self) -> None:
        self.workers.shutdown()
        self.events.close()
