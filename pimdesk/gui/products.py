"""The Products screen: the lazy table, its filters, and opening a product."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QModelIndex, QSize, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent, QKeyEvent
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
from pimdesk.gui.products_model import (
    COL_ENABLED,
    COL_FAMILY,
    COL_MODEL,
    COL_NAME,
    COL_SKU,
    COL_THUMB,
    PAGE_SIZE,
    KindRole,
    ProductTableModel,
    RowRole,
    SkuRole,
)
from pimdesk.gui.screen import Screen
from pimdesk.library import Library


def link_assets(library: Library, sku: str, asset_ids: Sequence[int], role: str) -> int:
    from pimdesk.services import assets

    for asset_id in asset_ids:
        assets.link_asset(library, asset_id, sku, role=role)
    return len(asset_ids)


class ProductTable(QTableView):
    """The products table: a model row unfolds its variants below it (click its SKU with
    the arrow, double-click the row, or press Right / Left); assets dragged from the grid,
    or files from the desktop, dropped on a product's row are linked to that product."""

    dropped_assets = Signal(str, list)  # sku, asset ids
    dropped_files = Signal(str, list)  # sku, paths

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setAcceptDrops(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DropOnly)
        self.setDropIndicatorShown(True)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        model = self.model()
        index = self.currentIndex()
        if isinstance(model, ProductTableModel) and index.isValid() and model.is_model(index.row()):
            top, _variant = model.locate(index.row())
            unfold = event.key() in (Qt.Key.Key_Right, Qt.Key.Key_Plus)
            fold = event.key() in (Qt.Key.Key_Left, Qt.Key.Key_Minus)
            if (unfold and not model.is_expanded(top)) or (fold and model.is_expanded(top)):
                model.toggle(index.row())
                return
        super().keyPressEvent(event)

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

    def __init__(
        self, ctx: GuiContext, parent: QWidget | None = None, *, page_size: int = PAGE_SIZE
    ):
        super().__init__(ctx, parent)
        self.filter_text = QLineEdit()
        self.filter_text.setObjectName("productFilter")
        self.filter_text.setPlaceholderText("Filter by SKU, name or description…")
        self.filter_text.setClearButtonEnabled(True)
        self.family = QComboBox()
        self.family.setObjectName("familyFilter")
        self.family.addItem("All families", None)
        self.category = QComboBox()
        self.category.setObjectName("categoryFilter")
        self.category.addItem("All categories", None)
        self.completeness = QComboBox()
        self.completeness.setObjectName("completenessFilter")
        self._fill_completeness([])
        self.waiting = QComboBox()
        self.waiting.setObjectName("waitingFilter")
        self.waiting.setToolTip("Products changed since they were last published on a channel")
        self._fill_waiting([])
        self.count_label = QLabel()

        bar = QHBoxLayout()
        bar.addWidget(self.filter_text, 2)
        for combo in (self.family, self.category, self.completeness, self.waiting):
            # a long channel name must not widen the window: the list shows it whole
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            combo.setMinimumContentsLength(8)
            bar.addWidget(combo, 1)
        bar.addWidget(self.count_label)

        self.model = ProductTableModel(
            self._fetch_function(),
            ctx.workers,
            page_size=page_size,
            parent=self,
            started=False,
            variants=self._variants_function(),
        )
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
        header.setStretchLastSection(False)
        header.setMinimumSectionSize(_px(40))
        self.table.clicked.connect(self._clicked)
        self.table.doubleClicked.connect(self._open)
        self.table.activated.connect(self._activated)

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
        for combo in (self.family, self.category, self.completeness, self.waiting):
            combo.currentIndexChanged.connect(self._filters_changed)

    # -- data --------------------------------------------------------------------------

    def _fetch_function(self) -> source.PageFetch:
        if not hasattr(self, "model"):  # while building: an empty first model
            return functools.partial(source.product_page, self.ctx.library)
        completeness, channel = self.completeness.currentData() or (None, None)
        return functools.partial(
            source.product_page,
            self.ctx.library,
            text=self.filter_text.text().strip(),
            family=self.family.currentData(),
            category=self.category.currentData(),
            completeness=completeness,
            completeness_channel=channel,
            waiting=self.waiting.currentData(),
            locale=self.ctx.locale,
        )

    def _variants_function(self) -> functools.partial[list[object]]:
        return functools.partial(source.variant_rows, self.ctx.library, locale=self.ctx.locale)

    def reload(self) -> None:
        self.ctx.workers.run(source.table_setup, self.ctx.library, on_result=self._set_setup)

    def _set_setup(self, setup: source.TableSetup) -> None:
        _refill(self.family, "All families", setup.families)
        _refill(self.category, "All categories", setup.categories)
        self._fill_completeness(setup.channels)
        self._fill_waiting(setup.publishing)
        self.model.set_variants_fetch(self._variants_function())
        self.model.reload(self._fetch_function(), channels=setup.channels)

    def _fill_completeness(self, channels: Sequence[str]) -> None:
        choices: list[tuple[str, object]] = [
            ("Complete on every channel", ("complete", None)),
            ("Incomplete somewhere", ("incomplete", None)),
        ]
        for channel in channels:
            choices.append((f"Complete on {channel}", ("complete", channel)))
            choices.append((f"Incomplete on {channel}", ("incomplete", channel)))
        _refill(self.completeness, "Any completeness", choices)

    def _fill_waiting(self, channels: Sequence[str]) -> None:
        _refill(
            self.waiting,
            "Any publish state",
            [(f"Waiting to publish on {c}", c) for c in channels],
        )

    def _filters_changed(self) -> None:
        self.model.reload(self._fetch_function())

    def _after_page(self, _count: int) -> None:
        more = "" if self.model.exhausted else "+"
        products, models = self.model.counts
        text = f"{products}{more} product{'' if products == 1 else 's'}"
        if models:
            text += f", {models} model{'' if models == 1 else 's'}"
        self.count_label.setText(text)
        filtered = bool(
            self.filter_text.text().strip()
            or self.family.currentData()
            or self.category.currentData()
            or self.completeness.currentData()
            or self.waiting.currentData()
        )
        empty = self.model.rowCount() == 0 and self.model.exhausted and not filtered
        self.welcome.setVisible(empty)
        self.table.setVisible(not empty)
        for widget in (
            self.filter_text,
            self.family,
            self.category,
            self.completeness,
            self.waiting,
            self.count_label,
        ):
            widget.setVisible(not empty)

    def _size_columns(self) -> None:
        widths = {
            COL_THUMB: 56,
            COL_SKU: 160,
            COL_NAME: 220,
            COL_FAMILY: 100,
            COL_MODEL: 110,
            COL_ENABLED: 70,
        }
        for column, width in widths.items():
            self.table.setColumnWidth(column, _px(width))
        last = self.model.columnCount() - 1
        for column in range(COL_ENABLED + 1, last):  # channels
            self.table.setColumnWidth(column, _px(max(80, 9 * len(self.model.headers()[column]))))
        self.table.setColumnWidth(last, _px(130))  # "2026-11-24 09:30" whole
        # the name takes the room left, so the last column is never cut off
        self.table.horizontalHeader().setSectionResizeMode(COL_NAME, QHeaderView.ResizeMode.Stretch)

    def affected_by(self, change: Change) -> bool:
        return super().affected_by(change) or bool(change.product_ids)

    def _on_change(self, change: Change) -> None:
        """Edits refresh just their rows; bulk changes re-read from the first page, and so
        does any change while a completeness or waiting filter is on (rows may enter or
        leave it)."""
        if not self.affected_by(change):
            return
        if self.completeness.currentData() or self.waiting.currentData():
            super()._on_change(change)
            return
        if change.product_ids and len(change.product_ids) <= 200 and self.model.rowCount():
            ids = set(change.product_ids)
            skus: list[str] = []
            models: list[str] = []
            for row in self._shown_rows():
                if row.kind == "product" and row.id in ids:
                    skus.append(row.sku)
            for parent, variants in self._shown_variants():
                if any(v.id in ids for v in variants):
                    models.append(parent.sku)  # its "x of y complete" may have changed
            if skus or models:
                self.ctx.workers.run(
                    source.product_rows,
                    self.ctx.library,
                    skus,
                    self.model.channels,
                    self.ctx.locale,
                    models,
                    on_result=self.model.update_rows,
                )
            return
        super()._on_change(change)

    def _shown_variants(self) -> list[tuple[object, list[object]]]:
        """(model row, its variants) for every model unfolded now."""
        out: list[tuple[object, list[object]]] = []
        current: list[object] | None = None
        for _row, item in self.model.rows_with_numbers():
            if item.kind == "model":
                current = []
                out.append((item, current))
            elif item.parent is not None and current is not None:
                current.append(item)
            else:
                current = None
        return [(m, v) for m, v in out if v]

    def _shown_rows(self) -> list[object]:
        """Every row held now: top-level rows and the variants of unfolded models."""
        return [item for _row, item in self.model.rows_with_numbers()]

    # -- actions -----------------------------------------------------------------------

    def selected_skus(self) -> list[str]:
        """SKUs of the selected product and variant rows (model rows have none)."""
        skus = []
        for index in self.table.selectionModel().selectedRows():
            sku = index.data(SkuRole)
            if sku and sku not in skus:
                skus.append(sku)
        return skus

    def _activated(self, index: QModelIndex) -> None:
        """Enter on a row opens it; a double-click already did (doubleClicked)."""
        from PySide6.QtGui import QGuiApplication

        if QGuiApplication.mouseButtons() != Qt.MouseButton.NoButton:
            return
        if index.data(KindRole) == "model":
            self.model.toggle(index.row())
        else:
            self._open(index)

    def _clicked(self, index: QModelIndex) -> None:
        """A click on a model's SKU (the arrow) unfolds or folds its variants."""
        if index.column() == COL_SKU and index.data(KindRole) == "model":
            self.model.toggle(index.row())

    def _open(self, index: QModelIndex) -> None:
        """A product or variant opens in the editor; a model row unfolds or folds instead
        (a double-click on its SKU already did, with its first click)."""
        if index.data(KindRole) == "model":
            if index.column() != COL_SKU:
                self.model.toggle(index.row())
            return
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
        for row, item in self.model.rows_with_numbers():
            if item.kind == "product" and item.sku in wanted:
                self.table.selectRow(row)

    def row_of(self, index: QModelIndex) -> object:
        return index.data(RowRole)


def _refill(combo: QComboBox, everything: str, choices: Sequence[tuple[str, object]]) -> None:
    """Replace a filter's choices, keeping the current one when it still exists."""
    current = combo.currentData()
    combo.blockSignals(True)
    combo.clear()
    combo.addItem(everything, None)
    for label, data in choices:
        combo.addItem(label, data)
    index = combo.findData(current) if current is not None else 0
    combo.setCurrentIndex(max(index, 0))
    combo.blockSignals(False)


def _px(value: int) -> int:
    return value
