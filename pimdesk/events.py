"""In-process change events: writes say what they touched, listeners react.

Services emit one :class:`Change` per committed unit of work (never per row), naming the
product ids and asset ids it touched. Change tracking, auto-publish and the GUI subscribe.
Listeners run synchronously in the emitting thread; a listener that needs a thread of its
own (the GUI) forwards the event there.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Change:
    """What one committed operation changed.

    ``kind`` is a short verb-noun such as ``"values"``, ``"import"``, ``"ingest"``,
    ``"approval"``, ``"rights"``, ``"links"``, ``"publish"``, ``"channel"``, ``"rules"``.
    """

    kind: str
    product_ids: frozenset[int] = field(default_factory=frozenset)
    asset_ids: frozenset[int] = field(default_factory=frozenset)
    channel_codes: frozenset[str] = field(default_factory=frozenset)
    detail: str = ""
    # What the user should know about the operation that did not stop it (a publish's
    # warnings: an extra photo left out of a channel, an image under the usual minimum).
    notes: tuple[str, ...] = ()


Listener = Callable[[Change], None]


class EventBus:
    """One per open library (not a module global), so tests and instances stay apart."""

    def __init__(self) -> None:
        self._listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        self._listeners.append(listener)

        def unsubscribe() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return unsubscribe

    def emit(self, change: Change) -> None:
        for listener in list(self._listeners):
            try:
                listener(change)
            except Exception:  # a broken listener must not undo a committed write
                log.exception("change listener %r failed on %s", listener, change.kind)
