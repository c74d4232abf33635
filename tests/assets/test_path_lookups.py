"""What was read from a path is looked up through an index, not a scan of every version:
every ingest batch, every file the watcher sees and every reconciliation asks it, and a
grown library has hundreds of thousands of versions (48 ms per lookup without the index at
300,000 versions, 0.07 ms with it: migration 0011)."""

from __future__ import annotations

from sqlalchemy import Select, select, text

from pimdesk.catalog.models import AssetVersion, IngestProblem
from pimdesk.library import Library


def _plan(library: Library, statement: Select) -> str:
    sql = str(statement.compile(library.engine, compile_kwargs={"literal_binds": True}))
    with library.session() as session:
        rows = session.execute(text(f"EXPLAIN QUERY PLAN {sql}")).all()
    return " | ".join(str(row[-1]) for row in rows)


def test_versions_read_from_given_paths_are_found_through_an_index(library: Library) -> None:
    wanted = ["/shots/A-1_main_1.jpg", "/shots/A-1_back_1.jpg"]
    plan = _plan(library, select(AssetVersion).where(AssetVersion.source_path.in_(wanted)))
    assert "ix_asset_version_source_path" in plan, plan


def test_problems_of_given_paths_are_found_through_an_index(library: Library) -> None:
    plan = _plan(library, select(IngestProblem).where(IngestProblem.path == "/shots/x.jpg"))
    assert "ix_ingest_problem_path" in plan, plan
