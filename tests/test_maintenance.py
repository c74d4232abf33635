"""Backups and integrity checks: ``pimdesk backup`` and ``pimdesk check``."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select, text

from pimdesk.catalog.models import Family, Product
from pimdesk.catalog.search import reindex_products
from pimdesk.cli import cli
from pimdesk.library import Library
from pimdesk.services.maintenance import BackupError, backup, check


def _add(library: Library, sku: str, name: str, values: dict | None = None) -> int:
    with library.session() as s:
        family = s.scalars(select(Family)).first()
        product = Product(
            sku=sku,
            family=family,
            values=values or {"name": {"<all_channels>": {"en_US": name}}},
        )
        s.add(product)
        s.flush()
        reindex_products(s, [product.id])
        return product.id


def test_backup_is_a_consistent_readable_copy(library: Library, tmp_path: Path) -> None:
    _add(library, "BK-1", "Backed up kettle")
    dest = tmp_path / "copy.sqlite"
    result = backup(library, dest)
    assert result.path == str(dest) and result.bytes > 0
    copy = sqlite3.connect(dest)
    assert copy.execute("SELECT sku FROM product").fetchall() == [("BK-1",)]
    assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    copy.close()
    with Library.open(tmp_path / "restored", database_url=f"sqlite:///{dest}") as restored:
        assert check(restored) == []


def test_backup_refuses_to_overwrite_unless_asked(library: Library, tmp_path: Path) -> None:
    dest = tmp_path / "precious.sqlite"
    dest.write_bytes(b"the user's own file")
    with pytest.raises(BackupError, match="already exists"):
        backup(library, dest)
    assert dest.read_bytes() == b"the user's own file"
    backup(library, dest, overwrite=True)
    assert dest.read_bytes().startswith(b"SQLite format 3")


def test_backup_into_a_missing_folder_or_onto_a_folder_says_so(
    library: Library, tmp_path: Path
) -> None:
    with pytest.raises(BackupError, match="folder does not exist"):
        backup(library, tmp_path / "nowhere" / "b.sqlite")
    with pytest.raises(BackupError, match="is a folder"):
        backup(library, tmp_path)


def test_postgres_backup_names_pg_dump(any_library: Library, tmp_path: Path) -> None:
    if any_library.is_sqlite:
        pytest.skip("PostgreSQL only")
    dest = tmp_path / "team.dump"
    try:
        result = backup(any_library, dest)
    except BackupError as exc:
        assert "pg_dump" in str(exc)
        assert not dest.exists()
    else:
        assert result.engine == "postgresql" and dest.stat().st_size > 0


def test_a_sound_catalog_passes_check(any_library: Library) -> None:
    _add(any_library, "OK-1", "Fine")
    assert check(any_library) == []


def test_check_finds_unknown_attributes_and_unindexed_products(any_library: Library) -> None:
    _add(any_library, "BAD-1", "x", {"ghost_attribute": {"<all_channels>": {"<all_locales>": 1}}})
    with any_library.session() as s:
        s.add(Product(sku="NOINDEX-1", values={}))
    findings = check(any_library)
    messages = " | ".join(str(f) for f in findings)
    assert "ghost_attribute" in messages and "BAD-1" in messages
    assert "missing from the search index" in messages


def test_check_finds_a_variant_whose_parent_is_missing(library: Library) -> None:
    _add(library, "VAR-1", "Orphan")
    with library.engine.begin() as conn:
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        conn.execute(text("UPDATE product SET parent_id = 4242 WHERE sku = 'VAR-1'"))
    findings = check(library)
    assert any(f.check == "variants" and f.where == "VAR-1" for f in findings)
    assert any(f.check == "foreign_keys" for f in findings)


def test_check_finds_a_damaged_search_index_and_repair_rebuilds_it(library: Library) -> None:
    _add(library, "FTS-1", "Indexed kettle")
    db = library.engine.url.database
    library.engine.dispose()
    raw = sqlite3.connect(db)
    # Damage the index behind FTS5's back: drop the rows of its content table.
    raw.execute("DELETE FROM product_search_content")
    raw.commit()
    raw.close()
    assert any(f.check == "search_index" for f in check(library))
    runner = CliRunner()
    args = ["--library", str(library.root), "check"]
    assert runner.invoke(cli, args).exit_code == 1
    repaired = runner.invoke(cli, [*args, "--repair", "--json"])
    assert repaired.exit_code == 0, repaired.output
    assert json.loads(repaired.output)["ok"] is True


def test_cli_backup_and_check_json(library: Library, tmp_path: Path) -> None:
    _add(library, "CLI-1", "Cli kettle")
    runner = CliRunner()
    dest = tmp_path / "b.sqlite"
    out = runner.invoke(cli, ["--library", str(library.root), "backup", str(dest), "--json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["path"] == str(dest)
    again = runner.invoke(cli, ["--library", str(library.root), "backup", str(dest)])
    assert again.exit_code == 1 and "already exists" in again.stderr
    ok = runner.invoke(cli, ["--library", str(library.root), "check", "--json"])
    assert ok.exit_code == 0 and json.loads(ok.output) == {
        "ok": True,
        "repaired": 0,
        "findings": [],
    }


WRITER = r"""
import sys
from sqlalchemy import select
from pimdesk.catalog.models import Family, Product
from pimdesk.catalog.search import reindex_products
from pimdesk.library import Library

lib = Library.open(sys.argv[1])
batch = 0
while True:
    with lib.session() as s:
        family = s.scalars(select(Family)).first()
        products = [
            Product(sku=f"K-{batch}-{i}", family=family,
                    values={"name": {"<all_channels>": {"en_US": f"Killed kettle {i}"}}})
            for i in range(200)
        ]
        s.add_all(products)
        s.flush()
        reindex_products(s, [p.id for p in products])
        if batch == 1:
            print("writing", flush=True)
    batch += 1
"""


@pytest.mark.slow
def test_a_killed_writer_leaves_a_catalog_that_opens_and_passes_check(tmp_path: Path) -> None:
    root = tmp_path / "lib"
    Library.open(root).close()
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(root)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()  # blocks until the writer is mid-way through its work
        assert line.strip() == "writing", proc.stderr.read() if proc.stderr else ""
        deadline = time.monotonic() + 30
        db = root / "catalog.sqlite"
        # Kill it while a transaction is open: wait until the WAL is growing again.
        size = (root / "catalog.sqlite-wal").stat().st_size
        while (root / "catalog.sqlite-wal").stat().st_size == size and time.monotonic() < deadline:
            time.sleep(0.001)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert db.exists()
    with Library.open(root) as lib:
        assert check(lib) == []
        with lib.session() as s:
            count = s.execute(text("SELECT count(*) FROM product")).scalar_one()
            indexed = s.execute(text("SELECT count(*) FROM product_search")).scalar_one()
        # The kill lands inside batch 1's open transaction or just after its commit: either
        # way only whole batches of 200 may survive, and at least the first one.
        assert count >= 200 and count % 200 == 0, "whole transactions only"
        assert indexed == count


def test_check_finds_a_deleted_original_and_a_deleted_thumbnail(
    library: Library, tmp_path: Path
) -> None:
    from PIL import Image

    from pimdesk.assets.store import object_relpath, thumb_relpath
    from pimdesk.catalog.models import AssetVersion
    from pimdesk.services.ingest import ingest_paths

    photo = tmp_path / "shoot" / "NOSKU-front.jpg"
    photo.parent.mkdir()
    Image.new("RGB", (64, 48), "teal").save(photo)
    ingest_paths(library, [photo], workers=1)
    assert check(library) == []
    with library.session() as s:
        version = s.scalars(select(AssetVersion)).one()
        asset_id, number = version.asset_id, version.number
        original = object_relpath(version.sha256, version.extension)
        thumb = thumb_relpath(version.sha256)

    os.chmod(library.root / original, 0o644)
    (library.root / original).unlink()
    (library.root / thumb).unlink()
    findings = [f for f in check(library) if f.check == "asset_files"]
    assert [(f.where, f.severity) for f in findings] == [
        (f"asset {asset_id} version {number}", "error"),
        (f"asset {asset_id} version {number}", "warning"),
    ]
    assert original in findings[0].message
    assert thumb in findings[1].message and "ingest" in findings[1].message
    result = CliRunner().invoke(cli, ["--library", str(library.root), "check"])
    assert result.exit_code == 1 and original in result.output
