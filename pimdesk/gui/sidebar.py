"""The sidebar: one entry per screen with a live count beside it."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QWidget

from pimdesk.services.browse import SidebarCounts

ENTRIES: list[tuple[str, str, str | None]] = [
    # key, label, SidebarCounts field shown beside it
    ("products", "Products", "products"),
    ("assets", "Assets", "assets"),
    ("inbox", "Unmatched inbox", "unmatched"),
    ("channels", "Channels", "channels"),
    ("rights", "Rights & expiry", "expiring"),
    ("problems", "Problems", "problems"),
    ("rules", "Filename rules", None),
]

KeyRole = Qt.ItemDataRole.UserRole + 1


class Sidebar(QListWidget):
    """Emits :attr:`screen_chosen` with the screen key when the user picks an entry."""

    screen_chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("sidebar")
        self.setUniformItemSizes(True)
        self.setSpacing(1)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._labels: dict[str, str] = {}
        for key, label, _field in ENTRIES:
            item = QListWidgetItem(label)
            item.setData(KeyRole, key)
            item.setSizeHint(QSize(0, 30))
            self.addItem(item)
            self._labels[key] = label
        self.currentItemChanged.connect(self._changed)
        self.setMinimumWidth(190)

    def _changed(self, current: QListWidgetItem | None, _previous: object) -> None:
        if current is not None:
            self.screen_chosen.emit(current.data(KeyRole))

    def select(self, key: str) -> None:
        for row in range(self.count()):
            item = self.item(row)
            if item.data(KeyRole) == key:
                if self.currentRow() != row:
                    self.setCurrentRow(row)
                return

    def set_counts(self, counts: SidebarCounts) -> None:
        for row in range(self.count()):
            item = self.item(row)
            key = item.data(KeyRole)
            field = next(f for k, _, f in ENTRIES if k == key)
            label = self._labels[key]
            if field is None:
                item.setText(label)
                continue
            value = getattr(counts, field)
            item.setText(f"{label}  ({value:,})")
            if key == "problems" and value:
                item.setToolTip(f"{value} files could not be ingested")

    def text_of(self, key: str) -> str:
        for row in range(self.count()):
            if self.item(row).data(KeyRole) == key:
                return self.item(row).text()
        return ""
