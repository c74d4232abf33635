"""The content store: originals under ``objects/ab/<sha256>.<ext>``, thumbnails beside them.

Same bytes, same object: a duplicate costs nothing and is detected by its hash. A file is
copied to a temporary name inside ``objects/`` and renamed into place, so a reader never
sees half an original. The user's file is only ever read.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

CHUNK = 1024 * 1024


def hash_file(path: Path) -> tuple[str, int]:
    """SHA-256 hex digest and size of a file, read in chunks (memory stays flat)."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def object_relpath(sha256: str, extension: str) -> str:
    """Where an original lives, relative to the library folder (stable across machines)."""
    return f"objects/{sha256[:2]}/{sha256}.{extension}"


def thumb_relpath(sha256: str) -> str:
    return f"thumbs/{sha256[:2]}/{sha256}.webp"


@dataclass
class Incoming:
    """A file copied into ``objects/`` under a temporary name, with its hash."""

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

    def receive(self, source: Path) -> Incoming:
        """Copy ``source`` to a temporary name in ``objects/`` while hashing it: the file is
        read once. :meth:`commit` moves it into place; :meth:`discard` drops it."""
        incoming_dir = self.root / "objects"
        incoming_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=".incoming-", dir=incoming_dir)
        digest = hashlib.sha256()
        size = 0
        try:
            with os.fdopen(fd, "wb") as out, source.open("rb") as src:
                while chunk := src.read(CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
                    size += len(chunk)
        except BaseException:
            os.unlink(tmp_name)
            raise
        return Incoming(digest.hexdigest(), size, Path(tmp_name))

    def receive_bytes(self, data: bytes) -> Incoming:
        """Like :meth:`receive` for content already in memory (hash it, write it)."""
        incoming_dir = self.root / "objects"
        incoming_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=".incoming-", dir=incoming_dir)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
        except BaseException:
            os.unlink(tmp_name)
            raise
        return Incoming(hashlib.sha256(data).hexdigest(), len(data), Path(tmp_name))

    def commit(self, incoming: Incoming, extension: str) -> Path:
        target = self.object_path(incoming.sha256, extension)
        if target.is_file():
            self.discard(incoming)
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(incoming.temp, 0o444)
        os.replace(incoming.temp, target)
        return target

    def discard(self, incoming: Incoming) -> None:
        incoming.temp.unlink(missing_ok=True)
