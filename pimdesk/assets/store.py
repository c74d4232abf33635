"""The content store: originals under ``objects/ab/<sha256>.<ext>``, thumbnails beside them.

Same bytes, same object: a duplicate costs nothing and is detected by its hash. A file is
copied to a temporary name inside ``objects/`` and renamed into place, so a reader never
sees half an original. The user's file is only ever read.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
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

    def put(self, source: Path, sha256: str, extension: str) -> Path:
        """Copy ``source`` in (once); verify the copy's hash so a file changing mid-copy is
        never stored under the wrong name. Returns the object's path."""
        target = self.object_path(sha256, extension)
        if target.is_file():
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=".incoming-", dir=target.parent)
        tmp = Path(tmp_name)
        try:
            digest = hashlib.sha256()
            with os.fdopen(fd, "wb") as out, source.open("rb") as src:
                while chunk := src.read(CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
            if digest.hexdigest() != sha256:
                raise OSError("the file changed while it was being copied; it will be retried")
            os.chmod(tmp, 0o444)
            os.replace(tmp, target)
        finally:
            if tmp.exists():
                tmp.unlink()
        return target
