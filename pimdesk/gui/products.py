"""The Products screen: the lazy table, its filters, and opening a product."""

from __future__ import annotations

import functools
from collections.abc import Sequence

from PySide6.QtCore import QModelIndex, QSize, Qt
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
from pimdesk.gui.context import GuiContext
from pimdesk.gui.products_model import COL_SKU, COL_THUMB, ProductTableModel, SkuRole
from pimdesk.gui.screen import Screen


class ProductsScreen(Screen):
    key = "products"
    label = "Products"
    change_kinds = frozenset(
        {"values", "import", "ingest", "links", "publish", "products", "demo", "approval"}
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
        self.table = QTableView()
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

        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.table)

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

    def _size_columns(self) -> None:
        self.table.setColumnWidth(COL_THUMB, _px(56))
        self.table.setColumnWidth(COL_SKU, _px(140))
        self.table.setColumnWidth(COL_SKU + 1, _px(280))

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

    def select_skus(self, skus: Sequence[str]) -> None:
        wanted = set(skus)
        for number, item in enumerate(self.model.rows()):
            if item.sku in wanted:
                self.table.selectRow(number)


def _px(value: int) -> int:
    return value
