"""Thumbnails decoded off the UI thread, cached, delivered as QImages.

Library thumbnails are small WebP files under ``<library>/thumbs/``. Pillow decodes them in
a worker (QImage is safe to build off the UI thread; QPixmap is not); the view converts to
a pixmap when it paints. Requests are batched so that scrolling a page asks once. The cache
is bounded by the bytes of its images (a 128 px grid cell weighs 64 KB, a 64 px table cell
16 KB), least recently shown first out, so scrolling 100,000 assets does not grow it.
"""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path

from PIL import Image
from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QImage

from pimdesk.gui.workers import Workers

CACHE_BYTES = 32 * 1024 * 1024  # per cache: ~500 grid thumbnails, ~2,000 table ones


def load_thumbnail(path: Path, size: int) -> QImage | None:
    """Decode one thumbnail file into a QImage at most ``size`` px on its longest side."""
    try:
        with Image.open(path) as image:
            image.draft("RGB", (size, size))
            image.thumbnail((size, size))
            rgba = image.convert("RGBA")
            data = rgba.tobytes("raw", "RGBA")
            qimage = QImage(data, rgba.width, rgba.height, QImage.Format.Format_RGBA8888)
            return qimage.copy()  # own the bytes: ``data`` goes away with this frame
    except (OSError, ValueError, Image.DecompressionBombError):
        return None


def load_batch(paths: list[Path], size: int) -> dict[Path, QImage | None]:
    return {path: load_thumbnail(path, size) for path in paths}


class ThumbnailCache(QObject):
    """Asks for thumbnails by path; emits :attr:`loaded` with each path once it is ready."""

    loaded = Signal(object)  # Path

    def __init__(
        self,
        workers: Workers,
        size: int = 64,
        parent: QObject | None = None,
        max_bytes: int = CACHE_BYTES,
    ):
        super().__init__(parent)
        self.workers = workers
        self.size = size
        self.max_bytes = max_bytes
        self.bytes = 0  # held by the cached images now
        self._images: OrderedDict[Path, QImage | None] = OrderedDict()
        self._pending: list[Path] = []
        self._in_flight: set[Path] = set()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(15)
        self._timer.timeout.connect(self._flush)

    def get(self, path: Path | None) -> QImage | None:
        """The image if it is ready; otherwise schedule it and return None."""
        if path is None:
            return None
        if path in self._images:
            self._images.move_to_end(path)
            return self._images[path]
        if path not in self._in_flight:
            self._in_flight.add(path)
            self._pending.append(path)
            if not self._timer.isActive():
                self._timer.start()
        return None

    def _flush(self) -> None:
        batch, dropped, self._pending = self._pending[-64:], self._pending[:-64], []
        # Paths scrolled past before the batch started are dropped; asked again if shown.
        for path in dropped:
            self._in_flight.discard(path)
        if batch:
            self.workers.run(load_batch, batch, self.size, on_result=self._store)

    def _store(self, images: dict[Path, QImage | None]) -> None:
        for path, image in images.items():
            self._in_flight.discard(path)
            old = self._images.pop(path, None)
            self.bytes += _weight(image) - _weight(old)
            self._images[path] = image
            self.loaded.emit(path)
        while self.bytes > self.max_bytes and len(self._images) > 1:
            _path, image = self._images.popitem(last=False)
            self.bytes -= _weight(image)

    def __len__(self) -> int:
        return len(self._images)


def _weight(image: QImage | None) -> int:
    return 64 + (int(image.sizeInBytes()) if image is not None else 0)
