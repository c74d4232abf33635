"""The main window as a user meets it: sidebar counts, screens, search, settings kept."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QSettings, Qt

from pimdesk.gui.main_window import MainWindow
from pimdesk.gui.products_model import COL_SKU
from pimdesk.library import Library
from tests.gui.conftest import add_products


def make_window(qtbot, library: Library, qsettings: QSettings) -> MainWindow:
    window = MainWindow(library, settings=qsettings)
    qtbot.addWidget(window)
    window.show()
    return window


def test_sidebar_shows_counts_and_switches_screens(qtbot, library, qsettings) -> None:
    add_products(library, 7)
    window = make_window(qtbot, library, qsettings)
    qtbot.waitUntil(lambda: "(7)" in window.sidebar.text_of("products"), timeout=5000)
    assert "(1)" in window.sidebar.text_of("channels")
    window.sidebar.select("channels")
    assert window.current_screen().key == "channels"
    window.sidebar.select("products")
    products = window.screens["products"]
    qtbot.waitUntil(lambda: products.model.rowCount() == 7, timeout=5000)
    window.context.workers.wait()


def test_double_click_opens_the_product(qtbot, library, qsettings) -> None:
    add_products(library, 3)
    window = make_window(qtbot, library, qsettings)
    products = window.screens["products"]
    qtbot.waitUntil(lambda: products.model.rowCount() == 3, timeout=5000)
    index = products.model.index(1, COL_SKU)
    products.table.doubleClicked.emit(index)
    assert window.current_screen().key == "editor"
    assert window.screens["editor"].sku == "SKU-00001"
    window.context.workers.wait()


def test_search_box_finds_a_product_by_sku_and_opens_it(qtbot, library, qsettings) -> None:
    add_products(library, 5, prefix="TEE")
    add_products(library, 5, prefix="MUG")
    window = make_window(qtbot, library, qsettings)
    window.search.focus_search()
    with qtbot.waitSignal(window.search.results_shown, timeout=5000):
        qtbot.keyClicks(window.search, "MUG-00003")
    qtbot.waitUntil(lambda: window.search.results.rowCount() >= 1)
    assert "MUG-00003" in window.search.results.item(0).text()
    qtbot.keyClick(window.search, Qt.Key.Key_Return)
    assert window.current_screen().key == "editor"
    assert window.screens["editor"].sku == "MUG-00003"
    window.context.workers.wait()


def test_geometry_and_splitter_are_restored(qtbot, library, qsettings) -> None:
    window = make_window(qtbot, library, qsettings)
    window.resize(790, 600)
    qtbot.waitUntil(lambda: window.width() == 790)
    window.splitter.setSizes([260, 530])
    sidebar_width = window.splitter.sizes()[0]
    window.close()
    window.context.workers.wait()
    again = make_window(qtbot, library, qsettings)
    qtbot.waitUntil(lambda: again.height() == 600)
    assert again.splitter.sizes()[0] == sidebar_width
    again.context.workers.wait()


def test_search_finds_an_asset_by_file_name_and_opens_it(
    qtbot, library, qsettings, tmp_path
) -> None:
    from PIL import Image

    from pimdesk.services import ingest

    photo = tmp_path / "summer lookbook.jpg"
    Image.new("RGB", (300, 300), "pink").save(photo, "JPEG")
    asset_id = ingest.ingest_paths(library, [photo]).files[0].asset_id
    window = make_window(qtbot, library, qsettings)
    window.search.focus_search()
    with qtbot.waitSignal(window.search.results_shown, timeout=5000):
        qtbot.keyClicks(window.search, "lookbook")
    qtbot.waitUntil(lambda: window.search.results.rowCount() >= 1)
    assert window.search.results.item(0).text().startswith("Asset: summer lookbook")
    qtbot.keyClick(window.search, Qt.Key.Key_Return)
    assert window.current_screen().key == "assets"
    qtbot.waitUntil(lambda: window.screens["assets"].inspector.asset_id == asset_id, timeout=5000)
    window.context.workers.wait()


def _click_sidebar(qtbot, window: MainWindow, key: str) -> None:
    from pimdesk.gui.sidebar import KeyRole

    sidebar = window.sidebar
    row = next(r for r in range(sidebar.count()) if sidebar.item(r).data(KeyRole) == key)
    rect = sidebar.visualItemRect(sidebar.item(row))
    qtbot.mouseClick(sidebar.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_screens_are_built_when_first_opened_and_then_work(
    qtbot, library, qsettings, tmp_path
) -> None:
    from PIL import Image

    from pimdesk.gui.assets_model import AssetIdRole
    from pimdesk.services import ingest

    add_products(library, 2)
    photo = tmp_path / "SKU-00001_main.jpg"
    Image.new("RGB", (200, 200), "teal").save(photo, "JPEG")
    asset_id = ingest.ingest_paths(library, [photo]).files[0].asset_id
    window = make_window(qtbot, library, qsettings)
    # at start only the products table exists
    assert window.screens.is_built("products")
    assert not any(window.screens.is_built(k) for k in ("assets", "channels", "rules", "editor"))

    _click_sidebar(qtbot, window, "assets")
    assert window.current_screen().key == "assets"
    grid = window.screens["assets"]
    qtbot.waitUntil(lambda: grid.model.rowCount() == 1, timeout=5000)
    assert grid.model.index(0).data(AssetIdRole) == asset_id
    qtbot.waitUntil(lambda: grid.inspector.asset_id == asset_id, timeout=5000)

    _click_sidebar(qtbot, window, "channels")
    assert window.current_screen().key == "channels"
    _click_sidebar(qtbot, window, "products")
    assert window.current_screen().key == "products"
    assert window.screens.is_built("channels") and not window.screens.is_built("rules")
    # the View menu lists every screen, built or not, and opens it
    view = next(a.menu() for a in window.menuBar().actions() if a.text() == "&View")
    rules = next(a for a in view.actions() if a.text() == "Filename rules")
    rules.trigger()
    assert window.current_screen().key == "rules"
    window.close()  # saving state touches only the screens that exist
    window.context.workers.wait()


def test_search_as_you_type_ends_on_the_latest_text(qtbot, library, qsettings) -> None:
    add_products(library, 5, prefix="TEE")
    add_products(library, 5, prefix="MUG")
    window = make_window(qtbot, library, qsettings)
    shown: list[str] = []
    window.search.results_shown.connect(lambda text, _seconds: shown.append(text))
    window.search.focus_search()
    qtbot.keyClicks(window.search, "MUG-0000")  # typed faster than searches answer
    window.search.selectAll()
    qtbot.keyClicks(window.search, "TEE-00004")
    qtbot.waitUntil(lambda: bool(shown) and shown[-1] == "TEE-00004", timeout=10000)
    window.context.workers.wait()
    QCoreApplication.processEvents()  # answers still queued for the UI thread arrive now
    assert shown[-1] == "TEE-00004"  # nothing older is shown after the latest text
    texts = [window.search.results.item(r).text() for r in range(window.search.results.rowCount())]
    assert "TEE-00004" in texts[0] and not any("MUG" in t for t in texts)
