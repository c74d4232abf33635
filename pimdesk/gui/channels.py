"""The Channels dashboard: per channel published / waiting / blocked, Publish with progress
and cancel, auto-publish, run history, and adding a channel with its exporter's settings.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from pimdesk.channels.api import SettingSpec
from pimdesk.channels.registry import registry_for
from pimdesk.events import Change
from pimdesk.gui.context import GuiContext
from pimdesk.gui.products_model import completeness_colour
from pimdesk.gui.screen import Screen, read_only_table
from pimdesk.gui.workers import Job
from pimdesk.library import Library
from pimdesk.services import publishing

COLUMNS = ["Channel", "Exporter", "Published", "Waiting", "Never published", "Blocked", "Auto"]
STATE_LABELS = {
    "waiting": "waiting to republish",
    "never_published": "never published",
    "withdraw": "to withdraw",
    "blocked": "blocked",
}


@dataclass(frozen=True)
class ChannelRow:
    summary: publishing.ChannelSummary
    counts: publishing.ChannelCounts | None


def load_channels(library: Library) -> tuple[list[ChannelRow], list[str]]:
    summaries, problems = publishing.list_channels(library)
    rows = []
    for summary in summaries:
        counts = None
        if summary.problem is None:
            try:
                counts = publishing.channel_counts(library, summary.code)
            except Exception:  # a broken channel still shows, with its problem
                counts = None
        rows.append(ChannelRow(summary, counts))
    return rows, problems


@dataclass(frozen=True)
class ChannelView:
    states: list[publishing.ListingState]
    runs: list[publishing.RunInfo]


def load_channel(library: Library, code: str) -> ChannelView:
    return ChannelView(
        states=publishing.listing_states(library, code),
        runs=publishing.publish_history(library, code),
    )


class ChannelsScreen(Screen):
    key = "channels"
    label = "Channels"
    change_kinds = frozenset(
        {"values", "import", "ingest", "links", "approval", "rights", "publish", "channel", "demo"}
    )
    published = Signal(object)  # PublishReport, after a run from this screen

    def __init__(self, ctx: GuiContext, parent: QWidget | None = None):
        super().__init__(ctx, parent)
        self.rows: list[ChannelRow] = []
        self.job: Job | None = None
        self._shown_code: str | None = None
        self.last_progress: tuple[int, int] | None = None

        self.table = read_only_table("channelsTable", COLUMNS)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._selection_changed)

        self.add_button = QPushButton("Add channel…")
        self.add_button.setObjectName("addChannel")
        self.add_button.clicked.connect(self.add_channel)
        self.problems_label = QLabel()
        self.problems_label.setWordWrap(True)
        self.problems_label.setStyleSheet("color: #d64545;")

        self.title = QLabel("Choose a channel")
        self.title.setObjectName("channelTitle")
        self.publish_button = QPushButton("Publish")
        self.publish_button.setObjectName("publishButton")
        self.publish_button.setToolTip("Write the changed listings to the channel")
        self.publish_button.clicked.connect(self.publish)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("cancelPublish")
        self.cancel_button.setVisible(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.progress = QProgressBar()
        self.progress.setObjectName("publishProgress")
        self.progress.setVisible(False)
        self.auto = QCheckBox("Publish automatically when something changes")
        self.auto.setObjectName("autoPublish")
        self.auto.clicked.connect(self._auto_toggled)
        self.result = QLabel()
        self.result.setObjectName("publishResult")
        self.result.setWordWrap(True)

        self.states = read_only_table("listingStates", ["SKU", "State", "Why"])
        self.states.cellDoubleClicked.connect(self._open_state)
        self.runs = QTableWidget(0, 6)
        self.runs.setObjectName("runHistory")
        self.runs.setHorizontalHeaderLabels(
            ["Started", "Mode", "Result", "Published", "Withdrawn", "Blocked"]
        )
        self.runs.horizontalHeader().setStretchLastSection(True)
        self.runs.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.runs.verticalHeader().setVisible(False)
        tabs = QTabWidget()
        tabs.addTab(self.states, "Waiting and blocked")
        tabs.addTab(self.runs, "Publish history")

        detail = QWidget()
        dl = QVBoxLayout(detail)
        dl.setContentsMargins(0, 0, 0, 0)
        head = QHBoxLayout()
        head.addWidget(self.title, 1)
        head.addWidget(self.progress)
        head.addWidget(self.cancel_button)
        head.addWidget(self.publish_button)
        dl.addLayout(head)
        dl.addWidget(self.auto)
        dl.addWidget(self.result)
        dl.addWidget(tabs, 1)

        top = QWidget()
        tl = QVBoxLayout(top)
        tl.setContentsMargins(0, 0, 0, 0)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("<b>Channels</b>"))
        bar.addStretch(1)
        bar.addWidget(self.add_button)
        tl.addLayout(bar)
        tl.addWidget(self.table)
        tl.addWidget(self.problems_label)

        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(top)
        self.splitter.addWidget(detail)
        self.splitter.setSizes([220, 480])
        layout = QVBoxLayout(self)
        layout.addWidget(self.splitter)
        self._set_detail_enabled(False)

    # -- loading -----------------------------------------------------------------------

    def reload(self) -> None:
        self.ctx.workers.run(load_channels, self.ctx.library, on_result=self._loaded)

    def affected_by(self, change: Change) -> bool:
        return self.job is None and super().affected_by(change)

    def _loaded(self, result: tuple[list[ChannelRow], list[str]]) -> None:
        rows, problems = result
        current = self.current_code()
        self.rows = rows
        self.table.setRowCount(len(rows))
        for number, row in enumerate(rows):
            s, c = row.summary, row.counts
            cells = [
                s.label or s.code,
                s.exporter or "— none —",
                str(c.published) if c else "",
                str(c.waiting + c.withdraw) if c else "",
                str(c.never_published) if c else "",
                str(c.blocked) if c else "",
                "on" if s.auto_publish else "off",
            ]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, s.code)
                if col == 0 and s.problem:
                    item.setToolTip(s.problem)
                if col >= 2:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.table.setItem(number, col, item)
        self.problems_label.setText("\n".join(problems))
        self.problems_label.setVisible(bool(problems))
        codes = [r.summary.code for r in rows]
        usable = [r.summary.code for r in rows if r.summary.problem is None]
        if current in codes:
            self.select(current)
        elif usable or codes:
            self.select((usable or codes)[0])

    def current_code(self) -> str | None:
        items = self.table.selectedItems()
        return items[0].data(Qt.ItemDataRole.UserRole) if items else None

    def current_row(self) -> ChannelRow | None:
        code = self.current_code()
        return next((r for r in self.rows if r.summary.code == code), None)

    def select(self, code: str) -> None:
        for number, row in enumerate(self.rows):
            if row.summary.code == code:
                self.table.selectRow(number)
                self._selection_changed()
                return

    def _set_detail_enabled(self, enabled: bool) -> None:
        self.publish_button.setEnabled(enabled and self.job is None)
        self.auto.setEnabled(enabled)

    def _selection_changed(self) -> None:
        row = self.current_row()
        if row is None:
            self._set_detail_enabled(False)
            return
        s = row.summary
        self.title.setText(
            f"<h3 style='margin:0'>{html.escape(s.label or s.code)}</h3>"
            f"{html.escape(s.exporter or 'no exporter')} · {s.locale or ''} · {s.currency or ''}"
        )
        usable = s.problem is None
        self._set_detail_enabled(usable)
        if not usable:
            self.result.setText(f"This channel cannot publish: {s.problem}")
        elif s.code != self._shown_code:
            self.result.setText("")
        self._shown_code = s.code
        self.auto.setChecked(s.auto_publish)
        code = s.code
        self.ctx.workers.run(
            load_channel,
            self.ctx.library,
            code,
            on_result=lambda view: self._show_channel(code, view),
        )

    def _show_channel(self, code: str, view: ChannelView) -> None:
        if code != self.current_code():
            return
        self.states.setRowCount(len(view.states))
        for number, state in enumerate(view.states):
            cells = [
                state.sku,
                STATE_LABELS.get(state.state, state.state),
                "; ".join(state.reasons),
            ]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                if state.state == "blocked" and col == 1:
                    item.setForeground(completeness_colour(0))
                self.states.setItem(number, col, item)
        self.states.resizeColumnToContents(0)
        self.states.resizeColumnToContents(1)
        self.runs.setRowCount(len(view.runs))
        for number, run in enumerate(view.runs):
            cells = [
                run.started_at.astimezone().strftime("%Y-%m-%d %H:%M:%S"),
                run.mode,
                run.result,
                str(run.published),
                str(run.withdrawn),
                str(run.blocked),
            ]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if run.errors:
                    item.setToolTip("\n".join(run.errors))
                self.runs.setItem(number, col, item)

    def _open_state(self, row: int, _col: int) -> None:
        item = self.states.item(row, 0)
        if item is not None:
            self.ctx.nav.open_product.emit(item.text())

    # -- publishing --------------------------------------------------------------------

    def publish(self) -> None:
        code = self.current_code()
        if code is None or self.job is not None:
            return
        self.progress.setRange(0, 0)  # busy until the first progress report
        self.progress.setVisible(True)
        self.cancel_button.setVisible(True)
        self.cancel_button.setEnabled(True)
        self.publish_button.setEnabled(False)
        self.result.setText(f"Publishing {code}…")
        self.job = self.ctx.workers.run(
            publishing.publish_channel,
            self.ctx.library,
            code,
            progress=True,
            cancellable=True,
            write=True,
            on_progress=self._progress,
            on_result=self._published,
            on_error=self._publish_failed,
        )

    def _progress(self, done: int, total: int) -> None:
        self.last_progress = (done, total)
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.progress.setFormat(f"{done} / {total}")

    def cancel(self) -> None:
        if self.job is not None:
            self.job.cancel()
            self.cancel_button.setEnabled(False)
            self.result.setText("Cancelling… the last complete feed stays in place.")

    def _finish(self) -> None:
        self.job = None
        self.progress.setVisible(False)
        self.cancel_button.setVisible(False)
        self._set_detail_enabled(self.current_row() is not None)

    def _published(self, report: publishing.PublishReport) -> None:
        self._finish()
        parts = [f"{report.channel}: {report.result}"]
        if report.published:
            parts.append(f"{len(report.published)} listing(s) written")
        if report.unchanged:
            parts.append(f"{report.unchanged} unchanged")
        if report.withdrawn:
            parts.append(f"{len(report.withdrawn)} withdrawn")
        if report.blocked:
            parts.append(f"{len(report.blocked)} blocked")
        text = ", ".join(parts)
        if report.errors:
            text += "\n" + "\n".join(report.errors[:3])
        if report.files:
            text += f"\nOutput: {report.files[0]}" + (
                f" and {len(report.files) - 1} more" if len(report.files) > 1 else ""
            )
        self.result.setText(text)
        self.published.emit(report)
        self.reload()

    def _publish_failed(self, exc: BaseException) -> None:
        self._finish()
        self.result.setText(f"Not published: {exc}")
        self.ctx.show_error(exc, title="Publish failed")

    def _auto_toggled(self, checked: bool) -> None:
        code = self.current_code()
        if code is None:
            return
        self.ctx.workers.run(
            publishing.set_channel,
            self.ctx.library,
            code,
            {"auto_publish": checked},
            write=True,
            on_result=lambda _d: self._auto_saved(code, checked),
            on_error=lambda exc: (self.auto.setChecked(not checked), self.ctx.show_error(exc)),
        )

    def _auto_saved(self, code: str, checked: bool) -> None:
        state = "on" if checked else "off"
        self.ctx.nav.status_message.emit(f"Auto-publish is {state} for {code}.")
        self.ctx.events.changed.emit(Change(kind="channel", channel_codes=frozenset({code})))

    # -- adding ------------------------------------------------------------------------

    def add_channel(self) -> None:
        dialog = AddChannelDialog(self.ctx, self)
        dialog.accepted.connect(lambda: self._add(dialog))
        dialog.open()

    def _add(self, dialog: AddChannelDialog) -> None:
        code, kwargs = dialog.request()
        self.ctx.workers.run(
            publishing.add_channel,
            self.ctx.library,
            code,
            write=True,
            on_result=lambda detail: self._added(detail.code),
            on_error=lambda exc: self.ctx.show_error(exc, title="Cannot add the channel"),
            **kwargs,
        )

    def _added(self, code: str) -> None:
        self.ctx.nav.status_message.emit(f"Channel {code} added.")
        self.ctx.events.changed.emit(Change(kind="channel", channel_codes=frozenset({code})))
        self.reload()


class SettingsForm(QWidget):
    """A form built from an exporter's :class:`SettingSpec` list."""

    def __init__(self, specs: tuple[SettingSpec, ...], parent: QWidget | None = None):
        super().__init__(parent)
        self.specs = specs
        self.inputs: dict[str, QWidget] = {}
        self._path_edits: dict[str, QLineEdit] = {}
        form = QFormLayout(self)
        for spec in specs:
            widget = self._input(spec)
            widget.setObjectName(f"setting_{spec.key}")
            if spec.help:
                widget.setToolTip(spec.help)
            label = spec.label + (" *" if spec.required else "")
            form.addRow(label, widget)
            self.inputs[spec.key] = widget

    def _input(self, spec: SettingSpec) -> QWidget:
        if spec.type == "bool":
            box = QCheckBox()
            box.setChecked(bool(spec.default))
            return box
        if spec.type == "choice":
            combo = QComboBox()
            combo.addItems(list(spec.choices))
            if spec.default in spec.choices:
                combo.setCurrentText(str(spec.default))
            return combo
        if spec.type == "int":
            spin = QSpinBox()
            spin.setRange(0, 1_000_000)
            spin.setValue(int(spec.default or 0))
            return spin
        edit = QLineEdit("" if spec.default is None else str(spec.default))
        if spec.type == "path":
            holder = QWidget()
            row = QHBoxLayout(holder)
            row.setContentsMargins(0, 0, 0, 0)
            row.addWidget(edit, 1)
            browse = QPushButton("Choose…")
            browse.clicked.connect(lambda: self._choose_folder(edit))
            row.addWidget(browse)
            holder.setProperty("line_edit", edit)
            self._path_edits[spec.key] = edit
            return holder
        if spec.type == "url":
            edit.setPlaceholderText("https://…")
        return edit

    def _choose_folder(self, edit: QLineEdit) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Choose the output folder", edit.text())
        if folder:
            edit.setText(folder)

    def values(self) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for spec in self.specs:
            widget = self.inputs[spec.key]
            if spec.key in self._path_edits:
                text = self._path_edits[spec.key].text().strip()
                if text:
                    result[spec.key] = text
            elif isinstance(widget, QCheckBox):
                result[spec.key] = widget.isChecked()
            elif isinstance(widget, QComboBox):
                result[spec.key] = widget.currentText()
            elif isinstance(widget, QSpinBox):
                result[spec.key] = widget.value()
            elif isinstance(widget, QLineEdit) and widget.text().strip():
                result[spec.key] = widget.text().strip()
        return result


class AddChannelDialog(QDialog):
    def __init__(self, ctx: GuiContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Add a channel")
        self.setObjectName("addChannelDialog")
        self.registry = registry_for(ctx.library)
        self.code = QLineEdit()
        self.code.setObjectName("channelCode")
        self.code.setPlaceholderText("e.g. shopify")
        self.label_edit = QLineEdit()
        self.label_edit.setObjectName("channelLabel")
        self.exporter = QComboBox()
        self.exporter.setObjectName("channelExporter")
        for info in self.registry.infos():
            self.exporter.addItem(f"{info.label} ({info.name})", info.name)
        self.description = QLabel()
        self.description.setWordWrap(True)
        self.settings_host = QVBoxLayout()
        self.form: SettingsForm | None = None
        top = QFormLayout()
        top.addRow("Code *", self.code)
        top.addRow("Label", self.label_edit)
        top.addRow("Exporter *", self.exporter)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.description)
        layout.addWidget(QLabel("<b>Settings</b>"))
        layout.addLayout(self.settings_host)
        layout.addWidget(buttons)
        self.exporter.currentIndexChanged.connect(self._exporter_changed)
        self._exporter_changed()
        self.resize(520, 420)

    def _exporter_changed(self) -> None:
        if self.form is not None:
            self.form.deleteLater()
            self.form = None
        name = self.exporter.currentData()
        if not name:
            return
        exporter = self.registry.get(name)
        self.description.setText(exporter.description)
        self.form = SettingsForm(tuple(exporter.settings_spec))
        self.settings_host.addWidget(self.form)

    def request(self) -> tuple[str, dict[str, Any]]:
        return self.code.text().strip(), {
            "exporter": self.exporter.currentData(),
            "label": self.label_edit.text().strip() or None,
            "settings": self.form.values() if self.form else {},
        }
