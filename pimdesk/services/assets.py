"""Asset use-cases: list, inspect, versions, approval, alt text, tags, links, inbox, problems.

Both front ends call these; each write is one transaction that touches the products whose
listings can change and emits one Change after commit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pimdesk.library import Library


def connect(library: Library) -> None:
    """Wiring for an opened library: sessions know the library folder (so publishing gets
    absolute object paths)."""
    library.sessions.configure(info={"library_root": library.root})
