"""The products table model: keyset pages fetched as the view scrolls, thumbnails in the
background.

The view asks :meth:`canFetchMore`/:meth:`fetchMore` when it nears the end of what it has;
the model asks its ``fetch`` function (a service call, in a worker) for the next page after
the last key it holds, never an OFFSET. Sorting re-reads from the first page in the new
order. Custom roles carry the SKU and the id so they survive a sort/filter proxy.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QPixmap

from pimdesk.gui.rows import Page, ProductRow
from pimdesk.gui.thumbnails import ThumbnailCache
from pimdesk.gui.workers import Job, Workers

PAGE_SIZE = 200

SkuRole = Qt.ItemDataRole.UserRole + 1
ProductIdRole = Qt.ItemDataRole.UserRole + 2
CompletenessRole = Qt.ItemDataRole.UserRole + 3
RowRole = Qt.ItemDataRole.UserRole + 4

Index = QModelIndex | QPersistentModelIndex


# (after key, page size, descending) -> a Page, or a plain list (a short list is the last)
Fetch = Callable[[str | None, int, bool], "Page | Sequence[ProductRow]"]

COL_THUMB, COL_SKU, COL_NAME, COL_FAMILY, COL_MODEL, COL_ENABLED = range(6)
FIXED_HEADERS = ["", "SKU", "Name", "Family", "Model", "Enabled"]


def completeness_colour(percent: int) -> QColor:
    """Green / amber / red, lighter on a dark palette so they stay readable."""
    from PySide6.QtGui import QGuiApplication, QPalette

    app = QGuiApplication.instance()
    dark = False
    if isinstance(app, QGuiApplication):
        dark = app.palette().color(QPalette.ColorRole.Base).lightness() < 128
    if percent >= 100:
        return QColor("#6cc070" if dark else "#2e7d32")
    if percent >= 50:
        return QColor("#e0a33a" if dark else "#a86400")
    return QColor("#ff6b6b" if dark else "#c53030")


class ProductTableModel(QAbstractTableModel):
    """Rows arrive a keyset page at a time; :attr:`page_loaded` fires after each page."""

    page_loaded = Signal(int)  # rows in the page
    load_failed = Signal(object)

    def __init__(
        self,
        fetch: Fetch,
        workers: Workers,
        channels: Sequence[str] = (),
        page_size: int = PAGE_SIZE,
        thumb_size: int = 48,
        parent: QObject | None = None,
    ):
        super().__init__(parent)
        self._fetch = fetch
        self._workers = workers
        self._channels = list(channels)
        self._page_size = page_size
        self._rows: list[ProductRow] = []
        self._row_of_path: dict[Path, list[int]] = {}
        self._exhausted = False
        self._next_after: str | None = None
        self._job: Job | None = None
        self._generation = 0
        self._descending = False
        self.thumbs = ThumbnailCache(workers, size=thumb_size, parent=self)
        self.thumbs.loaded.connect(self._thumbnail_ready)

    # -- structure ---------------------------------------------------------------------

    @property
    def channels(self) -> list[str]:
        return list(self._channels)

    def headers(self) -> list[str]:
        return [*FIXED_HEADERS, *self._channels, "Last published"]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.headers())

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            headers = self.headers()
            if 0 <= section < len(headers):
                return headers[section]
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.ToolTipRole
            and self._channel_of(section) is not None
        ):
            return f"Completeness for the channel {self.headers()[section]}"
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemIsDragEnabled
            | Qt.ItemFlag.ItemIsDropEnabled
        )

    def row_at(self, row: int) -> ProductRow:
        return self._rows[row]

    def rows(self) -> list[ProductRow]:
        return list(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        item = self._rows[index.row()]
        col = index.column()
        if role == SkuRole:
            return item.sku
        if role == ProductIdRole:
            return item.id
        if role == RowRole:
            return item
        channel = self._channel_of(col)
        if role == CompletenessRole:
            return item.completeness.get(channel) if channel else None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(item, col, channel)
        if role == Qt.ItemDataRole.DecorationRole and col == COL_THUMB:
            image = self.thumbs.get(item.thumbnail)
            return QPixmap.fromImage(image) if image is not None else None
        if role == Qt.ItemDataRole.ForegroundRole and channel:
            percent = item.completeness.get(channel)
            return completeness_colour(percent) if percent is not None else None
        if role == Qt.ItemDataRole.ToolTipRole:
            if channel:
                waiting = " (waiting to publish)" if channel in item.waiting else ""
                return f"{item.sku} on {channel}: {item.completeness.get(channel, 0)}%{waiting}"
            if col == COL_NAME:
                return item.name
        if role == Qt.ItemDataRole.TextAlignmentRole and (channel or col == COL_ENABLED):
            return int(Qt.AlignmentFlag.AlignCenter)
        return None

    def _channel_of(self, col: int) -> str | None:
        offset = col - len(FIXED_HEADERS)
        if 0 <= offset < len(self._channels):
            return self._channels[offset]
        return None

    def _display(self, item: ProductRow, col: int, channel: str | None) -> Any:
        if col == COL_SKU:
            return item.sku
        if col == COL_NAME:
            return item.name
        if col == COL_FAMILY:
            return item.family or ""
        if col == COL_MODEL:
            return item.parent or ""
        if col == COL_ENABLED:
            return "yes" if item.enabled else "no"
        if channel is not None:
            percent = item.completeness.get(channel)
            return "" if percent is None else f"{percent}%"
        if col == self.columnCount() - 1:
            if item.last_published is None:
                return "never"
            return item.last_published.astimezone().strftime("%Y-%m-%d %H:%M")
        return None

    # -- lazy fetching -----------------------------------------------------------------

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and not self._exhausted and self._job is None

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if not self.canFetchMore(parent):
            return
        after = self._next_after
        generation = self._generation
        self._job = self._workers.fetch(
            self._fetch,
            after,
            self._page_size,
            self._descending,
            on_result=lambda rows: self._append(generation, rows),
            on_error=lambda exc: self._failed(generation, exc),
        )

    @property
    def loading(self) -> bool:
        return self._job is not None

    @property
    def exhausted(self) -> bool:
        return self._exhausted

    def _append(self, generation: int, page: Page | Sequence[ProductRow]) -> None:
        if generation != self._generation:
            return  # a page for an order or filter that is no longer shown
        self._job = None
        if not isinstance(page, Page):
            full = len(page) >= self._page_size
            page = Page(page, page[-1].sku if full and page else None)
        rows = list(page.rows)
        self._next_after = page.next_after
        if page.next_after is None:
            self._exhausted = True
        if rows:
            start = len(self._rows)
            self.beginInsertRows(QModelIndex(), start, start + len(rows) - 1)
            self._rows.extend(rows)
            for offset, item in enumerate(rows):
                if item.thumbnail is not None:
                    self._row_of_path.setdefault(item.thumbnail, []).append(start + offset)
            self.endInsertRows()
        self.page_loaded.emit(len(rows))

    def _failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation:
            return
        self._job = None
        self._exhausted = True
        self.load_failed.emit(exc)

    def reload(self, fetch: Fetch | None = None, channels: Sequence[str] | None = None) -> None:
        """Start again from the first page (new filter, new order, or changed data)."""
        self.beginResetModel()
        if fetch is not None:
            self._fetch = fetch
        if channels is not None:
            self._channels = list(channels)
        self._generation += 1
        self._rows = []
        self._row_of_path = {}
        self._exhausted = False
        self._next_after = None
        self._job = None
        self.endResetModel()
        self.fetchMore()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Server-side order by SKU (the keyset); other columns sort the rows already held."""
        descending = order == Qt.SortOrder.DescendingOrder
        if column in (COL_SKU, COL_THUMB):
            if descending != self._descending or not self._rows:
                self._descending = descending
                self.reload()
            return
        self.layoutAboutToBeChanged.emit()
        self._rows.sort(key=lambda r: _sort_key(self._display(r, column, self._channel_of(column))))
        if descending:
            self._rows.reverse()
        self._row_of_path = {}
        for number, item in enumerate(self._rows):
            if item.thumbnail is not None:
                self._row_of_path.setdefault(item.thumbnail, []).append(number)
        self.layoutChanged.emit()

    def update_rows(self, rows: Sequence[ProductRow]) -> None:
        """Replace rows already shown (after an edit); emits dataChanged for those rows."""
        by_sku = {r.sku: r for r in rows}
        for number, item in enumerate(self._rows):
            new = by_sku.get(item.sku)
            if new is not None:
                self._rows[number] = new
                self.dataChanged.emit(
                    self.index(number, 0), self.index(number, self.columnCount() - 1)
                )

    def _thumbnail_ready(self, path: Path) -> None:
        for number in self._row_of_path.get(path, []):
            index = self.index(number, COL_THUMB)
            self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])


def _sort_key(value: Any) -> tuple[int, Any]:
    if value is None or value == "":
        return (1, "")
    if isinstance(value, str) and value.endswith("%") and value[:-1].isdigit():
        return (0, int(value[:-1]))
    return (0, str(value).lower())
