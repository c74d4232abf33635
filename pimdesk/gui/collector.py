"""Keep Python's cyclic garbage collector from stalling the window.

A full (generation 2) collection walks every object the process holds: with a products
table of 100,000 rows that is a pause of a few hundred milliseconds, and it lands on
whichever thread happened to allocate — often the UI thread, in the middle of painting.

Every couple of seconds, on the UI thread, :class:`QuietCollector` collects the young
generations (cheap: only what was created since) and then *freezes* everything that
survived (``gc.freeze``): frozen objects are skipped by every later collection, so a full
collection only ever walks what was created since the last freeze. Frozen objects are
still freed by reference counting as usual (a dropped page, a closed screen); only garbage
*cycles* among long-lived objects wait for :meth:`QuietCollector.collect_all`, which the
window runs when it closes.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 2000


class QuietCollector(QObject):
    def __init__(self, interval_ms: int = INTERVAL_MS, parent: QObject | None = None):
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.freeze_survivors)

    def start(self) -> None:
        self.freeze_survivors()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    @staticmethod
    def freeze_survivors() -> None:
        """Collect what is young, then set aside everything still alive."""
        gc.collect(1)
        gc.freeze()

    def collect_all(self) -> None:
        """A full collection over everything, frozen or not (a pause: call it when none
        is noticed)."""
        self.stop()
        gc.unfreeze()
        gc.collect()
