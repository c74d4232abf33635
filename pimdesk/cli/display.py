"""Values as people read them in the CLI's plain output (``--json`` keeps the raw data).

Prices read ``50.00 USD, 45.00 EUR``, metrics ``350 GRAM``, booleans ``yes``/``no``, lists
are joined with commas, nothing at all is ``(empty)``, and multi-line text is put on one
line and cut with ``…`` so one value never breaks a listing apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pimdesk.words import count

__all__ = ["EMPTY", "count", "fit", "format_change", "format_value", "name_list", "scoped_field"]

EMPTY = "(empty)"


def scoped_field(field: str, locale: str | None = None, channel: str | None = None) -> str:
    """``name-en_US``, ``description-en_US-shopify``: the form ``products set`` accepts."""
    return "-".join(x for x in (field, locale, channel) if x)


def format_value(value: Any, limit: int | None = 80) -> str:
    """One value on one line for people; ``limit`` characters at most (None: no cut)."""
    text = _text(value)
    text = " ".join(text.split()) if text != EMPTY else text
    if not text:
        text = EMPTY
    return fit(text, limit)


def fit(text: str, limit: int | None) -> str:
    """``text`` in ``limit`` characters at most, ending in ``…`` where it was cut."""
    if limit is not None and len(text) > limit:
        return text[: max(0, limit - 1)].rstrip() + "…"
    return text


def format_change(old: Any, new: Any, limit: int | None = 80) -> str:
    return f"{format_value(old, limit)} -> {format_value(new, limit)}"


def _text(value: Any) -> str:
    if value is None:
        return EMPTY
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        return _mapping(value)
    if isinstance(value, list | tuple | set | frozenset):
        parts = [_text(v) for v in value]
        parts = [p for p in parts if p != EMPTY]
        return ", ".join(parts) if parts else EMPTY
    return str(value)


def _mapping(value: dict[str, Any]) -> str:
    if "amount" in value and ("currency" in value or "unit" in value):
        amount = value.get("amount")
        unit = value.get("currency") or value.get("unit") or ""
        return f"{'' if amount is None else amount} {unit}".strip() or EMPTY
    if not value:
        return EMPTY
    return ", ".join(f"{k}: {_text(v)}" for k, v in value.items())


def name_list(names: Sequence[str], limit: int = 10) -> str:
    """``A, B, C`` and, past ``limit`` names, `` (+N more)``: SKUs on one line."""
    more = f" (+{len(names) - limit} more)" if len(names) > limit else ""
    return ", ".join(names[:limit]) + more


# ingest outcomes that are nouns (the others read as adjectives: "3 identical")
_OUTCOME_NOUNS = {
    "new_asset": ("new asset", "new assets"),
    "new_version": ("new version", "new versions"),
    "problem": ("problem", "problems"),
}


def outcome_counts(summary: dict[str, int]) -> str:
    """``1 new asset, 2 unmatched, 3 problems`` from an ingest summary (zeros left out)."""
    parts = []
    for kind, n in summary.items():
        if n:
            one, many = _OUTCOME_NOUNS.get(kind, (kind.replace("_", " "),) * 2)
            parts.append(count(n, one, many))
    return ", ".join(parts)
