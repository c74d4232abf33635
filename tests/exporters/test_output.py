"""Output helpers: atomic writes, stale temp files, safe names, CSV quoting and escaping."""

from __future__ import annotations

import csv
import dataclasses
import io
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pimdesk.channels.api import CancelToken
from pimdesk.channels.exporters.shopify import ShopifyCsvExporter
from pimdesk.channels.exporters.storefront import StorefrontExporter
from pimdesk.channels.output import (
    OutputError,
    OutputFolder,
    PublishCancelled,
    atomic_write,
    check_base_url,
    csv_bytes,
    escape_formula,
    owasp_cell,
    safe_join,
    woocommerce_cell,
)
from pimdesk.errors import PimdeskError


def test_atomic_write_failure_keeps_the_previous_file(tmp_path: Path) -> None:
    target = tmp_path / "feed.csv"
    atomic_write(target, "old,feed\r\n")

    def half_then_fail(handle) -> None:
        handle.write(b"new,fe")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        atomic_write(target, half_then_fail)
    assert target.read_bytes() == b"old,feed\r\n"
    assert [p.name for p in tmp_path.iterdir()] == ["feed.csv"]


def test_failure_in_the_middle_of_a_publish_keeps_the_old_feed(
    listings, out_dir: Path, run, monkeypatch
) -> None:
    exporter = ShopifyCsvExporter({"output": str(out_dir), "base_url": "https://x.example/"})
    run(exporter, listings.tote())
    before = (out_dir / "products.csv").read_bytes()
    real_fsync = os.fsync
    calls = {"n": 0}

    def failing_fsync(fd: int) -> None:  # the disk fills up while the feed is written
        calls["n"] += 1
        if calls["n"] > 2:
            raise OSError(28, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(OSError):
        run(exporter, [*listings.tote(), listings.simple()])
    monkeypatch.setattr(os, "fsync", real_fsync)
    assert (out_dir / "products.csv").read_bytes() == before
    rows = list(csv.reader(io.StringIO(before.decode("utf-8"))))
    assert len(rows) == 4
    assert not [p for p in out_dir.iterdir() if ".pimdesk-tmp-" in p.name]


def test_a_missing_rendition_stops_before_the_feed_changes(listings, out_dir: Path, run) -> None:
    exporter = ShopifyCsvExporter({"output": str(out_dir), "base_url": "https://x.example/"})
    run(exporter, listings.tote())
    before = (out_dir / "products.csv").read_bytes()
    mug = listings.simple()
    mug.images[0].file.unlink()
    with pytest.raises(PimdeskError, match="cannot be read"):
        run(exporter, [*listings.tote(), mug])
    assert (out_dir / "products.csv").read_bytes() == before


def test_stale_temp_files_of_a_killed_run_are_removed(listings, out_dir: Path, run) -> None:
    (out_dir / "images").mkdir()
    stale = [
        out_dir / ".index.html.pimdesk-tmp-abc123",
        out_dir / "images" / ".x.jpg.pimdesk-tmp-zz9",
    ]
    for path in stale:
        path.write_text("half")
    user = out_dir / ".hidden-user-file"
    user.write_text("keep")
    run(StorefrontExporter({"output": str(out_dir)}), listings.tote())
    assert not any(p.exists() for p in stale)
    assert user.read_text() == "keep"


@pytest.mark.parametrize("problem", ["missing", "file", "readonly"])
def test_unusable_output_folder_is_a_clear_error(tmp_path: Path, listings, run, problem) -> None:
    target = tmp_path / "target"
    if problem == "file":
        target.write_text("x")
    if problem == "readonly":
        target.mkdir()
        target.chmod(0o500)
        if os.access(target, os.W_OK):
            pytest.skip("running as a user who can write anywhere (root)")
    exporter = StorefrontExporter({"output": str(target)})
    with pytest.raises(PimdeskError, match=r"output|folder"):
        run(exporter, listings.tote())
    if problem == "missing":
        assert not target.exists()


def test_no_output_setting_names_the_setting(listings, run) -> None:
    with pytest.raises(PimdeskError, match="'output'"):
        run(StorefrontExporter({}), listings.tote())


@pytest.mark.parametrize(
    "name", ["../x.jpg", "/etc/passwd", "a/../../x", "..", "C:evil.jpg", "a\\..\\b", "con.jpg", ""]
)
def test_names_that_escape_the_folder_are_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(OutputError):
        safe_join(tmp_path, name)


def test_symlink_out_of_the_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "link").symlink_to(tmp_path)
    with pytest.raises(OutputError):
        safe_join(tmp_path / "out", "link/x.jpg")


@pytest.mark.parametrize("url", ["../../etc/", "/etc/", "javascript:alert(1)", "https:///x"])
def test_base_url_escaping_the_folder_is_refused(url: str) -> None:
    with pytest.raises(OutputError):
        check_base_url(url)


def test_base_url_accepted_forms() -> None:
    assert check_base_url("https://cdn.example.com/shop") == "https://cdn.example.com/shop/"
    assert check_base_url("images") == "images/"


def test_unsafe_image_filename_blocks_the_listing(listings, out_dir: Path, run) -> None:
    import dataclasses

    mug = listings.simple()
    bad = dataclasses.replace(
        mug, images=[dataclasses.replace(mug.images[0], filename="../../evil.jpg")]
    )
    exporter = StorefrontExporter({"output": str(out_dir)})
    assert [i.field for i in exporter.validate([bad])] == ["images"]
    result = run(exporter, [bad])
    assert "MUG-1" not in result.remote_ids
    assert not (out_dir.parent / "evil.jpg").exists()


def test_documents_never_overwrite_user_files(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("my page")
    out = OutputFolder(tmp_path, "storefront")
    with pytest.raises(OutputError, match="not written by pimdesk"):
        out.add_document("index.html", "<html>")
    assert (tmp_path / "index.html").read_text() == "my page"


def test_csv_is_rfc4180() -> None:
    data = csv_bytes(["a", "b"], [['x "y"', "1,2"], ["line\r\nbreak", "plain"], [None, "z"]])
    assert data == (b'a,b\r\n"x ""y""","1,2"\r\n"line\r\nbreak",plain\r\n,z\r\n')
    assert csv_bytes(["a"], [["é"]], bom=True).startswith(b"\xef\xbb\xbfa\r\n")
    with pytest.raises(ValueError):
        csv_bytes(["a", "b"], [["1"]])


def test_owasp_example_from_the_sheet() -> None:
    data = csv_bytes(["h"], [['=1+2";=1+2']], quote_all=True, escape=owasp_cell)
    assert data.split(b"\r\n")[1] == b'"\'=1+2"";=1+2"'


def test_formula_escaping_rules() -> None:
    for trigger in ("=", "+", "-", "@", "\t", "\r", "\n"):
        assert owasp_cell(trigger + "x") == "'" + trigger + "x"
    assert owasp_cell("-42") == "-42" and owasp_cell("+3.5") == "+3.5"
    assert owasp_cell("plain") == "plain"
    assert woocommerce_cell("\nx") == "\nx"  # WooCommerce's list has no LF
    assert woocommerce_cell("=SUM(A1)") == "'=SUM(A1)"
    assert escape_formula("@x", ("=",)) == "@x"


def test_unchanged_files_are_not_rewritten(listings, out_dir: Path, run) -> None:
    exporter = StorefrontExporter({"output": str(out_dir)})
    tote, mug = listings.tote(), listings.simple()
    run(exporter, [*tote, mug])
    page = out_dir / "products" / "canvas-tote-bag.html"
    image = out_dir / "images" / "tote-detail.jpg"
    before = (page.stat().st_ino, image.stat().st_ino)
    changed = dataclasses.replace(mug, title="Enamel Mug XL")
    run(exporter, [*tote, changed])
    assert (page.stat().st_ino, image.stat().st_ino) == before
    assert "Enamel Mug XL" in (out_dir / "index.html").read_text("utf-8")


def test_cancel_leaves_the_previous_output(listings, out_dir: Path) -> None:
    exporter = ShopifyCsvExporter({"output": str(out_dir), "base_url": "https://x.example/"})
    exporter.publish(listings.tote(), [], lambda d, t: None, CancelToken())
    before = (out_dir / "products.csv").read_bytes()
    token = CancelToken()
    token.cancel()
    with pytest.raises(PublishCancelled):
        exporter.publish([listings.simple()], [], lambda d, t: None, token)
    assert (out_dir / "products.csv").read_bytes() == before
    assert not [p for p in out_dir.iterdir() if ".pimdesk-tmp-" in p.name]


KILLED_WRITER = """
import sys, time
from pimdesk.channels.output import OutputFolder
out = OutputFolder(sys.argv[1], "killtest")
out.image_name("new.jpg", __import__("pathlib").Path(sys.argv[2]))
def slow(handle):
    handle.write(b"half of the new feed")
    handle.flush()
    time.sleep(120)
out.add_document("feed.txt", slow)
out.commit()
"""


def test_a_killed_publish_leaves_the_old_feed_and_the_next_run_cleans_up(
    tmp_path: Path, listings
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    first = OutputFolder(out, "killtest")
    first.add_document("feed.txt", "old feed\n")
    first.commit()
    source = listings.image("new.jpg").file
    proc = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(out), str(source)])
    try:
        deadline = time.monotonic() + 30
        while not [p for p in out.iterdir() if p.name.startswith(".feed.txt.pimdesk-tmp-")]:
            assert proc.poll() is None, "the writer ended before it could be killed"
            assert time.monotonic() < deadline, "the writer never started the feed"
            time.sleep(0.02)
    finally:
        proc.kill()
        proc.wait()
    assert (out / "feed.txt").read_text() == "old feed\n"
    assert [p for p in out.iterdir() if ".pimdesk-tmp-" in p.name]  # litter of the killed run
    again = OutputFolder(out, "killtest")
    again.add_document("feed.txt", "new feed\n")
    again.commit()
    assert (out / "feed.txt").read_text() == "new feed\n"
    assert not [p for p in out.iterdir() if ".pimdesk-tmp-" in p.name]
    assert not (out / "new.jpg").exists()  # staged by the killed run, never published
