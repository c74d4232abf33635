"""The watcher and auto-publish running inside the window, reported on the UI thread.

While the window is open it owns the library's instance lock, so it (not ``pimdesk watch``)
runs the :class:`FolderWatcher` and the background services (auto-publish). Their callbacks
arrive on their own threads; this bridge forwards them as Qt signals and keeps the state the
status bar shows: watching / scanning N files / offline.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QObject, Signal

from pimdesk.library import Library

log = logging.getLogger(__name__)


class WatchBridge(QObject):
    """Starts and stops the watcher; emits what happens as signals on the UI thread."""

    event = Signal(object)  # pimdesk.watch.watcher.WatchEvent
    published = Signal(object)  # PublishReport from auto-publish
    publish_failed = Signal(str, str)  # channel, message
    state_changed = Signal(str)  # the status bar text

    def __init__(self, library: Library, parent: QObject | None = None, **watcher_options: Any):
        super().__init__(parent)
        self.library = library
        self.watcher: Any = None
        self.services: list[Any] = []
        self.options = watcher_options
        self.offline: set[str] = set()
        self.folders: set[str] = set()
        self.scanning = 0  # files ingested in the current burst
        self.problems = 0
        self.text = "Watcher: off"
        self.event.connect(self._on_event)

    # -- life cycle ----------------------------------------------------------------------

    def start(self) -> None:
        from pimdesk.watch import background_services
        from pimdesk.watch.watcher import FolderWatcher

        if self.watcher is not None:
            return
        self.services = background_services(self.library)
        for service in self.services:
            if hasattr(service, "on_report"):
                service.on_report = self.published.emit
            if hasattr(service, "on_error"):
                service.on_error = self.publish_failed.emit
        self.watcher = FolderWatcher(
            self.library, on_event=self.event.emit, services=self.services, **self.options
        )
        self.watcher.start()
        self._set_state(self._describe())

    def stop(self) -> None:
        if self.watcher is not None:
            try:
                self.watcher.stop()
            except Exception:  # closing must never fail because a folder went away
                log.exception("stopping the watcher failed")
            self.watcher = None
        self._set_state("Watcher: off")

    def wait_idle(self, timeout: float = 10.0) -> bool:
        return self.watcher is None or bool(self.watcher.wait_idle(timeout))

    # -- state ---------------------------------------------------------------------------

    def _on_event(self, event: Any) -> None:
        kind = event.kind
        if kind in ("watching", "polling", "online"):
            self.folders.add(event.folder)
            self.offline.discard(event.folder)
        elif kind == "offline":
            self.offline.add(event.folder)
        elif kind == "ingested":
            self.scanning += 1
            outcome = getattr(event.outcome, "outcome", "")
            if outcome == "problem":
                self.problems += 1
        elif kind == "scan":
            self.scanning = 0
        self._set_state(self._describe())

    def _describe(self) -> str:
        if self.offline:
            names = ", ".join(sorted(self.offline))
            return f"Watcher: offline ({names})"
        if self.scanning:
            return f"Watcher: scanning, {self.scanning} file(s) added"
        count = len(self.folders)
        if not count:
            return "Watcher: no watched folders (File → Settings)"
        return f"Watcher: watching {count} folder(s)"

    def settle(self) -> None:
        """The burst is over (the status bar calls this after a quiet moment)."""
        self.scanning = 0
        self._set_state(self._describe())

    def _set_state(self, text: str) -> None:
        if text != self.text:
            self.text = text
            self.state_changed.emit(text)
