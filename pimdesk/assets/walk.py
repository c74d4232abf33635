"""Which files an ingest reads: folders walked, ignored names left out, paths made relative.

Kept free of the catalog's imports so the CLI can list the files (and hand the first ones
to the workers, see :mod:`pimdesk.assets.readers`) before the catalog is even loaded.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from pimdesk.assets.matching import normalise_name
from pimdesk.assets.names import is_ignored_name


@dataclass(frozen=True)
class Candidate:
    path: Path
    relative: str  # what the filename rules see


def expand(paths: Sequence[Path], source_root: Path | None) -> tuple[list[Candidate], list[str]]:
    """Files to ingest (folders walked recursively, symlinked folders not followed) and
    the paths that do not exist."""
    found: list[Candidate] = []
    missing: list[str] = []
    seen: set[str] = set()
    for raw in paths:
        path = Path(raw).absolute()
        if path.is_dir():
            base = source_root if source_root is not None else path
            for file in _walk(path):
                _add(found, seen, file, base)
        elif path.exists() or path.is_symlink():
            base = source_root if source_root is not None else path.parent
            _add(found, seen, path, base)
        else:
            missing.append(str(path))
    return found, missing


def _walk(folder: Path) -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if not is_ignored_name(name):
                yield Path(dirpath) / name


def _add(found: list[Candidate], seen: set[str], path: Path, base: Path) -> None:
    key = str(path)
    if key in seen:
        return
    seen.add(key)
    try:
        relative = path.relative_to(base).as_posix()
    except ValueError:
        relative = path.name
    found.append(Candidate(path, normalise_name(relative)))


def bad_name(text: str) -> str | None:
    """Why a path cannot be recorded (a name that is not valid UTF-8), or None."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "the file name is not valid UTF-8; rename the file"
    return None
