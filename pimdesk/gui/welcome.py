"""What a new, empty library shows: three ways to get started."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFileDialog, QLabel, QPushButton, QVBoxLayout, QWidget

from pimdesk.events import Change
from pimdesk.gui.context import GuiContext
from pimdesk.services import demo, imports, watch


class WelcomePanel(QWidget):
    """Open the demo catalog, add a watched folder, or import a product spreadsheet."""

    done = Signal(str)  # what happened, for the status bar

    def __init__(self, ctx: GuiContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("welcomePanel")
        title = QLabel("<h1>Welcome to pimdesk</h1>")
        text = QLabel(
            "Your catalog is empty. Start with the demo shop to look around, or bring in "
            "your own products and photos."
        )
        text.setWordWrap(True)
        self.demo_button = QPushButton("Open the demo catalog")
        self.demo_button.setObjectName("openDemo")
        self.demo_button.clicked.connect(self.open_demo)
        self.folder_button = QPushButton("Add a watched folder…")
        self.folder_button.setObjectName("addWatchedFolder")
        self.folder_button.clicked.connect(self.add_folder)
        self.import_button = QPushButton("Import a product spreadsheet (CSV or Excel)…")
        self.import_button.setObjectName("importSpreadsheet")
        self.import_button.clicked.connect(self.import_sheet)
        self.status = QLabel()
        self.status.setWordWrap(True)
        column = QWidget()
        column.setFixedWidth(520)  # a fixed column lets the wrapped text take its height
        inner = QVBoxLayout(column)
        for widget in (title, text, self.demo_button, self.folder_button, self.import_button):
            inner.addWidget(widget)
        inner.addWidget(self.status)
        for button in (self.demo_button, self.folder_button, self.import_button):
            button.setMinimumHeight(36)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(column, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(2)

    def _busy(self, text: str) -> None:
        self.status.setText(text)
        for button in (self.demo_button, self.folder_button, self.import_button):
            button.setEnabled(False)

    def _idle(self, text: str) -> None:
        self.status.setText(text)
        for button in (self.demo_button, self.folder_button, self.import_button):
            button.setEnabled(True)

    def _finished(self, kind: str, text: str) -> None:
        self._idle(text)
        self.ctx.events.changed.emit(Change(kind=kind))
        self.done.emit(text)

    def _failed(self, exc: BaseException, title: str) -> None:
        self._idle("")
        self.ctx.show_error(exc, title=title)

    def open_demo(self) -> None:
        self._busy("Loading the demo shop…")
        self.ctx.workers.run(
            demo.load_demo,
            self.ctx.library,
            write=True,
            on_result=lambda _r: self._finished("demo", "The demo shop is ready."),
            on_error=lambda exc: self._failed(exc, "Cannot load the demo"),
        )

    def add_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Choose the folder your photos go into")
        if folder:
            self.add_folder_path(Path(folder))

    def add_folder_path(self, folder: Path) -> None:
        self._busy(f"Watching {folder}…")
        self.ctx.workers.run(
            watch.add_folder,
            self.ctx.library,
            folder,
            write=True,
            on_result=lambda info: self._finished(
                "watch", f"Watching {info.path}: photos saved there are added by themselves."
            ),
            on_error=lambda exc: self._failed(exc, "Cannot watch this folder"),
        )

    def import_sheet(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Import products", "", "Spreadsheets (*.csv *.xlsx);;All files (*)"
        )
        if path:
            self.import_path(Path(path))

    def import_path(self, path: Path) -> None:
        self._busy(f"Importing {path.name}…")
        self.ctx.workers.run(
            imports.import_file,
            self.ctx.library,
            path,
            write=True,
            on_result=lambda report: self._finished("import", f"Imported {path.name}."),
            on_error=lambda exc: self._failed(exc, f"Cannot import {path.name}"),
        )
