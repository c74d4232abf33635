"""The content store: a copy is whole, read-only and named by its bytes; the user's file is
only read; the fallback copy (no kernel copy possible) gives the same bytes."""

from __future__ import annotations

import hashlib
import os
import stat
import threading
from pathlib import Path

from pimdesk.assets.store import ContentStore, kernel_copy
from tests.assets.conftest import PHOTOS, snapshot


def test_a_received_file_becomes_a_read_only_object_named_by_its_hash(tmp_path: Path) -> None:
    source = tmp_path / "IMG_0001.jpg"
    source.write_bytes((PHOTOS / "products" / "mg01-bk-0.jpg").read_bytes())
    before = snapshot(source)
    store = ContentStore(tmp_path / "library")
    with source.open("rb") as handle:
        incoming = store.receive_copy(handle.fileno())
    assert incoming.sha256 == hashlib.sha256(source.read_bytes()).hexdigest()
    assert incoming.size == source.stat().st_size
    target = store.commit(incoming, "jpg")
    assert target == store.object_path(incoming.sha256, "jpg")
    assert target.read_bytes() == source.read_bytes()
    assert not stat.S_IMODE(target.stat().st_mode) & 0o222  # never modified afterwards
    assert target.stat().st_ino != source.stat().st_ino  # a copy, not a link to the user's file
    assert snapshot(source) == before
    assert [p.name for p in (tmp_path / "library" / "objects").iterdir()] == [target.parent.name]


def test_an_empty_file_and_a_discarded_copy_leave_no_temporary_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.bin"
    empty.write_bytes(b"")
    store = ContentStore(tmp_path / "library")
    with empty.open("rb") as handle:
        incoming = store.receive_copy(handle.fileno())
    assert (incoming.sha256, incoming.size) == (hashlib.sha256(b"").hexdigest(), 0)
    store.discard(incoming)
    assert list((tmp_path / "library" / "objects").iterdir()) == []


def test_the_copy_falls_back_to_reading_when_the_kernel_cannot_copy(tmp_path: Path) -> None:
    data = os.urandom(3 * 1024 * 1024 + 17)
    read_end, write_end = os.pipe()  # the kernel copies refuse a pipe: the plain loop runs

    def feed() -> None:
        with os.fdopen(write_end, "wb") as out:
            out.write(data)

    feeder = threading.Thread(target=feed)
    feeder.start()
    target = tmp_path / "copy.bin"
    fd = os.open(target, os.O_WRONLY | os.O_CREAT)
    try:
        assert kernel_copy(read_end, fd) == len(data)
    finally:
        os.close(fd)
        os.close(read_end)
        feeder.join()
    assert target.read_bytes() == data
