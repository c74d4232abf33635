"""Which file names are never assets: hidden, temporary, system and sidecar files.

Shared by the ingest walk, the watcher's filters and the problem list (a problem recorded
for such a file before it was ignored is resolved by the next scan).
"""

from __future__ import annotations

import re

IGNORED_NAMES = {".DS_Store", "Thumbs.db", "desktop.ini"}
IGNORED_SUFFIXES = (".part", ".crdownload", ".tmp", ".download", ".partial")
# Editing sidecars that raw developers and photo managers write next to each photo (XMP:
# Lightroom, darktable, digiKam; AAE: Apple Photos; DOP: DxO; PP3: RawTherapee; THM: camera
# index thumbnails). They describe a photo; they are not assets of their own.
SIDECAR_SUFFIXES = (".xmp", ".aae", ".dop", ".pp3", ".thm")


def is_ignored_name(name: str) -> bool:
    """Hidden, temporary, system and sidecar files that are never assets."""
    return (
        name in IGNORED_NAMES
        or name.startswith((".", "~$"))
        or name.endswith(IGNORED_SUFFIXES)
        or name.lower().endswith(SIDECAR_SUFFIXES)
        or name.endswith("~")
    )


_DIGITS = re.compile(r"(\d+)")


def natural_key(name: str) -> tuple[tuple[int, int, str], ...]:
    """Sort key putting names as a person reads them: IMG_998 before IMG_1001."""
    return tuple(
        (1, int(part), "") if part.isdigit() else (0, 0, part.casefold())
        for part in _DIGITS.split(name)
        if part
    )
