"""The product editor as a user works it: edit, save, completeness, validation, undo."""

from __future__ import annotations

from PySide6.QtCore import Qt

from pimdesk.gui.product_editor import ProductEditorScreen
from pimdesk.library import Library
from pimdesk.services import products


def open_editor(qtbot, ctx, sku: str) -> ProductEditorScreen:
    editor = ProductEditorScreen(ctx)
    qtbot.addWidget(editor)
    editor.show()
    editor.open_sku(sku)
    qtbot.waitUntil(lambda: editor.data is not None and "description" in editor.rows, timeout=5000)
    # rows added to a shown form become visible on the next pass of the event loop
    qtbot.waitUntil(lambda: editor.rows["description"].isVisible(), timeout=5000)
    return editor


def make_tee(library: Library) -> None:
    products.create_product(library, "TEE-1", values={"name-en_US": "Tee", "price-USD": "19.90"})


def test_edit_description_is_saved_and_completeness_rises(qtbot, ctx, library) -> None:
    make_tee(library)
    editor = open_editor(qtbot, ctx, "TEE-1")
    before = editor.completeness_of("ecommerce")
    assert "description" in editor.completeness.item(0).text().lower()
    text = editor.rows["description"].editor.edit
    text.setFocus()
    qtbot.keyClicks(text, "Soft organic cotton.")
    assert editor.save_button.isEnabled()
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: editor.completeness_of("ecommerce") != before, timeout=5000)
    assert editor.completeness_of("ecommerce") > before
    stored = products.get_product(library, "TEE-1")
    values = {(v.attribute, v.locale, v.channel): v.data for v in stored.values}
    assert values[("description", "en_US", "ecommerce")] == "Soft organic cotton."
    assert not editor.save_button.isEnabled()
    qtbot.waitUntil(lambda: editor.history.rowCount() >= 2)
    assert editor.history.item(0, 2).text() == "description"


def test_invalid_value_shows_an_inline_message_and_is_not_saved(qtbot, ctx, library) -> None:
    make_tee(library)
    editor = open_editor(qtbot, ctx, "TEE-1")
    brand = editor.rows["brand"]
    qtbot.keyClicks(brand.editor.edit, "x" * 80)
    assert brand.message.isVisible()
    assert "70" in brand.message.text()
    editor.save()
    qtbot.waitUntil(lambda: editor.save_button.isEnabled(), timeout=5000)
    assert "70" in brand.message.text()
    stored = products.get_product(library, "TEE-1")
    assert "brand" not in {v.attribute for v in stored.values}


def test_undo_restores_the_previous_value(qtbot, ctx, library) -> None:
    make_tee(library)
    products.set_values(library, "TEE-1", {"name-en_US": "Better tee"})
    editor = open_editor(qtbot, ctx, "TEE-1")
    assert editor.rows["name"].editor.value() == "Better tee"
    editor.undo()
    qtbot.waitUntil(lambda: editor.rows["name"].editor.value() == "Tee", timeout=5000)
    assert products.get_product(library, "TEE-1").name == "Tee"


def test_locale_switch_shows_that_locales_values(qtbot, ctx, library) -> None:
    from pimdesk.services import reference

    with library.session() as s:
        reference.enable_locale(s, "de_DE")
    make_tee(library)
    products.set_values(library, "TEE-1", {"name-de_DE": "Hemd"})
    editor = open_editor(qtbot, ctx, "TEE-1")
    assert editor.rows["name"].editor.value() == "Tee"
    editor.locale_box.setCurrentIndex(editor.locale_box.findData("de_DE"))
    assert editor.rows["name"].editor.value() == "Hemd"


def test_variant_shows_inherited_values_read_only(qtbot, ctx, library) -> None:
    from pimdesk.services import reference

    reference.create_options(library, "color", [("red", {"en_US": "Red"})])
    reference.create_family_variant(
        library,
        "tee_by_color",
        family="default",
        axes_level1=["color"],
        attributes_level1=["color", "sku"],
    )
    products.create_product_model(
        library, "TEE", family_variant="tee_by_color", values={"name-en_US": "Tee"}
    )
    products.create_product(library, "TEE-RED", parent="TEE", values={"color": "red"})
    editor = open_editor(qtbot, ctx, "TEE-RED")
    name = editor.rows["name"]
    assert name.editor.value() == "Tee"
    assert name.note.isVisible() and "TEE" in name.note.text()
    assert name.editor.edit.isReadOnly()
    assert "TEE" in editor.variant_note.text()


def test_a_channel_without_its_own_description_shows_the_shared_one(
    qtbot, ctx, library, tmp_path
) -> None:
    """An imported description (shared by every channel) shows under each channel; typing on
    one channel gives that channel its own, which the other channels do not see."""
    from pimdesk.services import publishing

    make_tee(library)
    products.set_values(library, "TEE-1", {"description-en_US": "For every channel"})
    publishing.add_channel(
        library, "shop", exporter="folder", settings={"output": str(tmp_path / "out")}
    )
    editor = open_editor(qtbot, ctx, "TEE-1")
    editor.channel_box.setCurrentIndex(editor.channel_box.findData("shop"))
    row = editor.rows["description"]
    assert row.editor.value() == "For every channel"
    assert "shared by every channel" in row.note.text() and not row.note.isHidden()
    row.editor.edit.setFocus()
    row.editor.edit.selectAll()
    qtbot.keyClicks(row.editor.edit, "Shop only")
    assert editor.save_button.isEnabled()
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: (
            products.get_product(library, "TEE-1").value("description", "en_US", "shop")
            == "Shop only"
        ),
        timeout=5000,
    )
    stored = products.get_product(library, "TEE-1")
    assert stored.value("description", "en_US", "ecommerce") == "For every channel"
