"""Watched folders (watchdog) and reconciliation scans.

``FolderWatcher(library, on_event=...)`` is the core both front ends run; background
services that should live as long as the watcher (auto-publishing) are made by the
factories in :data:`BACKGROUND_SERVICES`: the publishing work appends its own, the way
areas append to ``catalog.seed.SEEDERS``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pimdesk.library import Library
    from pimdesk.watch.watcher import BackgroundService

# Each factory makes one service (start()/stop()) for an open library; `pimdesk watch` (and
# later the GUI) starts them after the watcher and stops them before it.
BACKGROUND_SERVICES: list[Callable[[Library], BackgroundService]] = []


def background_services(library: Library) -> list[BackgroundService]:
    return [make(library) for make in BACKGROUND_SERVICES]
