"""GUI fixtures: a window-less context over a real temporary library, and sample products."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QSettings

from pimdesk.library import Library


@pytest.fixture(autouse=True, scope="session")
def bool_refcounts() -> None:
    """pytest-qt's signal blockers emit too; see pimdesk/gui/compat.py."""
    from pimdesk.gui.compat import protect_bool_refcounts

    protect_bool_refcounts()


@pytest.fixture(autouse=True)
def reads_in_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    """Windows in these tests read in threads (no process start per test); the read
    process has its own test in test_workers.py."""
    monkeypatch.setenv("PIMDESK_GUI_READ_PROCESS", "0")


@pytest.fixture
def qsettings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "gui.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def ctx(qtbot, library: Library, qsettings: QSettings) -> Iterator[object]:
    from pimdesk.gui.context import GuiContext

    context = GuiContext(library, settings=qsettings)
    yield context
    context.close()


def add_products(library: Library, count: int, prefix: str = "SKU") -> list[str]:
    """Products with English names, created through the catalog service."""
    from pimdesk.services.products import create_product

    skus = [f"{prefix}-{n:05d}" for n in range(count)]
    for sku in skus:
        create_product(library, sku, values={"name-en_US": f"Product {sku}"})
    return skus


def write_thumbnail(library: Library, sha: str, colour: str = "red") -> Path:
    path = library.thumbs_dir / sha[:2] / f"{sha}.webp"
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (64, 48), colour).save(path, "WEBP")
    return path
