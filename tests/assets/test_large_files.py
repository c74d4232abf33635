"""Files over 2 GiB (videos, big TIFFs) are recorded on both engines, and a PostgreSQL
catalog made before 0008 takes them after the upgrade.

The bytes themselves are not written here (gigabytes per test run): the writer receives
what a worker reports for such a file, which is where the 32-bit column used to fail."""

from __future__ import annotations

from pathlib import Path

from pimdesk.assets.analyse import FileResult
from pimdesk.assets.matching import load_matcher
from pimdesk.assets.pipeline import Batches
from pimdesk.assets.records import PendingFile, ProductIndex
from pimdesk.catalog import migrate
from pimdesk.catalog.db import make_engine
from pimdesk.library import Library
from pimdesk.services import assets

SIZE = 3_500_000_000  # 3.5 GB: past both 2**31 and 2**32


def _record_video(library: Library, folder: Path) -> int:
    result = FileResult(
        path=str(folder / "launch-film.mp4"),
        sha256="ab" * 32,
        size=SIZE,
        mtime=1_700_000_000.0,
        format="MP4",
        kind="video",
        extension="mp4",
        analysed=True,
    )
    with library.session() as session:
        batches = Batches(library, load_matcher(session), ProductIndex.load(session))
    [outcome] = batches.write([PendingFile(result, "launch-film.mp4")])
    assert outcome.outcome != "problem", outcome.reason
    assert outcome.asset_id is not None
    return outcome.asset_id


def test_a_version_over_4_gb_keeps_its_size(any_library: Library, tmp_path: Path) -> None:
    asset_id = _record_video(any_library, tmp_path)
    shown = assets.show_asset(any_library, asset_id).to_dict()
    assert [v["size"] for v in shown["versions"]] == [SIZE]


def test_a_catalog_from_before_0008_takes_large_files_after_the_upgrade(
    database_url: str, tmp_path: Path
) -> None:
    engine = make_engine(database_url)
    migrate.upgrade(engine, "0007_problem_files")
    engine.dispose()
    with Library.open(tmp_path / "library", database_url=database_url) as library:
        asset_id = _record_video(library, tmp_path)
        shown = assets.show_asset(library, asset_id).to_dict()
    assert [v["size"] for v in shown["versions"]] == [SIZE]
