"""The search box (Ctrl+F): products and assets by SKU, name, file name or tag, as you type.

Searches run in the background, one at a time: a keystroke while a search is running only
notes the text, and when the running search answers, the latest text is searched next (the
texts typed in between are never searched, and an answer for an older text is not shown).
So fast typing never builds a queue, and the results of the last keystroke come as soon as
the catalog can give them. Choosing a result opens the product or the asset.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QCompleter, QLineEdit, QWidget

from pimdesk.gui.catalog_source import Hit, find
from pimdesk.gui.context import GuiContext

KindRole = Qt.ItemDataRole.UserRole + 1
TargetRole = Qt.ItemDataRole.UserRole + 2
LIMIT = 12


class SearchBox(QLineEdit):
    """Emits :attr:`results_shown` with (text, seconds since the keystroke) for each answer."""

    results_shown = Signal(str, float)

    def __init__(self, ctx: GuiContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("searchBox")
        self.setPlaceholderText("Search products and assets (Ctrl+F): SKU, name, file name, tag")
        self.setClearButtonEnabled(True)
        self.setMinimumWidth(420)
        self.results = QStandardItemModel(self)
        self.completer_ = QCompleter(self.results, self)
        self.completer_.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.completer_.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer_.setMaxVisibleItems(LIMIT)
        self.completer_.setWidget(self)
        self.completer_.activated[QModelIndex].connect(self._chosen)
        self._generation = 0  # counts texts to search; an answer for an older one is stale
        self._typed_at = 0.0
        self._running = False  # a search is in the background
        self._pending = False  # the text changed while it ran: search again when it answers
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._start)
        self.textEdited.connect(self._edited)
        self.returnPressed.connect(self._open_first)

    def focus_search(self) -> None:
        self.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.selectAll()

    def _edited(self, _text: str) -> None:
        self._typed_at = time.perf_counter()
        self._generation += 1
        if self._running:
            self._pending = True
        else:
            self._timer.start()

    def _start(self) -> None:
        text = self.text().strip()
        generation = self._generation
        self._pending = False
        if not text:
            self.results.clear()
            self.completer_.popup().hide()
            return
        typed_at = self._typed_at
        self._running = True
        self.ctx.workers.read(
            find,
            self.ctx.library,
            text,
            on_result=lambda hits: self._show(generation, text, typed_at, hits),
            on_error=lambda exc: self._failed(generation, exc),
            on_finished=self._answered,
        )

    def _answered(self) -> None:
        self._running = False
        if self._pending:
            self._start()

    def _failed(self, generation: int, exc: BaseException) -> None:
        if generation == self._generation:
            self.results.clear()
            self.ctx.nav.status_message.emit(f"Search: {exc}")

    def _show(self, generation: int, text: str, typed_at: float, hits: list[Hit]) -> None:
        if generation != self._generation:
            return
        self.results.clear()
        for hit in hits:
            label = f"{hit.title} — {hit.detail}" if hit.detail else hit.title
            prefix = "Product" if hit.kind == "product" else "Asset"
            item = QStandardItem(f"{prefix}: {label}")
            item.setData(hit.kind, KindRole)
            item.setData(hit.target, TargetRole)
            item.setEditable(False)
            self.results.appendRow(item)
        if not hits:
            item = QStandardItem(f"Nothing found for “{text}”")
            item.setEnabled(False)
            self.results.appendRow(item)
        if self.hasFocus() or self.isVisible():
            self.completer_.complete()
        self.results_shown.emit(text, time.perf_counter() - typed_at)

    def _chosen(self, index: QModelIndex) -> None:
        kind = index.data(KindRole)
        target = index.data(TargetRole)
        if kind is None:
            return
        self.open_hit(kind, target)

    def _open_first(self) -> None:
        if self.results.rowCount():
            index = self.results.index(0, 0)
            if index.data(KindRole) is not None:
                self.open_hit(index.data(KindRole), index.data(TargetRole))

    def open_hit(self, kind: str, target: str | int) -> None:
        self.completer_.popup().hide()
        if kind == "product":
            self.ctx.nav.open_product.emit(str(target))
        else:
            self.ctx.nav.open_asset.emit(int(target))
