"""Slow files (HEIC, PNG, TIFF, videos, PDFs) are handed to the workers first, so a run
does not end with one core decoding a HEIC while the others wait; the catalog still
records every file in name order, so positions follow the names, not the scheduling.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image
from sqlalchemy import select

from pimdesk.assets import pipeline
from pimdesk.assets.analyse import FileResult
from pimdesk.assets.readers import in_given_order, reading_order
from pimdesk.catalog.models import AssetLink, Product
from pimdesk.library import Library
from pimdesk.services.ingest import ingest_paths


def test_slow_formats_are_read_early_the_rest_in_the_given_order() -> None:
    listed = ["a/IMG_1.jpg", "a/IMG_2.HEIC", "b/shot.JPEG", "b/manual.pdf", "c/IMG_3.png"]
    assert reading_order(listed) == [
        "a/IMG_2.HEIC",
        "b/manual.pdf",
        "c/IMG_3.png",
        "a/IMG_1.jpg",
        "b/shot.JPEG",
    ]
    photos_only = ["x_1.jpg", "x_2.jpeg", "x_3.nef"]  # nothing slow: the order is kept
    assert reading_order(photos_only) == photos_only


def test_a_slow_file_moves_at_most_ahead_places_earlier() -> None:
    listed = [f"IMG_{n}.jpg" for n in range(10)] + ["clip.mov"] + ["IMG_10.jpg"]
    order = reading_order(listed, ahead=3)
    assert order.index("clip.mov") == 7  # 10 - 3
    assert [p for p in order if p != "clip.mov"] == [p for p in listed if p != "clip.mov"]


EXTENSIONS = st.sampled_from(["jpg", "heic", "png", "mp4", "JPG", "nef"])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(EXTENSIONS, st.integers(1, 80)), max_size=10))
def test_results_handed_out_in_reading_order_come_back_in_name_order(
    runs: list[tuple[str, int]],
) -> None:
    """However many slow files a folder holds (runs of up to 80 of one format), none is
    let through ahead of its turn when the files finish in the order they were handed
    out: what is held back stays within what analyse_all allows (the places moved ahead
    plus the files in flight)."""
    extensions = [ext for ext, count in runs for _ in range(count)]
    listing = [f"shoot/{n:04d}.{ext}" for n, ext in enumerate(extensions)]
    finished = _results(*reading_order(listing, ahead=32))
    out = [r.path for r in in_given_order(finished, listing, hold=32 + 4)]
    assert out == listing


def _results(*paths: str) -> list[FileResult]:
    return [FileResult(path=path) for path in paths]


def test_results_come_out_in_the_given_order_whatever_order_they_finish_in() -> None:
    listed = ["1.jpg", "2.jpg", "3.heic", "4.jpg"]
    finished = _results("3.heic", "2.jpg", "1.jpg", "4.jpg")
    assert [r.path for r in in_given_order(finished, listed, hold=10)] == listed


def test_a_stalled_file_holds_back_at_most_hold_results() -> None:
    listed = ["stalled.jpg", "a.jpg", "b.jpg", "c.jpg", "d.jpg"]
    finished = iter(_results("a.jpg", "b.jpg", "c.jpg", "d.jpg", "stalled.jpg"))
    ordered = in_given_order(finished, listed, hold=2)
    # a and b wait for the stalled file; c makes three waiting, so a goes through
    assert next(ordered).path == "a.jpg"
    # d lets b through; once the stalled file is in, the rest follow in order
    assert [r.path for r in ordered] == ["b.jpg", "stalled.jpg", "c.jpg", "d.jpg"]


def test_unexpected_and_repeated_results_are_passed_on_not_lost() -> None:
    listed = ["a.jpg", "b.jpg"]
    finished = _results("b.jpg", "b.jpg", "stray.jpg", "a.jpg")
    assert sorted(r.path for r in in_given_order(finished, listed, hold=10)) == [
        "a.jpg",
        "b.jpg",
        "b.jpg",
        "stray.jpg",
    ]


def test_stopping_early_stops_the_reading_behind_it() -> None:
    closed: list[bool] = []

    def reading():  # stands in for the worker stage
        try:
            yield from _results("a.jpg", "b.jpg", "c.jpg")
        finally:
            closed.append(True)

    ordered = in_given_order(reading(), ["a.jpg", "b.jpg", "c.jpg"], hold=10)
    assert next(ordered).path == "a.jpg"
    ordered.close()
    assert closed == [True]


def _image(path: Path, fmt: str, shade: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (shade, 90, 255 - shade)).save(out, fmt)
    path.write_bytes(out.getvalue())


def test_camera_files_of_mixed_formats_take_positions_in_name_order(
    library: Library,
    shoot: Path,
    add_products: Callable[..., dict[str, int]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The PNG is read first, yet IMG_0001.jpg still takes position 1: with one file per
    catalog transaction, positions could only follow the names if the writer gets the
    results in name order."""
    monkeypatch.setattr(pipeline, "BATCH_FILES", 1)
    add_products(library, "LAMP-3")
    _image(shoot / "LAMP-3" / "IMG_0001.jpg", "JPEG", 10)
    _image(shoot / "LAMP-3" / "IMG_0002.png", "PNG", 120)
    _image(shoot / "LAMP-3" / "IMG_0003.jpg", "JPEG", 240)
    report = ingest_paths(library, [shoot], workers=2)
    assert {f.outcome for f in report.files} == {"new_asset"}
    with library.session() as session:
        links = session.scalars(
            select(AssetLink)
            .join(Product, Product.id == AssetLink.product_id)
            .where(Product.sku == "LAMP-3")
        ).all()
        by_position = {link.position: link.asset.title for link in links}
    assert by_position == {1: "IMG_0001", 2: "IMG_0002", 3: "IMG_0003"}
