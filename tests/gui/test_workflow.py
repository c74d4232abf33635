"""The new user's path through the window: empty library -> demo; a watched folder set in
Settings; a photo saved there lands on its product while the window is open; assets
dragged onto a product row are linked."""

from __future__ import annotations

from PIL import Image
from PySide6.QtCore import QByteArray, QMimeData, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from pimdesk.gui.assets_model import ASSET_MIME
from pimdesk.gui.main_window import MainWindow
from pimdesk.gui.products_model import COL_SKU
from pimdesk.gui.settings_dialog import SettingsDialog
from pimdesk.services import browse, ingest, products, publishing


def window_on(qtbot, library, qsettings) -> MainWindow:
    window = MainWindow(library, settings=qsettings)
    qtbot.addWidget(window)
    window.show()
    return window


def test_empty_library_offers_the_demo_and_opens_it(qtbot, library, qsettings) -> None:
    window = window_on(qtbot, library, qsettings)
    screen = window.screens["products"]
    qtbot.waitUntil(lambda: screen.welcome.isVisible(), timeout=5000)
    qtbot.mouseClick(screen.welcome.demo_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: screen.model.rowCount() > 10, timeout=60000)
    assert not screen.welcome.isVisible() and screen.table.isVisible()
    qtbot.waitUntil(lambda: len(screen.model.channels) >= 3, timeout=5000)
    window.context.workers.wait()


def test_settings_add_a_watched_folder_and_a_saved_photo_lands(
    qtbot, library, qsettings, tmp_path
) -> None:
    products.create_product(library, "VASE-1", values={"name-en_US": "Vase"})
    window = window_on(qtbot, library, qsettings)
    window.start_background(health_interval=0.2)
    try:
        dialog = SettingsDialog(window.context, window)
        qtbot.addWidget(dialog)
        shots = tmp_path / "shots"
        shots.mkdir()
        dialog.path.setText(str(shots))
        dialog.include.setText("*.jpg")
        qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: dialog.table.rowCount() == 1, timeout=5000)
        assert dialog.table.item(0, 0).text() == str(shots)
        qtbot.waitUntil(lambda: "watching 1 folder" in window.watcher_label.text(), timeout=10000)
        Image.new("RGB", (900, 900), "teal").save(shots / "VASE-1_main.jpg", "JPEG")
        qtbot.waitUntil(lambda: bool(browse.product_images(library, "VASE-1")), timeout=20000)
        assert browse.product_images(library, "VASE-1")[0].role == "main"
        qtbot.waitUntil(lambda: "(1)" in window.sidebar.text_of("assets"), timeout=10000)
    finally:
        window.shutdown()


def test_auto_publish_inside_the_window(qtbot, library, qsettings, tmp_path) -> None:
    (tmp_path / "site").mkdir()
    publishing.add_channel(
        library, "shop", exporter="storefront", settings={"output": str(tmp_path / "site")}
    )
    publishing.set_channel(library, "shop", {"auto_publish": True})
    products.create_product(library, "VASE-2", values={"name-en_US": "Vase", "price-USD": "12.00"})
    window = window_on(qtbot, library, qsettings)
    reports: list[object] = []
    window.start_background(health_interval=0.2)
    try:
        window.watch.published.connect(reports.append)
        products.set_values(library, "VASE-2", {"name-en_US": "Blue vase"})
        qtbot.waitUntil(
            lambda: any("VASE-2" in getattr(r, "published", []) for r in reports), timeout=30000
        )
    finally:
        window.shutdown()


def test_assets_dropped_on_a_product_row_are_linked(qtbot, library, qsettings, tmp_path) -> None:
    products.create_product(library, "BOWL-1", values={"name-en_US": "Bowl"})
    photo = tmp_path / "bowl shot.jpg"
    Image.new("RGB", (500, 500), "orange").save(photo, "JPEG")
    asset_id = ingest.ingest_paths(library, [photo]).files[0].asset_id
    window = window_on(qtbot, library, qsettings)
    screen = window.screens["products"]
    qtbot.waitUntil(lambda: screen.model.rowCount() == 1, timeout=5000)
    table = screen.table
    rect = table.visualRect(screen.model.index(0, COL_SKU))
    point = rect.center()
    mime = QMimeData()
    mime.setData(ASSET_MIME, QByteArray(str(asset_id).encode()))
    buttons, mods = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    QApplication.sendEvent(
        table.viewport(), QDragEnterEvent(point, Qt.DropAction.CopyAction, mime, buttons, mods)
    )
    move = QDragMoveEvent(point, Qt.DropAction.CopyAction, mime, buttons, mods)
    QApplication.sendEvent(table.viewport(), move)
    assert move.isAccepted()
    QApplication.sendEvent(
        table.viewport(),
        QDropEvent(QPointF(point), Qt.DropAction.CopyAction, mime, buttons, mods),
    )
    qtbot.waitUntil(lambda: bool(browse.product_images(library, "BOWL-1")), timeout=5000)
    assert browse.product_images(library, "BOWL-1")[0].asset_id == asset_id
    window.context.workers.wait()
