"""Walk a watched folder safely: symlinked folders are not followed (so a symlink loop can
neither hang nor crash the scan), unreadable folders are reported, never fatal."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from pimdesk.watch.filters import FolderFilter


@dataclass
class ScanResult:
    """Files to consider and the entries left out with the reason (for the user to see)."""

    files: list[Path] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)


def scan_folder(root: Path, rules: FolderFilter) -> ScanResult:
    """Every wanted file below ``root`` (depth-first, sorted, no symlinked folders)."""
    result = ScanResult()
    stack: list[tuple[Path, str]] = [(root, "")]
    while stack:
        folder, prefix = stack.pop()
        try:
            with os.scandir(folder) as entries:
                items = sorted(entries, key=lambda e: e.name, reverse=True)
        except OSError as exc:
            result.skipped.append((folder, f"cannot read the folder: {exc.strerror or exc}"))
            continue
        for entry in items:
            relative = f"{prefix}{entry.name}"
            path = Path(entry.path)
            try:
                is_link = entry.is_symlink()
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError as exc:
                result.skipped.append((path, f"cannot read: {exc.strerror or exc}"))
                continue
            if is_link:
                target_is_dir = _symlink_kind(path)
                if target_is_dir is None:
                    # A loop or a dangling link: the ingest would record it as a problem
                    # anyway; say why here instead.
                    result.skipped.append((path, "broken symbolic link or symbolic link loop"))
                    continue
                if target_is_dir:
                    result.skipped.append((path, "symbolic link to a folder: not followed"))
                    continue
            if is_dir:
                if rules.wants_folder(relative):
                    stack.append((path, relative + "/"))
                continue
            if rules.wants(relative):
                result.files.append(path)
        # stack pops last-in first: push sorted in reverse to walk in name order
    result.files.sort()
    return result


def _symlink_kind(path: Path) -> bool | None:
    """True: points at a folder; False: at a file; None: dangling or a loop (ELOOP)."""
    try:
        return path.is_dir() if path.exists() else None
    except OSError:
        return None
