"""Assets grid (model without a window, then the screen), inspector, inbox and rules tester."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PIL import Image
from PySide6.QtCore import QModelIndex, Qt

from pimdesk.gui.assets import AssetsScreen
from pimdesk.gui.assets_model import (
    ASSET_MIME,
    AssetGridModel,
    AssetIdRole,
    SummaryRole,
    asset_ids_from_mime,
    asset_query,
)
from pimdesk.gui.inbox import InboxScreen
from pimdesk.gui.rules_editor import RulesEditorScreen
from pimdesk.services import assets, ingest, products, rights


def photos(folder: Path, names: list[str]) -> list[Path]:
    paths = []
    for number, name in enumerate(names):
        path = folder / name
        Image.new("RGB", (640, 480), (number * 40 % 255, 90, 160)).save(path, "JPEG")
        paths.append(path)
    return paths


def seed(library, tmp_path: Path) -> list[int]:
    products.create_product(library, "CUP-1", values={"name-en_US": "Cup"})
    report = ingest.ingest_paths(
        library, photos(tmp_path, ["CUP-1_main.jpg", "CUP-1_detail.jpg", "holiday.jpg"])
    )
    return sorted(f.asset_id for f in report.files if f.asset_id)


def test_grid_model_knows_every_row_and_reads_pages_as_shown(qtbot, ctx, library, tmp_path) -> None:
    ids = seed(library, tmp_path)
    model = AssetGridModel(asset_query(library), ctx.workers, page_size=2)
    with qtbot.waitSignal(model.page_loaded, timeout=5000):  # the ids, then the first page
        model.reload()
    assert model.rowCount() == 3 and model.exhausted and not model.canFetchMore(QModelIndex())
    assert [model.index(r).data(AssetIdRole) for r in range(3)] == ids  # ids need no page
    assert model.loaded_pages() == [0]
    # the cell painted without its data is repainted when its page arrives
    with qtbot.waitSignal(
        model.dataChanged, timeout=5000, check_params_cb=lambda a, b, *_: a.row() <= 2 <= b.row()
    ):
        assert model.index(2).data(SummaryRole) is None  # its page is asked for, not there yet
        assert model.index(2).data() == "…"
    assert model.loaded_pages() == [0, 1]
    captions = [model.index(r).data() for r in range(3)]
    assert any(c.startswith("holiday") and "unmatched" in c for c in captions)
    assert any(c.endswith("CUP-1 · detail") for c in captions)
    assert model.index(2).data(SummaryRole).id == ids[2]
    mime = model.mimeData([model.index(0), model.index(1)])
    assert mime.hasFormat(ASSET_MIME) and asset_ids_from_mime(mime) == ids[:2]
    assert model.row_of(ids[1]) == 1 and model.row_of(10_000) is None


def test_grid_model_drops_far_pages_and_reads_them_again(qtbot, ctx, library, tmp_path) -> None:
    names = [f"shot-{n}.jpg" for n in range(9)]
    ids = sorted(f.asset_id for f in ingest.ingest_paths(library, photos(tmp_path, names)).files)
    model = AssetGridModel(asset_query(library), ctx.workers, page_size=2, keep_pages=2)
    with qtbot.waitSignal(model.page_loaded, timeout=5000):
        model.reload()
    first = [model.index(r).data() for r in range(2)]
    assert all(c.startswith("shot-") for c in first) and first[0] != first[1]
    for row in (2, 4, 6, 8):  # the user scrolls down, page by page
        model.index(row).data()
        qtbot.waitUntil(lambda r=row: model.index(r).data(SummaryRole) is not None, timeout=5000)
    assert len(model.loaded_pages()) == 2 and 0 not in model.loaded_pages()  # memory capped
    assert [model.index(r).data(AssetIdRole) for r in range(9)] == ids  # rows all still there
    reads = model.pages_read
    assert model.index(0).data(SummaryRole) is None  # scrolled back: read again by its key
    qtbot.waitUntil(lambda: model.index(0).data(SummaryRole) is not None, timeout=5000)
    assert [model.index(r).data() for r in range(2)] == first
    assert model.pages_read == reads + 1


def test_grid_model_reads_the_latest_page_shown_first(qtbot, ctx, library, tmp_path) -> None:
    names = [f"shot-{n}.jpg" for n in range(12)]
    ingest.ingest_paths(library, photos(tmp_path, names))
    model = AssetGridModel(asset_query(library), ctx.workers, page_size=2)
    with qtbot.waitSignal(model.page_loaded, timeout=5000):
        model.reload()
    for row in range(2, 12, 2):  # painted in quick succession, before any page arrives
        model.index(row).data()
    qtbot.waitUntil(lambda: model.index(10).data(SummaryRole) is not None, timeout=5000)
    ctx.workers.wait()
    # the pages flown past were not all read: the newest asks are served, the rest dropped
    assert 5 in model.loaded_pages() and len(model.loaded_pages()) < 6


def test_filters_and_inspector(qtbot, ctx, library, tmp_path) -> None:
    ids = seed(library, tmp_path)
    rights.set_rights(
        library, ids[0], licence="studio", expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(1)
    )
    screen = AssetsScreen(ctx)
    qtbot.addWidget(screen)
    screen.show()
    screen.activate()
    qtbot.waitUntil(lambda: screen.model.rowCount() == 3, timeout=5000)
    screen.filter.setCurrentText("Unmatched")
    qtbot.waitUntil(lambda: screen.model.rowCount() == 1, timeout=5000)
    screen.filter.setCurrentText("Rights expired")
    qtbot.waitUntil(
        lambda: [screen.model.asset_id(r) for r in range(screen.model.rowCount())] == [ids[0]],
        timeout=5000,
    )
    screen.grid.setCurrentIndex(screen.model.index(0))
    qtbot.waitUntil(lambda: screen.inspector.detail is not None, timeout=5000)
    inspector = screen.inspector
    assert inspector.licence.text() == "studio"
    assert inspector.rights_status.text() == "expired"
    assert inspector.versions.rowCount() == 1
    shown = assets.show_asset(library, ids[0]).versions[0]
    assert inspector.version_source.text() == f"Read from {shown.source_path}"
    # approve the version through the inspector
    inspector.approval.setCurrentText("approved")
    qtbot.mouseClick(inspector.set_approval_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: assets.show_asset(library, ids[0]).versions[0].approval == "approved",
        timeout=5000,
    )
    # renew the rights
    inspector.expires_box.setChecked(False)
    qtbot.mouseClick(inspector.save_rights, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: rights.get_rights(library, ids[0]).expires_at is None, timeout=5000)


def test_inbox_assigns_a_file_to_a_product(qtbot, ctx, library, tmp_path) -> None:
    seed(library, tmp_path)
    screen = InboxScreen(ctx)
    qtbot.addWidget(screen)
    screen.show()
    screen.activate()
    qtbot.waitUntil(lambda: screen.model.rowCount() == 1, timeout=5000)
    qtbot.waitUntil(lambda: screen.current() is not None, timeout=5000)
    assert "holiday" in screen.file_label.text()
    assert screen.reason.text().startswith("Why it waits:")
    qtbot.keyClicks(screen.sku, "CUP-1")
    screen.role.setCurrentText("lifestyle")
    qtbot.mouseClick(screen.assign_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: screen.model.rowCount() == 0 and screen.model.exhausted, timeout=5000)
    linked = assets.list_assets(library, role="lifestyle")
    assert [a.title for a in linked] and linked[0].links[0].sku == "CUP-1"


def test_rule_tester_shows_the_draft_rule_before_saving(qtbot, ctx, library) -> None:
    products.create_product(library, "CUP-1", values={"name-en_US": "Cup"})
    screen = RulesEditorScreen(ctx)
    qtbot.addWidget(screen)
    screen.show()
    screen.activate()
    qtbot.waitUntil(lambda: screen.table.rowCount() > 0, timeout=5000)
    with qtbot.waitSignal(screen.tested, timeout=5000):
        screen.names.setPlainText("CUP-1_front.jpg\nshoot 7 CUP-1.jpg")
    assert screen.result_row(0)[3] == "CUP-1" and screen.result_row(0)[4] == "front"
    assert screen.result_row(1)[2] == "waits in the inbox"
    with qtbot.waitSignal(screen.tested, timeout=5000):
        screen.name.setText("shoots")
        screen.pattern.setText("shoot {any} {sku}.{ext}")
    assert screen.result_row(1)[1] == "shoots" and screen.result_row(1)[3] == "CUP-1"
    with qtbot.waitSignal(screen.tested, timeout=5000):
        screen.pattern.setText("shoot {nonsense")
    assert screen.draft_error.text()
    screen.pattern.setText("shoot {any} {sku}.{ext}")
    qtbot.mouseClick(screen.add_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: (
            "shoots" in [screen.table.item(r, 1).text() for r in range(screen.table.rowCount())]
        ),
        timeout=5000,
    )


def test_inbox_opens_the_rules_editor_prefilled(qtbot, ctx, library, tmp_path) -> None:
    seed(library, tmp_path)
    prefilled: list[str] = []
    ctx.nav.open_rules.connect(prefilled.append)
    screen = InboxScreen(ctx)
    qtbot.addWidget(screen)
    screen.show()
    screen.activate()
    qtbot.waitUntil(lambda: screen.current() is not None, timeout=5000)
    qtbot.mouseClick(screen.rules_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: prefilled == ["holiday.jpg"], timeout=5000)
    editor = RulesEditorScreen(ctx)
    qtbot.addWidget(editor)
    editor.prefill(prefilled[0])
    assert editor.names.toPlainText() == "holiday.jpg"
    assert editor.pattern.text() == "{sku}.{ext}"


def test_grid_ids_match_the_listing_and_search_ignores_case(any_library, tmp_path) -> None:
    ids = seed(any_library, tmp_path)
    for filters in ({}, {"unmatched": True}, {"role": "detail"}, {"name": "cup"}):
        listed = [a.id for a in assets.list_assets(any_library, **filters)]
        assert assets.list_asset_ids(any_library, **filters) == listed
    assert assets.list_asset_ids(any_library) == ids
    assert [r.title for r in assets.search_assets(any_library, "HOLIDAY", 10)] == ["holiday"]
    assets.tag_asset(any_library, ids[0], add=["Summer Shoot"])
    assert [r.id for r in assets.search_assets(any_library, "summer", 10)] == [ids[0]]
