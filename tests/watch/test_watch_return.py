"""A watched folder that went away and came back: its files are back, not "moved".

The same photo saved under two names (``WB-750_main_1.jpg`` and ``WB-750.jpg``) is stored
once, under the first name. When their folder returned, the second name could be met first
while the first was still flagged missing, and the watcher printed "moved from
WB-750_main_1.jpg" (and the version followed it) for a file that had simply come back.
Real watchdog observer, real files.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from watchkit import Catalog, wait_for

from pimdesk.assets.records import BACK
from pimdesk.cli.watch_cmds import _event_printer
from pimdesk.library import Library


def test_a_folder_that_comes_back_reports_its_files_back_not_moved(
    library: Library,
    watched: Path,
    catalog: Catalog,
    start_watcher,
    copy_photo: Callable[..., Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    watcher, events = start_watcher()
    sub = watched / "studio"
    main = copy_photo(sub / "WB-750_main_1.jpg")
    wait_for(lambda: catalog.version_of(main), what="the first photo")
    copy_photo(sub / "WB-750.jpg")  # the same photo again: stored once, under main_1
    back = copy_photo(sub / "WB-750_back.jpg", "exif/Pentax_K10D.jpg")
    wait_for(lambda: catalog.version_of(back), what="the back photo")
    assert watcher.wait_idle(20)
    paths = sorted(v.source_path for v in catalog.versions(watched))
    assert paths == [str(back), str(main)]

    away = tmp_path / "away"
    shutil.move(str(sub), str(away))  # the folder goes (a card pulled, a folder moved out)
    wait_for(
        lambda: all(v.source_missing for v in catalog.versions(watched)),
        what="its files to be missing at source",
    )
    seen = len(events.items)
    shutil.move(str(away), str(sub))  # and comes back as it was
    wait_for(
        lambda: not any(v.source_missing for v in catalog.versions(watched)),
        what="its files to be back",
    )
    assert watcher.wait_idle(20)

    returned = events.items[seen:]
    said = {Path(e.path).name: e.message for e in returned if e.kind == "ingested"}
    assert not [m for m in said.values() if m.startswith("moved from")], said
    assert said["WB-750_main_1.jpg"] == BACK
    assert said["WB-750_back.jpg"] == BACK
    assert said.get("WB-750.jpg", "already there") == "already there"
    # nothing followed the wrong file: each version still names its own path
    assert sorted(v.source_path for v in catalog.versions(watched)) == paths
    assert [(role, pos) for role, pos, _ in catalog.links("WB-750")] == [("back", 1), ("main", 1)]
    # and `pimdesk watch` prints no "moved" line
    show = _event_printer(as_json=False)
    for event in returned:
        show(event)
    printed = capsys.readouterr().out
    assert "moved" not in printed
    assert "studio/WB-750_back.jpg (asset" in printed and BACK in printed


def test_a_file_renamed_while_its_folder_was_away_is_still_moved(
    watched: Path,
    catalog: Catalog,
    start_watcher,
    copy_photo: Callable[..., Path],
    tmp_path: Path,
) -> None:
    watcher, events = start_watcher()
    sub = watched / "studio"
    front = copy_photo(sub / "WB-750_front.jpg")
    wait_for(lambda: catalog.version_of(front), what="the photo")
    assert watcher.wait_idle(20)
    away = tmp_path / "away"
    shutil.move(str(sub), str(away))
    wait_for(lambda: catalog.version_of(front).source_missing, what="missing at source")
    (away / "WB-750_front.jpg").rename(away / "WB-750_side.jpg")
    seen = len(events.items)
    shutil.move(str(away), str(sub))
    side = sub / "WB-750_side.jpg"
    wait_for(lambda: catalog.version_of(side), what="the renamed file")
    assert watcher.wait_idle(20)
    said = [e.message for e in events.items[seen:] if e.kind == "ingested"]
    assert said and said[0].startswith(f"moved from {front}")
    assert [(role, pos) for role, pos, _ in catalog.links("WB-750")] == [("side", 1)]
