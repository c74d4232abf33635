"""The Assets screen: a lazy thumbnail grid with filters, and the inspector beside it.

Assets dragged from the grid carry their ids; dropping them on a row of the Products
table links them to that product.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QItemSelection, QSize, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from pimdesk.events import Change
from pimdesk.gui.asset_inspector import AssetInspector
from pimdesk.gui.assets_model import AssetGridModel, AssetIdRole, GridQuery, asset_query
from pimdesk.gui.catalog_source import refreshed
from pimdesk.gui.context import GuiContext
from pimdesk.gui.screen import Screen

FILTERS: list[tuple[str, dict[str, Any]]] = [
    ("All assets", {}),
    ("Unmatched", {"unmatched": True}),
    ("Unapproved", {"unapproved": True}),
    ("Rights expiring soon", {"expiring": True}),
    ("Rights expired", {"expired": True}),
    ("Source file missing", {"problems": True}),
]
ROLES = ["", "main", "front", "back", "side", "detail", "lifestyle", "swatch", "manual", "video"]


class AssetGrid(QListView):
    """Icon-mode grid; drag assets out of it."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setUniformItemSizes(True)
        self.setIconSize(QSize(128, 128))
        self.setGridSize(QSize(162, 184))
        self.setSpacing(4)
        self.setWordWrap(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setLayoutMode(QListView.LayoutMode.Batched)
        self.setBatchSize(200)


class AssetsScreen(Screen):
    key = "assets"
    label = "Assets"
    change_kinds = frozenset({"ingest", "links", "approval", "rights", "tags", "demo"})

    def __init__(self, ctx: GuiContext, parent: QWidget | None = None, preset: int = 0):
        super().__init__(ctx, parent)
        self.filter = QComboBox()
        self.filter.setObjectName("assetFilter")
        for label, _filters in FILTERS:
            self.filter.addItem(label)
        self.filter.setCurrentIndex(preset)
        self.role = QComboBox()
        self.role.setObjectName("roleFilter")
        for role in ROLES:
            self.role.addItem(role or "Any role", role or None)
        self.name = QLineEdit()
        self.name.setObjectName("assetNameFilter")
        self.name.setPlaceholderText("File name contains…")
        self.name.setClearButtonEnabled(True)
        self.count_label = QLabel()
        bar = QHBoxLayout()
        bar.addWidget(self.filter)
        bar.addWidget(self.role)
        bar.addWidget(self.name, 1)
        bar.addWidget(self.count_label)

        self.model = AssetGridModel(self._query(), ctx.workers, parent=self)
        self.grid = AssetGrid()
        self.grid.setObjectName("assetGrid")
        self.grid.setModel(self.model)
        self.grid.selectionModel().selectionChanged.connect(self._selected)
        self.inspector = AssetInspector(ctx)

        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addLayout(bar)
        ll.addWidget(self.grid)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName(f"{self.key}Splitter")
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.inspector)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([700, 460])
        state = ctx.settings.value(f"{self.key}/splitter")
        if state is not None:
            self.splitter.restoreState(state)
        layout = QVBoxLayout(self)
        layout.addWidget(self.splitter)

        self.model.page_loaded.connect(self._after_page)
        ctx.nav.asset_filter.connect(self.set_filter)
        self.filter.currentIndexChanged.connect(self._filters_changed)
        self.role.currentIndexChanged.connect(self._filters_changed)
        self.name.textChanged.connect(self._filters_changed)

    def save_state(self, settings: Any) -> None:
        settings.setValue(f"{self.key}/splitter", self.splitter.saveState())

    def filters(self) -> dict[str, Any]:
        result = dict(FILTERS[self.filter.currentIndex()][1]) if hasattr(self, "filter") else {}
        if hasattr(self, "role") and self.role.currentData():
            result["role"] = self.role.currentData()
        if hasattr(self, "name") and self.name.text().strip():
            result["name"] = self.name.text().strip()
        return result

    def _query(self) -> GridQuery:
        return asset_query(self.ctx.library, **self.filters())

    def reload(self) -> None:
        self.model.reload(self._query())

    def _filters_changed(self) -> None:
        self.reload()

    def _after_page(self, _count: int) -> None:
        self.count_label.setText(f"{self.model.rowCount():,} assets")
        if self.model.rowCount() and self.inspector.asset_id is None:
            self.grid.setCurrentIndex(self.model.index(0))  # the inspector never starts empty

    def _on_change(self, change: Change) -> None:
        """Edits of shown assets refresh in place; new files re-read the grid."""
        if not self.affected_by(change):
            return
        listed = all(self.model.row_of(i) is not None for i in change.asset_ids or ())
        if change.kind != "ingest" and change.asset_ids and listed:
            self.ctx.workers.run(
                refreshed,
                self.ctx.library,
                sorted(change.asset_ids),
                on_result=self.model.update_items,
            )
            return
        super()._on_change(change)

    def _selected(self, _new: QItemSelection, _old: QItemSelection) -> None:
        indexes = self.grid.selectionModel().selectedIndexes()
        self.inspector.show_asset(indexes[0].data(AssetIdRole) if indexes else None)

    def set_filter(self, label: str) -> None:
        index = self.filter.findText(label)
        if index >= 0:
            self.filter.setCurrentIndex(index)

    def open_asset(self, asset_id: int) -> None:
        """Show one asset (from search or a product): select it, or inspect it directly."""
        row = self.model.row_of(asset_id)
        if row is not None:
            self.grid.setCurrentIndex(self.model.index(row))
        else:
            self.inspector.show_asset(asset_id)
