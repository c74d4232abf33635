"""CSV formula injection: escape cells a spreadsheet would run as formulas, and undo it.

OWASP treatment for files people open in a spreadsheet: a text cell starting with ``=``,
``+``, ``-``, ``@``, TAB, CR or LF gets a ``'`` prefix (real numbers such as ``-42`` are left
alone). To keep import -> export -> import lossless, a cell that itself starts with ``'`` is
prefixed too, and the importer removes exactly one ``'`` before a trigger or a ``'``.
"""

from __future__ import annotations

import re

TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
# first characters that may need escaping (a quick filter before escape_cell)
RISKY = frozenset((*TRIGGERS, "'"))
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def escape_cell(value: str) -> str:
    if not value:
        return value
    if value[0] == "'" or (value[0] in TRIGGERS and not _NUMBER.match(value)):
        return "'" + value
    return value


def unescape_cell(value: str) -> str:
    if len(value) > 1 and value[0] == "'" and (value[1] in TRIGGERS or value[1] == "'"):
        return value[1:]
    return value
