"""The thumbnail cache: decoded in the background, bounded by the bytes it holds."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from pimdesk.gui.thumbnails import ThumbnailCache


def test_cache_holds_at_most_its_bytes_and_reloads_what_it_dropped(
    qtbot, ctx, tmp_path: Path
) -> None:
    paths = []
    for n in range(12):
        path = tmp_path / f"t{n}.webp"
        Image.new("RGB", (64, 64), (n * 20, 80, 160)).save(path, "WEBP")
        paths.append(path)
    one = 64 * 64 * 4  # a decoded 64 px RGBA thumbnail
    cache = ThumbnailCache(ctx.workers, size=64, max_bytes=4 * one + 4 * 64)
    arrived: list[Path] = []
    cache.loaded.connect(arrived.append)
    assert all(cache.get(p) is None for p in paths)  # asked, decoded in the background
    qtbot.waitUntil(lambda: len(arrived) == len(paths), timeout=10000)
    assert len(cache) == 4 and cache.bytes <= cache.max_bytes  # the oldest went out
    newest = cache.get(paths[-1])
    assert newest is not None and newest.width() == 64
    assert newest.pixelColor(10, 10).red() > 150  # the right picture (red 220)
    assert cache.get(paths[0]) is None  # dropped: asked again
    qtbot.waitUntil(lambda: cache.get(paths[0]) is not None, timeout=10000)
    assert len(cache) == 4
