"""Helpers for the watcher tests (importable: tests/watch is on sys.path under pytest)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select

from pimdesk.catalog.models import AssetLink, AssetVersion, IngestProblem, Product
from pimdesk.library import Library
from pimdesk.watch.settle import Timing
from pimdesk.watch.watcher import WatchEvent

PHOTOS = Path(__file__).parents[1] / "data" / "photos"
FAST = Timing(close_quiet=0.05, settle_seconds=0.6, stall_seconds=20.0, gone_delay=0.25)


def wait_for(predicate: Callable[[], object], timeout: float = 20.0, what: str = "") -> None:
    """Poll until ``predicate()`` is true (no fixed sleeps)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what or predicate}")


class Events:
    """What the watcher reported, collected from its thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.items: list[WatchEvent] = []

    def __call__(self, event: WatchEvent) -> None:
        with self._lock:
            self.items.append(event)

    def of(self, kind: str) -> list[WatchEvent]:
        with self._lock:
            return [e for e in self.items if e.kind == kind]


class Catalog:
    """Read-only questions a user would ask of the catalog."""

    def __init__(self, library: Library):
        self.library = library

    def versions(self, under: Path | None = None) -> list[AssetVersion]:
        with self.library.session() as s:
            rows = list(s.scalars(select(AssetVersion).order_by(AssetVersion.id)))
        if under is not None:
            rows = [r for r in rows if r.source_path.startswith(str(under))]
        return rows

    def version_of(self, path: Path) -> AssetVersion | None:
        found = [v for v in self.versions() if v.source_path == str(path)]
        assert len(found) <= 1, f"{path} ingested {len(found)} times"
        return found[0] if found else None

    def links(self, sku: str) -> list[tuple[str, int, int]]:
        with self.library.session() as s:
            product = s.scalars(select(Product).where(Product.sku == sku)).one()
            rows = s.scalars(select(AssetLink).where(AssetLink.product_id == product.id))
            return sorted((r.role, r.position, r.asset_id) for r in rows)

    def problems(self) -> dict[str, str]:
        with self.library.session() as s:
            rows = s.scalars(select(IngestProblem).where(IngestProblem.resolved.is_(False)))
            return {r.path: r.reason for r in rows}
