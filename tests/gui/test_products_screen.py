"""The Products screen as a user drives it: header clicks, expanding models, filters, badges."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint, Qt

from pimdesk.gui.products import ProductsScreen
from pimdesk.gui.products_model import COL_MODEL, COL_NAME, COL_SKU, SkuRole
from pimdesk.library import Library
from pimdesk.services import products, publishing
from tests.gui.conftest import add_products
from tests.gui.test_products_model import make_tees


def open_screen(qtbot, ctx, page_size: int = 200) -> ProductsScreen:
    screen = ProductsScreen(ctx, page_size=page_size)
    qtbot.addWidget(screen)
    screen.resize(1300, 500)
    screen.show()
    screen.activate()
    qtbot.waitUntil(
        lambda: bool(screen.model.channels) and screen.model.rowCount() > 0, timeout=5000
    )
    return screen


def click_header(qtbot, screen: ProductsScreen, column: int) -> None:
    header = screen.table.horizontalHeader()
    x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
    qtbot.mouseClick(
        header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, header.height() // 2)
    )


def scroll_to_the_end(qtbot, screen: ProductsScreen) -> None:
    def at_end() -> bool:
        screen.table.scrollToBottom()
        return screen.model.exhausted and not screen.model.loading

    qtbot.waitUntil(at_end, timeout=10000)


def double_click(qtbot, view, point: QPoint) -> None:
    """What a mouse sends for a double-click: press, release, then the double-click."""
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=point)
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=point)


def column_texts(screen: ProductsScreen, column: int) -> list[str]:
    model = screen.model
    return [model.index(r, column).data() for r in range(model.rowCount())]


def test_clicking_a_header_sorts_every_page_both_ways(qtbot, ctx, library: Library) -> None:
    add_products(library, 23)
    screen = open_screen(qtbot, ctx, page_size=5)
    header = screen.table.horizontalHeader()
    orders = []
    for clicks in (1, 2):
        click_header(qtbot, screen, COL_NAME)
        qtbot.waitUntil(lambda: header.sortIndicatorSection() == COL_NAME)
        qtbot.waitUntil(
            lambda: screen.model.sort_key[0] == "name" and screen.model.rowCount() > 0,
            timeout=5000,
        )
        scroll_to_the_end(qtbot, screen)  # 23 rows: five pages
        names = column_texts(screen, COL_NAME)
        descending = header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
        assert len(names) == 23, clicks
        assert names == sorted(names, reverse=descending)
        assert screen.model.sort_key == ("name", descending)
        orders.append(descending)
    assert orders[0] != orders[1]  # the second click reversed the order


def test_a_model_unfolds_its_variants_and_a_variant_opens(qtbot, ctx, library: Library) -> None:
    make_tees(library)
    screen = open_screen(qtbot, ctx)
    model, table = screen.model, screen.table
    assert column_texts(screen, COL_SKU) == ["MUG", "▸ TEE"]
    assert model.index(1, COL_MODEL).data() == "3 variants"
    # click the arrow in the model's SKU cell
    arrow = table.visualRect(model.index(1, COL_SKU)).center()
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=arrow)
    qtbot.waitUntil(lambda: model.rowCount() == 5, timeout=5000)
    assert [model.index(r, COL_SKU).data(SkuRole) for r in range(2, 5)] == [
        "TEE-L",
        "TEE-M",
        "TEE-S",
    ]
    opened: list[str] = []
    ctx.nav.open_product.connect(opened.append)
    double_click(qtbot, table, table.visualRect(model.index(3, COL_NAME)).center())
    qtbot.waitUntil(lambda: bool(opened))
    assert opened == ["TEE-M"]
    # double-clicking the model row folds it again instead of opening anything
    double_click(qtbot, table, table.visualRect(model.index(1, COL_NAME)).center())
    qtbot.waitUntil(lambda: model.rowCount() == 2)
    assert opened == ["TEE-M"]
    # and the keyboard unfolds it: Right on the model row
    table.setCurrentIndex(model.index(1, COL_NAME))
    qtbot.keyClick(table, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: model.rowCount() == 5)


def test_waiting_to_publish_filter_after_an_edit(
    qtbot, ctx, library: Library, tmp_path: Path
) -> None:
    add_products(library, 4)
    (tmp_path / "out").mkdir()
    publishing.add_channel(
        library, "shop", exporter="folder", settings={"output": str(tmp_path / "out")}
    )
    publishing.publish_channel(library, "shop")
    screen = open_screen(qtbot, ctx)
    qtbot.waitUntil(lambda: screen.waiting.findData("shop") > 0, timeout=5000)
    screen.waiting.setCurrentIndex(screen.waiting.findData("shop"))
    qtbot.waitUntil(lambda: screen.model.exhausted and not screen.model.loading, timeout=5000)
    assert screen.model.rowCount() == 0  # everything was just published
    products.set_values(library, "SKU-00002", {"name-en_US": "Renamed mug"})
    qtbot.waitUntil(lambda: column_texts(screen, COL_SKU) == ["SKU-00002"], timeout=5000)
    assert "waiting to publish" in screen.model.index(0, COL_MODEL + 3).data(
        Qt.ItemDataRole.ToolTipRole
    )
    screen.waiting.setCurrentIndex(0)
    qtbot.waitUntil(lambda: screen.model.rowCount() == 4, timeout=5000)


def test_the_completeness_badge_follows_an_edit(qtbot, ctx, library: Library) -> None:
    add_products(library, 2)
    screen = open_screen(qtbot, ctx)
    qtbot.waitUntil(lambda: "ecommerce" in screen.model.channels, timeout=5000)
    qtbot.waitUntil(lambda: screen.model.rowCount() == 2, timeout=5000)
    column = screen.model.headers().index("ecommerce")
    badge = screen.model.index(1, column)
    before = badge.data()
    assert before.endswith("%") and int(before[:-1]) < 100
    products.set_values(library, "SKU-00001", {"description-en_US-ecommerce": "Glazed"})
    qtbot.waitUntil(lambda: screen.model.index(1, column).data() != before, timeout=5000)
    after = screen.model.index(1, column).data()
    assert int(after[:-1]) > int(before[:-1])
    assert screen.model.index(1, COL_SKU).data(SkuRole) == "SKU-00001"
    assert screen.model.index(0, column).data() == before  # the other row is untouched
