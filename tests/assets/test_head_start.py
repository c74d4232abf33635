"""The command line's ingest starts reading files before the catalog is open.

What a user must not notice: files the catalog already knows come out as identical (not
recorded twice), a mistyped ``--library`` still writes nothing, and no worker process is
left behind when the catalog cannot be opened.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from pimdesk.assets.readers import HeadStart
from pimdesk.catalog.models import AssetVersion
from pimdesk.cli import cli
from pimdesk.library import Library
from pimdesk.services.ingest import ingest_paths

SHOTS = ["Canon_40D.jpg", "Kodak_CX7530.jpg", "Pentax_K10D.jpg", "Sony_HDR-HC3.jpg"]


def _stray_files(root: Path) -> list[Path]:
    return [p for p in (root / "objects").rglob(".incoming-*")]


def test_known_files_read_ahead_are_reported_identical_not_recorded_twice(
    library: Library, shoot: Path, place: Callable[..., Path]
) -> None:
    for name in SHOTS[:2]:  # sorted first: the head start reads these again
        place(f"exif/{name}")
    assert ingest_paths(library, [shoot]).summary()["unmatched"] == 2
    for name in SHOTS[2:]:
        place(f"exif/{name}")

    with HeadStart([shoot], library.root, workers=2) as head:
        assert set(head.started) == {str(shoot / name) for name in SHOTS}
        report = ingest_paths(library, [shoot], head_start=head)
        assert head.pool is None  # taken over by the ingest, which shut it down

    assert report.summary()["identical"] == 2
    assert report.summary()["unmatched"] == 2
    with library.session() as session:
        assert session.scalar(select(func.count()).select_from(AssetVersion)) == 4
    assert _stray_files(library.root) == []


def test_a_head_start_on_other_paths_still_ingests_what_was_asked(
    library: Library, shoot: Path, place: Callable[..., Path]
) -> None:
    files = [place(f"exif/{name}") for name in SHOTS]
    with HeadStart([shoot], library.root, workers=2) as head:
        report = ingest_paths(library, files[1:], head_start=head)
    assert sorted(f.path for f in report.files) == sorted(str(f) for f in files[1:])
    assert report.summary()["unmatched"] == 3
    assert _stray_files(library.root) == []


def test_workers_end_when_the_catalog_does_not_open(
    library: Library, shoot: Path, place: Callable[..., Path]
) -> None:
    for name in SHOTS:
        place(f"exif/{name}")
    with pytest.raises(RuntimeError), HeadStart([shoot], library.root, workers=2) as head:
        assert head.pool is not None
        processes = list(head.pool._processes.values())  # its worker processes
        raise RuntimeError("the catalog is locked")
    assert processes and not any(p.is_alive() for p in processes)
    assert _stray_files(library.root) == []


def test_cli_ingest_of_a_folder_into_a_library_and_again(
    library: Library, shoot: Path, place: Callable[..., Path]
) -> None:
    for name in SHOTS:
        place(f"exif/{name}")
    runner = CliRunner()
    args = ["--library", str(library.root), "ingest", "--json", str(shoot)]
    first = runner.invoke(cli, args)
    assert first.exit_code == 0, first.output
    assert json.loads(first.output)["summary"]["unmatched"] == 4
    again = runner.invoke(cli, args)
    assert json.loads(again.output)["summary"]["identical"] == 4


def test_cli_ingest_into_a_folder_without_a_library_reads_and_writes_nothing(
    tmp_path: Path, shoot: Path, place: Callable[..., Path]
) -> None:
    for name in SHOTS:
        place(f"exif/{name}")
    folder = tmp_path / "not-a-library"
    folder.mkdir()
    result = CliRunner().invoke(cli, ["--library", str(folder), "ingest", str(shoot)])
    assert result.exit_code == 1
    assert "no pimdesk library here" in result.stderr
    assert list(folder.iterdir()) == []
