"""Rights & expiry: assets whose usage rights expire soon or have expired, with the products
and channels they affect. An expired image is never published; this is where it shows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from pimdesk.gui.context import GuiContext
from pimdesk.gui.screen import Screen, read_only_table
from pimdesk.library import Library
from pimdesk.services import assets, reference, rights

COLUMNS = ["Asset", "Status", "Expires", "Licence", "Holder", "Products", "Channels"]


@dataclass(frozen=True)
class RightsRow:
    info: rights.RightsInfo
    products: list[str]
    channels: list[str]


def load_rights(library: Library, days: int) -> list[RightsRow]:
    all_channels = [c.code for c in reference.list_channels(library)]
    rows = []
    for info in rights.expiring(library, days, include_expired=True):
        detail = assets.show_asset(library, info.asset_id)
        products = sorted({link.sku or link.model or "" for link in detail.links})
        rows.append(RightsRow(info, products, list(info.allowed_channels or all_channels)))
    return rows


class RightsScreen(Screen):
    key = "rights"
    label = "Rights & expiry"
    change_kinds = frozenset({"rights", "ingest", "links", "demo"})

    def __init__(self, ctx: GuiContext, parent: QWidget | None = None):
        super().__init__(ctx, parent)
        self.days = QSpinBox()
        self.days.setObjectName("expiryDays")
        self.days.setRange(1, 3650)
        self.days.setValue(30)
        self.days.setSuffix(" days")
        self.days.valueChanged.connect(self.reload)
        self.summary = QLabel()
        self.table = read_only_table("rightsTable", COLUMNS)
        self.table.cellDoubleClicked.connect(self._open)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Expired, and expiring within"))
        bar.addWidget(self.days)
        bar.addStretch(1)
        bar.addWidget(self.summary)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.table)
        note = QLabel(
            "Expired images are never published: the next publish withdraws them from every "
            "channel. Double-click a row to open the asset and renew its rights."
        )
        note.setWordWrap(True)
        layout.addWidget(note)
        self.rows: list[RightsRow] = []

    def reload(self) -> None:
        self.ctx.workers.run(
            load_rights, self.ctx.library, self.days.value(), on_result=self._loaded
        )

    def _loaded(self, rows: list[RightsRow]) -> None:
        self.rows = rows
        now = dt.datetime.now(dt.UTC)
        self.table.setRowCount(len(rows))
        expired = 0
        for number, row in enumerate(rows):
            info = row.info
            expires = info.expires_at
            is_expired = expires is not None and expires <= now
            expired += is_expired
            cells = [
                f"{info.title or ''} ({info.asset_id})",
                info.status.replace("_", " "),
                expires.astimezone().strftime("%Y-%m-%d") if expires else "",
                info.licence or "",
                info.holder or "",
                ", ".join(row.products) or "—",
                ", ".join(row.channels),
            ]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, info.asset_id)
                if col == 1:
                    item.setForeground(QColor("#d64545" if is_expired else "#c07d1a"))
                self.table.setItem(number, col, item)
        self.summary.setText(f"{expired} expired, {len(rows) - expired} expiring soon")
        self.table.resizeColumnsToContents()

    def _open(self, row: int, _col: int) -> None:
        item = self.table.item(row, 0)
        if item is not None:
            self.ctx.nav.open_asset.emit(int(item.data(Qt.ItemDataRole.UserRole)))
