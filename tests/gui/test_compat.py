"""Emitting signals many times never exhausts True's reference count (gui/compat.py)."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QPushButton

from pimdesk.gui.compat import protect_bool_refcounts


class Emitter(QObject):
    fired = Signal(object)


def test_many_emits_do_not_crash_the_interpreter(qtbot) -> None:
    protect_bool_refcounts()
    emitter = Emitter()
    seen: list[object] = []
    emitter.fired.connect(seen.append)
    for n in range(20_000):  # more than True's natural reference count
        emitter.fired.emit(n % 2 == 0)
    assert len(seen) == 20_000 and seen[0] is True
    button = QPushButton()
    qtbot.addWidget(button)
    clicks: list[int] = []
    button.clicked.connect(lambda: clicks.append(1))  # a slot returning None, each click
    for _ in range(100_000):
        button.click()
    assert len(clicks) == 100_000
