"""Render every main screen over the demo catalog, light and dark, into PNG files.

``make screenshots`` runs ``python -m pimdesk.gui.screenshots docs/screenshots``. The demo
shop is loaded into a temporary library, given generated product photos (named the way a
studio names them, so the filename rules place them) and published once, then each screen
is shown and grabbed. Runs offscreen unless a display is asked for.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

SIZE = (1440, 900)
SCHEMES = ("light", "dark")


def _photos(folder: Path, skus: list[str]) -> list[Path]:
    """Simple studio-like product shots: a coloured product on white, one per SKU."""
    from PIL import Image, ImageDraw

    colours = ["#c0392b", "#2980b9", "#27ae60", "#8e44ad", "#f39c12", "#16a085", "#d35400"]
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for number, sku in enumerate(skus):
        image = Image.new("RGB", (1200, 1200), "white")
        draw = ImageDraw.Draw(image)
        colour = colours[number % len(colours)]
        draw.rounded_rectangle((260, 300, 940, 1040), radius=120, fill=colour)
        draw.rectangle((480, 160, 720, 320), fill=colour)
        draw.text((330, 620), sku, fill="white", font_size=64)
        path = folder / f"{sku}_main.jpg"
        image.save(path, "JPEG", quality=85)
        paths.append(path)
    for name, colour in (("IMG_2041.jpg", "#34495e"), ("lookbook spring.jpg", "#e67e22")):
        image = Image.new("RGB", (1600, 1067), colour)
        ImageDraw.Draw(image).text((80, 80), name, fill="white", font_size=80)
        image.save(folder / name, "JPEG", quality=85)
        paths.append(folder / name)
    return paths


def prepare_library(root: Path) -> None:
    """The demo catalog with photos, approvals, rights and one publish."""
    from pimdesk.library import Library
    from pimdesk.services import assets, demo, ingest, products, publishing, rights

    library = Library.open(root)
    try:
        demo.load_demo(library)
        skus = [row.sku for row in products.list_products(library, limit=500)][:24]
        report = ingest.ingest_paths(library, _photos(root.parent / "shots", skus))
        ids = sorted({f.asset_id for f in report.files if f.asset_id})
        for asset_id in ids[:-4]:
            assets.set_approval(library, asset_id, "approved")
        now = dt.datetime.now(dt.UTC)
        if len(ids) > 3:
            rights.set_rights(
                library,
                ids[1],
                licence="Studio licence 2026",
                holder="Jane Photo",
                expires_at=now + dt.timedelta(days=12),
            )
            rights.set_rights(
                library, ids[2], licence="Agency stock", expires_at=now - dt.timedelta(days=3)
            )
        channels, _problems = publishing.list_channels(library)
        for channel in channels:
            if channel.problem is None:
                # a channel whose output folder is missing simply stays unpublished
                with contextlib.suppress(Exception):
                    publishing.publish_channel(library, channel.code)
                break
    finally:
        library.close()


def _settle(app: object, window: object, seconds: float = 0.8) -> None:
    """Let background loads finish and the window repaint (no fixed sleep in tests; this
    is a renderer)."""
    from PySide6.QtWidgets import QApplication

    deadline = time.monotonic() + 15
    quiet_since: float | None = None
    while time.monotonic() < deadline:
        QApplication.processEvents()
        busy = window.context.workers.busy  # type: ignore[attr-defined]
        if not busy:
            quiet_since = quiet_since or time.monotonic()
            if time.monotonic() - quiet_since >= seconds:
                return
        else:
            quiet_since = None
        time.sleep(0.02)


def render(out: Path, library_root: Path, schemes: tuple[str, ...] = SCHEMES) -> list[Path]:
    from PySide6.QtCore import QSettings

    from pimdesk.gui.app import apply_scheme, create_application
    from pimdesk.gui.main_window import MainWindow
    from pimdesk.gui.settings_dialog import SettingsDialog
    from pimdesk.library import Library

    app = create_application(scheme=schemes[0])
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    library = Library.open(library_root)
    settings = QSettings(str(library_root.parent / "screens.ini"), QSettings.Format.IniFormat)
    window = MainWindow(library, settings=settings)
    window.resize(*SIZE)
    window.show()
    try:
        first_sku = _first_sku_with_image(library)

        def editor() -> None:
            window.open_product(first_sku)
            window.screens["editor"].tabs.setCurrentIndex(0)  # type: ignore[attr-defined]

        def editor_images() -> None:
            window.open_product(first_sku)
            window.screens["editor"].tabs.setCurrentIndex(1)  # type: ignore[attr-defined]

        def rules() -> None:
            window.open_rules("IMG_2041.jpg")

        def products_unfolded() -> None:
            window.show_screen("products")
            _unfold_first_model(app, window)

        steps: list[tuple[str, Callable[[], None]]] = [
            ("products", products_unfolded),
            ("product-editor", editor),
            ("product-images", editor_images),
            ("assets", lambda: window.show_screen("assets")),
            ("inbox", lambda: window.show_screen("inbox")),
            ("channels", lambda: window.show_screen("channels")),
            ("rights", lambda: window.show_screen("rights")),
            ("rules", rules),
        ]
        for scheme in schemes:
            apply_scheme(app, scheme)
            for name, show in steps:
                show()
                _settle(app, window)
                path = out / f"{name}-{scheme}.png"
                window.grab().save(str(path))
                written.append(path)
            dialog = SettingsDialog(window.context, window)
            dialog.show()
            _settle(app, window)
            path = out / f"settings-{scheme}.png"
            dialog.grab().save(str(path))
            written.append(path)
            dialog.close()
        window.screens["editor"].tabs.setCurrentIndex(0)  # type: ignore[attr-defined]
    finally:
        window.context.workers.wait()
        window.close()
        window.shutdown()
        library.close()
    return written


def _unfold_first_model(app: Any, window: Any) -> None:
    """Show a product model's variants in the products table (what the table is about)."""
    screen = window.screens["products"]
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not (screen.model.exhausted and screen.model.rowCount()):
        app.processEvents()
        time.sleep(0.02)
    for row in range(screen.model.rowCount()):
        if screen.model.is_model(row):
            top, _variant = screen.model.locate(row)
            if not screen.model.is_expanded(top):
                screen.model.expand(row)
            from PySide6.QtWidgets import QAbstractItemView

            screen.table.scrollTo(
                screen.model.index(max(row - 2, 0), 1),
                QAbstractItemView.ScrollHint.PositionAtTop,
            )
            return


def _first_sku_with_image(library: object) -> str:
    from pimdesk.services import browse, products

    for row in products.list_products(library, limit=100):  # type: ignore[arg-type]
        if browse.product_images(library, row.sku):  # type: ignore[arg-type]
            return row.sku
    rows = products.list_products(library, limit=1)  # type: ignore[arg-type]
    return rows[0].sku if rows else ""


def render_welcome(out: Path, root: Path) -> list[Path]:
    """The first-run screen of an empty library."""
    from PySide6.QtCore import QSettings

    from pimdesk.gui.app import apply_scheme, create_application
    from pimdesk.gui.main_window import MainWindow
    from pimdesk.library import Library

    app = create_application()
    library = Library.open(root)
    window = MainWindow(
        library, settings=QSettings(str(root.parent / "w.ini"), QSettings.Format.IniFormat)
    )
    window.resize(*SIZE)
    window.show()
    written = []
    try:
        for scheme in SCHEMES:
            apply_scheme(app, scheme)
            _settle(app, window)
            path = out / f"welcome-{scheme}.png"
            window.grab().save(str(path))
            written.append(path)
    finally:
        window.context.workers.wait()
        window.close()
        window.shutdown()
        library.close()
    return written


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    out = Path(args[0] if args else "docs/screenshots")
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    with tempfile.TemporaryDirectory(prefix="pimdesk-shots-") as tmp:
        root = Path(tmp) / "library"
        prepare_library(root)
        written = render(out, root)
        written += render_welcome(out, Path(tmp) / "empty" / "library")
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
