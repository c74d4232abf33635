"""Problems: files that could not be ingested (with the reason), left where they were."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from pimdesk.gui.context import GuiContext
from pimdesk.gui.screen import Screen, read_only_table
from pimdesk.services import assets


class ProblemsScreen(Screen):
    key = "problems"
    label = "Problems"
    change_kinds = frozenset({"ingest", "problems", "demo"})

    def __init__(self, ctx: GuiContext, parent: QWidget | None = None):
        super().__init__(ctx, parent)
        self.summary = QLabel()
        self.table = read_only_table("problemsTable", ["File", "Why it was not added", "Seen"])
        self.missing = QPushButton("Assets whose source file went missing…")
        self.missing.clicked.connect(self._show_missing)
        bar = QHBoxLayout()
        bar.addWidget(self.summary, 1)
        bar.addWidget(self.missing)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.table)
        note = QLabel(
            "These files were left untouched where they are. Fix them (or replace them) and "
            "they are picked up again on the next scan of the watched folder."
        )
        note.setWordWrap(True)
        layout.addWidget(note)

    def reload(self) -> None:
        self.ctx.workers.run(assets.problems, self.ctx.library, on_result=self._loaded)

    def _loaded(self, problems: list[assets.ProblemInfo]) -> None:
        self.table.setRowCount(len(problems))
        for number, problem in enumerate(problems):
            cells = [
                problem.path,
                problem.reason,
                problem.seen_at.astimezone().strftime("%Y-%m-%d %H:%M"),
            ]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.table.setItem(number, col, item)
        self.table.resizeColumnToContents(0)
        self.summary.setText(
            f"<b>{len(problems)} file(s) could not be added</b>"
            if problems
            else "<b>No problems</b>: every file that arrived could be read."
        )

    def _show_missing(self) -> None:
        self.ctx.nav.open_screen.emit("assets")
        self.ctx.nav.asset_filter.emit("Source file missing")
