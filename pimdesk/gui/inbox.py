"""The Unmatched inbox: files no rule could place, with the reason; assign them to a product
and role by hand, match them again, or open the rules editor prefilled from the file name.
"""

from __future__ import annotations

import html
from pathlib import PurePath
from typing import Any

from PySide6.QtCore import QItemSelection, QSize, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from pimdesk.gui.assets import AssetGrid
from pimdesk.gui.assets_model import AssetGridModel, SummaryRole, asset_query
from pimdesk.gui.context import GuiContext
from pimdesk.gui.image_strip import ROLES
from pimdesk.gui.screen import MessagePanel, Screen
from pimdesk.library import Library
from pimdesk.services import assets


class InboxScreen(Screen):
    key = "inbox"
    label = "Unmatched inbox"
    change_kinds = frozenset({"ingest", "links", "rules", "import", "values", "demo"})

    def __init__(self, ctx: GuiContext, parent: QWidget | None = None):
        super().__init__(ctx, parent)
        self.model = AssetGridModel(
            asset_query(ctx.library, unmatched=True), ctx.workers, parent=self
        )
        self.grid = AssetGrid()
        self.grid.setObjectName("inboxGrid")
        self.grid.setViewMode(QListView.ViewMode.ListMode)
        self.grid.setIconSize(QSize(64, 64))
        self.grid.setGridSize(QSize())
        self.model.item_size = None
        self.model.show_reasons = True
        self.grid.setModel(self.model)
        self.grid.selectionModel().selectionChanged.connect(self._selected)

        self.empty = MessagePanel(
            "Nothing waiting",
            "Files that no filename rule could match to a product wait here. "
            "Everything that arrived has found its product.",
        )
        self.file_label = QLabel("Select a file")
        self.file_label.setWordWrap(True)
        self.file_label.setObjectName("inboxFile")
        self.reason = QLabel()
        self.reason.setObjectName("inboxReason")
        self.reason.setWordWrap(True)
        self.reason.setStyleSheet("color: #b7791f;")
        self.sku = QLineEdit()
        self.sku.setObjectName("assignSku")
        self.sku.setPlaceholderText("SKU of the product")
        self.role = QComboBox()
        self.role.setObjectName("assignRole")
        self.role.addItems(ROLES)
        self.assign_button = QPushButton("Assign to product")
        self.assign_button.setObjectName("assignButton")
        self.assign_button.clicked.connect(self.assign)
        self.rules_button = QPushButton("Make a rule from this name…")
        self.rules_button.setObjectName("openRules")
        self.rules_button.clicked.connect(self._open_rules)
        self.rematch_button = QPushButton("Match all again")
        self.rematch_button.setObjectName("rematchButton")
        self.rematch_button.setToolTip("Run the filename rules again over every waiting file")
        self.rematch_button.clicked.connect(self.rematch)

        panel = QWidget()
        form = QFormLayout(panel)
        form.addRow(self.file_label)
        form.addRow(self.reason)
        form.addRow("Product", self.sku)
        form.addRow("Role", self.role)
        form.addRow("", self.assign_button)
        form.addRow("", self.rules_button)
        form.addRow("", self.rematch_button)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.grid)
        self.splitter.addWidget(panel)
        self.splitter.setSizes([700, 400])
        head = QHBoxLayout()
        self.count_label = QLabel()
        head.addWidget(self.count_label, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(head)
        layout.addWidget(self.splitter, 1)
        layout.addWidget(self.empty)
        self.empty.setVisible(False)
        self.model.page_loaded.connect(self._after_page)
        self._set_enabled(False)

    def reload(self) -> None:
        self.model.reload()

    def _after_page(self, _count: int) -> None:
        count = self.model.rowCount()
        self.count_label.setText(f"<b>{count:,} file(s) waiting for a product</b>")
        if count and not self.grid.selectionModel().hasSelection():
            self.grid.setCurrentIndex(self.model.index(0))
        empty = count == 0 and self.model.exhausted
        self.empty.setVisible(empty)
        self.splitter.setVisible(not empty)

    def _set_enabled(self, enabled: bool) -> None:
        for widget in (self.sku, self.role, self.assign_button, self.rules_button):
            widget.setEnabled(enabled)

    def current(self) -> Any:
        indexes = self.grid.selectionModel().selectedIndexes()
        return indexes[0].data(SummaryRole) if indexes else None

    def _selected(self, _new: QItemSelection, _old: QItemSelection) -> None:
        item = self.current()
        self._set_enabled(item is not None)
        if item is None:
            self.file_label.setText("Select a file")
            self.reason.setText("")
            return
        self.file_label.setText(f"<b>{html.escape(item.title)}</b> (asset {item.id})")
        self.reason.setText(f"Why it waits: {item.inbox_reason or 'unknown'}")

    def assign(self) -> None:
        item = self.current()
        sku = self.sku.text().strip()
        if item is None or not sku:
            self.ctx.nav.status_message.emit("Type the SKU of the product first.")
            return
        role = self.role.currentText()
        self.ctx.workers.run(
            assets.link_asset,
            self.ctx.library,
            item.id,
            sku,
            role=role,
            write=True,
            on_result=lambda _l: self._assigned(item.title, sku, role),
            on_error=lambda exc: self.ctx.show_error(exc, title="Cannot assign the file"),
        )

    def _assigned(self, title: str, sku: str, role: str) -> None:
        self.ctx.nav.status_message.emit(f"{title} is now the {role} image of {sku}.")
        self.sku.clear()
        self.reload()

    def rematch(self) -> None:
        self.ctx.workers.run(
            assets.rematch,
            self.ctx.library,
            write=True,
            on_result=lambda report: (
                self.ctx.nav.status_message.emit(
                    f"{len(report.linked)} file(s) matched, {len(report.waiting)} still waiting."
                ),
                self.reload(),
            ),
        )

    def _open_rules(self) -> None:
        item = self.current()
        if item is not None:
            self.ctx.workers.run(
                file_name_of,
                self.ctx.library,
                item.id,
                on_result=self.ctx.nav.open_rules.emit,
            )


def file_name_of(library: Library, asset_id: int) -> str:
    """The name the file had when it arrived (what the rules saw)."""
    versions = assets.versions(library, asset_id)
    return PurePath(versions[-1].source_path).name if versions else ""
