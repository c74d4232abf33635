"""The asset grid model: every asset's id at once, their summaries a keyset page at a time
as the view shows them, thumbnails in the background. Dragging assets out carries their ids
(drop them on a product to link them).

Scale: the model learns all matching ids in one narrow query (100,000 ints), so the grid has
its full size from the start (one layout pass, never a relayout per page) and knows the key
of every page: page ``n`` is "the assets after id ``ids[n * size] - 1``". Summaries are read
only for pages the view paints, and only the most recently shown pages are kept (older ones
are dropped and read again by their key if the user scrolls back), so memory stays flat.
"""

from __future__ import annotations

import bisect
import functools
from array import array
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from PySide6.QtCore import (
    QAbstractListModel,
    QByteArray,
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor, QPixmap

from pimdesk.gui.catalog_source import asset_ids, asset_page
from pimdesk.gui.thumbnails import ThumbnailCache
from pimdesk.gui.workers import Workers
from pimdesk.library import Library
from pimdesk.services.assets import AssetSummary

ASSET_MIME = "application/x-pimdesk-asset-ids"
PAGE_SIZE = 300
KEEP_PAGES = 12  # pages of summaries kept; the rest are read again when shown

AssetIdRole = Qt.ItemDataRole.UserRole + 1
SummaryRole = Qt.ItemDataRole.UserRole + 2

Index = QModelIndex | QPersistentModelIndex
# (after id, limit) -> a page of assets (a short page is the last)
AssetFetch = Callable[[int, int], Sequence[AssetSummary]]
# () -> the id of every asset the grid lists, ascending
IdsFetch = Callable[[], Sequence[int]]


class GridQuery(NamedTuple):
    """What a grid lists: its ids at once, and a page of summaries after a key."""

    page: AssetFetch
    ids: IdsFetch


def asset_query(library: Library, **filters: Any) -> GridQuery:
    """The grid's reads for ``filters`` (those of ``services.assets.list_assets``), bound
    to the library so that they run in the read process."""
    return GridQuery(
        functools.partial(asset_page, library, **filters),
        functools.partial(asset_ids, library, **filters),
    )


def asset_ids_from_mime(mime: QMimeData) -> list[int]:
    if not mime.hasFormat(ASSET_MIME):
        return []
    raw = bytes(mime.data(ASSET_MIME).data()).decode("ascii", "ignore")
    return [int(x) for x in raw.split(",") if x.strip().isdigit()]


def caption(summary: AssetSummary, reason: bool = False) -> str:
    title = summary.title if len(summary.title) <= 22 else summary.title[:20] + "…"
    if reason:
        return f"{summary.title}\n{summary.inbox_reason or ''}"
    if summary.links:
        first = summary.links[0]
        where = f"{first.sku or first.model} · {first.role}"
    else:
        where = "unmatched"
    return f"{title}\n{where}"


STATUS_COLOURS = {"expired": "#c53030", "expiring": "#b7791f"}


class AssetGridModel(QAbstractListModel):
    """Rows are known ids; :data:`SummaryRole` and the caption need the row's page.

    A row whose page is not loaded shows an empty cell and asks for its page; the answer
    fills the cells (``dataChanged``). :attr:`page_loaded` reports each page that arrives
    (and an empty list, with 0).
    """

    page_loaded = Signal(int)
    load_failed = Signal(object)

    def __init__(
        self,
        query: GridQuery,
        workers: Workers,
        page_size: int = PAGE_SIZE,
        thumb_size: int = 128,
        keep_pages: int = KEEP_PAGES,
        parent: QObject | None = None,
    ):
        super().__init__(parent)
        self._query = query
        self._workers = workers
        self._page_size = page_size
        self._keep_pages = max(2, keep_pages)
        self._ids: array[int] = array("q")
        self._pages: OrderedDict[int, list[AssetSummary | None]] = OrderedDict()  # LRU
        self._wanted: OrderedDict[int, None] = OrderedDict()  # most recently painted last
        self._painted: dict[int, tuple[int, int]] = {}  # page -> rows painted while missing
        self._loading: int | None = None  # the page being read
        self._rows_of_path: dict[Path, set[int]] = {}
        self._known = False  # the ids have arrived
        self._generation = 0
        self.pages_read = 0  # how many page reads were answered (tests, benchmark)
        # the grid's cell: every item the same size whether its thumbnail arrived or not
        self.item_size: QSize | None = QSize(thumb_size + 24, thumb_size + 44)
        self.show_reasons = False  # the inbox shows why a file waits instead of its links
        self.thumbs = ThumbnailCache(workers, size=thumb_size, parent=self)
        self.thumbs.loaded.connect(self._thumbnail_ready)
        self._blank: QPixmap | None = None
        self._ask = QTimer(self)  # reads the wanted pages once painting is over
        self._ask.setSingleShot(True)
        self._ask.setInterval(0)
        self._ask.timeout.connect(self._read_next)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._ids)

    # -- what the rows hold ------------------------------------------------------------

    def item(self, row: int) -> AssetSummary | None:
        """The summary of ``row``, or None while its page is not loaded (it is then asked)."""
        if not 0 <= row < len(self._ids):
            return None
        page_number = row // self._page_size
        page = self._pages.get(page_number)
        if page is None:
            self._want(page_number, row)
            return None
        self._pages.move_to_end(page_number)
        return page[row - page_number * self._page_size]

    def items(self) -> list[AssetSummary]:
        """The summaries loaded now (the pages recently shown)."""
        return [i for page in self._pages.values() for i in page if i is not None]

    def loaded_pages(self) -> list[int]:
        return sorted(self._pages)

    def asset_id(self, row: int) -> int:
        return self._ids[row]

    def row_of(self, asset_id: int) -> int | None:
        row = bisect.bisect_left(self._ids, asset_id)
        return row if row < len(self._ids) and self._ids[row] == asset_id else None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._ids):
            return None
        row = index.row()
        if role == AssetIdRole:
            return self._ids[row]
        if role == Qt.ItemDataRole.SizeHintRole:
            return self.item_size
        item = self.item(row)
        if item is None:  # its page is on its way: an empty tile, not a hole
            if role == Qt.ItemDataRole.DecorationRole:
                return self._placeholder()
            return "…" if role == Qt.ItemDataRole.DisplayRole else None
        if role == Qt.ItemDataRole.DisplayRole:
            return caption(item, self.show_reasons)
        if role == SummaryRole:
            return item
        if role == Qt.ItemDataRole.DecorationRole:
            path = Path(item.thumbnail) if item.thumbnail else None
            image = self.thumbs.get(path)
            if image is not None:
                return QPixmap.fromImage(image)
            return self._placeholder() if path is not None else None
        if role == Qt.ItemDataRole.ToolTipRole:
            lines = [item.title, f"asset {item.id}, version {item.version or '—'}"]
            lines.append(f"approval: {item.approval or '—'}, rights: {item.rights_status}")
            if item.inbox_reason:
                lines.append(f"unmatched: {item.inbox_reason}")
            for link in item.links:
                lines.append(f"{link.sku or link.model}: {link.role} {link.position}")
            return "\n".join(lines)
        if role == Qt.ItemDataRole.ForegroundRole:
            colour = STATUS_COLOURS.get(item.rights_status)
            return QColor(colour) if colour else None
        return None

    def _placeholder(self) -> QPixmap:
        """A faint tile the size of a thumbnail, shown until the real one arrives."""
        if self._blank is None:
            side = self.thumbs.size
            self._blank = QPixmap(side, side)
            self._blank.fill(QColor(128, 128, 128, 40))
        return self._blank

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDragEnabled
        )

    def mimeTypes(self) -> list[str]:
        return [ASSET_MIME]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        mime = QMimeData()
        ids = sorted({int(i.data(AssetIdRole)) for i in indexes if i.isValid()})
        mime.setData(ASSET_MIME, QByteArray(",".join(map(str, ids)).encode("ascii")))
        mime.setText(", ".join(f"asset {i}" for i in ids))
        return mime

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.CopyAction | Qt.DropAction.LinkAction

    # -- reading -----------------------------------------------------------------------

    @property
    def exhausted(self) -> bool:
        """Every row is known (the ids arrived); pages still load as they are shown."""
        return self._known

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return False  # the rows are all there once the ids arrive; pages load as painted

    def reload(self, query: GridQuery | None = None) -> None:
        """Read the ids again (filters changed, assets arrived), then the pages shown."""
        if query is not None:
            self._query = query
        self._generation += 1
        generation = self._generation
        self._workers.fetch(
            self._query.ids,
            on_result=lambda ids: self._set_ids(generation, ids),
            on_error=lambda exc: self._failed(generation, exc),
        )

    def _set_ids(self, generation: int, ids: Sequence[int]) -> None:
        if generation != self._generation:
            return
        self.beginResetModel()
        self._ids = array("q", ids)
        self._pages.clear()
        self._wanted.clear()
        self._painted.clear()
        self._rows_of_path = {}
        self._loading = None
        self._known = True
        self.endResetModel()
        if self._ids:
            self._want(0)  # the first page, for the view's first paint and the inspector
        else:
            self.page_loaded.emit(0)

    def _want(self, page: int, row: int | None = None) -> None:
        """Ask for ``page``; ``row`` was painted without its data (only the rows painted so
        need repainting when the page arrives: a whole page's ``dataChanged`` costs the
        icon view a size query per row)."""
        start = page * self._page_size
        first, last = (start, start + self._page_size - 1) if row is None else (row, row)
        if page in self._painted:
            low, high = self._painted[page]
            first, last = min(first, low), max(last, high)
        self._painted[page] = (first, last)
        if page == self._loading:
            return
        self._wanted[page] = None
        self._wanted.move_to_end(page)
        if self._loading is None and not self._ask.isActive():
            self._ask.start()

    def _read_next(self) -> None:
        """Read the page painted most recently; pages scrolled past meanwhile are dropped
        from the queue (they are asked again if they are painted again)."""
        if self._loading is not None or not self._wanted:
            return
        page, _ = self._wanted.popitem(last=True)
        while len(self._wanted) > 2:  # beyond the last few asks: the user has moved on
            self._wanted.popitem(last=False)
        start = page * self._page_size
        if page in self._pages or start >= len(self._ids):
            self._read_next()
            return
        self._loading = page
        generation = self._generation
        self._workers.fetch(
            self._query.page,
            self._ids[start] - 1,  # the page's key: the assets after this id
            self._page_size,
            on_result=lambda rows: self._page_arrived(generation, page, rows),
            on_error=lambda exc: self._failed(generation, exc),
        )

    def _page_arrived(self, generation: int, page: int, rows: Sequence[AssetSummary]) -> None:
        if generation != self._generation:
            return
        self._loading = None
        self.pages_read += 1
        start = page * self._page_size
        end = min(start + self._page_size, len(self._ids))
        by_id = {row.id: row for row in rows}
        # an asset removed since the ids were read stays an empty cell until the next reload
        items = [by_id.get(self._ids[row]) for row in range(start, end)]
        self._pages[page] = items
        self._pages.move_to_end(page)
        for offset, item in enumerate(items):
            if item is not None and item.thumbnail:
                self._rows_of_path.setdefault(Path(item.thumbnail), set()).add(start + offset)
        while len(self._pages) > self._keep_pages:
            self._drop(next(iter(self._pages)))
        first, last = self._painted.pop(page, (start, end - 1))
        first, last = max(first, start), min(last, end - 1)
        if last >= first:
            self.dataChanged.emit(self.index(first), self.index(last))
        self.page_loaded.emit(len(items))
        if self._wanted:
            self._ask.start()

    def _drop(self, page: int) -> None:
        """Forget a page's summaries (least recently shown); read again by key if shown."""
        items = self._pages.pop(page)
        rows = range(page * self._page_size, (page + 1) * self._page_size)
        for item in items:
            if item is not None and item.thumbnail:
                path = Path(item.thumbnail)
                shown = self._rows_of_path.get(path, set())
                shown.difference_update(rows)
                if not shown:
                    self._rows_of_path.pop(path, None)

    def _failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation:
            return
        self._loading = None
        self._known = True
        self.load_failed.emit(exc)

    def update_items(self, items: Sequence[AssetSummary]) -> None:
        """Fresh summaries of assets shown (after an edit): just their cells change."""
        for fresh in items:
            row = self.row_of(fresh.id)
            if row is None:
                continue
            page = self._pages.get(row // self._page_size)
            if page is not None:
                page[row % self._page_size] = fresh
                index = self.index(row)
                self.dataChanged.emit(index, index)

    def _thumbnail_ready(self, path: Path) -> None:
        for number in sorted(self._rows_of_path.get(path, ())):
            index = self.index(number)
            self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])
