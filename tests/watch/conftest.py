"""Fixtures for the watcher tests: a real library, a real folder, a real watchdog observer."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from watchkit import FAST, PHOTOS, Catalog, Events

from pimdesk.catalog.models import Product
from pimdesk.library import Library
from pimdesk.services import watch as watch_service
from pimdesk.watch.watcher import FolderWatcher


@pytest.fixture
def catalog(library: Library) -> Catalog:
    with library.session() as s:
        s.add_all(Product(sku=sku) for sku in ("WB-750", "AB-12", "MUG-1"))
    return Catalog(library)


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = tmp_path / "shots"
    folder.mkdir()
    return folder


@pytest.fixture
def photo() -> Callable[[str], bytes]:
    def read(name: str = "exif/Canon_40D.jpg") -> bytes:
        return (PHOTOS / name).read_bytes()

    return read


@pytest.fixture
def copy_photo(photo: Callable[[str], bytes]) -> Callable[..., Path]:
    def copy(target: Path, name: str = "exif/Canon_40D.jpg") -> Path:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(PHOTOS / name, target)
        return target

    return copy


@pytest.fixture
def start_watcher(library: Library) -> Iterator[Callable[..., tuple[FolderWatcher, Events]]]:
    """Start a real watcher (stopped at the end of the test)."""
    started: list[FolderWatcher] = []

    def start(**options: object) -> tuple[FolderWatcher, Events]:
        events = Events()
        options.setdefault("timing", FAST)
        options.setdefault("health_interval", 0.2)
        options.setdefault("polling_interval", 0.3)
        watcher = FolderWatcher(library, on_event=events, **options)  # type: ignore[arg-type]
        watcher.start()
        started.append(watcher)
        assert watcher.wait_idle(60), "the first scan did not finish"
        return watcher, events

    yield start
    for watcher in started:
        watcher.stop()


@pytest.fixture
def watched(library: Library, shots: Path, catalog: Catalog) -> Path:
    watch_service.add_folder(library, shots)
    return shots
