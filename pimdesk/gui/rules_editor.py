"""The filename rules editor: the ordered rules (add, remove, reorder) and a live tester that
shows, for pasted or dropped file names, which rule matches and what it extracts — with the
rule being written taken into account before it is saved.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from pimdesk.gui.context import GuiContext
from pimdesk.gui.screen import Screen, read_only_table
from pimdesk.library import Library
from pimdesk.rules import MatchResult, RuleSpec
from pimdesk.services import rules

RESULT_COLUMNS = ["File name", "Rule", "Outcome", "SKU", "Role", "Position", "Why"]


@dataclass(frozen=True)
class TestRun:
    results: list[MatchResult]
    error: str | None


def run_tester(
    library: Library, names: list[str], draft: RuleSpec | None, position: int | None
) -> TestRun:
    """The tester's answer; a draft with a mistake gives its message instead of results."""
    from pimdesk.errors import PimdeskError

    try:
        return TestRun(rules.test_names(library, names, draft=draft, draft_position=position), None)
    except PimdeskError as exc:
        return TestRun(rules.test_names(library, names), str(exc))


def suggest_template(file_name: str) -> str:
    """A first guess at a template for a file name (the user edits it in the tester)."""
    stem = PurePath(file_name).stem
    parts = stem.split("_")
    if len(parts) >= 3 and parts[-1].isdigit():
        return "{sku}_{role}_{position}.{ext}"
    if len(parts) == 2:
        return "{sku}_{role}.{ext}" if not parts[1].isdigit() else "{sku}_{position}.{ext}"
    if "-" in stem and stem.rsplit("-", 1)[1].isdigit():
        return "{sku}-{position}.{ext}"
    return "{sku}.{ext}"


class NamesEdit(QPlainTextEdit):
    """One file name per line; files dropped here add their names."""

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()
        else:
            super().dragEnterEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        if event.mimeData().hasUrls():
            names = [PurePath(u.toLocalFile() or u.path()).name for u in event.mimeData().urls()]
            text = self.toPlainText().rstrip("\n")
            self.setPlainText("\n".join([t for t in [text, *names] if t]))
            event.acceptProposedAction()
        else:
            super().dropEvent(event)


class RulesEditorScreen(Screen):
    key = "rules"
    label = "Filename rules"
    change_kinds = frozenset({"rules", "import", "values", "demo"})
    tested = Signal()

    def __init__(self, ctx: GuiContext, parent: QWidget | None = None):
        super().__init__(ctx, parent)
        self.rules: list[rules.RuleInfo] = []

        self.table = read_only_table("rulesTable", ["#", "Name", "Pattern", "Kind"])
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._rule_selected)
        self.up = QPushButton("Move up")
        self.up.setObjectName("ruleUp")
        self.down = QPushButton("Move down")
        self.down.setObjectName("ruleDown")
        self.remove = QPushButton("Remove")
        self.remove.setObjectName("ruleRemove")
        self.up.clicked.connect(lambda: self._move(-1))
        self.down.clicked.connect(lambda: self._move(+1))
        self.remove.clicked.connect(self._remove)
        order = QHBoxLayout()
        order.addWidget(QLabel("The first rule that matches wins."))
        order.addStretch(1)
        for button in (self.up, self.down, self.remove):
            order.addWidget(button)

        self.name = QLineEdit()
        self.name.setObjectName("ruleName")
        self.name.setPlaceholderText("e.g. studio shots")
        self.pattern = QLineEdit()
        self.pattern.setObjectName("rulePattern")
        self.pattern.setPlaceholderText("{sku}_{role}_{position}.{ext}  or a regex with (?P<sku>…)")
        self.kind = QComboBox()
        self.kind.setObjectName("ruleKind")
        self.kind.addItems(["template", "regex"])
        self.position = QComboBox()
        self.position.setObjectName("rulePosition")
        self.add_button = QPushButton("Save rule")
        self.add_button.setObjectName("saveRule")
        self.add_button.clicked.connect(self.save_rule)
        self.draft_error = QLabel()
        self.draft_error.setObjectName("draftError")
        self.draft_error.setWordWrap(True)
        self.draft_error.setStyleSheet("color: #d64545;")
        new_box = QGroupBox("New rule (tried live below before you save it)")
        form = QFormLayout(new_box)
        form.addRow("Name", self.name)
        form.addRow("Pattern", self.pattern)
        kind_row = QHBoxLayout()
        kind_row.addWidget(self.kind)
        kind_row.addWidget(QLabel("at position"))
        kind_row.addWidget(self.position)
        kind_row.addStretch(1)
        kind_row.addWidget(self.add_button)
        form.addRow("Kind", kind_row)
        form.addRow(self.draft_error)
        help_text = QLabel(
            "Fields: {sku} {role} {position} {locale} {any} {ext}; '/' matches a folder "
            "(e.g. {sku}/{any}.{ext}). Roles: main, front, back, side, detail, lifestyle, "
            "swatch, manual, video."
        )
        help_text.setWordWrap(True)
        form.addRow(help_text)

        self.names = NamesEdit()
        self.names.setObjectName("testerNames")
        self.names.setPlaceholderText("Paste or drop file names here, one per line")
        self.results = read_only_table("testerResults", RESULT_COLUMNS)
        tester = QGroupBox("Tester")
        tl = QHBoxLayout(tester)
        tl.addWidget(self.names, 1)
        tl.addWidget(self.results, 3)

        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(self.table)
        top_layout.addLayout(order)
        top_layout.addWidget(new_box)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(top)
        splitter.addWidget(tester)
        splitter.setSizes([420, 320])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(150)
        self._timer.timeout.connect(self.run_test)
        self._generation = 0
        for signal in (
            self.names.textChanged,
            self.pattern.textChanged,
            self.name.textChanged,
            self.kind.currentIndexChanged,
            self.position.currentIndexChanged,
        ):
            signal.connect(self._timer.start)

    # -- rules -------------------------------------------------------------------------

    def reload(self) -> None:
        self.ctx.workers.run(rules.list_rules, self.ctx.library, on_result=self._loaded)

    def _loaded(self, infos: list[rules.RuleInfo]) -> None:
        selected = self.selected_rule()
        self.rules = infos
        self.table.setRowCount(len(infos))
        for number, info in enumerate(infos):
            cells = [str(info.position), info.name, info.pattern, info.kind]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if not info.enabled:
                    item.setForeground(Qt.GlobalColor.gray)
                self.table.setItem(number, col, item)
            if selected is not None and info.name == selected.name:
                self.table.selectRow(number)
        current = self.position.currentData()
        self.position.blockSignals(True)
        self.position.clear()
        for n in range(1, len(infos) + 2):
            label = f"{n} (first)" if n == 1 else f"{n} (last)" if n == len(infos) + 1 else str(n)
            self.position.addItem(label, n)
        index = self.position.findData(current)
        self.position.setCurrentIndex(index if index >= 0 else self.position.count() - 1)
        self.position.blockSignals(False)
        self._rule_selected()
        self._timer.start()

    def selected_rule(self) -> rules.RuleInfo | None:
        rows = {i.row() for i in self.table.selectedIndexes()}
        return self.rules[min(rows)] if rows and min(rows) < len(self.rules) else None

    def _rule_selected(self) -> None:
        info = self.selected_rule()
        self.up.setEnabled(info is not None and info.position > 1)
        self.down.setEnabled(info is not None and info.position < len(self.rules))
        self.remove.setEnabled(info is not None)

    def _move(self, delta: int) -> None:
        info = self.selected_rule()
        if info is None:
            return
        self._write(rules.move_rule, info.name, info.position + delta)

    def _remove(self) -> None:
        info = self.selected_rule()
        if info is not None:
            self._write(rules.remove_rule, info.name)

    def _write(self, fn: object, *args: object) -> None:
        self.ctx.workers.run(
            fn,  # type: ignore[arg-type]
            self.ctx.library,
            *args,
            write=True,
            on_result=lambda _r: self.reload(),
            on_error=lambda exc: self.ctx.show_error(exc, title="Cannot change the rules"),
        )

    def draft(self) -> RuleSpec | None:
        pattern = self.pattern.text().strip()
        if not pattern:
            return None
        name = self.name.text().strip() or "new rule"
        return RuleSpec(name, pattern, self.kind.currentText(), {})

    def save_rule(self) -> None:
        draft = self.draft()
        if draft is None or not self.name.text().strip():
            self.draft_error.setText("Give the rule a name and a pattern.")
            return
        self.ctx.workers.run(
            rules.add_rule,
            self.ctx.library,
            draft.name,
            draft.pattern,
            draft.kind,
            position=self.position.currentData(),
            write=True,
            on_result=self._saved,
            on_error=lambda exc: self.draft_error.setText(str(exc)),
        )

    def _saved(self, info: rules.RuleInfo) -> None:
        self.ctx.nav.status_message.emit(
            f"Rule {info.name!r} saved at position {info.position}. "
            "Use 'Match all again' in the inbox to apply it to waiting files."
        )
        self.name.clear()
        self.pattern.clear()
        self.draft_error.clear()
        self.reload()

    def prefill(self, file_name: str) -> None:
        """Open prefilled from an unmatched file: its name in the tester, a guessed rule."""
        self.names.setPlainText(file_name)
        self.pattern.setText(suggest_template(file_name))
        self.name.setText(f"like {PurePath(file_name).stem}"[:60])
        self.kind.setCurrentText("template")
        self._timer.start()

    # -- tester ------------------------------------------------------------------------

    def run_test(self) -> None:
        names = [n.strip() for n in self.names.toPlainText().splitlines() if n.strip()]
        self._generation += 1
        generation = self._generation
        if not names:
            self.results.setRowCount(0)
            self.tested.emit()
            return
        self.ctx.workers.run(
            run_tester,
            self.ctx.library,
            names,
            self.draft(),
            self.position.currentData(),
            on_result=lambda run: self._show_results(generation, run),
        )

    def _show_results(self, generation: int, run: TestRun) -> None:
        if generation != self._generation:
            return
        self.draft_error.setText(run.error or "")
        self.results.setRowCount(len(run.results))
        for number, result in enumerate(run.results):
            outcome = {
                "link": "links to the product",
                "create": "creates a draft product",
                "inbox": "waits in the inbox",
                "problem": "problem",
            }.get(result.action, result.action)
            cells = [
                result.path,
                result.rule or "—",
                outcome,
                result.sku or "",
                result.role or "",
                "" if result.position is None else str(result.position),
                "" if result.action == "link" else result.reason,
            ]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if result.action != "link":
                    item.setForeground(QColor("#c07d1a"))
                self.results.setItem(number, col, item)
        self.results.resizeColumnsToContents()
        self.tested.emit()

    def result_row(self, row: int) -> list[str]:
        return [
            self.results.item(row, col).text() if self.results.item(row, col) else ""
            for col in range(self.results.columnCount())
        ]
