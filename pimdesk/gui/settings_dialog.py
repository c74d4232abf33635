"""The settings dialog: watched folders (add, remove, recursive, include/exclude, polling)
with their live state."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from pimdesk.gui.context import GuiContext
from pimdesk.gui.screen import read_only_table
from pimdesk.services import watch

COLUMNS = ["Folder", "State", "Subfolders", "Include", "Exclude", "Polling", "Last scan"]


def _patterns(text: str) -> list[str]:
    return [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]


class SettingsDialog(QDialog):
    def __init__(self, ctx: GuiContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("settingsDialog")
        self.setWindowTitle("pimdesk settings")
        self.folders: list[watch.FolderInfo] = []

        self.table = read_only_table("watchedFolders", COLUMNS)
        self.remove_button = QPushButton("Stop watching")
        self.remove_button.setObjectName("removeFolder")
        self.remove_button.setToolTip("The folder and its files are left untouched")
        self.remove_button.clicked.connect(self.remove_selected)

        self.path = QLineEdit()
        self.path.setObjectName("folderPath")
        self.path.setPlaceholderText("The folder the photographer saves into")
        choose = QPushButton("Choose…")
        choose.clicked.connect(self._choose)
        self.recursive = QCheckBox("Include subfolders")
        self.recursive.setObjectName("folderRecursive")
        self.recursive.setChecked(True)
        self.include = QLineEdit()
        self.include.setObjectName("folderInclude")
        self.include.setPlaceholderText("e.g. *.jpg, *.png (empty: every file)")
        self.exclude = QLineEdit()
        self.exclude.setObjectName("folderExclude")
        self.exclude.setPlaceholderText("e.g. rejects/*, *.tmp")
        self.polling = QCheckBox("Poll for changes (network shares send no events)")
        self.polling.setObjectName("folderPolling")
        self.add_button = QPushButton("Watch this folder")
        self.add_button.setObjectName("addFolder")
        self.add_button.clicked.connect(self.add_folder)
        self.message = QLabel()
        self.message.setObjectName("folderMessage")
        self.message.setWordWrap(True)

        add_box = QGroupBox("Add a watched folder")
        form = QFormLayout(add_box)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path, 1)
        path_row.addWidget(choose)
        form.addRow("Folder", path_row)
        form.addRow("", self.recursive)
        form.addRow("Only files like", self.include)
        form.addRow("Leave out", self.exclude)
        form.addRow("", self.polling)
        form.addRow("", self.add_button)
        form.addRow(self.message)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.accepted.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel(
                "<b>Watched folders</b> — new and changed photos are added "
                "as soon as they are saved there."
            )
        )
        layout.addWidget(self.table)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.remove_button)
        layout.addLayout(row)
        layout.addWidget(add_box)
        layout.addWidget(buttons)
        self.resize(820, 560)
        self.reload()

    def reload(self) -> None:
        self.ctx.workers.run(watch.list_folders, self.ctx.library, on_result=self._loaded)

    def _loaded(self, folders: list[watch.FolderInfo]) -> None:
        self.folders = folders
        self.table.setRowCount(len(folders))
        for number, info in enumerate(folders):
            cells = [
                info.path,
                info.state or "",
                "yes" if info.recursive else "no",
                ", ".join(info.include),
                ", ".join(info.exclude),
                "yes" if info.polling else "no",
                info.last_scan_at.astimezone().strftime("%Y-%m-%d %H:%M")
                if info.last_scan_at
                else "never",
            ]
            for col, text in enumerate(cells):
                self.table.setItem(number, col, QTableWidgetItem(text))
        self.table.resizeColumnToContents(0)
        self.remove_button.setEnabled(bool(folders))

    def _choose(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, "Choose a folder to watch", self.path.text()
        )
        if folder:
            self.path.setText(folder)

    def add_folder(self) -> None:
        text = self.path.text().strip()
        if not text:
            self.message.setText("Choose a folder first.")
            return
        self.ctx.workers.run(
            watch.add_folder,
            self.ctx.library,
            Path(text),
            recursive=self.recursive.isChecked(),
            include=_patterns(self.include.text()),
            exclude=_patterns(self.exclude.text()),
            polling=self.polling.isChecked(),
            write=True,
            on_result=self._added,
            on_error=lambda exc: self.message.setText(str(exc)),
        )

    def _added(self, info: watch.FolderInfo) -> None:
        self.message.setText(f"Watching {info.path}: its photos are being added now.")
        self.path.clear()
        self.reload()

    def remove_selected(self) -> None:
        rows = sorted({i.row() for i in self.table.selectedIndexes()})
        if not rows:
            self.message.setText("Select a folder in the list first.")
            return
        path = self.folders[rows[0]].path
        self.ctx.workers.run(
            watch.remove_folder,
            self.ctx.library,
            path,
            write=True,
            on_result=lambda _i: (self.message.setText(f"Stopped watching {path}."), self.reload()),
            on_error=lambda exc: self.message.setText(str(exc)),
        )
