"""The content store: originals under ``objects/ab/<sha256>.<ext>``, thumbnails beside them.

Same bytes, same object: a duplicate costs nothing and is detected by its hash. A file is
copied to a temporary name inside ``objects/``, flushed to the disk (fsync) and only then
renamed into place, so neither a reader nor a crash (even a power cut) leaves half an
original under an object's name. The user's file is only ever read: never linked (a hard
link would share the inode, and a photographer overwriting the file in place would change
the "never modified" original), never moved.
"""

from __future__ import annotations

import errno
import hashlib
import io
import mmap
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

CHUNK = 1024 * 1024
# copy_file_range/sendfile not possible here (another filesystem, an old kernel, not Linux):
_NO_KERNEL_COPY = {errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.EBADF}


def kernel_copy(source_fd: int, dest_fd: int) -> int:
    """Copy a whole file inside the kernel (no trip of the bytes through Python) and return
    the size copied; falls back to sendfile, then to a plain read/write loop."""
    copied = 0
    for call in ("copy_file_range", "sendfile"):
        func = getattr(os, call, None)
        if func is None:
            continue
        try:
            while True:
                if call == "copy_file_range":
                    n = func(source_fd, dest_fd, 1 << 30)
                else:
                    n = func(dest_fd, source_fd, None, 1 << 30)
                if n == 0:
                    return copied
                copied += n
        except OSError as exc:
            if copied or exc.errno not in _NO_KERNEL_COPY:
                raise
    while chunk := os.read(source_fd, CHUNK):
        view = memoryview(chunk)
        while view:
            view = view[os.write(dest_fd, view) :]
        copied += len(chunk)
    return copied


def temp_file_in(folder: Path, prefix: str, suffix: str = "") -> tuple[int, str]:
    """A new temporary file in ``folder`` (created when missing): the folder is made only
    when the file cannot be, not checked for every file."""
    try:
        return tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=folder)
    except FileNotFoundError:
        folder.mkdir(parents=True, exist_ok=True)
        return tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=folder)


def object_relpath(sha256: str, extension: str) -> str:
    """Where an original lives, relative to the library folder (stable across machines)."""
    return f"objects/{sha256[:2]}/{sha256}.{extension}"


def thumb_relpath(sha256: str) -> str:
    return f"thumbs/{sha256[:2]}/{sha256}.webp"


@dataclass
class Incoming:
    """A file copied into ``objects/`` under a temporary name, with the hash of the copy.
    Readers open ``temp`` (the very bytes that were hashed, owned by the library)."""

    sha256: str
    size: int
    temp: Path


class ContentStore:
    """The library's ``objects/`` and ``thumbs/`` folders."""

    def __init__(self, root: Path):
        self.root = root

    def object_path(self, sha256: str, extension: str) -> Path:
        return self.root / object_relpath(sha256, extension)

    def thumb_path(self, sha256: str) -> Path:
        return self.root / thumb_relpath(sha256)

    def has_object(self, sha256: str, extension: str) -> bool:
        return self.object_path(sha256, extension).is_file()

    def receive_copy(self, source_fd: int) -> Incoming:
        """Copy an open file to a temporary name in ``objects/`` inside the kernel, then hash
        the copy: what is hashed (and later decoded from ``Incoming.temp``) is exactly what
        is stored. :meth:`commit` moves it into place; :meth:`discard` drops it.

        The copy is read back through a small reused buffer rather than a memory map: the
        pages it has just written fault one by one when mapped, which costs 2-3 ms more per
        10 MB photo than reading them (measured), and a decoder reads a file as fast."""
        fd, tmp_name = temp_file_in(self.root / "objects", ".incoming-")
        temp = Path(tmp_name)
        try:
            with open(fd, "r+b", buffering=0) as copy:
                size = kernel_copy(source_fd, fd)
                copy.seek(0)
                digest = hashlib.file_digest(copy, "sha256").hexdigest()
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        return Incoming(digest, size, temp)

    @staticmethod
    def sync(incoming: Incoming) -> None:
        """Flush the copy's bytes to the disk (before :meth:`commit` renames it): after a
        crash an object is whole or absent, never a name over missing data. Blocks on the
        disk, not the CPU, so ingest runs it in a thread beside the decode."""
        fd = os.open(incoming.temp, os.O_RDWR)  # Windows flushes writable handles only
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    @staticmethod
    def release_cache(incoming: Incoming) -> None:
        """Let the kernel drop the copy's pages from memory once they are on disk and
        read (like ``cp --nocache``). An ingest writes gigabytes of originals that
        nothing reads again soon; without this they push everything else out of the page
        cache, and every file's copy lands in memory never used before, which costs several
        times the copy itself on a virtual machine (its host backs each new page on first
        touch: 20 ms instead of 3 ms per 10 MB photo, measured). Dropped pages are reused
        by the next file's copy. Best effort: not every platform has ``posix_fadvise``."""
        advise = getattr(os, "posix_fadvise", None)
        if advise is None:
            return
        try:
            fd = os.open(incoming.temp, os.O_RDONLY)
        except OSError:
            return
        try:
            advise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        except OSError:
            pass
        finally:
            os.close(fd)

    def commit(self, incoming: Incoming, extension: str, *, synced: bool = False) -> Path:
        target = self.object_path(incoming.sha256, extension)
        if target.is_file():
            self.discard(incoming)
            return target
        if not synced:
            self.sync(incoming)
        os.chmod(incoming.temp, 0o444)
        try:
            os.replace(incoming.temp, target)
        except FileNotFoundError:  # the first object under this prefix
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(incoming.temp, target)
        return target

    def discard(self, incoming: Incoming) -> None:
        incoming.temp.unlink(missing_ok=True)


def map_file(path: Path) -> mmap.mmap | io.BytesIO:
    """A file's bytes without copying them into Python: a read-only memory map, usable as a
    buffer and as a file object (decoders); the caller closes it. Only for files the
    library owns (a mapped file truncated by someone else kills the reader)."""
    with path.open("rb") as handle:
        if os.fstat(handle.fileno()).st_size == 0:
            return io.BytesIO(b"")
        return mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
