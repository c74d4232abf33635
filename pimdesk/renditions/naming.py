"""Published file names from a profile's template: pure functions, safe on every filesystem.

A template such as ``{sku}-{role}-{position}.{ext}`` or Amazon's ``{sku}.{role_code}.{ext}``
is filled field by field (``{version}`` is the first 8 hex digits of the photo's content
hash: a new photo gets a new URL, which defeats stale CDN caches); each field is sanitised
on its own (no path separators, no control or Windows-reserved characters) and then the
whole name is checked again (no leading dots, no reserved device names such as ``CON`` or
``NUL``, at most :data:`MAX_NAME` bytes). :class:`UniqueNames` makes names unique within
one publish, case-insensitively, because two SKUs that differ only in case land on one file
on macOS and Windows.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Mapping

from pimdesk.errors import ValidationError

FIELDS = ("sku", "role", "role_code", "position", "ext", "version", "asin", "gtin", "identifier")
MAX_NAME = 180  # bytes; leaves room under the usual 255 for temp prefixes
_RESERVED = {
    "CON",
    "PRN",
    "AUX",
    "NUL",
    *(f"COM{i}" for i in range(10)),
    *(f"LPT{i}" for i in range(10)),
}
_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]+')

# Amazon's image variant codes for our roles; other roles take PT01, PT02, ... by position.
ROLE_CODES: dict[str, str] = {
    "main": "MAIN",
    "swatch": "SWCH",
    "top": "TOPP",
    "bottom": "BOTT",
    "left": "LEFT",
    "right": "RGHT",
    "front": "FRNT",
    "back": "BACK",
    "side": "SIDE",
    "pair": "PAIR",
    "fact": "FACT",
}


def role_code(role: str, other_index: int) -> str:
    """Amazon's variant code for ``role``; ``other_index`` (1-based) numbers the PTnn ones."""
    return ROLE_CODES.get(role.lower(), f"PT{min(other_index, 99):02d}")


def check_template(template: str) -> None:
    """Refuse a template that could escape the output folder or names unknown fields."""
    if not template or "/" in template or "\\" in template or ".." in template:
        raise ValidationError(
            "a file name template may not contain '/', '\\' or '..'",
            where=f"template {template!r}",
            hint="files are always written inside the channel's output folder",
        )
    for _, name, _, _ in string.Formatter().parse(template):
        if name is not None and name not in FIELDS:
            raise ValidationError(
                f"unknown field {{{name}}} in the file name template",
                where=f"template {template!r}",
                hint=f"use {', '.join('{' + f + '}' for f in FIELDS)}",
            )
    if "{ext}" not in template:
        raise ValidationError(
            "the file name template must end with .{ext}", where=f"template {template!r}"
        )


def sanitise_part(value: str) -> str:
    """One field's text made safe: NFC, unsafe characters to '_', no dots at the ends."""
    text = unicodedata.normalize("NFC", str(value))
    text = _UNSAFE.sub("_", text).replace(" ", "_")
    return text.strip(".") or "_"


def sanitise_name(name: str) -> str:
    """A whole file name made safe and short, keeping its extension."""
    name = _UNSAFE.sub("_", unicodedata.normalize("NFC", name)).strip().lstrip(".")
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    stem = stem.rstrip(". ") or "_"
    if stem.split(".")[0].upper() in _RESERVED:
        stem = f"_{stem}"
    ext = ext[:10]
    limit = MAX_NAME - len(ext.encode()) - 1
    while len(stem.encode()) > limit:
        stem = stem[:-1]
    return f"{stem}.{ext}" if ext else stem


def fill_template(template: str, fields: Mapping[str, object]) -> str:
    """The file name for one image; every field is sanitised before it is placed."""
    safe = {key: sanitise_part(str(value)) for key, value in fields.items()}
    for key in FIELDS:
        safe.setdefault(key, "_")
    return sanitise_name(template.format_map(safe))


class UniqueNames:
    """Hands out names unique within one publish (case-insensitive): ``a.jpg``, ``a-2.jpg``."""

    def __init__(self) -> None:
        self._taken: set[str] = set()

    def take(self, name: str) -> str:
        candidate = name
        stem, dot, ext = name.rpartition(".")
        if not dot:
            stem, ext = name, ""
        counter = 2
        while candidate.casefold() in self._taken:
            candidate = f"{stem}-{counter}{dot}{ext}"
            counter += 1
        self._taken.add(candidate.casefold())
        return candidate
