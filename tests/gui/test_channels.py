"""The Channels dashboard: counts, publish with progress then the result, auto-publish,
adding a channel through the exporter's settings form."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from pimdesk.gui.channels import AddChannelDialog, ChannelsScreen
from pimdesk.services import products, publishing


def make_shop(library, tmp_path: Path) -> None:
    (tmp_path / "site").mkdir(exist_ok=True)
    publishing.add_channel(
        library,
        "shop",
        exporter="storefront",
        label="Web shop",
        settings={"output": str(tmp_path / "site")},
    )
    from pimdesk.services import reference

    families = {f.code: f for f in reference.list_families(library)}
    assert "default" in families
    for n in range(3):
        products.create_product(
            library, f"MUG-{n}", values={"name-en_US": f"Mug {n}", "price-USD": "9.50"}
        )


def open_screen(qtbot, ctx) -> ChannelsScreen:
    screen = ChannelsScreen(ctx)
    qtbot.addWidget(screen)
    screen.show()
    screen.activate()
    qtbot.waitUntil(lambda: screen.table.rowCount() >= 1, timeout=10000)
    return screen


def cell(screen: ChannelsScreen, code: str, column: int) -> str:
    for row in range(screen.table.rowCount()):
        if screen.table.item(row, 0).data(Qt.ItemDataRole.UserRole) == code:
            return screen.table.item(row, column).text()
    raise AssertionError(code)


def test_publish_shows_progress_then_the_result(qtbot, ctx, library, tmp_path) -> None:
    make_shop(library, tmp_path)
    screen = open_screen(qtbot, ctx)
    screen.select("shop")
    assert cell(screen, "shop", 4) != "0"  # never published yet
    blocker_report: list[publishing.PublishReport] = []
    screen.published.connect(blocker_report.append)
    screen.publish()
    assert screen.progress.isVisible() and screen.cancel_button.isVisible()
    qtbot.waitUntil(lambda: screen.job is None, timeout=60000)
    assert screen.result.text().startswith("shop: "), screen.result.text()
    report = blocker_report[0]
    assert screen.last_progress is not None and screen.last_progress[1] >= 1
    assert report.result in ("ok", "partial")
    assert not screen.progress.isVisible()
    assert "shop" in screen.result.text()
    qtbot.waitUntil(lambda: cell(screen, "shop", 2) != "0", timeout=10000)
    assert any((tmp_path / "site").iterdir())
    qtbot.waitUntil(lambda: screen.runs.rowCount() >= 1, timeout=10000)


def test_auto_publish_toggle_is_saved(qtbot, ctx, library, tmp_path) -> None:
    make_shop(library, tmp_path)
    screen = open_screen(qtbot, ctx)
    screen.select("shop")
    qtbot.mouseClick(screen.auto, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "shop" in publishing.auto_publish_channels(library), timeout=5000)


def test_add_channel_uses_the_exporters_settings_form(qtbot, ctx, library, tmp_path) -> None:
    dialog = AddChannelDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.exporter.setCurrentIndex(dialog.exporter.findData("storefront"))
    assert dialog.form is not None and dialog.form.inputs
    dialog.code.setText("site2")
    path_edit = next(iter(dialog.form._path_edits.values()), None)
    if path_edit is not None:
        path_edit.setText(str(tmp_path / "out"))
    code, kwargs = dialog.request()
    assert code == "site2" and kwargs["exporter"] == "storefront"
    publishing.add_channel(library, code, **kwargs)
    assert "site2" in [c.code for c in publishing.list_channels(library)[0]]
