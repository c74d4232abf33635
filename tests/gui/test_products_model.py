"""The products table model, without a window: keyset pages, roles, thumbnails, sorting."""

from __future__ import annotations

import functools

import pytest
from PySide6.QtCore import QModelIndex, QSortFilterProxyModel, Qt

from pimdesk.gui import catalog_source
from pimdesk.gui.products_model import (
    COL_NAME,
    COL_SKU,
    COL_THUMB,
    ProductIdRole,
    ProductTableModel,
    SkuRole,
)
from pimdesk.library import Library
from tests.gui.conftest import add_products, write_thumbnail


def make_model(ctx, page_size: int = 10, **filters) -> ProductTableModel:
    fetch = functools.partial(catalog_source.product_page, ctx.library, **filters)
    return ProductTableModel(fetch, ctx.workers, channels=["ecommerce"], page_size=page_size)


def load_page(qtbot, model: ProductTableModel) -> None:
    with qtbot.waitSignal(model.page_loaded, timeout=5000):
        model.fetchMore(QModelIndex())


def test_pages_arrive_lazily_in_sku_order(qtbot, ctx, library: Library) -> None:
    skus = add_products(library, 25)
    model = make_model(ctx)
    assert model.rowCount() == 0 and model.canFetchMore(QModelIndex())
    load_page(qtbot, model)
    assert model.rowCount() == 10
    assert [model.index(r, COL_SKU).data() for r in range(10)] == skus[:10]
    load_page(qtbot, model)
    load_page(qtbot, model)
    assert model.rowCount() == 25
    assert not model.canFetchMore(QModelIndex())  # the short page said: no more
    assert [model.row_at(r).sku for r in range(25)] == skus


def test_rows_inserted_signal_names_the_right_rows(qtbot, ctx, library: Library) -> None:
    add_products(library, 15)
    model = make_model(ctx)
    inserted: list[tuple[int, int]] = []
    model.rowsInserted.connect(lambda _p, first, last: inserted.append((first, last)))
    load_page(qtbot, model)
    load_page(qtbot, model)
    assert inserted == [(0, 9), (10, 14)]


def test_data_roles_survive_a_proxy(qtbot, ctx, library: Library) -> None:
    add_products(library, 3)
    model = make_model(ctx)
    load_page(qtbot, model)
    proxy = QSortFilterProxyModel()
    proxy.setSourceModel(model)
    proxy.sort(COL_SKU, Qt.SortOrder.DescendingOrder)
    top = proxy.index(0, COL_NAME)
    assert top.data(SkuRole) == "SKU-00002"
    assert top.data() == "Product SKU-00002"
    assert isinstance(top.data(ProductIdRole), int)
    assert model.headerData(COL_SKU, Qt.Orientation.Horizontal) == "SKU"
    assert "ecommerce" in model.headers()


def test_sort_by_name_orders_the_rows_held(qtbot, ctx, library: Library) -> None:
    add_products(library, 12)
    model = make_model(ctx, page_size=20)
    load_page(qtbot, model)
    model.sort(COL_NAME, Qt.SortOrder.DescendingOrder)
    assert model.row_at(0).sku == "SKU-00011"
    assert model.index(0, COL_NAME).data() == "Product SKU-00011"


def test_filter_by_text_uses_search(qtbot, ctx, library: Library) -> None:
    pytest.importorskip("pimdesk.services.search")
    add_products(library, 5, prefix="TEE")
    add_products(library, 5, prefix="MUG")
    model = make_model(ctx, text="MUG-00002")
    load_page(qtbot, model)
    assert model.row_at(0).sku == "MUG-00002"
    assert not model.canFetchMore(QModelIndex())


def test_completeness_per_channel_and_filter(qtbot, ctx, library: Library) -> None:
    add_products(library, 4)
    model = make_model(ctx, completeness="complete")
    load_page(qtbot, model)
    assert model.rowCount() == 0  # no description, price or image yet
    model = make_model(ctx, completeness="incomplete")
    load_page(qtbot, model)
    assert model.rowCount() == 4
    assert model.row_at(0).completeness["ecommerce"] < 100


def test_thumbnail_loads_in_the_background(qtbot, ctx, library: Library) -> None:
    from pimdesk.catalog.models import Asset, AssetLink, AssetVersion, Product

    add_products(library, 1)
    sha = "ab" + "0" * 62
    write_thumbnail(library, sha)
    with library.session() as s:
        product = s.query(Product).one()
        asset = Asset(kind="image", title="front")
        s.add(asset)
        s.flush()
        s.add(
            AssetVersion(
                asset_id=asset.id,
                number=1,
                sha256=sha,
                size=1,
                format="JPEG",
                extension="jpg",
                source_path="/x.jpg",
            )
        )
        s.add(AssetLink(asset_id=asset.id, product_id=product.id, role="main", position=1))
    model = make_model(ctx)
    load_page(qtbot, model)
    index = model.index(0, COL_THUMB)
    assert index.data(Qt.ItemDataRole.DecorationRole) is None  # asked, not ready yet
    with qtbot.waitSignal(model.dataChanged, timeout=5000):
        pass
    pixmap = index.data(Qt.ItemDataRole.DecorationRole)
    assert pixmap is not None and pixmap.width() > 0


def test_fetch_error_is_reported_and_stops_fetching(qtbot, ctx) -> None:
    def broken(after, limit, descending):
        raise OSError(5, "disk unreadable", "/lib/catalog.sqlite")

    model = ProductTableModel(broken, ctx.workers)
    with qtbot.waitSignal(model.load_failed, timeout=5000) as blocker:
        model.fetchMore(QModelIndex())
    assert isinstance(blocker.args[0], OSError)
    assert not model.canFetchMore(QModelIndex())
