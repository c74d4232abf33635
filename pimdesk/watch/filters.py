"""Which files of a watched folder are candidates: not hidden, not temporary, and as the
folder's include/exclude globs and recursion say. Pure functions of a relative path."""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from dataclasses import dataclass, field

from pimdesk.assets.names import is_ignored_name

# Beyond the ingest's own list: editors' and office apps' temporaries.
EXTRA_IGNORED_SUFFIXES = (".tmp", ".temp", ".swp", ".crdownload", ".part", ".partial", ".lock")


def is_temporary_or_hidden(name: str) -> bool:
    """``.~tmp``, ``~$x``, ``.DS_Store``, ``Thumbs.db``, ``*.part``, ``*.crdownload``, dotfiles."""
    return is_ignored_name(name) or name.lower().endswith(EXTRA_IGNORED_SUFFIXES)


@dataclass(frozen=True)
class FolderFilter:
    """The include/exclude globs and recursion of one watched folder.

    Globs match the path relative to the folder (``shots/*.jpg``) or the bare file name
    (``*.jpg``); an empty include list means every file.
    """

    recursive: bool = True
    include: Sequence[str] = field(default_factory=tuple)
    exclude: Sequence[str] = field(default_factory=tuple)

    def wants(self, relative: str) -> bool:
        """Is this file (POSIX path relative to the folder) one to ingest?"""
        parts = relative.split("/")
        if not parts or not parts[-1]:
            return False
        if not self.recursive and len(parts) > 1:
            return False
        if any(part.startswith(".") for part in parts[:-1]):
            return False  # inside a hidden folder (.git, .Trash, .thumbnails, ...)
        name = parts[-1]
        if is_temporary_or_hidden(name):
            return False
        if self.include and not any(_glob(relative, name, g) for g in self.include):
            return False
        return not any(_glob(relative, name, g) for g in self.exclude)

    def below(self, prefix: str) -> FolderFilter:
        """The same filter for a scan that starts in the subfolder ``prefix``."""
        return _Below(self.recursive, self.include, self.exclude, prefix=prefix)

    def wants_folder(self, relative: str) -> bool:
        """Should the scan go into this subfolder?"""
        if not self.recursive:
            return False
        parts = relative.split("/")
        if any(part.startswith(".") for part in parts):
            return False
        return not any(
            fnmatch.fnmatchcase(relative, g.rstrip("/")) for g in self.exclude if g.endswith("/")
        )


def _glob(relative: str, name: str, pattern: str) -> bool:
    if "/" in pattern:
        return fnmatch.fnmatch(relative, pattern)
    return fnmatch.fnmatch(name, pattern)


@dataclass(frozen=True)
class _Below(FolderFilter):
    prefix: str = ""

    def wants(self, relative: str) -> bool:
        return super().wants(f"{self.prefix}/{relative}")

    def wants_folder(self, relative: str) -> bool:
        return super().wants_folder(f"{self.prefix}/{relative}")
