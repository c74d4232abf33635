"""The watcher on real folders with a real watchdog observer: what a photographer sees."""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import time
from pathlib import Path

import pytest
from PIL import Image
from watchkit import Catalog, wait_for

from pimdesk.library import Library
from pimdesk.services import watch as watch_service


def test_dropped_photo_is_ingested_once_and_linked(
    library: Library, watched: Path, catalog: Catalog, start_watcher, copy_photo
) -> None:
    watcher, events = start_watcher()
    target = copy_photo(watched / "WB-750_front.jpg")
    wait_for(lambda: catalog.version_of(target), what="the photo to be ingested")
    assert watcher.wait_idle(20)
    assert catalog.links("WB-750") == [("front", 1, catalog.version_of(target).asset_id)]
    assert [e.path for e in events.of("ingested")] == [str(target)]


def test_slow_chunked_copy_is_ingested_once_and_whole(
    library: Library, watched: Path, catalog: Catalog, start_watcher, photo
) -> None:
    watcher, _ = start_watcher()
    data = photo("exif/Pentax_K10D.jpg")
    target = watched / "AB-12_back.jpg"
    with open(target, "wb") as handle:  # a slow copy: chunks over a few seconds
        for start in range(0, len(data), len(data) // 5 + 1):
            handle.write(data[start : start + len(data) // 5 + 1])
            handle.flush()
            os.fsync(handle.fileno())
            time.sleep(0.6)  # the writer's pace, not a wait for the result
    wait_for(lambda: catalog.version_of(target), what="the slow copy to be ingested")
    assert watcher.wait_idle(20)
    version = catalog.version_of(target)
    assert version is not None
    assert version.size == len(data)
    assert version.sha256 == hashlib.sha256(data).hexdigest()
    assert len(catalog.versions(watched)) == 1


def test_temporary_name_then_rename_ingests_the_final_name(
    library: Library, watched: Path, catalog: Catalog, start_watcher, photo
) -> None:
    watcher, _ = start_watcher()
    temp = watched / ".~tmp4711.jpg"
    temp.write_bytes(photo("exif/Nikon_COOLPIX_P1.jpg"))
    final = watched / "WB-750_back.jpg"
    temp.rename(final)
    wait_for(lambda: catalog.version_of(final), what="the renamed file")
    assert watcher.wait_idle(20)
    assert [v.source_path for v in catalog.versions(watched)] == [str(final)]
    assert catalog.problems() == {}


def test_editor_saving_over_a_photo_makes_version_two(
    library: Library, watched: Path, catalog: Catalog, start_watcher, copy_photo, photo
) -> None:
    watcher, _ = start_watcher()
    target = copy_photo(watched / "WB-750_front.jpg")
    wait_for(lambda: catalog.version_of(target), what="first version")
    temp = watched / "WB-750_front.jpg.tmp"
    temp.write_bytes(photo("exif/Sony_HDR-HC3.jpg"))
    os.replace(temp, target)  # how editors save: temp file, then rename over the original
    wait_for(lambda: len(catalog.versions(watched)) == 2, what="the second version")
    assert watcher.wait_idle(20)
    numbers = sorted((v.asset_id, v.number) for v in catalog.versions(watched))
    assert numbers[0][0] == numbers[1][0] and [n for _, n in numbers] == [1, 2]


def test_temporary_and_hidden_files_are_ignored(
    library: Library, watched: Path, catalog: Catalog, start_watcher, photo
) -> None:
    watcher, events = start_watcher()
    jpeg = photo()
    for name in (".DS_Store", "Thumbs.db", "~$offer.jpg", "photo.jpg.part", "big.crdownload"):
        (watched / name).write_bytes(jpeg)
    (watched / ".~tmp").write_bytes(jpeg)
    (watched / ".hidden.jpg").write_bytes(jpeg)
    (watched / ".cache").mkdir()
    (watched / ".cache" / "WB-750_side.jpg").write_bytes(jpeg)
    real = watched / "MUG-1_front.jpg"
    real.write_bytes(jpeg)
    wait_for(lambda: catalog.version_of(real), what="the real photo")
    assert watcher.wait_idle(20)
    assert [v.source_path for v in catalog.versions(watched)] == [str(real)]
    assert {e.path for e in events.of("ingested")} == {str(real)}


def test_deleted_source_keeps_the_asset_marked_missing(
    library: Library, watched: Path, catalog: Catalog, start_watcher, copy_photo
) -> None:
    watcher, events = start_watcher()
    target = copy_photo(watched / "WB-750_front.jpg")
    wait_for(lambda: catalog.version_of(target), what="ingest")
    target.unlink()
    wait_for(lambda: catalog.version_of(target).source_missing, what="missing at source")
    assert watcher.wait_idle(20)
    assert catalog.links("WB-750")  # the asset and its link stay
    assert [e.path for e in events.of("missing")] == [str(target)]


def test_moved_file_is_not_a_duplicate(
    library: Library, watched: Path, catalog: Catalog, start_watcher, copy_photo
) -> None:
    watcher, _ = start_watcher()
    target = copy_photo(watched / "WB-750_front.jpg")
    wait_for(lambda: catalog.version_of(target), what="ingest")
    moved = watched / "sorted" / "WB-750_front.jpg"
    moved.parent.mkdir()
    target.rename(moved)
    wait_for(lambda: catalog.version_of(moved), what="the move to be followed")
    assert watcher.wait_idle(20)
    versions = catalog.versions(watched)
    assert len(versions) == 1
    assert versions[0].source_path == str(moved) and not versions[0].source_missing
    assert len(catalog.links("WB-750")) == 1


def test_a_folder_copied_in_is_ingested(
    library: Library, watched: Path, catalog: Catalog, start_watcher, tmp_path: Path, photo
) -> None:
    watcher, _ = start_watcher()
    outside = tmp_path / "card" / "WB-750"
    outside.mkdir(parents=True)
    for n, name in enumerate(["exif/Canon_40D.jpg", "exif/Pentax_K10D.jpg"], start=1):
        (outside / f"IMG_{n}.jpg").write_bytes(photo(name))
    shutil.copytree(outside, watched / "WB-750")
    wait_for(lambda: len(catalog.versions(watched)) == 2, what="the copied folder")
    assert watcher.wait_idle(20)
    # the folder is the SKU; the camera's names give no position: the next free ones
    assert [(role, pos) for role, pos, _ in catalog.links("WB-750")] == [("main", 1), ("main", 2)]


def small_png(n: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (n % 256, n // 256 % 256, 7)).save(out, "PNG")
    return out.getvalue()


def test_event_storm_is_batched_and_nothing_is_lost(
    library: Library, watched: Path, catalog: Catalog, start_watcher
) -> None:
    watcher, events = start_watcher()
    count = 500
    for n in range(count):
        (watched / f"STORM-{n:04d}.png").write_bytes(small_png(n))
    wait_for(lambda: len(catalog.versions(watched)) >= count, timeout=240, what="500 files")
    assert watcher.wait_idle(60)
    paths = [v.source_path for v in catalog.versions(watched)]
    assert len(paths) == count == len(set(paths))
    assert len(events.of("ingested")) == count


@pytest.mark.parametrize("polling", [False, True], ids=["inotify", "polling"])
def test_offline_folder_is_not_emptied_and_is_watched_again(
    library: Library,
    shots: Path,
    catalog: Catalog,
    start_watcher,
    copy_photo,
    tmp_path: Path,
    polling: bool,
) -> None:
    watched = shots
    watch_service.add_folder(library, shots, polling=polling)
    watcher, events = start_watcher()
    target = copy_photo(watched / "WB-750_front.jpg")
    wait_for(lambda: catalog.version_of(target), what="ingest")
    kept = tmp_path / "kept"
    shutil.copytree(watched, kept)
    shutil.rmtree(watched)  # the folder deleted while watched (or a share dropping)
    wait_for(lambda: events.of("offline"), what="the folder to be reported offline")
    wait_for(lambda: watcher.status() == [(str(watched), "offline")], what="offline status")
    assert not catalog.version_of(target).source_missing  # not "every file was deleted"
    copy_photo(kept / "AB-12_front.jpg", "exif/Nikon_COOLPIX_P1.jpg")  # arrived meanwhile
    shutil.copytree(kept, watched)  # it comes back
    wait_for(lambda: events.of("online"), what="the folder to come back")
    new = watched / "AB-12_front.jpg"
    wait_for(lambda: catalog.version_of(new), what="the rescan after the return")
    assert watcher.wait_idle(20)
    assert not catalog.version_of(target).source_missing
    assert len(catalog.versions(watched)) == 2
    late = copy_photo(watched / "MUG-1_front.jpg", "exif/Pentax_K10D.jpg")
    wait_for(lambda: catalog.version_of(late), what="watching again after the return")


def test_symlink_loop_does_not_hang_or_crash_the_scan(
    library: Library, watched: Path, catalog: Catalog, start_watcher, copy_photo
) -> None:
    (watched / "loop").symlink_to(watched, target_is_directory=True)
    (watched / "a.jpg").symlink_to(watched / "b.jpg")
    (watched / "b.jpg").symlink_to(watched / "a.jpg")
    real = copy_photo(watched / "WB-750_front.jpg")
    _watcher, events = start_watcher()
    wait_for(lambda: catalog.version_of(real), what="the real photo")
    reasons = {Path(e.path).name: e.message for e in events.of("skipped")}
    assert "not followed" in reasons["loop"]
    assert "loop" in reasons["a.jpg"] and "loop" in reasons["b.jpg"]
    assert events.of("scan")
    assert len(catalog.versions(watched)) == 1


def test_polling_observer_for_network_shares(
    library: Library, shots: Path, catalog: Catalog, start_watcher, copy_photo
) -> None:
    watch_service.add_folder(library, shots, polling=True)
    watcher, events = start_watcher()
    assert events.of("polling")
    target = copy_photo(shots / "WB-750_front.jpg")
    wait_for(lambda: catalog.version_of(target), what="a polled file")
    assert watcher.wait_idle(20)
    assert watcher.status() == [(str(shots), "polling")]
    target.unlink()
    wait_for(lambda: catalog.version_of(target).source_missing, what="missing by polling")


def test_files_that_arrived_while_nothing_watched_are_found_on_start(
    library: Library, watched: Path, catalog: Catalog, start_watcher, copy_photo
) -> None:
    watcher, _ = start_watcher()
    first = copy_photo(watched / "WB-750_front.jpg")
    wait_for(lambda: catalog.version_of(first), what="ingest")
    watcher.stop()
    second = copy_photo(watched / "AB-12_front.jpg", "exif/Pentax_K10D.jpg")
    old = time.time() - 60  # arrived a while ago, complete
    os.utime(second, (old, old))
    first.unlink()
    watcher, events = start_watcher()  # the start reconciles
    assert catalog.version_of(second) is not None
    assert catalog.version_of(first).source_missing
    assert [e.path for e in events.of("ingested")] == [str(second)]


def test_unchanged_files_are_skipped_cheaply_on_restart(
    library: Library, watched: Path, catalog: Catalog, start_watcher, copy_photo
) -> None:
    target = copy_photo(watched / "WB-750_front.jpg")
    old = time.time() - 60
    os.utime(target, (old, old))
    watcher, _ = start_watcher()
    assert catalog.version_of(target) is not None
    watcher.stop()
    watcher, events = start_watcher()
    assert events.of("ingested") == []
    assert [e.path for e in events.of("unchanged")] == [str(target)]


def test_bad_files_are_problems_and_the_watcher_keeps_running(
    library: Library, watched: Path, catalog: Catalog, start_watcher, copy_photo
) -> None:
    def explode(event: object) -> None:
        raise RuntimeError("a front end's callback failing must not stop the watcher")

    watcher, _events = start_watcher()
    copy_photo(watched / "WB-750_front.jpg", "corrupt/pillow_truncated_jpeg.jpg")
    (watched / "WB-750_back.jpg").write_bytes(b"")
    (watched / "AB-12_front.jpg").write_text("this is not a photo", encoding="utf-8")
    wait_for(lambda: len(catalog.problems()) == 3, what="three problems")
    watcher.on_event = explode
    good = copy_photo(watched / "MUG-1_front.jpg")
    wait_for(lambda: catalog.version_of(good), what="the good photo after the bad ones")
    assert watcher.wait_idle(20)
    assert set(catalog.problems()) == {
        str(watched / "WB-750_front.jpg"),
        str(watched / "WB-750_back.jpg"),
        str(watched / "AB-12_front.jpg"),
    }


def test_a_folder_added_while_watching_is_picked_up(
    library: Library, catalog: Catalog, start_watcher, tmp_path: Path, copy_photo
) -> None:
    _watcher, events = start_watcher()
    later = tmp_path / "later"
    later.mkdir()
    watch_service.add_folder(library, later)
    wait_for(lambda: events.of("watching"), what="the new folder to be watched")
    target = copy_photo(later / "WB-750_side.jpg")
    wait_for(lambda: catalog.version_of(target), what="a file in the added folder")


def test_background_services_start_and_stop_with_the_watcher(
    library: Library, catalog: Catalog, start_watcher
) -> None:
    calls: list[str] = []

    class Service:
        def start(self) -> None:
            calls.append("start")

        def stop(self) -> None:
            calls.append("stop")

    watcher, _ = start_watcher(services=[Service()])
    assert calls == ["start"]
    watcher.stop()
    assert calls == ["start", "stop"]


def test_renamed_folder_moves_its_files_without_duplicates(
    library: Library, watched: Path, catalog: Catalog, start_watcher, copy_photo
) -> None:
    watcher, _ = start_watcher()
    first = copy_photo(watched / "day1" / "WB-750_front.jpg")
    second = copy_photo(watched / "day1" / "AB-12_front.jpg", "exif/Pentax_K10D.jpg")
    wait_for(lambda: len(catalog.versions(watched)) == 2, what="two photos")
    (watched / "day1").rename(watched / "2026-11-23")
    moved = {watched / "2026-11-23" / first.name, watched / "2026-11-23" / second.name}
    wait_for(
        lambda: {Path(v.source_path) for v in catalog.versions(watched)} == moved,
        what="the versions to follow the renamed folder",
    )
    assert watcher.wait_idle(20)
    assert len(catalog.versions(watched)) == 2
    assert not any(v.source_missing for v in catalog.versions(watched))


def test_inotify_queue_overflow_triggers_a_rescan(
    library: Library, watched: Path, catalog: Catalog, start_watcher
) -> None:
    """The kernel's overflow cannot be caused here without changing a machine-wide limit;
    watchdog reports it only as this log record, which the watcher listens for."""
    import logging

    _watcher, events = start_watcher()
    scans = len(events.of("scan"))
    logging.getLogger("watchdog.observers.inotify_c").warning(
        "Inotify queue overflowed; filesystem events were lost"
    )
    wait_for(lambda: len(events.of("scan")) > scans, what="a rescan after the overflow")
    assert any("overflowed" in e.message for e in events.of("warning"))


def _problem_rows(library: Library) -> dict[str, tuple[str, object]]:
    from pimdesk.services import assets

    return {p.path: (p.reason, p.seen_at) for p in assets.problems(library)}


def test_a_bad_file_deleted_while_watched_leaves_the_problems_list(
    library: Library, watched: Path, catalog: Catalog, start_watcher, copy_photo
) -> None:
    start_watcher()
    bad = copy_photo(watched / "WB-750_front.jpg", "corrupt/pillow_truncated_jpeg.jpg")
    wait_for(lambda: str(bad) in catalog.problems(), what="the problem")
    bad.unlink()
    wait_for(lambda: catalog.problems() == {}, what="the problem to be cleared")
    assert _problem_rows(library) == {}


def test_a_bad_file_deleted_while_nothing_watched_is_cleared_on_start(
    library: Library, watched: Path, catalog: Catalog, start_watcher, copy_photo
) -> None:
    watcher, _ = start_watcher()
    bad = copy_photo(watched / "WB-750_front.jpg", "corrupt/pillow_truncated_jpeg.jpg")
    wait_for(lambda: str(bad) in catalog.problems(), what="the problem")
    watcher.stop()
    bad.unlink()
    start_watcher()  # the start reconciles
    assert catalog.problems() == {}


def test_a_corrupt_file_is_not_read_again_on_each_start_until_it_changes(
    library: Library, watched: Path, catalog: Catalog, start_watcher, copy_photo
) -> None:
    bad = copy_photo(watched / "WB-750_front.jpg", "corrupt/pillow_truncated_jpeg.jpg")
    old = time.time() - 60
    os.utime(bad, (old, old))
    watcher, _ = start_watcher()
    first = _problem_rows(library)[str(bad)]
    watcher.stop()

    watcher, events = start_watcher()
    assert _problem_rows(library)[str(bad)] == first  # not read again: same reason, same time
    assert events.of("ingested") == []
    assert [e.path for e in events.of("unchanged")] == [str(bad)]
    assert "1 problem" in events.of("scan")[-1].message
    watcher.stop()

    copy_photo(bad)  # fixed: a good photo under the same name
    older = time.time() - 30
    os.utime(bad, (older, older))
    start_watcher()
    assert catalog.version_of(bad) is not None
    assert catalog.problems() == {}
