"""The image strip: drop photos from the desktop onto a product, reorder, change role."""

from __future__ import annotations

from pathlib import Path

from PIL import Image
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from pimdesk.gui.image_strip import ImageStrip
from pimdesk.services import browse, products


def photo(folder: Path, name: str, colour: str) -> Path:
    path = folder / name
    Image.new("RGB", (800, 600), colour).save(path, "JPEG", quality=85)
    return path


def drop_files(widget, paths: list[Path]) -> None:
    """What the window system delivers when files are dragged from the desktop and let go."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    target = widget.viewport()
    buttons = Qt.MouseButton.LeftButton
    enter = QDragEnterEvent(
        QPoint(20, 20), Qt.DropAction.CopyAction, mime, buttons, Qt.KeyboardModifier.NoModifier
    )
    QApplication.sendEvent(target, enter)
    assert enter.isAccepted()
    drop = QDropEvent(
        QPointF(20, 20), Qt.DropAction.CopyAction, mime, buttons, Qt.KeyboardModifier.NoModifier
    )
    QApplication.sendEvent(target, drop)


def make_strip(qtbot, ctx, sku: str) -> ImageStrip:
    strip = ImageStrip(ctx)
    qtbot.addWidget(strip)
    strip.show()
    with qtbot.waitSignal(strip.changed_done, timeout=5000):
        strip.show_product(sku)
    return strip


def test_dropped_photos_are_ingested_and_linked(qtbot, ctx, library, tmp_path) -> None:
    products.create_product(library, "MUG-1", values={"name-en_US": "Mug"})
    strip = make_strip(qtbot, ctx, "MUG-1")
    assert strip.list.count() == 0
    files = [photo(tmp_path, "studio shot A.jpg", "red"), photo(tmp_path, "studio B.jpg", "blue")]
    with qtbot.waitSignal(strip.changed_done, timeout=30000):
        drop_files(strip.list, files)
    qtbot.waitUntil(lambda: strip.list.count() == 2, timeout=30000)
    images = browse.product_images(library, "MUG-1")
    assert [(i.role, i.position) for i in images] == [("main", 1), ("main", 2)]
    assert all(f.exists() for f in files)  # the user's files are left where they were
    qtbot.waitUntil(lambda: not strip.list.item(0).icon().isNull(), timeout=5000)


def test_reorder_saves_the_new_positions(qtbot, ctx, library, tmp_path) -> None:
    from pimdesk.services import assets, ingest

    products.create_product(library, "MUG-2", values={"name-en_US": "Mug"})
    report = ingest.ingest_paths(
        library, [photo(tmp_path, "a.jpg", "red"), photo(tmp_path, "b.jpg", "green")]
    )
    ids = [f.asset_id for f in report.files]
    for asset_id in ids:
        assets.link_asset(library, asset_id, "MUG-2", role="detail")
    strip = make_strip(qtbot, ctx, "MUG-2")
    assert [i.asset_id for i in strip.images] == ids
    with qtbot.waitSignal(strip.changed_done, timeout=5000):
        strip.list.move_item(1, 0)  # what dragging the second picture to the front does
    stored = browse.product_images(library, "MUG-2")
    assert [(i.asset_id, i.position) for i in stored] == [(ids[1], 1), (ids[0], 2)]


def test_change_role_of_the_selected_image(qtbot, ctx, library, tmp_path) -> None:
    from pimdesk.services import assets, ingest

    products.create_product(library, "MUG-3", values={"name-en_US": "Mug"})
    report = ingest.ingest_paths(library, [photo(tmp_path, "x.jpg", "red")])
    assets.link_asset(library, report.files[0].asset_id, "MUG-3", role="detail")
    strip = make_strip(qtbot, ctx, "MUG-3")
    strip.list.setCurrentRow(0)
    assert strip.role.isEnabled()
    strip.role.setCurrentText("main")
    strip.role.activated.emit(strip.role.currentIndex())
    qtbot.waitUntil(
        lambda: [i.role for i in browse.product_images(library, "MUG-3")] == ["main"],
        timeout=5000,
    )
    qtbot.waitUntil(lambda: strip.list.count() == 1 and "main" in strip.list.item(0).text())
