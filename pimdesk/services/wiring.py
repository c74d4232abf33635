"""Cross-area reactions, connected once per opened library.

Each area appends a ``connect(library)`` function to :data:`CONNECTORS` (for example: the
assets side links waiting inbox files when an import creates their SKUs). Library.open calls
:func:`connect_all`, so the CLI, the watcher and the GUI all get the same behaviour.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pimdesk.library import Library

CONNECTORS: list[Callable[[Library], None]] = []


def _connect_assets(library: Library) -> None:
    from pimdesk.services import assets

    assets.connect(library)


CONNECTORS.append(_connect_assets)


def connect_all(library: Library) -> None:
    for connect in CONNECTORS:
        connect(library)
