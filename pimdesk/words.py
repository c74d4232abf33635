"""Counts as people read them, for every message that says how many: ``1 file``,
``2 files``, ``0 products``. The CLI, the services' summaries (demo steps) and anything
else that prints a count call :func:`count` instead of writing ``file(s)``."""

from __future__ import annotations


def count(n: int, singular: str, plural: str | None = None) -> str:
    """``1 file``, ``2 files``, ``0 files``; ``plural`` for nouns that do not take an -s
    (``count(n, "family", "families")``)."""
    return f"{n} {singular if n == 1 else plural or singular + 's'}"
