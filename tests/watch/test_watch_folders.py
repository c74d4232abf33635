"""The watch list from the services and the CLI, and `pimdesk watch` as a user runs it."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from watchkit import PHOTOS, Catalog, wait_for

from pimdesk.cli import cli
from pimdesk.errors import NotFoundError
from pimdesk.library import Library
from pimdesk.services import watch as watch_service
from pimdesk.services.watch import WatchError
from pimdesk.watch.filters import FolderFilter
from pimdesk.watch.settle import Settler, Timing


def test_add_scans_what_is_already_there(
    library: Library, shots: Path, catalog: Catalog, copy_photo
) -> None:
    target = copy_photo(shots / "WB-750_front.jpg")
    old = time.time() - 60
    os.utime(target, (old, old))
    info = watch_service.add_folder(library, shots)
    report = watch_service.reconcile(library, info)
    assert report.online and report.ingest is not None
    assert catalog.version_of(target) is not None
    (listed,) = watch_service.list_folders(library)
    assert (listed.path, listed.state) == (str(shots.resolve()), "idle")
    assert listed.last_scan_at is not None


def test_a_file_still_being_written_is_left_for_the_watcher(
    library: Library, shots: Path, catalog: Catalog, copy_photo
) -> None:
    target = copy_photo(shots / "WB-750_front.jpg")  # modified just now
    info = watch_service.add_folder(library, shots)
    report = watch_service.reconcile(library, info)
    assert report.fresh == [target]
    assert catalog.version_of(target) is None


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda tmp, lib: tmp / "nope", "no such folder"),
        (lambda tmp, lib: _file(tmp / "a.txt"), "not a folder"),
        (lambda tmp, lib: lib.root, "contain one another"),
        (lambda tmp, lib: _dir(lib.root / "objects"), "contain one another"),
    ],
)
def test_folders_that_cannot_be_watched_are_clear_errors(
    library: Library, tmp_path: Path, make, message: str
) -> None:
    with pytest.raises(WatchError, match=message):
        watch_service.add_folder(library, make(tmp_path, library))
    assert watch_service.folders(library) == []


def _dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def _file(path: Path) -> Path:
    path.write_text("x", encoding="utf-8")
    return path


def test_the_same_or_overlapping_folder_is_refused(library: Library, tmp_path: Path) -> None:
    shots = tmp_path / "photos" / "shots"
    (shots / "sub").mkdir(parents=True)
    watch_service.add_folder(library, shots)
    with pytest.raises(WatchError, match="already watched"):
        watch_service.add_folder(library, shots)
    with pytest.raises(WatchError, match="overlaps"):
        watch_service.add_folder(library, shots / "sub")
    with pytest.raises(WatchError, match="overlaps"):
        watch_service.add_folder(library, shots.parent)


def test_remove_keeps_assets_and_unknown_folder_is_an_error(
    library: Library, shots: Path, catalog: Catalog, copy_photo
) -> None:
    target = copy_photo(shots / "WB-750_front.jpg")
    os.utime(target, (time.time() - 60,) * 2)
    watch_service.reconcile(library, watch_service.add_folder(library, shots))
    watch_service.remove_folder(library, shots)
    assert watch_service.folders(library) == []
    assert catalog.version_of(target) is not None
    with pytest.raises(NotFoundError):
        watch_service.remove_folder(library, shots)


def test_missing_folder_is_listed_offline_and_a_scan_changes_nothing(
    library: Library, shots: Path, catalog: Catalog, copy_photo
) -> None:
    target = copy_photo(shots / "WB-750_front.jpg")
    os.utime(target, (time.time() - 60,) * 2)
    info = watch_service.add_folder(library, shots)
    watch_service.reconcile(library, info)
    shutil.rmtree(shots)
    assert watch_service.list_folders(library)[0].state == "offline"
    report = watch_service.reconcile(library, info)
    assert not report.online and report.missing_paths == []
    assert not catalog.version_of(target).source_missing


def test_include_exclude_and_recursion() -> None:
    jpgs = FolderFilter(include=("*.jpg",), exclude=("rejects/*", "*_old.jpg"))
    assert jpgs.wants("WB-750_front.jpg")
    assert jpgs.wants("day1/WB-750_front.jpg")
    assert not jpgs.wants("WB-750_front.png")
    assert not jpgs.wants("rejects/WB-750_front.jpg")
    assert not jpgs.wants("WB-750_old.jpg")
    flat = FolderFilter(recursive=False)
    assert flat.wants("a.jpg") and not flat.wants("sub/a.jpg")
    hidden = FolderFilter()
    for name in (".DS_Store", "Thumbs.db", "~$x.jpg", "a.part", "a.crdownload", ".~tmp", ".x"):
        assert not hidden.wants(name), name
    assert not hidden.wants(".git/a.jpg")


def test_settler_waits_for_close_or_quiet_and_reports_gone(tmp_path: Path) -> None:
    timing = Timing(close_quiet=0.1, settle_seconds=1.0, stall_seconds=5.0, gone_delay=0.3)
    settler = Settler(timing)
    path = tmp_path / "a.jpg"
    path.write_bytes(b"12345")
    settler.touch(path, writing=True, now=0.0)
    assert settler.due(now=0.0) == ([], [])  # first look: remember size and mtime
    assert settler.due(now=2.0) == ([], [])  # still open for writing: wait for the close
    settler.closed(path, now=2.0)
    assert settler.due(now=2.05) == ([], [])
    assert settler.due(now=2.2) == ([path], [])
    other = tmp_path / "b.jpg"
    other.write_bytes(b"1")
    settler.touch(other, now=10.0)  # no close events (polling): the quiet window
    settler.due(now=10.0)
    assert settler.due(now=10.5) == ([], [])
    assert settler.due(now=11.1) == ([other], [])
    settler.gone(path, now=20.0)
    assert settler.due(now=20.1) == ([], [])
    assert settler.due(now=20.4) == ([], [path])
    assert len(settler) == 0


# -- CLI -------------------------------------------------------------------------------------


def test_cli_watch_add_list_remove(tmp_path: Path) -> None:
    runner = CliRunner()
    lib = tmp_path / "lib"
    shots = tmp_path / "shots"
    shots.mkdir()
    (shots / "IMG_1.jpg").write_bytes((PHOTOS / "exif" / "Canon_40D.jpg").read_bytes())
    os.utime(shots / "IMG_1.jpg", (time.time() - 60,) * 2)

    def run(*args: str):
        return runner.invoke(cli, ["--library", str(lib), *args])

    assert run("init").exit_code == 0
    added = run("watch", "add", str(shots), "--include", "*.jpg", "--no-recursive", "--json")
    assert added.exit_code == 0, added.output
    payload = json.loads(added.output)
    assert payload["folder"]["include"] == ["*.jpg"] and payload["folder"]["recursive"] is False
    assert payload["scan"]["ingest"]["summary"]["unmatched"] == 1
    listed = json.loads(run("watch", "list", "--json").output)
    assert [(f["path"], f["state"]) for f in listed] == [(str(shots.resolve()), "idle")]
    assert "idle" in run("watch", "list").output
    bad = run("watch", "add", str(tmp_path / "missing"))
    assert bad.exit_code == 1 and "no such folder" in bad.stderr
    assert run("watch", "remove", str(shots)).exit_code == 0
    assert run("watch", "remove", str(shots)).exit_code == 1


def test_pimdesk_watch_runs_until_sigterm_and_a_second_one_is_refused(tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    shots = tmp_path / "shots"
    shots.mkdir()
    env = {**os.environ, "PIMDESK_LIBRARY": str(lib)}
    command = [sys.executable, "-m", "pimdesk"]
    subprocess.run([*command, "init"], env=env, check=True)
    subprocess.run([*command, "watch", "add", str(shots)], env=env, check=True)
    process = subprocess.Popen(
        [*command, "watch"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        listing: list[dict[str, str]] = []

        def watching() -> bool:
            out = subprocess.run(
                [*command, "watch", "list", "--json"], env=env, capture_output=True, text=True
            )
            listing[:] = json.loads(out.stdout or "[]")
            return bool(listing) and listing[0]["state"] == "watching"

        wait_for(watching, timeout=60, what="the watcher to hold the library")
        second = subprocess.run([*command, "watch"], env=env, capture_output=True, text=True)
        assert second.returncode == 1
        assert "already open in pimdesk watch" in second.stderr
        shutil.copyfile(PHOTOS / "exif" / "Canon_40D.jpg", shots / "WB-750_front.jpg")
        time_limit = time.monotonic() + 60
        lines: list[str] = []
        assert process.stdout is not None
        while time.monotonic() < time_limit:
            line = process.stdout.readline()
            lines.append(line)
            if "WB-750_front.jpg" in line:
                break
        assert any(line.startswith("unmatched") and "WB-750_front.jpg" in line for line in lines)
    finally:
        process.send_signal(signal.SIGTERM)
        _out, err = process.communicate(timeout=60)
    assert process.returncode == 0
    assert "watcher stopped" in err


def test_watch_list_reconcile_and_missing_on_each_engine(
    any_library: Library, tmp_path: Path
) -> None:
    """The folder services on SQLite and PostgreSQL: scan, then a deleted file flagged."""
    from pimdesk.catalog.models import Product

    with any_library.session() as s:
        s.add(Product(sku="WB-750"))
    shots = tmp_path / "shots_100%_[x]"  # LIKE wildcards in the folder name stay literal
    shots.mkdir()
    photo = shots / "WB-750_front.jpg"
    shutil.copyfile(PHOTOS / "exif" / "Canon_40D.jpg", photo)
    os.utime(photo, (time.time() - 60,) * 2)
    info = watch_service.add_folder(any_library, shots)
    report = watch_service.reconcile(any_library, info)
    assert report.ingest is not None and report.ingest.summary()["new_asset"] == 1
    shutil.copyfile(PHOTOS / "exif" / "Kodak_CX7530.jpg", photo)  # re-shot: version 2
    os.utime(photo, (time.time() - 30,) * 2)
    replaced = watch_service.reconcile(any_library, info)
    assert replaced.ingest is not None and replaced.ingest.summary()["new_version"] == 1
    photo.unlink()
    again = watch_service.reconcile(any_library, info)
    # Once, though two versions were read from that path (it was reported once per version).
    assert again.missing_paths == [str(photo)] and len(again.missing_asset_ids) == 1
    assert watch_service.list_folders(any_library)[0].state == "idle"


def test_status_has_a_watch_section(library: Library, tmp_path: Path) -> None:
    from pimdesk.services.status import library_status

    shots = tmp_path / "shots"
    shots.mkdir()
    watch_service.add_folder(library, shots)
    shutil.rmtree(shots)
    section = library_status(library)["watch"]
    assert section == {
        "folders": 1,
        "watcher_running": False,
        "offline": [str(shots.resolve())],
        "last_scan_at": None,
    }


def test_pimdesk_watch_started_beside_a_folder_named_pimdesk_uses_its_workers(
    tmp_path: Path,
) -> None:
    """Started from a folder that holds a ``pimdesk`` folder (a source checkout, say), the
    watcher's ingest workers still import the installed package (Python 3.11's fork server
    puts the current folder first on its path)."""
    lib, shots, cwd = tmp_path / "lib", tmp_path / "shots", tmp_path / "checkout"
    shots.mkdir()
    (cwd / "pimdesk").mkdir(parents=True)
    script = Path(sys.executable).with_name("pimdesk")  # the console script users run
    env = {**os.environ, "PIMDESK_LIBRARY": str(lib)}
    subprocess.run([str(script), "init"], env=env, cwd=cwd, check=True)
    subprocess.run([str(script), "watch", "add", str(shots)], env=env, cwd=cwd, check=True)
    process = subprocess.Popen(
        [str(script), "watch"],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    photos = sorted((PHOTOS / "exif").glob("*.jpg"))[:12]
    try:
        assert process.stdout is not None
        assert "watching" in process.stdout.readline() + process.stdout.readline()
        for photo in photos:
            shutil.copyfile(photo, shots / photo.name)
        seen: set[str] = set()
        time_limit = time.monotonic() + 120
        while len(seen) < len(photos) and time.monotonic() < time_limit:
            line = process.stdout.readline()
            seen |= {p.name for p in photos if p.name in line}
        assert len(seen) == len(photos)
    finally:
        process.send_signal(signal.SIGTERM)
        _out, err = process.communicate(timeout=60)
    assert "unavailable" not in err and "ImportError" not in err, err
