"""The products table model: keyset pages fetched as the view scrolls, product models that
expand to their variants, pages far from the viewport dropped, thumbnails in the background.

The view asks :meth:`canFetchMore`/:meth:`fetchMore` when it nears the end of what it has;
the model asks its ``fetch`` function (a service call, in the read process or a worker) for
the next page after the last key it holds, never an OFFSET, in the order of the sorted
column (the server sorts: a header click starts again from the first page in that order).

A flat table, not a tree: ``QTreeView`` lays out every row through Python ``index()`` calls
on each insert (0.2 s at 10,000 rows, 0.8 s at 50,000), ``QTableView`` does not. A model row
(:meth:`expand`, or a click on its arrow) shows its variants as rows right below it, fetched
when first expanded; "top rows" are the pages' rows, "rows" what the view shows.

Memory stays flat at any depth: only :attr:`keep_pages` pages of rows are held; a page far
from the rows the view last painted is dropped (its key and length kept, so the row count
never changes) and fetched again by that key when it is painted again. Custom roles carry
the SKU, the id, the row and its kind so they survive a proxy.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor

from pimdesk.gui.rows import Page, ProductRow
from pimdesk.gui.thumbnails import ThumbnailCache
from pimdesk.gui.workers import Job, Workers

PAGE_SIZE = 200
KEEP_PAGES = 24  # pages of rows held at most (the rest are dropped, re-fetched by key)

SkuRole = Qt.ItemDataRole.UserRole + 1
ProductIdRole = Qt.ItemDataRole.UserRole + 2
CompletenessRole = Qt.ItemDataRole.UserRole + 3
RowRole = Qt.ItemDataRole.UserRole + 4
KindRole = Qt.ItemDataRole.UserRole + 5  # "product" | "model" | "variant"

Index = QModelIndex | QPersistentModelIndex

# (after key, page size, descending, sort) -> a Page
Fetch = Callable[[Any, int, bool, str], Page]
# (model code) -> its variants
VariantsFetch = Callable[[str], Sequence[ProductRow]]

COL_THUMB, COL_SKU, COL_NAME, COL_FAMILY, COL_MODEL, COL_ENABLED = range(6)
FIXED_HEADERS = ["", "SKU", "Name", "Family", "Model", "Enabled"]
FIXED_SORTS = {
    COL_THUMB: "sku",
    COL_SKU: "sku",
    COL_NAME: "name",
    COL_FAMILY: "family",
    COL_MODEL: "model",
    COL_ENABLED: "enabled",
}
CLOSED, OPEN, VARIANT = "▸ ", "▾ ", "    "  # SKU prefixes: a model folded, unfolded; a variant


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


@dataclass
class _Slot:
    """One fetched page: the key it was fetched after, its length, its rows (None: dropped)."""

    after: Any
    count: int
    rows: list[ProductRow] | None
    refetching: bool = False


@dataclass
class _Variants:
    rows: list[ProductRow] = field(default_factory=list)
    loaded: bool = False
    job: Job | None = None


class ProductTableModel(QAbstractTableModel):
    """Rows arrive a keyset page at a time; :attr:`page_loaded` fires after each page and
    :attr:`variants_loaded` (with the model's code) once a model's variants are shown."""

    page_loaded = Signal(int)  # rows in the page
    variants_loaded = Signal(str)
    load_failed = Signal(object)

    def __init__(
        self,
        fetch: Fetch,
        workers: Workers,
        channels: Sequence[str] = (),
        page_size: int = PAGE_SIZE,
        thumb_size: int = 48,
        parent: QObject | None = None,
        variants: VariantsFetch | None = None,
        keep_pages: int = KEEP_PAGES,
        started: bool = True,
    ):
        super().__init__(parent)
        self._fetch = fetch
        self._variants_fetch = variants
        self._workers = workers
        self._channels = list(channels)
        self._page_size = page_size
        self.keep_pages = max(2, keep_pages)
        self._sort = "sku"
        self._descending = False
        self._generation = 0
        # a screen's model waits for its first reload (the view's initial sort must not
        # start a read the screen's set-up then throws away)
        self._started = started
        self._reset_state()
        self._row_size = QSize(thumb_size + 8, thumb_size + 4)
        self.thumbs = ThumbnailCache(workers, size=thumb_size, parent=self)
        self.thumbs.loaded.connect(self._thumbnail_ready)

    def _reset_state(self) -> None:
        self._slots: list[_Slot] = []
        self._starts: list[int] = []  # first top row of each slot
        self._count = 0  # top rows
        self._model_rows = 0  # of which product models
        self._models: dict[int, tuple[str, int]] = {}  # top row -> (model code, variants)
        self._variants: dict[int, _Variants] = {}  # top row -> its variants (once fetched)
        self._open: list[int] = []  # top rows shown unfolded, ascending
        self._before: list[int] = []  # variant rows shown above each unfolded top row
        self._own: list[int] = []  # the view row of each unfolded top row
        self._thumb_rows: dict[Path, set[tuple[int, int]]] = {}  # path -> (top, variant|-1)
        self._exhausted = False
        self._next_after: Any = None
        self._job: Job | None = None
        self._focus = 0

    # -- structure ---------------------------------------------------------------------

    @property
    def channels(self) -> list[str]:
        return list(self._channels)

    @property
    def sort_key(self) -> tuple[str, bool]:
        """The server-side order shown: (sort name, descending)."""
        return self._sort, self._descending

    def headers(self) -> list[str]:
        return [*FIXED_HEADERS, *self._channels, "Last published"]

    def sort_name(self, column: int) -> str | None:
        """What the service sorts by for ``column`` (None: not a column)."""
        if column in FIXED_SORTS:
            return FIXED_SORTS[column]
        channel = self._channel_of(column)
        if channel is not None:
            return f"completeness:{channel}"
        if column == self.columnCount() - 1:
            return "last_published"
        return None

    @property
    def counts(self) -> tuple[int, int]:
        """(products, product models) among the top rows fetched so far."""
        return self._count - self._model_rows, self._model_rows

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid():
            return 0
        return self._count + self._shown_variants(len(self._open))

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.headers())

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            headers = self.headers()
            if 0 <= section < len(headers):
                return headers[section]
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.ToolTipRole:
            if self._channel_of(section) is not None:
                return f"Completeness for the channel {self.headers()[section]}"
            if section == COL_MODEL:
                return "The product model a variant belongs to; a model's number of variants"
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

    # -- rows: top rows and the variants shown below unfolded models -------------------

    def _shown_variants(self, upto: int) -> int:
        """Variant rows shown below the first ``upto`` unfolded top rows."""
        if upto <= 0:
            return 0
        last = self._open[upto - 1]
        return self._before[upto - 1] + len(self._variants[last].rows)

    def _reindex_open(self) -> None:
        self._before = []
        total = 0
        for top in self._open:
            self._before.append(total)
            total += len(self._variants[top].rows)
        self._own = [top + before for top, before in zip(self._open, self._before, strict=True)]

    def locate(self, row: int) -> tuple[int, int]:
        """(top row, variant number or -1) shown at view ``row``."""
        if not self._open:
            return row, -1
        k = bisect.bisect_right(self._own, row)  # unfolded top rows at or above ``row``
        if k == 0:
            return row, -1
        top = self._open[k - 1]
        own = top + self._before[k - 1]
        count = len(self._variants[top].rows)
        if row <= own + count:
            return top, row - own - 1
        return row - self._shown_variants(k), -1

    def view_row(self, top: int, variant: int = -1) -> int:
        """The view row of a top row (or of one of its variants)."""
        k = bisect.bisect_left(self._open, top)
        return top + self._shown_variants(k) + (variant + 1 if variant >= 0 else 0)

    def _slot_of(self, top: int) -> int:
        return bisect.bisect_right(self._starts, top) - 1

    def top_row(self, top: int) -> ProductRow | None:
        """The row object of a top row (None while a dropped page is fetched again)."""
        if not 0 <= top < self._count:
            return None
        number = self._slot_of(top)
        slot = self._slots[number]
        if slot.rows is None:
            self._refetch(number)
            return None
        offset = top - self._starts[number]
        return slot.rows[offset] if offset < len(slot.rows) else None

    def row_at(self, row: int) -> ProductRow | None:
        """The row object shown at view ``row`` (a product, a model or a variant)."""
        if not 0 <= row < self.rowCount():
            return None
        top, variant = self.locate(row)
        if variant >= 0:
            return self._variants[top].rows[variant]
        return self.top_row(top)

    def rows(self) -> list[ProductRow]:
        """The top-level rows held now (dropped pages are not included)."""
        return [r for slot in self._slots if slot.rows is not None for r in slot.rows]

    def rows_with_numbers(self) -> list[tuple[int, ProductRow]]:
        """(view row, row) of every row held now, variants of unfolded models included."""
        out = []
        for start, slot in zip(self._starts, self._slots, strict=True):
            for offset, item in enumerate(slot.rows or ()):
                top = start + offset
                out.append((self.view_row(top), item))
                if top in self._variants and self.is_expanded(top):
                    for number, variant in enumerate(self._variants[top].rows):
                        out.append((self.view_row(top, number), variant))
        return out

    def loaded_pages(self) -> int:
        return sum(1 for slot in self._slots if slot.rows is not None)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role == Qt.ItemDataRole.SizeHintRole:  # rows tall enough for the thumbnail
            return self._row_size if index.column() == COL_THUMB else None
        top, variant = self.locate(index.row())
        self._focus = top
        item = self._variants[top].rows[variant] if variant >= 0 else self.top_row(top)
        if item is None:
            return "…" if role == Qt.ItemDataRole.DisplayRole and index.column() == 1 else None
        col = index.column()
        if role == SkuRole:
            return item.sku if item.kind == "product" else None
        if role == ProductIdRole:
            return item.id if item.kind == "product" else None
        if role == RowRole:
            return item
        if role == KindRole:
            return "variant" if variant >= 0 else item.kind
        channel = self._channel_of(col)
        if role == CompletenessRole:
            return item.completeness.get(channel) if channel else None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(item, col, channel, top, variant)
        if role == Qt.ItemDataRole.DecorationRole and col == COL_THUMB:
            return self.thumbs.get(item.thumbnail)
        if role == Qt.ItemDataRole.ForegroundRole and channel:
            percent = item.completeness.get(channel)
            return completeness_colour(percent) if percent is not None else None
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(item, col, channel)
        if role == Qt.ItemDataRole.TextAlignmentRole and (channel or col == COL_ENABLED):
            return int(Qt.AlignmentFlag.AlignCenter)
        return None

    def _tooltip(self, item: ProductRow, col: int, channel: str | None) -> str | None:
        if channel and item.kind == "model":
            done, total = item.complete_variants.get(channel, (0, item.variants))
            return f"{item.sku} on {channel}: {done} of {total} variants complete"
        if channel:
            waiting = " (waiting to publish)" if channel in item.waiting else ""
            text = f"{item.sku} on {channel}: {item.completeness.get(channel, 0)}%{waiting}"
            missing = item.missing.get(channel)
            if missing:
                text += "\nMissing: " + ", ".join(m.replace("image:", "image ") for m in missing)
            return text
        if col == COL_NAME:
            return item.name
        if col == COL_SKU and item.kind == "model":
            return f"Product model {item.sku}: click to show or hide its {item.variants} variant(s)"
        return None

    def _channel_of(self, col: int) -> str | None:
        offset = col - len(FIXED_HEADERS)
        if 0 <= offset < len(self._channels):
            return self._channels[offset]
        return None

    def _display(
        self, item: ProductRow, col: int, channel: str | None, top: int, variant: int
    ) -> Any:
        if col == COL_SKU:
            if item.kind == "model":
                return (OPEN if self.is_expanded(top) else CLOSED) + item.sku
            return VARIANT + item.sku if variant >= 0 else item.sku
        if col == COL_NAME:
            return item.name
        if col == COL_FAMILY:
            return item.family or ""
        if col == COL_MODEL:
            if item.kind == "model":
                return f"{item.variants} variant{'' if item.variants == 1 else 's'}"
            return item.parent or ""
        if col == COL_ENABLED:
            if item.kind == "model":
                return ""
            return "yes" if item.enabled else "no"
        if channel is not None:
            if item.kind == "model":
                if channel not in item.complete_variants:
                    return ""
                done, total = item.complete_variants[channel]
                return f"{done}/{total}"
            percent = item.completeness.get(channel)
            return "" if percent is None else f"{percent}%"
        if col == self.columnCount() - 1:
            if item.last_published is None:
                return "never"
            return item.last_published.astimezone().strftime("%Y-%m-%d %H:%M")
        return None

    # -- lazy fetching -----------------------------------------------------------------

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and self._started and not self._exhausted and self._job is None

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
            self._sort,
            on_result=lambda page: self._append(generation, after, page),
            on_error=lambda exc: self._failed(generation, exc),
        )

    @property
    def loading(self) -> bool:
        return self._job is not None

    @property
    def exhausted(self) -> bool:
        return self._exhausted

    def _append(self, generation: int, after: Any, page: Page) -> None:
        if generation != self._generation:
            return  # a page for an order or filter that is no longer shown
        self._job = None
        rows = list(page.rows)
        self._next_after = page.next_after
        if page.next_after is None:
            self._exhausted = True
        if rows:
            start = self._count
            first = self.rowCount()  # new top rows come after every variant shown
            self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
            self._slots.append(_Slot(after, len(rows), rows))
            self._starts.append(start)
            self._count += len(rows)
            self._index_rows(start, rows)
            self.endInsertRows()
            self._drop_far_pages()
        self.page_loaded.emit(len(rows))

    def _index_rows(self, start: int, rows: Sequence[ProductRow]) -> None:
        for offset, item in enumerate(rows):
            if item.kind == "model" and start + offset not in self._models:
                self._models[start + offset] = (item.sku, item.variants)
                self._model_rows += 1
            if item.thumbnail is not None:
                self._thumb_rows.setdefault(item.thumbnail, set()).add((start + offset, -1))

    def _drop_far_pages(self) -> None:
        """Keep :attr:`keep_pages` pages: drop those farthest from the rows last painted."""
        held = [n for n, slot in enumerate(self._slots) if slot.rows is not None]
        if len(held) <= self.keep_pages:
            return
        focus = self._slot_of(min(self._focus, max(self._count - 1, 0)))
        newest = len(self._slots) - 1
        held.sort(key=lambda n: abs(n - focus), reverse=True)
        for number in held[: len(held) - self.keep_pages]:
            if number in (focus, newest):
                continue
            slot = self._slots[number]
            for offset, item in enumerate(slot.rows or []):
                if item.thumbnail is not None:
                    places = self._thumb_rows.get(item.thumbnail)
                    if places is not None:
                        places.discard((self._starts[number] + offset, -1))
                        if not places:
                            del self._thumb_rows[item.thumbnail]
            slot.rows = None

    def _refetch(self, number: int) -> None:
        slot = self._slots[number]
        if slot.refetching:
            return
        slot.refetching = True
        generation = self._generation
        self._workers.fetch(
            self._fetch,
            slot.after,
            slot.count,
            self._descending,
            self._sort,
            on_result=lambda page: self._refetched(generation, number, page),
            on_error=lambda exc: self._failed(generation, exc),
        )

    def _refetched(self, generation: int, number: int, page: Page) -> None:
        if generation != self._generation:
            return
        slot = self._slots[number]
        slot.refetching = False
        slot.rows = list(page.rows)[: slot.count]
        start = self._starts[number]
        self._index_rows(start, slot.rows)
        self._drop_far_pages()
        first = self.view_row(start)
        last = self.view_row(start + slot.count - 1)
        self.dataChanged.emit(self.index(first, 0), self.index(last, self.columnCount() - 1))

    # -- unfolding product models ------------------------------------------------------

    def is_model(self, row: int) -> bool:
        top, variant = self.locate(row)
        return variant < 0 and top in self._models

    def is_expanded(self, top: int) -> bool:
        i = bisect.bisect_left(self._open, top)
        return i < len(self._open) and self._open[i] == top

    def toggle(self, row: int) -> None:
        """Unfold a model row shown at view ``row``, or fold it back."""
        top, variant = self.locate(row)
        if variant >= 0 or top not in self._models:
            return
        if self.is_expanded(top):
            self.collapse(row)
        else:
            self.expand(row)

    def expand(self, row: int) -> None:
        """Show the variants of the model row at view ``row`` below it (fetched once)."""
        top, variant = self.locate(row)
        if variant >= 0 or top not in self._models or self.is_expanded(top):
            return
        variants = self._variants.setdefault(top, _Variants())
        if variants.loaded:
            self._show(top)
            return
        if variants.job is not None or self._variants_fetch is None:
            return
        code = self._models[top][0]
        generation = self._generation
        variants.job = self._workers.fetch(
            self._variants_fetch,
            code,
            on_result=lambda rows: self._variants_arrived(generation, top, rows),
            on_error=lambda exc: self._variants_failed(generation, top, exc),
        )

    def collapse(self, row: int) -> None:
        top, variant = self.locate(row)
        if variant >= 0 or not self.is_expanded(top):
            return
        count = len(self._variants[top].rows)
        own = self.view_row(top)
        if count:
            self.beginRemoveRows(QModelIndex(), own + 1, own + count)
        self._open.remove(top)
        self._reindex_open()
        if count:
            self.endRemoveRows()
        index = self.index(own, COL_SKU)
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.DisplayRole])

    def _show(self, top: int) -> None:
        variants = self._variants[top]
        own = self.view_row(top)
        count = len(variants.rows)
        if count:
            self.beginInsertRows(QModelIndex(), own + 1, own + count)
        bisect.insort(self._open, top)
        self._reindex_open()
        if count:
            self.endInsertRows()
        index = self.index(own, COL_SKU)
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.DisplayRole])
        self.variants_loaded.emit(self._models[top][0])

    def _variants_arrived(self, generation: int, top: int, rows: Sequence[ProductRow]) -> None:
        if generation != self._generation:
            return
        variants = self._variants[top]
        variants.job = None
        variants.loaded = True
        variants.rows = list(rows)
        for number, item in enumerate(variants.rows):
            if item.thumbnail is not None:
                self._thumb_rows.setdefault(item.thumbnail, set()).add((top, number))
        self._show(top)

    def _variants_failed(self, generation: int, top: int, exc: BaseException) -> None:
        if generation != self._generation:
            return
        self._variants[top].job = None
        self.load_failed.emit(exc)

    def _failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation:
            return
        self._job = None
        self._exhausted = True
        self.load_failed.emit(exc)

    # -- starting again, sorting, refreshing -------------------------------------------

    def reload(self, fetch: Fetch | None = None, channels: Sequence[str] | None = None) -> None:
        """Start again from the first page (new filter, new order, or changed data)."""
        self.beginResetModel()
        if fetch is not None:
            self._fetch = fetch
        if channels is not None:
            self._channels = list(channels)
        self._generation += 1
        self._started = True
        self._reset_state()
        self.endResetModel()
        self.fetchMore()

    def set_variants_fetch(self, fetch: VariantsFetch) -> None:
        self._variants_fetch = fetch

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Every column sorts on the server, both ways: start again in the new order."""
        name = self.sort_name(column)
        if name is None:
            return
        descending = order == Qt.SortOrder.DescendingOrder
        if (name, descending) == (self._sort, self._descending) and self._count:
            return
        self._sort, self._descending = name, descending
        if self._started:
            self.reload()

    def update_rows(self, rows: Sequence[ProductRow]) -> None:
        """Replace rows already shown (after an edit); emits dataChanged for those rows."""
        fresh = {(r.kind, r.id): r for r in rows}
        last = self.columnCount() - 1
        for number, slot in enumerate(self._slots):
            if slot.rows is None:
                continue
            for offset, item in enumerate(slot.rows):
                new = fresh.get((item.kind, item.id))
                if new is not None:
                    slot.rows[offset] = _keyed(new, item)
                    row = self.view_row(self._starts[number] + offset)
                    self.dataChanged.emit(self.index(row, 0), self.index(row, last))
        for top, variants in self._variants.items():
            for offset, item in enumerate(variants.rows):
                new = fresh.get((item.kind, item.id))
                if new is not None:
                    variants.rows[offset] = new
                    if self.is_expanded(top):
                        row = self.view_row(top, offset)
                        self.dataChanged.emit(self.index(row, 0), self.index(row, last))

    def _thumbnail_ready(self, path: Path) -> None:
        for top, variant in list(self._thumb_rows.get(path, ())):
            if variant >= 0 and not self.is_expanded(top):
                continue
            index = self.index(self.view_row(top, variant), COL_THUMB)
            self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])


def _keyed(new: ProductRow, old: ProductRow) -> ProductRow:
    """A refreshed row keeps the key it was paged by (its place in the order shown)."""
    from dataclasses import replace

    return replace(new, key=old.key) if new.key is None else new
