"""The products table model, without a window: keyset pages, roles, thumbnails, sorting."""

from __future__ import annotations

import functools

import pytest
from PySide6.QtCore import QModelIndex, QSortFilterProxyModel, Qt

from pimdesk.gui import catalog_source
from pimdesk.gui.products_model import (
    COL_ENABLED,
    COL_FAMILY,
    COL_MODEL,
    COL_NAME,
    COL_SKU,
    COL_THUMB,
    KindRole,
    ProductIdRole,
    ProductTableModel,
    SkuRole,
)
from pimdesk.library import Library
from pimdesk.services import products
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


def load_all(qtbot, model: ProductTableModel) -> None:
    while model.canFetchMore(QModelIndex()):
        load_page(qtbot, model)


def test_sort_by_name_reads_from_the_server_across_pages(qtbot, ctx, library: Library) -> None:
    add_products(library, 12)
    model = make_model(ctx, page_size=5)
    load_page(qtbot, model)
    with qtbot.waitSignal(model.page_loaded, timeout=5000):
        model.sort(COL_NAME, Qt.SortOrder.DescendingOrder)
    assert model.rowCount() == 5  # the first page in the new order, not the rows held
    load_all(qtbot, model)
    names = [model.index(r, COL_NAME).data() for r in range(model.rowCount())]
    assert names == sorted(names, reverse=True) and len(names) == 12
    with qtbot.waitSignal(model.page_loaded, timeout=5000):
        model.sort(COL_NAME, Qt.SortOrder.AscendingOrder)
    load_all(qtbot, model)
    assert [model.row_at(r).sku for r in range(12)] == [f"SKU-{n:05d}" for n in range(12)]
    assert model.sort_key == ("name", False)


def test_every_column_sorts_on_the_server(qtbot, ctx, library: Library) -> None:
    add_products(library, 3)
    model = make_model(ctx)
    load_page(qtbot, model)
    last = model.columnCount() - 1
    expected = {
        COL_SKU: "sku",
        COL_NAME: "name",
        COL_FAMILY: "family",
        COL_MODEL: "model",
        COL_ENABLED: "enabled",
        COL_ENABLED + 1: "completeness:ecommerce",
        last: "last_published",
    }
    for column, name in expected.items():
        assert model.sort_name(column) == name
        with qtbot.waitSignal(model.page_loaded, timeout=5000):
            model.sort(column, Qt.SortOrder.DescendingOrder)
        assert model.rowCount() == 3


def test_pages_far_from_the_view_are_dropped_and_fetched_again(
    qtbot, ctx, library: Library
) -> None:
    skus = add_products(library, 30)
    model = make_model(ctx, page_size=5)
    model.keep_pages = 2
    while model.canFetchMore(QModelIndex()):
        load_page(qtbot, model)
        model.index(model.rowCount() - 1, COL_SKU).data()  # the view paints the newest rows
    assert model.rowCount() == 30  # the view's rows stay; their contents go
    assert model.loaded_pages() <= 3
    assert model.index(0, COL_SKU).data() == "…"  # dropped: asked again
    with qtbot.waitSignal(model.dataChanged, timeout=5000):
        pass
    assert model.index(0, COL_SKU).data() == skus[0]
    assert [model.index(r, COL_SKU).data() for r in range(5)] == skus[:5]
    assert model.loaded_pages() <= 3


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
    def broken(after, limit, descending, sort):
        raise OSError(5, "disk unreadable", "/lib/catalog.sqlite")

    model = ProductTableModel(broken, ctx.workers)
    with qtbot.waitSignal(model.load_failed, timeout=5000) as blocker:
        model.fetchMore(QModelIndex())
    assert isinstance(blocker.args[0], OSError)
    assert not model.canFetchMore(QModelIndex())


def make_tees(library: Library) -> None:
    """A product model TEE with three variants by size, and a simple product MUG."""
    from pimdesk.services import reference

    reference.create_options(library, "size", [("s", {}), ("m", {}), ("l", {})])
    reference.create_family(library, "tees", attributes=["sku", "name", "size", "description"])
    reference.create_family_variant(library, "tees_by_size", family="tees", axes_level1=["size"])
    products.create_product_model(
        library, "TEE", family_variant="tees_by_size", values={"name-en_US": "Tee"}
    )
    for size in ("s", "m", "l"):
        products.create_product(library, f"TEE-{size.upper()}", parent="TEE", values={"size": size})
    products.create_product(library, "MUG", values={"name-en_US": "Mug"})


def test_a_model_row_unfolds_its_variants_below_it(qtbot, ctx, library: Library) -> None:
    make_tees(library)
    products.create_product(library, "ZIP", values={"name-en_US": "Zip"})
    fetch = functools.partial(catalog_source.product_page, ctx.library)
    variants = functools.partial(catalog_source.variant_rows, ctx.library)
    model = ProductTableModel(fetch, ctx.workers, channels=["ecommerce"], variants=variants)
    load_page(qtbot, model)
    assert [model.index(r, COL_SKU).data() for r in range(3)] == ["MUG", "▸ TEE", "ZIP"]
    assert model.index(1, COL_MODEL).data() == "3 variants"
    assert model.index(1, 0).data(KindRole) == "model" and model.index(1, 0).data(SkuRole) is None
    inserted: list[tuple[int, int]] = []
    model.rowsInserted.connect(lambda _p, first, last: inserted.append((first, last)))
    with qtbot.waitSignal(model.variants_loaded, timeout=5000):
        model.expand(1)
    assert inserted == [(2, 4)] and model.rowCount() == 6
    shown = [model.index(r, COL_SKU).data(SkuRole) for r in range(6)]
    assert shown == ["MUG", None, "TEE-L", "TEE-M", "TEE-S", "ZIP"]
    assert model.index(1, COL_SKU).data() == "▾ TEE"
    assert model.index(3, COL_SKU).data(KindRole) == "variant"
    assert model.index(3, COL_MODEL).data() == "TEE"
    assert model.index(3, COL_NAME).data() == "Tee"  # inherited from the model
    assert model.locate(5) == (2, -1) and model.view_row(2) == 5
    removed: list[tuple[int, int]] = []
    model.rowsRemoved.connect(lambda _p, first, last: removed.append((first, last)))
    model.collapse(1)
    assert removed == [(2, 4)] and model.rowCount() == 3
    assert model.index(2, COL_SKU).data() == "ZIP"
    model.expand(1)  # fetched once: unfolds at once
    assert model.rowCount() == 6
