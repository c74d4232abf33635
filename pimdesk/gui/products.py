"""The Products screen: the lazy table, its filters, and opening a product."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QModelIndex, QSize, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from pimdesk.events import Change
from pimdesk.gui import catalog_source as source
from pimdesk.gui.assets_model import ASSET_MIME, asset_ids_from_mime
from pimdesk.gui.context import GuiContext
from pimdesk.gui.products_model import COL_SKU, COL_THUMB, ProductTableModel, SkuRole
from pimdesk.gui.screen import Screen
from pimdesk.library import Library


def link_assets(library: Library, sku: str, asset_ids: Sequence[int], role: str) -> int:
    from pimdesk.services import assets

    for asset_id in asset_ids:
        assets.link_asset(library, asset_id, sku, role=role)
    return len(asset_ids)


class ProductTable(QTableView):
    """The products table; assets dragged from the grid, or files from the desktop, dropped
    on a row are linked to that product."""

    dropped_assets = Signal(str, list)  # sku, asset ids
    dropped_files = Signal(str, list)  # sku, paths

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setAcceptDrops(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DropOnly)
        self.setDropIndicatorShown(True)

    def _accepts(self, event: QDropEvent | QDragEnterEvent | QDragMoveEvent) -> bool:
        mime = event.mimeData()
        return mime.hasFormat(ASSET_MIME) or mime.hasUrls()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self._accepts(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        index = self.indexAt(event.position().toPoint())
        if self._accepts(event) and index.isValid():
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        index = self.indexAt(event.position().toPoint())
        sku = index.data(SkuRole) if index.isValid() else None
        if not sku:
            event.ignore()
            return
        mime = event.mimeData()
        ids = asset_ids_from_mime(mime)
        if ids:
            self.dropped_assets.emit(sku, ids)
        elif mime.hasUrls():
            paths = [Path(u.toLocalFile()) for u in mime.urls() if u.isLocalFile()]
            if paths:
                self.dropped_files.emit(sku, paths)
        event.setDropAction(Qt.DropAction.CopyAction)
        event.accept()


class ProductsScreen(Screen):
    key = "products"
    label = "Products"
    change_kinds = frozenset(
        {
            "values",
            "import",
            "ingest",
            "links",
            "publish",
            "products",
            "demo",
            "approval",
            "channel",
        }
    )

    def __init__(self, ctx: GuiContext, parent: QWidget | None = None):
        super().__init__(ctx, parent)
        self.filter_text = QLineEdit()
        self.filter_text.setObjectName("productFilter")
        self.filter_text.setPlaceholderText("Filter by SKU, name or description…")
        self.filter_text.setClearButtonEnabled(True)
        self.family = QComboBox()
        self.family.setObjectName("familyFilter")
        self.family.addItem("All families", None)
        self.completeness = QComboBox()
        self.completeness.setObjectName("completenessFilter")
        self.completeness.addItem("Any completeness", None)
        self.completeness.addItem("Complete", "complete")
        self.completeness.addItem("Incomplete", "incomplete")
        self.count_label = QLabel()

        bar = QHBoxLayout()
        bar.addWidget(self.filter_text, 2)
        bar.addWidget(self.family)
        bar.addWidget(self.completeness)
        bar.addWidget(self.count_label)

        self.model = ProductTableModel(self._fetch_function(), ctx.workers, parent=self)
        self.table = ProductTable()
        self.table.dropped_assets.connect(self._link_assets)
        self.table.dropped_files.connect(self._link_files)
        self.table.setObjectName("productsTable")
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(COL_SKU, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(52)
        self.table.setIconSize(QSize(_px(48), _px(48)))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.table.doubleClicked.connect(self._open)
        self.table.activated.connect(self._open)

        from pimdesk.gui.welcome import WelcomePanel

        self.welcome = WelcomePanel(ctx)
        self.welcome.setVisible(False)
        self.welcome.done.connect(ctx.nav.status_message.emit)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.table)
        layout.addWidget(self.welcome)

        self.model.page_loaded.connect(self._after_page)
        self.model.modelReset.connect(self._size_columns)
        self.filter_text.textChanged.connect(self._filters_changed)
        for combo in (self.family, self.completeness):
            combo.currentIndexChanged.connect(self._filters_changed)

    # -- data --------------------------------------------------------------------------

    def _fetch_function(self) -> source.PageFetch:
        if not hasattr(self, "completeness"):  # while building: an empty first model
            return functools.partial(source.product_page, self.ctx.library)
        return functools.partial(
            source.product_page,
            self.ctx.library,
            text=self.filter_text.text().strip(),
            family=self.family.currentData(),
            completeness=self.completeness.currentData(),
            locale=self.ctx.locale,
        )

    def reload(self) -> None:
        self.ctx.workers.run(source.table_setup, self.ctx.library, on_result=self._set_setup)

    def _set_setup(self, setup: source.TableSetup) -> None:
        current = self.family.currentData()
        self.family.blockSignals(True)
        self.family.clear()
        self.family.addItem("All families", None)
        for code, label in setup.families:
            self.family.addItem(label, code)
        index = self.family.findData(current)
        self.family.setCurrentIndex(max(index, 0))
        self.family.blockSignals(False)
        self.model.reload(self._fetch_function(), channels=setup.channels)

    def _filters_changed(self) -> None:
        self.model.reload(self._fetch_function())

    def _after_page(self, _count: int) -> None:
        more = "" if self.model.exhausted else "+"
        self.count_label.setText(f"{self.model.rowCount()}{more} shown")
        filtered = bool(
            self.filter_text.text().strip()
            or self.family.currentData()
            or self.completeness.currentData()
        )
        empty = self.model.rowCount() == 0 and self.model.exhausted and not filtered
        self.welcome.setVisible(empty)
        self.table.setVisible(not empty)
        for widget in (self.filter_text, self.family, self.completeness, self.count_label):
            widget.setVisible(not empty)

    def _size_columns(self) -> None:
        widths = {COL_THUMB: 56, COL_SKU: 150, COL_SKU + 1: 260, COL_SKU + 2: 90, COL_SKU + 3: 120}
        for column, width in widths.items():
            self.table.setColumnWidth(column, _px(width))
        self.table.setColumnWidth(COL_SKU + 4, _px(70))  # enabled
        for column in range(COL_SKU + 5, self.model.columnCount() - 1):  # channels
            self.table.setColumnWidth(column, _px(max(84, 9 * len(self.model.headers()[column]))))

    def affected_by(self, change: Change) -> bool:
        return super().affected_by(change) or bool(change.product_ids)

    def _on_change(self, change: Change) -> None:
        """Edits refresh just their rows; bulk changes re-read from the first page."""
        if not self.affected_by(change):
            return
        if change.product_ids and len(change.product_ids) <= 200 and self.model.rowCount():
            ids = set(change.product_ids)
            skus = [r.sku for r in self.model.rows() if r.id in ids]
            if skus:
                self.ctx.workers.run(
                    source.product_rows,
                    self.ctx.library,
                    skus,
                    self.model.channels,
                    self.ctx.locale,
                    on_result=self.model.update_rows,
                )
            return
        super()._on_change(change)

    # -- actions -----------------------------------------------------------------------

    def selected_skus(self) -> list[str]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        return [self.model.row_at(r).sku for r in rows]

    def _open(self, index: QModelIndex) -> None:
        sku = index.data(SkuRole)
        if sku:
            self.ctx.nav.open_product.emit(sku)

    def _link_assets(self, sku: str, asset_ids: list[int]) -> None:
        self.ctx.workers.run(
            link_assets,
            self.ctx.library,
            sku,
            asset_ids,
            "main",
            write=True,
            on_result=lambda n: self.ctx.nav.status_message.emit(f"Linked {n} asset(s) to {sku}."),
            on_error=lambda exc: self.ctx.show_error(exc, title=f"Cannot link to {sku}"),
        )

    def _link_files(self, sku: str, paths: list[Path]) -> None:
        from pimdesk.gui.image_strip import ingest_and_link

        self.ctx.nav.status_message.emit(f"Adding {len(paths)} file(s) to {sku}…")
        self.ctx.workers.run(
            ingest_and_link,
            self.ctx.library,
            sku,
            paths,
            "main",
            write=True,
            on_result=lambda ids: self.ctx.nav.status_message.emit(
                f"Linked {len(ids)} file(s) to {sku}."
            ),
            on_error=lambda exc: self.ctx.show_error(exc, title=f"Cannot add files to {sku}"),
        )

    def select_skus(self, skus: Sequence[str]) -> None:
        wanted = set(skus)
        for number, item in enumerate(self.model.rows()):
            if item.sku in wanted:
                self.table.selectRow(number)


def _px(value: int) -> int:
    return value
