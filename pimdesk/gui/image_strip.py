"""The image strip of a product: thumbnails with role and position, drag to reorder, drop
files from the desktop to ingest them and link them to the product.

Reordering and linking are writes: they go through the single writer pool, and the strip
reloads from the catalog when they are done (what is shown is always what is stored).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent, QIcon, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from pimdesk.events import Change
from pimdesk.gui.context import GuiContext
from pimdesk.gui.thumbnails import ThumbnailCache
from pimdesk.library import Library
from pimdesk.services import browse

ROLES = ["main", "front", "back", "side", "detail", "lifestyle", "swatch", "manual", "video"]
AssetRole = Qt.ItemDataRole.UserRole + 1
ImageRole = Qt.ItemDataRole.UserRole + 2


def ingest_and_link(library: Library, sku: str, paths: Sequence[Path], role: str) -> list[int]:
    """Ingest dropped files and link every resulting asset to the product (in drop order).

    Files the rules already link to this product keep their rule's role; the others get
    ``role`` at the next free positions. Returns the linked asset ids.
    """
    from pimdesk.services import assets, ingest

    report = ingest.ingest_paths(library, list(paths))
    linked: list[int] = []
    for outcome in report.files:
        if outcome.asset_id is None:
            continue
        if outcome.sku == sku:
            linked.append(outcome.asset_id)
            continue
        assets.link_asset(library, outcome.asset_id, sku, role=role)
        linked.append(outcome.asset_id)
    problems = [f for f in report.files if f.asset_id is None and f.reason]
    if problems and not linked:
        from pimdesk.errors import PimdeskError

        first = problems[0]
        raise PimdeskError(f"could not be added: {first.reason}", where=first.path)
    return linked


def reorder_images(library: Library, sku: str, order: Sequence[tuple[int, str]]) -> None:
    """Give the product's images positions 1..n per role, in the order shown."""
    from pimdesk.services import assets

    assets.reorder_links(library, sku, list(order))


def change_role(library: Library, sku: str, asset_id: int, old_role: str, role: str) -> None:
    from pimdesk.services import assets

    assets.unlink(library, asset_id, sku=sku, role=old_role)
    assets.link_asset(library, asset_id, sku, role=role)


def remove_image(library: Library, sku: str, asset_id: int, role: str) -> None:
    from pimdesk.services import assets

    assets.unlink(library, asset_id, sku=sku, role=role)


class StripList(QListWidget):
    """Icon list accepting internal moves and files dropped from the desktop."""

    files_dropped = Signal(list)
    reordered = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setViewMode(QListWidget.ViewMode.IconMode)
        self.setFlow(QListWidget.Flow.LeftToRight)
        self.setWrapping(True)
        self.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.setMovement(QListWidget.Movement.Snap)
        self.setIconSize(QSize(128, 128))
        self.setGridSize(QSize(156, 176))
        self.setSpacing(6)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.setAcceptDrops(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()
        else:
            super().dragEnterEvent(event)

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()
        else:
            super().dragMoveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        if event.mimeData().hasUrls():
            paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
            event.acceptProposedAction()
            if paths:
                self.files_dropped.emit(paths)
            return
        if event.source() is self and self.currentItem() is not None:
            target = self.indexAt(event.position().toPoint())
            to_row = target.row() if target.isValid() else self.count() - 1
            # Copy, not Move: the view must not delete the dragged row after we moved it.
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()
            self.move_item(self.currentRow(), to_row)
            return
        event.ignore()

    def move_item(self, from_row: int, to_row: int) -> None:
        """Move one picture (what a drag does) and say the order changed."""
        if from_row == to_row or not (0 <= from_row < self.count()):
            return
        item = self.takeItem(from_row)
        self.insertItem(max(0, min(to_row, self.count())), item)
        self.setCurrentItem(item)
        self.reordered.emit()


class ImageStrip(QWidget):
    """The Images tab of the product editor."""

    changed_done = Signal()  # a write finished and the strip reloaded

    def __init__(self, ctx: GuiContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.sku: str | None = None
        self.images: list[browse.ProductImage] = []
        self.thumbs = ThumbnailCache(ctx.workers, size=128, parent=self)
        self.thumbs.loaded.connect(self._thumb_ready)

        self.list = StripList()
        self.list.setObjectName("imageStrip")
        self.list.files_dropped.connect(self.add_files)
        self.list.reordered.connect(self._reordered)
        self.list.itemDoubleClicked.connect(self._open_asset)
        self.list.currentItemChanged.connect(self._selected)
        self.hint = QLabel(
            "Drop photos here from your desktop to add them to this product; drag the "
            "pictures to change their order. Double-click one to open it."
        )
        self.hint.setWordWrap(True)
        self.drop_role = QComboBox()
        self.drop_role.setObjectName("dropRole")
        self.drop_role.addItems(ROLES)
        self.role = QComboBox()
        self.role.setObjectName("imageRole")
        self.role.addItems(ROLES)
        self.role.setEnabled(False)
        self.role.activated.connect(self._role_chosen)
        self.remove = QPushButton("Remove from product")
        self.remove.setObjectName("removeImage")
        self.remove.setEnabled(False)
        self.remove.clicked.connect(self._remove)

        drop_bar = QHBoxLayout()
        drop_bar.addWidget(QLabel("Dropped files become"))
        drop_bar.addWidget(self.drop_role)
        drop_bar.addWidget(QLabel("images"))
        drop_bar.addStretch(1)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Selected image:"))
        bar.addWidget(self.role)
        bar.addWidget(self.remove)
        bar.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.hint)
        layout.addLayout(drop_bar)
        layout.addWidget(self.list, 1)
        layout.addLayout(bar)
        ctx.events.changed.connect(self._on_change)

    # -- loading -----------------------------------------------------------------------

    def show_product(self, sku: str) -> None:
        self.sku = sku
        self.list.clear()
        self.reload()

    def reload(self) -> None:
        if self.sku is None:
            return
        sku = self.sku
        self.ctx.workers.run(
            browse.product_images,
            self.ctx.library,
            sku,
            on_result=lambda images: self._loaded(sku, images),
        )

    def _on_change(self, change: Change) -> None:
        if self.sku is not None and change.kind in {"ingest", "links", "approval"}:
            self.reload()

    def _loaded(self, sku: str, images: list[browse.ProductImage]) -> None:
        if sku != self.sku:
            return
        self.images = images
        self.list.clear()
        for image in images:
            text = f"{image.role} {image.position}"
            if image.inherited:
                text += " (model)"
            if image.approval and image.approval != "approved":
                text += f"\n{image.approval}"
            item = QListWidgetItem(text)
            item.setData(AssetRole, image.asset_id)
            item.setData(ImageRole, image)
            item.setToolTip(f"{image.title} — asset {image.asset_id}")
            item.setTextAlignment(Qt.AlignmentFlag.AlignHCenter)
            if image.inherited:
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsDragEnabled)
            ready = self.thumbs.get(image.thumbnail)
            if ready is not None:
                item.setIcon(QIcon(QPixmap.fromImage(ready)))
            self.list.addItem(item)
        self.changed_done.emit()

    def _thumb_ready(self, path: Path) -> None:
        image = self.thumbs.get(path)
        if image is None:
            return
        for row in range(self.list.count()):
            item = self.list.item(row)
            shown = item.data(ImageRole)
            if shown is not None and shown.thumbnail == path:
                item.setIcon(QIcon(QPixmap.fromImage(image)))

    def order(self) -> list[tuple[int, str]]:
        """(asset id, role) of the product's own images, in the order shown."""
        result = []
        for row in range(self.list.count()):
            image = self.list.item(row).data(ImageRole)
            if image is not None and not image.inherited:
                result.append((image.asset_id, image.role))
        return result

    # -- writes ------------------------------------------------------------------------

    def add_files(self, paths: list[Path]) -> None:
        if self.sku is None:
            return
        sku = self.sku
        self.ctx.nav.status_message.emit(f"Adding {len(paths)} file(s) to {sku}…")
        self.ctx.workers.run(
            ingest_and_link,
            self.ctx.library,
            sku,
            paths,
            self.drop_role.currentText(),
            write=True,
            on_result=lambda ids: self._written(f"Linked {len(ids)} file(s) to {sku}."),
            on_error=lambda exc: self._failed(exc, f"Cannot add the files to {sku}"),
        )

    def _reordered(self) -> None:
        if self.sku is None:
            return
        self.ctx.workers.run(
            reorder_images,
            self.ctx.library,
            self.sku,
            self.order(),
            write=True,
            on_result=lambda _r: self._written("New image order saved."),
            on_error=lambda exc: self._failed(exc, "Cannot reorder the images"),
        )

    def _selected(self, item: QListWidgetItem | None, _previous: object) -> None:
        image = item.data(ImageRole) if item is not None else None
        own = image is not None and not image.inherited
        self.role.setEnabled(own)
        self.remove.setEnabled(own)
        if image is not None:
            index = self.role.findText(image.role)
            if index < 0:
                self.role.addItem(image.role)
                index = self.role.count() - 1
            self.role.setCurrentIndex(index)

    def _role_chosen(self) -> None:
        item = self.list.currentItem()
        image = item.data(ImageRole) if item is not None else None
        role = self.role.currentText()
        if image is None or self.sku is None or role == image.role:
            return
        self.ctx.workers.run(
            change_role,
            self.ctx.library,
            self.sku,
            image.asset_id,
            image.role,
            role,
            write=True,
            on_result=lambda _r: self._written(f"The image is now the {role} image."),
            on_error=lambda exc: self._failed(exc, "Cannot change the role"),
        )

    def _remove(self) -> None:
        item = self.list.currentItem()
        image = item.data(ImageRole) if item is not None else None
        if image is None or self.sku is None:
            return
        self.ctx.workers.run(
            remove_image,
            self.ctx.library,
            self.sku,
            image.asset_id,
            image.role,
            write=True,
            on_result=lambda _r: self._written("Image removed from the product (kept in Assets)."),
            on_error=lambda exc: self._failed(exc, "Cannot remove the image"),
        )

    def _written(self, message: str) -> None:
        self.ctx.nav.status_message.emit(message)
        self.reload()

    def _failed(self, exc: BaseException, title: str) -> None:
        self.reload()
        self.ctx.show_error(exc, title=title)

    def _open_asset(self, item: QListWidgetItem) -> None:
        asset_id = item.data(AssetRole)
        if asset_id is not None:
            self.ctx.nav.open_asset.emit(int(asset_id))
