"""The asset grid model: keyset pages of assets as the view scrolls, thumbnails in the
background. Dragging assets out carries their ids (drop them on a product to link them).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QByteArray,
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QPixmap

from pimdesk.gui.thumbnails import ThumbnailCache
from pimdesk.gui.workers import Job, Workers
from pimdesk.services.assets import AssetSummary

ASSET_MIME = "application/x-pimdesk-asset-ids"
PAGE_SIZE = 300

AssetIdRole = Qt.ItemDataRole.UserRole + 1
SummaryRole = Qt.ItemDataRole.UserRole + 2

Index = QModelIndex | QPersistentModelIndex
# (after id, limit) -> a page of assets (a short page is the last)
AssetFetch = Callable[[int, int], Sequence[AssetSummary]]


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
    page_loaded = Signal(int)
    load_failed = Signal(object)

    def __init__(
        self,
        fetch: AssetFetch,
        workers: Workers,
        page_size: int = PAGE_SIZE,
        thumb_size: int = 128,
        parent: QObject | None = None,
    ):
        super().__init__(parent)
        self._fetch = fetch
        self._workers = workers
        self._page_size = page_size
        self._items: list[AssetSummary] = []
        self._rows_of_path: dict[Path, list[int]] = {}
        self._exhausted = False
        self._job: Job | None = None
        self._generation = 0
        # the grid's cell: every item the same size whether its thumbnail arrived or not
        self.item_size: QSize | None = QSize(thumb_size + 24, thumb_size + 44)
        self.show_reasons = False  # the inbox shows why a file waits instead of its links
        self.thumbs = ThumbnailCache(workers, size=thumb_size, parent=self)
        self.thumbs.loaded.connect(self._thumbnail_ready)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._items)

    def item(self, row: int) -> AssetSummary:
        return self._items[row]

    def items(self) -> list[AssetSummary]:
        return list(self._items)

    def row_of(self, asset_id: int) -> int | None:
        for number, item in enumerate(self._items):
            if item.id == asset_id:
                return number
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._items):
            return None
        item = self._items[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return caption(item, self.show_reasons)
        if role == AssetIdRole:
            return item.id
        if role == SummaryRole:
            return item
        if role == Qt.ItemDataRole.DecorationRole:
            path = Path(item.thumbnail) if item.thumbnail else None
            image = self.thumbs.get(path)
            return QPixmap.fromImage(image) if image is not None else None
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
        if role == Qt.ItemDataRole.SizeHintRole and self.item_size is not None:
            return self.item_size
        return None

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

    # -- lazy fetching -----------------------------------------------------------------

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and not self._exhausted and self._job is None

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if not self.canFetchMore(parent):
            return
        after = self._items[-1].id if self._items else 0
        generation = self._generation
        self._job = self._workers.fetch(
            self._fetch,
            after,
            self._page_size,
            on_result=lambda rows: self._append(generation, rows),
            on_error=lambda exc: self._failed(generation, exc),
        )

    @property
    def exhausted(self) -> bool:
        return self._exhausted

    def _append(self, generation: int, rows: Sequence[AssetSummary]) -> None:
        if generation != self._generation:
            return
        self._job = None
        rows = list(rows)
        if len(rows) < self._page_size:
            self._exhausted = True
        if rows:
            start = len(self._items)
            self.beginInsertRows(QModelIndex(), start, start + len(rows) - 1)
            self._items.extend(rows)
            for offset, item in enumerate(rows):
                if item.thumbnail:
                    self._rows_of_path.setdefault(Path(item.thumbnail), []).append(start + offset)
            self.endInsertRows()
        self.page_loaded.emit(len(rows))

    def _failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation:
            return
        self._job = None
        self._exhausted = True
        self.load_failed.emit(exc)

    def reload(self, fetch: AssetFetch | None = None) -> None:
        self.beginResetModel()
        if fetch is not None:
            self._fetch = fetch
        self._generation += 1
        self._items = []
        self._rows_of_path = {}
        self._exhausted = False
        self._job = None
        self.endResetModel()
        self.fetchMore()

    def update_items(self, items: Sequence[AssetSummary]) -> None:
        by_id = {i.id: i for i in items}
        for number, item in enumerate(self._items):
            if item.id in by_id:
                self._items[number] = by_id[item.id]
                index = self.index(number)
                self.dataChanged.emit(index, index)

    def _thumbnail_ready(self, path: Path) -> None:
        for number in self._rows_of_path.get(path, []):
            index = self.index(number)
            self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])
