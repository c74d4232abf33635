"""Fixtures for the assets tests: real photos copied into a temporary 'shoot' folder."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from pimdesk.catalog.models import Product
from pimdesk.library import Library

PHOTOS = Path(__file__).parents[1] / "data" / "photos"


@pytest.fixture
def photos() -> Path:
    return PHOTOS


@pytest.fixture
def shoot(tmp_path: Path) -> Path:
    """The photographer's folder (outside the library)."""
    folder = tmp_path / "shoot"
    folder.mkdir()
    return folder


@pytest.fixture
def place(shoot: Path) -> Callable[..., Path]:
    """Copy a test photo into the shoot folder under a new name."""

    def place(source: str | Path, name: str | None = None) -> Path:
        source = PHOTOS / source if not Path(source).is_absolute() else Path(source)
        target = shoot / (name or source.name)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        return target

    return place


@pytest.fixture
def add_products() -> Callable[..., dict[str, int]]:
    def add(library: Library, *skus: str) -> dict[str, int]:
        with library.session() as session:
            products = [Product(sku=sku) for sku in skus]
            session.add_all(products)
            session.flush()
            return {p.sku: p.id for p in products}

    return add


def snapshot(path: Path) -> tuple[bytes, int]:
    """Bytes and mtime of a source file: ingest must leave both untouched."""
    return path.read_bytes(), os.stat(path).st_mtime_ns
