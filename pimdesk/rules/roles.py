"""Image roles, the aliases people type in file names, and Amazon's image codes.

A role says what a picture shows (main, front, back, ...). File names use short forms
(``f``, ``b``, ``1``), so templates only accept a known role or alias in the ``{role}`` slot:
that constraint is what lets ``{sku}_{role}`` split ``AB_12_front.jpg`` as a person would.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

KNOWN_ROLES: tuple[str, ...] = (
    "main",
    "front",
    "back",
    "side",
    "left",
    "right",
    "top",
    "bottom",
    "detail",
    "lifestyle",
    "packaging",
    "label",
    "swatch",
    "gallery",
    "size_chart",
    "manual",
    "video",
)

# alias (lower case) -> role. Callers may extend or override it per rule set or per rule.
DEFAULT_ROLE_ALIASES: dict[str, str] = {
    "1": "main",
    "m": "main",
    "hero": "main",
    "primary": "main",
    "default": "main",
    "f": "front",
    "fr": "front",
    "b": "back",
    "bk": "back",
    "rear": "back",
    "s": "side",
    "l": "left",
    "r": "right",
    "t": "top",
    "bot": "bottom",
    "d": "detail",
    "det": "detail",
    "closeup": "detail",
    "close": "detail",
    "zoom": "detail",
    "ls": "lifestyle",
    "life": "lifestyle",
    "mood": "lifestyle",
    "inuse": "lifestyle",
    "pkg": "packaging",
    "pack": "packaging",
    "box": "packaging",
    "sw": "swatch",
    "color": "swatch",
    "colour": "swatch",
    "alt": "gallery",
    "extra": "gallery",
    "sizechart": "size_chart",
    "chart": "size_chart",
    "pdf": "manual",
    "doc": "manual",
    "vid": "video",
}

ROLE_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,49}")

# Amazon's image-bundle codes: MAIN, PT01..PT08 (other views), SWCH (swatch).
AMAZON_CODES: dict[str, tuple[str, int]] = {
    "MAIN": ("main", 1),
    **{f"PT{n:02d}": ("gallery", n) for n in range(1, 9)},
    "SWCH": ("swatch", 1),
}


def amazon_code(role: str, position: int) -> str | None:
    """The Amazon code for a (role, position), the inverse of :data:`AMAZON_CODES`."""
    for code, (code_role, code_position) in AMAZON_CODES.items():
        if code_role == role and (code_position == position or role != "gallery"):
            return code
    return None


def role_table(aliases: Mapping[str, str] | None = None) -> dict[str, str]:
    """Every accepted spelling (lower case) -> role: the roles themselves plus aliases."""
    table = {role: role for role in KNOWN_ROLES}
    table.update(DEFAULT_ROLE_ALIASES)
    if aliases:
        table.update({k.lower(): v.lower() for k, v in aliases.items()})
    return table


def role_alternation(table: Mapping[str, str]) -> str:
    """A regex alternation of every spelling, longest first (so ``ls`` beats ``l``)."""
    spellings = sorted(table, key=lambda s: (-len(s), s))
    return "|".join(re.escape(s) for s in spellings)
