"""The product editor: the family's attributes as a form, completeness per channel, images,
variants and history with undo.

Everything is loaded in one background call (:func:`load_editor`) and saved in one write
job, so one Save is one entry in the history and one Ctrl+Z undoes it. Inherited values
(from the product model above a variant) are shown read-only, marked with where they come
from; the catalog's own validation runs as the user types.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from pimdesk.catalog.context import CatalogContext
from pimdesk.catalog.history import HistoryEntry
from pimdesk.catalog.validation import validate_value
from pimdesk.errors import PimdeskError, ValidationError
from pimdesk.events import Change
from pimdesk.gui.attribute_editors import AttributeEditor, make_editor
from pimdesk.gui.context import GuiContext
from pimdesk.gui.screen import Screen, read_only_table
from pimdesk.library import Library
from pimdesk.services import products, reference

Slot = tuple[str, str | None, str | None]  # attribute, locale, channel

ERROR_STYLE = "color: #d64545;"
INHERITED_STYLE = "color: palette(placeholder-text); font-style: italic;"


@dataclass(frozen=True)
class EditorData:
    detail: products.ProductDetail
    context: CatalogContext
    history: list[HistoryEntry]


def load_editor(library: Library, sku: str, locale: str | None) -> EditorData:
    """Everything the editor shows, read in the background."""
    return EditorData(
        detail=products.get_product(library, sku, locale),
        context=reference.context(library),
        history=products.history(library, sku, limit=200),
    )


def save_edits(library: Library, sku: str, edits: dict[Slot, Any]) -> products.EditResult:
    return products.set_values(
        library,
        sku,
        [
            products.ValueEdit(attribute=a, data=v, locale=loc, channel=ch)
            for (a, loc, ch), v in edits.items()
        ],
    )


class FieldRow(QWidget):
    """Label, editor, inherited note and inline message for one attribute."""

    def __init__(self, editor: AttributeEditor, parent: QWidget | None = None):
        super().__init__(parent)
        self.editor = editor
        self.note = QLabel()
        self.note.setStyleSheet(INHERITED_STYLE)
        self.note.setVisible(False)
        self.message = QLabel()
        self.message.setObjectName(f"message_{editor.attribute.code}")
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.setWordWrap(True)
        self.message.setVisible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(editor)
        layout.addWidget(self.note)
        layout.addWidget(self.message)

    def show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))


class ProductEditorScreen(Screen):
    key = "editor"
    label = "Product"

    def __init__(self, ctx: GuiContext, parent: QWidget | None = None):
        super().__init__(ctx, parent)
        self.sku: str | None = None
        self.data: EditorData | None = None
        self.rows: dict[str, FieldRow] = {}
        self.edits: dict[Slot, Any] = {}
        self._saving = False

        back = QPushButton("← Products")
        back.setObjectName("backToProducts")
        back.clicked.connect(lambda: ctx.nav.open_screen.emit("products"))
        self.title = QLabel()
        self.title.setObjectName("editorTitle")
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.locale_box = QComboBox()
        self.locale_box.setObjectName("localeSwitch")
        self.locale_box.setToolTip("Locale of the values shown")
        self.locale_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.channel_box = QComboBox()
        self.channel_box.setObjectName("channelSwitch")
        self.channel_box.setToolTip("Channel: its required fields and per-channel values")
        self.channel_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.undo_button = QPushButton("Undo last change")
        self.undo_button.setObjectName("undoButton")
        self.undo_button.setToolTip("Undo the last saved change of this product (Ctrl+Z)")
        self.undo_button.clicked.connect(self.undo)
        self.save_button = QPushButton("Save")
        self.save_button.setObjectName("saveButton")
        self.save_button.setDefault(True)
        self.save_button.setEnabled(False)
        self.save_button.setToolTip("Save the changes (Ctrl+S)")
        self.save_button.clicked.connect(self.save)
        QShortcut(QKeySequence.StandardKey.Save, self, self.save)

        self.title.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(back, 0, Qt.AlignmentFlag.AlignTop)
        top.addWidget(self.title, 1)
        switches = QHBoxLayout()
        switches.addWidget(QLabel("Locale"))
        switches.addWidget(self.locale_box)
        switches.addSpacing(12)
        switches.addWidget(QLabel("Channel"))
        switches.addWidget(self.channel_box)
        switches.addStretch(1)
        switches.addWidget(self.undo_button)
        switches.addWidget(self.save_button)

        self.tabs = QTabWidget()
        self.tabs.setObjectName("editorTabs")
        self.form_host = QWidget()
        host_layout = QVBoxLayout(self.form_host)
        form_widget = QWidget()
        self.form = QFormLayout(form_widget)
        host_layout.addWidget(form_widget)
        host_layout.addStretch(1)  # spare height goes below the form, not between fields
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.form_host)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.tabs.addTab(scroll, "Attributes")

        from pimdesk.gui.image_strip import ImageStrip

        self.images = ImageStrip(ctx)
        self.tabs.addTab(self.images, "Images")

        self.variants = read_only_table("variantsTable", ["SKU / code", "Name", "Kind", "Enabled"])
        self.variants.cellDoubleClicked.connect(self._open_variant)
        self.variant_note = QLabel()
        self.variant_note.setWordWrap(True)
        variants_page = QWidget()
        vl = QVBoxLayout(variants_page)
        vl.addWidget(self.variant_note)
        vl.addWidget(self.variants)
        self.tabs.addTab(variants_page, "Variants")

        self.history = QTableWidget(0, 6)
        self.history.setObjectName("historyTable")
        self.history.setHorizontalHeaderLabels(
            ["When", "Who", "Field", "Locale / channel", "Before", "After"]
        )
        self.history.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.history.horizontalHeader().setStretchLastSection(True)
        self.history.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.tabs.addTab(self.history, "History")

        self.completeness = QListWidget()
        self.completeness.setObjectName("completenessList")
        self.completeness.setWordWrap(True)
        side = QWidget()
        sl = QVBoxLayout(side)
        sl.setContentsMargins(0, 0, 0, 0)
        heading = QLabel("<b>Completeness</b>")
        sl.addWidget(heading)
        sl.addWidget(self.completeness)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("editorSplitter")
        self.splitter.addWidget(self.tabs)
        self.splitter.addWidget(side)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([800, 280])
        state = ctx.settings.value("editor/splitter")
        if state is not None:
            self.splitter.restoreState(state)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(switches)
        layout.addWidget(self.splitter, 1)

        self.locale_box.currentIndexChanged.connect(self._scope_changed)
        self.channel_box.currentIndexChanged.connect(self._scope_changed)

    def save_state(self, settings: Any) -> None:
        settings.setValue("editor/splitter", self.splitter.saveState())

    # -- loading -----------------------------------------------------------------------

    def open_sku(self, sku: str) -> None:
        if self.edits and sku != self.sku:
            self.ctx.nav.status_message.emit(f"Unsaved changes of {self.sku} were discarded.")
        self.sku = sku
        self.edits = {}
        self.save_button.setEnabled(False)
        self.title.setText(f"<h2>{html.escape(sku)}</h2>")
        self.images.show_product(sku)
        self.reload()

    def reload(self) -> None:
        if self.sku is None:
            return
        sku = self.sku
        self.ctx.workers.run(
            load_editor,
            self.ctx.library,
            sku,
            self.ctx.locale,
            on_result=lambda data: self._loaded(sku, data),
            on_error=self._load_failed,
        )

    def affected_by(self, change: Change) -> bool:
        if self.data is None or self._saving:
            return False
        ids = {self.data.detail.id, *(v.id for v in self.data.detail.variants)}
        return bool(ids & set(change.product_ids)) or change.kind in {"links", "ingest"}

    def _load_failed(self, exc: BaseException) -> None:
        self.ctx.show_error(exc, title=f"Cannot open {self.sku}")

    def _loaded(self, sku: str, data: EditorData) -> None:
        if sku != self.sku:
            return
        first = self.data is None or self.data.detail.sku != sku
        self.data = data
        detail = data.detail
        name = html.escape(detail.name or "")
        kind = "Product model" if detail.is_model else "Product"
        family = html.escape(detail.family or "no family")
        self.title.setText(
            f"<h2 style='margin:0'>{html.escape(detail.sku)} "
            f"<span style='font-weight:normal'>{name}</span></h2>"
            f"<span>{kind} · family {family}</span>"
        )
        self._fill_switch(
            self.locale_box, data.context.locales, self.ctx.locale or data.context.default_locale
        )
        channels = list(data.context.channels)
        with_values = {v.channel for v in data.detail.values if v.channel}
        if any(v.channel is None and v.used_by for v in data.detail.values):
            with_values.update(channels)  # a shared value: every channel shows something
        # a channel this product has values for, rather than an empty one
        preferred = self.ctx.channel or next((c for c in channels if c in with_values), None)
        self._fill_switch(self.channel_box, channels, preferred)
        if first or not self.rows:
            self._build_form()
        self._show_values()
        self._show_completeness()
        self._show_variants()
        self._show_history()

    def _fill_switch(self, box: QComboBox, codes: Any, wanted: str | None) -> None:
        current = box.currentData() or wanted
        box.blockSignals(True)
        box.clear()
        for code in codes:
            box.addItem(code, code)
        index = box.findData(current)
        box.setCurrentIndex(max(index, 0))
        box.blockSignals(False)

    @property
    def locale(self) -> str | None:
        return self.locale_box.currentData()

    @property
    def channel(self) -> str | None:
        return self.channel_box.currentData()

    def _scope_changed(self) -> None:
        self.ctx.locale = self.locale
        self.ctx.channel = self.channel
        if self.data is not None:
            self._build_form()
            self._show_values()
            self._show_completeness()

    # -- the form ----------------------------------------------------------------------

    def _build_form(self) -> None:
        assert self.data is not None
        while self.form.rowCount():
            self.form.removeRow(0)
        self.rows = {}
        context = self.data.context
        detail = self.data.detail
        family = context.families.get(detail.family or "")
        codes = list(family.attribute_codes) if family else []
        for value in detail.values:  # values outside the family are shown too
            if value.attribute not in codes and value.attribute in context.attributes:
                codes.append(value.attribute)
        required = set(family.requirements.get(self.channel or "", [])) if family else set()
        for code in codes:
            attribute = context.attributes.get(code)
            if attribute is None:
                continue
            editor = make_editor(attribute, self.locale or "", context.currencies)
            editor.setObjectName(f"editor_{code}")
            row = FieldRow(editor)
            editor.changed.connect(lambda c=code: self._edited(c))
            label = attribute.label(self.locale)
            marks = []
            if attribute.localizable:
                marks.append(self.locale or "")
            if attribute.scopable:
                marks.append(self.channel or "")
            suffix = f" <small>({', '.join(marks)})</small>" if marks else ""
            star = " <span style='color:#d64545'>*</span>" if code in required else ""
            title = QLabel(f"{html.escape(label)}{star}{suffix}")
            title.setToolTip(f"{code} ({attribute.type})")
            self.form.addRow(title, row)
            self.rows[code] = row

    def slot(self, code: str) -> Slot:
        assert self.data is not None
        attribute = self.data.context.attributes[code]
        return (
            code,
            self.locale if attribute.localizable else None,
            self.channel if attribute.scopable else None,
        )

    def _show_values(self) -> None:
        assert self.data is not None
        views = {(v.attribute, v.locale, v.channel): v for v in self.data.detail.values}
        for code, row in self.rows.items():
            slot = self.slot(code)
            view = views.get(slot)
            shared = None
            if view is None and slot[2] is not None:
                # no value of the channel's own: it publishes the shared one; typing here
                # gives the channel its own value
                shared = views.get((slot[0], slot[1], None))
            shown = view or shared
            value = self.edits.get(slot, shown.data if shown else None)
            if row.editor.attribute.type == "identifier":
                value = self.data.detail.sku
            row.editor.set_value(value)
            inherited = view is not None and view.inherited and slot not in self.edits
            row.editor.set_read_only(inherited or row.editor.attribute.type == "identifier")
            row.note.setVisible(inherited or (shared is not None and slot not in self.edits))
            if inherited and view is not None:
                row.note.setText(f"inherited from {view.source}")
            elif shared is not None:
                origin = f", inherited from {shared.source}" if shared.inherited else ""
                row.note.setText(f"shared by every channel without its own{origin}")
            row.show_message(self._problem(code, value) if slot in self.edits else "")

    def _edited(self, code: str) -> None:
        assert self.data is not None
        row = self.rows[code]
        value = row.editor.value()
        row.show_message(self._problem(code, value))
        self.edits[self.slot(code)] = value
        self.save_button.setEnabled(True)

    def _problem(self, code: str, value: Any) -> str:
        """The catalog's validation message for ``value``, or "" when it is fine."""
        assert self.data is not None
        try:
            validate_value(
                self.data.context.attributes[code], value, currencies=self.data.context.currencies
            )
        except PimdeskError as exc:
            return exc.message
        return ""

    def save(self) -> None:
        if not self.edits or self.sku is None or self._saving:
            return
        sku, edits = self.sku, dict(self.edits)
        self._saving = True
        self.save_button.setEnabled(False)
        self.ctx.workers.run(
            save_edits,
            self.ctx.library,
            sku,
            edits,
            write=True,
            on_result=lambda result: self._saved(sku, result),
            on_error=lambda exc: self._save_failed(sku, exc),
        )

    def _saved(self, sku: str, result: products.EditResult) -> None:
        self._saving = False
        if sku != self.sku:
            return
        self.edits = {}
        count = len(result.changes)
        self.ctx.nav.status_message.emit(f"Saved {count} change(s) to {sku}.")
        self.reload()

    def _save_failed(self, sku: str, exc: BaseException) -> None:
        self._saving = False
        self.save_button.setEnabled(True)
        if isinstance(exc, ValidationError) and exc.where:
            code = exc.where.split("-")[0].strip("'\" ")
            for candidate, row in self.rows.items():
                if code == candidate or exc.where.startswith(candidate):
                    row.show_message(exc.message)
                    self.ctx.nav.status_message.emit(f"Not saved: {exc}")
                    return
        self.ctx.show_error(exc, title=f"Cannot save {sku}")

    # -- side panels -------------------------------------------------------------------

    def _show_completeness(self) -> None:
        assert self.data is not None
        self.completeness.clear()
        detail = self.data.detail
        if detail.is_model:
            for mc in detail.variant_completeness:
                if mc.locale == self.locale:
                    item = QListWidgetItem(f"{mc.channel}: {mc.complete} of {mc.total} complete")
                    self.completeness.addItem(item)
            return
        for c in detail.completeness:
            if c.locale != self.locale:
                continue
            context = self.data.context
            missing = ", ".join(_missing_label(context, m, self.locale) for m in c.missing)
            text = f"{c.channel}: {c.ratio}%"
            if missing:
                text += f"\nmissing: {missing}"
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, c.channel)
            item.setForeground(_ratio_colour(c.ratio))
            self.completeness.addItem(item)
        if not self.completeness.count():
            self.completeness.addItem("No channel requires anything of this product's family.")

    def completeness_of(self, channel: str) -> int | None:
        if self.data is None:
            return None
        for c in self.data.detail.completeness:
            if c.channel == channel and c.locale == self.locale:
                return c.ratio
        return None

    def _show_variants(self) -> None:
        assert self.data is not None
        detail = self.data.detail
        rows = detail.variants
        self.variants.setRowCount(len(rows))
        for number, row in enumerate(rows):
            kind = "sub-model" if row.is_model else "variant"
            for col, text in enumerate(
                [row.sku, row.name or "", kind, "yes" if row.enabled else "no"]
            ):
                self.variants.setItem(number, col, QTableWidgetItem(text))
        if detail.is_model:
            axes = ", ".join(detail.axes) or "—"
            self.variant_note.setText(
                f"{len(rows)} below this model (variant axes: {axes}). Double-click one to open."
            )
        elif detail.parent_code:
            self.variant_note.setText(
                f"A variant of <a href='#'>{html.escape(detail.parent_code)}</a>, "
                f"distinguished by {', '.join(detail.axes) or '—'}. Values marked "
                "“inherited” are edited on the model."
            )
            self.variant_note.linkActivated.connect(
                lambda _l: self.ctx.nav.open_product.emit(detail.parent_code or "")
            )
        else:
            self.variant_note.setText("A simple product: it has no variants.")

    def _open_variant(self, row: int, _col: int) -> None:
        item = self.variants.item(row, 0)
        if item is not None:
            self.ctx.nav.open_product.emit(item.text())

    def _show_history(self) -> None:
        assert self.data is not None
        entries = self.data.history
        self.history.setRowCount(len(entries))
        for number, entry in enumerate(entries):
            scope = " / ".join(x for x in (entry.locale, entry.channel) if x)
            cells = [
                entry.changed_at.astimezone().strftime("%Y-%m-%d %H:%M:%S"),
                f"{entry.author} ({entry.source})",
                entry.field,
                scope,
                _short(entry.old),
                _short(entry.new),
            ]
            for col, text in enumerate(cells):
                self.history.setItem(number, col, QTableWidgetItem(text))
        self.undo_button.setEnabled(bool(entries))

    # -- undo --------------------------------------------------------------------------

    def undo(self) -> None:
        if self.sku is None or self._saving:
            return
        if self.edits:  # unsaved typing: undo means forget it
            self.edits = {}
            self.save_button.setEnabled(False)
            self._show_values()
            return
        sku = self.sku
        self._saving = True
        self.ctx.workers.run(
            products.undo_last_change,
            self.ctx.library,
            sku,
            write=True,
            on_result=lambda result: self._undone(sku, result),
            on_error=lambda exc: self._undo_failed(sku, exc),
        )

    def _undone(self, sku: str, result: products.EditResult) -> None:
        self._saving = False
        fields = ", ".join(sorted({c.field for c in result.changes})) or "nothing"
        self.ctx.nav.status_message.emit(f"Undid the last change of {sku}: {fields}.")
        if sku == self.sku:
            self.reload()

    def _undo_failed(self, sku: str, exc: BaseException) -> None:
        self._saving = False
        self.ctx.show_error(exc, title=f"Cannot undo on {sku}")


def _missing_label(context: CatalogContext, code: str, locale: str | None) -> str:
    if code.startswith("image:"):
        return f"{code[6:]} image"
    attribute = context.attributes.get(code)
    return attribute.label(locale) if attribute else code


def _ratio_colour(ratio: int) -> Any:
    from pimdesk.gui.products_model import completeness_colour

    return completeness_colour(ratio)


def _short(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return ", ".join(f"{v.get('amount')} {v.get('currency', '')}".strip() for v in value)
    if isinstance(value, dict) and "amount" in value:
        return f"{value.get('amount')} {value.get('unit', '')}".strip()
    text = str(value)
    return text if len(text) <= 80 else text[:77] + "…"
