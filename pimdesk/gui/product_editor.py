"""The product editor screen (filled in as the catalog services land)."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from pimdesk.gui.context import GuiContext
from pimdesk.gui.screen import Screen


class ProductEditorScreen(Screen):
    key = "editor"
    label = "Product"

    def __init__(self, ctx: GuiContext, parent: QWidget | None = None):
        super().__init__(ctx, parent)
        self.sku: str | None = None
        back = QPushButton("← Products")
        back.setObjectName("backToProducts")
        back.clicked.connect(lambda: ctx.nav.open_screen.emit("products"))
        self.title = QLabel()
        self.title.setObjectName("editorTitle")
        top = QHBoxLayout()
        top.addWidget(back)
        top.addWidget(self.title, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addStretch(1)

    def open_sku(self, sku: str) -> None:
        self.sku = sku
        self.title.setText(f"<h2>{sku}</h2>")
