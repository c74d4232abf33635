"""Bad input: each file becomes a problem with its reason (or, for damage that spares the
pixels, an asset), the rest of the folder is ingested, and the source stays untouched."""

from __future__ import annotations

import json
import os
import pickle
import shutil
import struct
import unicodedata
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from pimdesk.assets.analyse import FileResult, ensure_plugins, process_file
from pimdesk.assets.matching import load_matcher
from pimdesk.assets.pipeline import Batches
from pimdesk.assets.records import PendingFile, ProductIndex
from pimdesk.cli import cli
from pimdesk.library import Library
from pimdesk.services import assets
from pimdesk.services.ingest import ingest_paths
from tests.assets.conftest import PHOTOS, snapshot


def problem_reasons(library: Library) -> dict[str, str]:
    return {Path(p.path).name: p.reason for p in assets.problems(library)}


def ingest_with_a_good_neighbour(
    library: Library, shoot: Path, place: Callable[..., Path], add_products
) -> dict[str, object]:
    """Ingest the shoot folder alongside one good, matched photo; return outcomes by name."""
    add_products(library, "GOOD-1")
    good = place("products/mg01-bk-0.jpg", "GOOD-1_main_1.jpg")
    before = {p.name: snapshot(p) for p in shoot.iterdir() if p.is_file() and os.access(p, os.R_OK)}
    report = ingest_paths(library, [shoot])
    by_name = {Path(f.path).name: f for f in report.files}
    assert by_name[good.name].outcome == "new_asset"
    for path in shoot.iterdir():
        if path.name in before:
            assert snapshot(path) == before[path.name], f"{path.name} was modified"
    return by_name  # type: ignore[return-value]


@pytest.mark.parametrize("name", sorted(p.name for p in (PHOTOS / "corrupt").iterdir()))
def test_corrupt_and_truncated_files(
    name: str, library: Library, shoot: Path, place: Callable[..., Path], add_products
) -> None:
    place(f"corrupt/{name}")
    outcome = ingest_with_a_good_neighbour(library, shoot, place, add_products)[name]
    loads_anyway = {"heif_truncated.heic", "pillow_broken_data_stream.png"}  # first image ok
    if name in loads_anyway:
        assert outcome.outcome == "unmatched"  # type: ignore[attr-defined]
    else:
        assert outcome.outcome == "problem"  # type: ignore[attr-defined]
        assert problem_reasons(library)[name]


def test_zero_byte_file(library: Library, shoot: Path, place, add_products) -> None:
    (shoot / "EMPTY-1_main_1.jpg").write_bytes(b"")
    ingest_with_a_good_neighbour(library, shoot, place, add_products)
    assert problem_reasons(library)["EMPTY-1_main_1.jpg"] == "empty file (0 bytes)"


def test_text_renamed_to_jpg(library: Library, shoot: Path, place, add_products) -> None:
    (shoot / "GOOD-1_front_1.jpg").write_text("this is a shopping list, not a photo\n")
    ingest_with_a_good_neighbour(library, shoot, place, add_products)
    reason = problem_reasons(library)["GOOD-1_front_1.jpg"]
    assert reason.startswith("not an image") and "text" in reason


def _png_header_only(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1024)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def test_decompression_bomb_is_refused_with_the_guard_on(
    library: Library, shoot: Path, place, add_products
) -> None:
    bomb = shoot / "GOOD-1_back_1.png"
    bomb.write_bytes(_png_header_only(40_000, 40_000))  # 1.6 gigapixels in 2 KB
    assert Image.MAX_IMAGE_PIXELS is not None  # the guard stays on
    ingest_with_a_good_neighbour(library, shoot, place, add_products)
    reason = problem_reasons(library)["GOOD-1_back_1.png"]
    assert "decompression bomb" in reason


def _process_as_another_user(path: Path, library_root: Path) -> FileResult:
    """Run the worker stage in a child that dropped root (root reads every file)."""
    ensure_plugins()
    import exifread  # noqa: F401  (imported before the child loses access to the venv)

    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        try:
            os.close(read_end)
            os.setgid(65534)
            os.setuid(65534)
            data = pickle.dumps(process_file(str(path), str(library_root)))
            os.write(write_end, data)
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        data = pipe.read()
    os.waitpid(child, 0)
    return pickle.loads(data)


def test_file_without_read_permission(
    library: Library, shoot: Path, place: Callable[..., Path], add_products
) -> None:
    secret = place("products/mg01-bk-0.jpg", "SECRET-1_main_1.jpg")
    secret.chmod(0o000)
    if os.geteuid() == 0:
        result = _process_as_another_user(secret, library.root)
        with library.session() as session:
            batches = Batches(library, load_matcher(session), ProductIndex.load(session))
        outcome = batches.write([PendingFile(result, secret.name)])[0]
    else:
        outcome = ingest_paths(library, [secret]).files[0]
    assert outcome.outcome == "problem"
    assert "permission" in (outcome.reason or "")
    assert "permission" in problem_reasons(library)["SECRET-1_main_1.jpg"]
    assert os.stat(secret).st_mode & 0o777 == 0


def _jpeg_with_exif(exif: bytes) -> bytes:
    import io

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buffer, "JPEG")
    body = buffer.getvalue()
    segment = b"Exif\x00\x00" + exif
    app1 = b"\xff\xe1" + struct.pack(">H", len(segment) + 2) + segment
    return body[:2] + app1 + body[2:]


def _hostile_exif() -> bytes:
    """An IFD that points at itself, absurd counts and offsets past the end."""
    entries = [
        (0x010F, 2, 0x7FFFFFFF, 0xFFFFFF00),  # Make: 2 GB string far beyond the file
        (0x0112, 3, 1, 9),  # Orientation 9 (out of range)
        (0x8769, 4, 1, 8),  # ExifOffset -> this same IFD (a loop)
        (0x8825, 4, 1, 0xFFFFFFF0),  # GPS IFD out of bounds
    ]
    ifd = struct.pack("<H", len(entries))
    for tag, kind, count, value in entries:
        ifd += struct.pack("<HHII", tag, kind, count, value)
    ifd += struct.pack("<I", 8)  # next IFD: itself again
    return b"II*\x00" + struct.pack("<I", 8) + ifd


def test_broken_and_hostile_exif_do_not_stop_the_ingest(
    library: Library, shoot: Path, place, add_products
) -> None:
    (shoot / "GOOD-1_detail_1.jpg").write_bytes(_jpeg_with_exif(_hostile_exif()))
    place("exif/pillow_hopper_bad_exif.jpg", "GOOD-1_detail_2.jpg")
    outcomes = ingest_with_a_good_neighbour(library, shoot, place, add_products)
    for name in ("GOOD-1_detail_1.jpg", "GOOD-1_detail_2.jpg"):
        assert outcomes[name].outcome in ("new_asset", "problem")  # type: ignore[attr-defined]
    hostile = outcomes["GOOD-1_detail_1.jpg"]
    if hostile.outcome == "new_asset":  # type: ignore[attr-defined]
        detail = assets.show_asset(library, hostile.asset_id)  # type: ignore[attr-defined]
        assert detail.versions[0].exif.get("orientation") in (0, 1)
        assert (detail.versions[0].width, detail.versions[0].height) == (64, 48)


def test_awkward_names(library: Library, shoot: Path, place, add_products) -> None:
    add_products(library, "Crème-1", "WB 750")
    nfd = unicodedata.normalize("NFD", "Crème-1_front_1.jpg")
    place("products/mg01-bk-0.jpg", nfd)
    place("products/mg02-bk-0.jpg", "WB 750_front_1.jpg")
    place("products/wg01-bk-0.jpg", "📷 holiday 🎉.jpg")
    long_name = "L" * 251 + ".jpg"
    assert len(long_name.encode()) == 255
    place("formats/webp_flower.webp", long_name)
    report = ingest_paths(library, [shoot])
    by_name = {unicodedata.normalize("NFC", Path(f.path).name): f for f in report.files}
    assert by_name["Crème-1_front_1.jpg"].sku == "Crème-1"
    assert by_name["Crème-1_front_1.jpg"].outcome == "new_asset"
    assert by_name["WB 750_front_1.jpg"].sku == "WB 750"
    assert by_name["📷 holiday 🎉.jpg"].outcome == "unmatched"
    assert by_name[long_name].outcome == "unmatched"
    assert problem_reasons(library) == {}


def test_name_that_is_not_valid_utf8(library: Library, shoot: Path, add_products) -> None:
    raw = os.fsencode(str(shoot)) + b"/bad-\xff\xfe_main_1.jpg"
    with open(raw, "wb") as handle:
        handle.write((PHOTOS / "products" / "mg01-bk-0.jpg").read_bytes())
    report = ingest_paths(library, [shoot])
    assert report.files[0].outcome == "problem"
    assert "UTF-8" in (report.files[0].reason or "")


@pytest.mark.parametrize("name", ["AB..CD_front_1.jpg", "AB..._main_1.jpg"])
def test_sku_field_with_dot_dot_is_a_problem(
    name: str, library: Library, shoot: Path, place, add_products
) -> None:
    place("products/mg02-bk-0.jpg", name)
    ingest_with_a_good_neighbour(library, shoot, place, add_products)
    assert "'..'" in problem_reasons(library)[name]


def test_sku_field_with_a_separator_from_a_rule_is_a_problem(library: Library) -> None:
    from pimdesk.assets.matching import FileMatch
    from pimdesk.assets.records import ProductIndex, Writer

    with library.session() as session:
        writer = Writer(session, lambda *_: FileMatch("a/b"), ProductIndex.load(session))
        assert writer._resolve_slot(FileMatch(sku="../etc")).startswith("!")  # type: ignore[union-attr]
        assert writer._resolve_slot(FileMatch(sku="a\\b")).startswith("!")  # type: ignore[union-attr]


def test_symlink_loop_and_dangling_links_in_a_folder(
    library: Library, shoot: Path, place, add_products
) -> None:
    (shoot / "loop").symlink_to(shoot / "loop")
    (shoot / "sub").mkdir()
    (shoot / "sub" / "back").symlink_to(shoot, target_is_directory=True)
    ingest_with_a_good_neighbour(library, shoot, place, add_products)
    assert "loop" in problem_reasons(library)


def test_problems_are_listed_by_the_cli_and_clear_once_fixed(
    library: Library, shoot: Path, place, add_products
) -> None:
    add_products(library, "FIX-1")
    broken = shoot / "FIX-1_main_1.jpg"
    broken.write_bytes(b"")
    ingest_paths(library, [shoot])
    runner = CliRunner()
    result = runner.invoke(cli, ["--library", str(library.root), "assets", "problems", "--json"])
    assert result.exit_code == 0
    listed = json.loads(result.output)
    assert [Path(p["path"]).name for p in listed] == ["FIX-1_main_1.jpg"]
    assert all("id" in p for p in listed)
    shutil.copyfile(PHOTOS / "products" / "mg01-bk-0.jpg", broken)
    ingest_paths(library, [shoot])
    assert assets.problems(library) == []


BROKEN_TIFFS = {
    "pillow_crash-2020-10-test.tif": "TIFFFillStrip: Invalid strip byte count 0, strip 0",
    "pillow_crash-86214e58da443d2b80820cff9677a38a33dcbbca.tif": "Invalid Read at loc 4873",
}


def test_libtiff_stays_out_of_the_terminal_and_its_error_goes_into_the_problem(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """libtiff prints ~200 lines for the first file straight to the process's stderr; the
    problem must say what libtiff found, not only Pillow's "decoder error -2"."""
    for name, said in BROKEN_TIFFS.items():
        result = process_file(str(PHOTOS / "corrupt" / name), str(tmp_path / "library"))
        assert result.problem is not None and said in result.problem, result.problem
    assert capfd.readouterr().err == ""


def test_pimdesk_ingest_of_broken_tiffs_prints_one_line_on_stderr(tmp_path: Path) -> None:
    """End to end through the worker processes (three files: the process pool is used)."""
    import subprocess
    import sys

    shoot = tmp_path / "shoot"
    shoot.mkdir()
    for name in BROKEN_TIFFS:
        shutil.copyfile(PHOTOS / "corrupt" / name, shoot / name)
    shutil.copyfile(PHOTOS / "products" / "mg01-bk-0.jpg", shoot / "GOOD-1_main_1.jpg")
    library = str(tmp_path / "library")
    run = [sys.executable, "-m", "pimdesk", "--library", library]
    subprocess.run([*run, "init"], check=True, capture_output=True)
    done = subprocess.run([*run, "ingest", str(shoot)], capture_output=True, text=True)
    assert done.returncode == 3, done.stderr
    assert done.stderr.splitlines() == [
        "pimdesk: 2 files could not be ingested (see 'pimdesk assets problems')"
    ]
    listed = subprocess.run(
        [*run, "assets", "problems", "--json"], capture_output=True, text=True, check=True
    )
    reasons = {Path(p["path"]).name: p["reason"] for p in json.loads(listed.stdout)}
    for name, said in BROKEN_TIFFS.items():
        assert said in reasons[name]


def test_a_bad_file_deleted_then_its_folder_ingested_again_leaves_the_problems_list(
    library: Library, shoot: Path, place, add_products
) -> None:
    place("corrupt/pillow_truncated_jpeg.jpg", "GOOD-1_back_1.jpg")
    ingest_with_a_good_neighbour(library, shoot, place, add_products)
    assert list(problem_reasons(library)) == ["GOOD-1_back_1.jpg"]
    (shoot / "GOOD-1_back_1.jpg").unlink()
    report = ingest_paths(library, [shoot])
    assert [f.outcome for f in report.files] == ["identical"]
    assert problem_reasons(library) == {}


def test_a_problem_of_a_file_on_an_unplugged_share_is_kept(
    library: Library, shoot: Path, place, add_products
) -> None:
    """The folder itself is gone (offline): its files' problems are not cleared."""
    from pimdesk.services import watch as watch_service

    place("corrupt/pillow_truncated_jpeg.jpg", "GOOD-1_back_1.jpg")
    ingest_with_a_good_neighbour(library, shoot, place, add_products)
    folder = watch_service.add_folder(library, shoot)
    shutil.rmtree(shoot)
    watch_service.reconcile(library, folder)
    assert list(problem_reasons(library)) == ["GOOD-1_back_1.jpg"]


def test_problems_recorded_before_the_upgrade_survive_it(tmp_path: Path) -> None:
    """A library at the previous head with a problem row upgrades; the row is kept (size and
    mtime unknown, so the file is read once more) and a reconciliation then remembers it."""
    from sqlalchemy import text

    from pimdesk.catalog import migrate
    from pimdesk.catalog.db import make_engine

    root = tmp_path / "old"
    root.mkdir()
    db = root / "catalog.sqlite"
    (root / "library.toml").write_text(f'[database]\nurl = "sqlite:///{db}"\n')
    engine = make_engine(f"sqlite:///{db}")
    migrate.upgrade(engine, "0006_tracking")  # the head before 0007_problem_files
    bad = tmp_path / "shoot" / "BAD-1_main_1.jpg"
    bad.parent.mkdir()
    bad.write_bytes(b"not a photo at all")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO ingest_problem (path, reason, seen_at, resolved)"
                " VALUES (:p, 'not an image', '2026-11-01 10:00:00', 0)"
            ),
            {"p": str(bad)},
        )
    engine.dispose()
    with Library.open(root) as lib:
        assert [(Path(p.path).name, p.reason) for p in assets.problems(lib)] == [
            ("BAD-1_main_1.jpg", "not an image")
        ]
        first = ingest_paths(lib, [bad.parent], skip_failed=True).files[0]
        assert first.outcome == "problem" and not first.reason.startswith("unchanged")
        again = ingest_paths(lib, [bad.parent], skip_failed=True).files[0]
        assert again.outcome == "problem" and again.reason.startswith("unchanged since it failed")


def test_sidecar_files_are_not_problems_and_old_sidecar_problems_are_resolved(
    library: Library, shoot: Path, place, add_products
) -> None:
    """Lightroom, darktable and digiKam write an .xmp beside each photo, Apple Photos an
    .aae: they describe the photo and are not assets, so they are neither ingested nor
    listed as problems; a problem recorded for one earlier goes at the next scan."""
    from pimdesk.catalog.models import IngestProblem

    add_products(library, "WB-750")
    place("products/mg01-bk-0.jpg", "WB-750_main_1.jpg")
    (shoot / "WB-750_main_1.xmp").write_text("<x:xmpmeta xmlns:x='adobe:ns:meta/'/>")
    (shoot / "IMG_0001.AAE").write_text("<plist/>")
    with library.session() as session:  # what an older version recorded for the sidecar
        session.add(
            IngestProblem(path=str(shoot / "WB-750_main_1.xmp"), reason="unsupported file type")
        )
    report = ingest_paths(library, [shoot])
    assert [(Path(f.path).name, f.outcome) for f in report.files] == [
        ("WB-750_main_1.jpg", "new_asset")
    ]
    assert problem_reasons(library) == {}
    assert (shoot / "WB-750_main_1.xmp").exists()  # the user's sidecar is left alone
