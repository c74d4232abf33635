"""The rendition cache: made once, reused, remade when the photo or the profile changes."""

from __future__ import annotations

import hashlib
from pathlib import Path

from PIL import Image

from pimdesk.library import Library
from pimdesk.renditions.cache import RenditionCache, RenditionSource
from pimdesk.renditions.profiles import get_profile

from .test_rendition_pipeline import make_photo


def source(path: Path) -> RenditionSource:
    return RenditionSource(hashlib.sha256(path.read_bytes()).hexdigest(), path)


def test_cache_reuses_and_regenerates(library: Library, tmp_path: Path) -> None:
    cache = RenditionCache(library.renditions_dir)
    profile = get_profile("storefront")
    a = source(make_photo(tmp_path / "a.jpg", (2000, 1500)))
    with library.session() as s:
        first = cache.ensure(s, profile, [a])[a.sha256]
    assert first.error is None
    assert (first.width, first.height) == (1200, 900)
    rel = first.path.relative_to(library.renditions_dir)
    assert rel.parts[0] == "storefront" and rel.parts[1] == a.sha256[:2]
    assert rel.name == f"{a.sha256}-{profile.content_hash()}.jpg"
    mtime = first.path.stat().st_mtime_ns

    with library.session() as s:
        again = cache.ensure(s, profile, [a])[a.sha256]
    assert again.path == first.path and again.path.stat().st_mtime_ns == mtime

    smaller = profile.replace(width=600, height=600)
    with library.session() as s:
        other = cache.ensure(s, smaller, [a])[a.sha256]
    assert other.path != first.path and (other.width, other.height) == (600, 450)

    first.path.unlink()  # the cache folder is safe to delete
    with library.session() as s:
        remade = cache.ensure(s, profile, [a])[a.sha256]
    assert remade.path.exists() and remade.width == 1200


def test_many_renditions_in_parallel_and_bad_files_reported(
    library: Library, tmp_path: Path
) -> None:
    cache = RenditionCache(library.renditions_dir, workers=2)
    sources = [source(make_photo(tmp_path / f"p{i}.jpg", (900 + i, 700))) for i in range(5)]
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"nope")
    bad = source(broken)
    with library.session() as s:
        result = cache.ensure(s, get_profile("ebay"), [*sources, bad])
    assert result[bad.sha256].error and "cannot read" in result[bad.sha256].error
    for src in sources:
        made = result[src.sha256]
        assert made.error is None
        with Image.open(made.path) as im:
            assert im.size == (made.width, made.height)
    assert not list(library.renditions_dir.rglob(".tmp-*"))


def test_a_rendition_indexed_by_another_process_meanwhile_is_not_an_error(
    any_library: Library, tmp_path: Path
) -> None:
    """The watcher and a CLI publish may render the same photo for the same profile."""
    profile = get_profile("storefront")
    a = source(make_photo(tmp_path / "a.jpg", (900, 700)))
    first = RenditionCache(any_library.renditions_dir)
    with any_library.session() as s:
        first.ensure(s, profile, [a])
    first.path_for(profile, a.sha256).unlink()  # this process thinks it must render again
    with any_library.session() as s:
        made = RenditionCache(any_library.renditions_dir).ensure(s, profile, [a])[a.sha256]
        from pimdesk.renditions.cache import _insert_ignoring_duplicates

        _insert_ignoring_duplicates(
            s,
            [
                {
                    "sha256": a.sha256,
                    "profile_hash": profile.content_hash(),
                    "profile": profile.name,
                    "extension": "jpg",
                    "width": made.width,
                    "height": made.height,
                    "size": made.size,
                }
            ],
        )
    assert made.path.exists() and made.error is None
