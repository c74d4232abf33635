"""The base of every main screen: lazy first load, reload on relevant changes."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from pimdesk.events import Change
from pimdesk.gui.context import GuiContext


class Screen(QWidget):
    """A page of the main window. Loads when first shown; reloads when data it shows changes.

    Subclasses set ``key``/``label``, implement :meth:`reload` (start background work) and
    may narrow :meth:`affected_by`.
    """

    key = "screen"
    label = "Screen"
    change_kinds: frozenset[str] | None = None  # None: every change

    def __init__(self, ctx: GuiContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName(f"screen_{self.key}")
        self.ctx = ctx
        self._stale = True
        ctx.events.changed.connect(self._on_change)

    def activate(self) -> None:
        """Called when the screen becomes visible."""
        if self._stale:
            self._stale = False
            self.reload()

    def reload(self) -> None:  # pragma: no cover - overridden
        pass

    def affected_by(self, change: Change) -> bool:
        return self.change_kinds is None or change.kind in self.change_kinds

    def _on_change(self, change: Change) -> None:
        if not self.affected_by(change):
            return
        if self.isVisible():
            self.reload()
        else:
            self._stale = True


class MessagePanel(QWidget):
    """A friendly centred message, for empty states."""

    def __init__(self, title: str, text: str, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        heading = QLabel(f"<h2>{title}</h2>")
        body = QLabel(text)
        body.setWordWrap(True)
        for label in (heading, body):
            label.setWordWrap(True)
            layout.addWidget(label)
        layout.addStretch(2)


def read_only_table(object_name: str, headers: list[str]) -> QTableWidget:
    """The read-only, row-selecting table most screens list things in."""
    table = QTableWidget(0, len(headers))
    table.setObjectName(object_name)
    table.setHorizontalHeaderLabels(headers)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setStretchLastSection(True)
    return table
