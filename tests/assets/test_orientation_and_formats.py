"""Real files: thumbnails upright for every EXIF orientation, camera metadata, HEIC/WebP,
and the traps listed in the test data's SOURCES.md."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageStat

from pimdesk.assets.analyse import FileResult, process_file
from pimdesk.assets.formats import sniff
from pimdesk.assets.store import ContentStore

PHOTOS = Path(__file__).parents[1] / "data" / "photos"
ORIENTATION = sorted((PHOTOS / "orientation").glob("*.jpg"))
CAMERA_FILES = sorted(
    p for p in (PHOTOS / "exif").iterdir() if p.suffix.lower() in (".jpg", ".jpeg")
)


def analyse(path: Path, library_root: Path) -> FileResult:
    result = process_file(str(path), str(library_root))
    assert result.problem is None, result.problem
    return result


def thumb(result: FileResult, library_root: Path) -> Image.Image:
    assert result.sha256 is not None
    return Image.open(ContentStore(library_root).thumb_path(result.sha256)).convert("L")


def difference(a: Image.Image, b: Image.Image) -> float:
    """Mean absolute difference of two images shrunk to 32x32 grey (0 = same, 255 = opposite)."""
    small = (32, 32)
    return ImageStat.Stat(ImageChops.difference(a.resize(small), b.resize(small))).mean[0]


@pytest.mark.parametrize("path", ORIENTATION, ids=lambda p: p.name)
def test_every_orientation_gives_an_upright_thumbnail(path: Path, tmp_path: Path) -> None:
    reference_name = "Landscape_1.jpg" if path.name.startswith("Landscape") else "Portrait_1.jpg"
    ref_root = tmp_path / "reference"
    reference = thumb(analyse(PHOTOS / "orientation" / reference_name, ref_root), ref_root)
    result = analyse(path, tmp_path)
    image = thumb(result, tmp_path)
    assert image.size == reference.size
    assert max(image.size) <= 512
    assert difference(image, reference) < 8
    # the upright size is recorded: portraits stay portraits whatever the stored pixels
    assert (result.width > result.height) == path.name.startswith("Landscape")


def test_a_wrongly_rotated_thumbnail_would_be_caught(tmp_path: Path) -> None:
    """The comparison itself can tell upright from turned or mirrored."""
    reference = thumb(analyse(PHOTOS / "orientation" / "Landscape_1.jpg", tmp_path), tmp_path)
    assert difference(reference.transpose(Image.Transpose.ROTATE_180), reference) > 20
    assert difference(reference.transpose(Image.Transpose.FLIP_LEFT_RIGHT), reference) > 20


def test_orientation_zero_is_upright_and_recorded_as_zero(tmp_path: Path) -> None:
    result = analyse(PHOTOS / "orientation" / "Landscape_0.jpg", tmp_path)
    assert result.exif["orientation"] == 0


@pytest.mark.parametrize("path", CAMERA_FILES, ids=lambda p: p.name)
def test_camera_files_ingest_with_make_and_model(path: Path, tmp_path: Path) -> None:
    result = analyse(path, tmp_path)
    no_camera = {"xmp_no_exif.jpg", "pillow_hopper_bad_exif.jpg", "pillow_invalid-exif.jpg"}
    if path.name not in no_camera:
        assert result.exif.get("make") and result.exif.get("model"), result.exif
    assert result.width and result.height


def test_gps_is_read_as_signed_degrees(tmp_path: Path) -> None:
    result = analyse(PHOTOS / "exif" / "gps_DSCN0010.jpg", tmp_path)
    assert result.exif["gps_lat"] == pytest.approx(43.467, abs=0.01)
    assert result.exif["gps_lon"] == pytest.approx(11.885, abs=0.01)
    assert result.exif["taken_at"].startswith("2008-10-22T16:28")


def test_exif_after_an_xmp_segment_is_read_through_pillow(tmp_path: Path) -> None:
    """exifread stops at the first APP1 (XMP) and finds nothing; Pillow reads the EXIF."""
    result = analyse(PHOTOS / "exif" / "xmp_no_exif.jpg", tmp_path)
    assert result.exif.get("artist") or result.exif.get("orientation") == 1


def test_exifread_raising_never_loses_the_ingest(tmp_path: Path) -> None:
    """heic_L_exif_xmp_iptc.heic makes exifread raise a bare AssertionError."""
    result = analyse(PHOTOS / "formats" / "heic_L_exif_xmp_iptc.heic", tmp_path)
    assert result.format == "HEIF"
    assert result.exif.get("exifread_error") == "AssertionError"
    assert (result.width, result.height) == (64, 64)


def test_heic_already_rotated_by_the_decoder_is_not_turned_twice(tmp_path: Path) -> None:
    """iPhone HEIC: camera orientation 6, pillow-heif returns portrait pixels already."""
    result = analyse(PHOTOS / "formats" / "heic_iphone_13_pro_max.heic", tmp_path)
    assert (result.width, result.height) == (3024, 4032)
    assert result.exif["orientation"] == 6
    assert result.exif["make"] == "Apple"
    image = thumb(result, tmp_path)
    assert image.height > image.width  # portrait, as taken
    assert result.color_profile == "Display P3"


@pytest.mark.parametrize(
    "name", ["webp_flower.webp", "webp_hopper_orientation_6.webp", "heic_spring_1440x960.heic"]
)
def test_webp_and_heic_samples_ingest(name: str, tmp_path: Path) -> None:
    result = analyse(PHOTOS / "formats" / name, tmp_path)
    assert result.format in ("WEBP", "HEIF")
    assert thumb(result, tmp_path).size[0] > 0


def test_a_nef_that_is_really_a_jpeg_is_stored_as_jpeg(tmp_path: Path) -> None:
    path = PHOTOS / "formats" / "raw_nikon_Issue 247-1.nef"
    assert sniff(path) is not None and sniff(path).name == "JPEG"  # type: ignore[union-attr]
    result = analyse(path, tmp_path)
    assert (result.format, result.extension) == ("JPEG", "jpg")
    assert result.exif["model"] == "NIKON D70s"
    assert ContentStore(tmp_path).object_path(result.sha256 or "", "jpg").is_file()


def test_bilevel_tiff_with_orientation_6_is_upright(tmp_path: Path) -> None:
    result = analyse(PHOTOS / "formats" / "tiff_g4_orientation_6.tif", tmp_path)
    assert (result.width, result.height) == (88, 590)
    image = thumb(result, tmp_path)
    assert image.height > image.width


def test_broken_tiff_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    """Pillow raises TypeError ("Missing dimensions") or a decoder error on this fuzz file."""
    result = process_file(str(PHOTOS / "corrupt" / "pillow_crash-2020-10-test.tif"), str(tmp_path))
    assert result.problem and "TIFF" in result.problem


def test_png_whose_text_chunk_breaks_exifread_still_ingests(tmp_path: Path) -> None:
    result = analyse(PHOTOS / "corrupt" / "pillow_broken_data_stream.png", tmp_path)
    assert (result.width, result.height) == (128, 128)
