"""The bridge from a file's relative path to (SKU, role, position): the filename rules.

The rules themselves live in ``pimdesk.rules`` (pure) and are loaded by
``pimdesk.services.rules.load_ruleset``. This module adapts whatever match result they
return to one small :class:`FileMatch` the ingest writer understands, and carries a
built-in fallback (``{sku}_{role}_{position}.{ext}``, ``{sku}_{role}.{ext}``, ``{sku}.{ext}``)
for libraries or builds without the rules area.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

UNSAFE_SKU = re.compile(r"(\.\.|[/\\\x00])")


@dataclass(frozen=True)
class FileMatch:
    """A matched file (``sku`` set) or an unmatched one (``reason`` says why)."""

    sku: str | None
    role: str = "main"
    position: int = 1
    locale: str | None = None
    rule: str | None = None
    explanation: str = ""
    reason: str | None = None  # why it did not match
    unknown_sku: str = "inbox"  # inbox | create (draft product)
    strict: bool = False  # unmatched -> problem instead of inbox
    # where the position came from (MatchResult.position_from): "camera" (IMG_4411) and
    # "next" (SKU/hero.jpg) give none: the writer takes the next free one for the role
    position_from: str = "default"

    @property
    def matched(self) -> bool:
        return self.sku is not None

    @property
    def next_free(self) -> bool:
        """The name gives no position: the file goes to the next free one of its role."""
        return self.position_from in ("camera", "next")


def normalise_name(relative_path: str) -> str:
    """NFC and forward slashes, so NFD names from macOS match NFC SKUs."""
    return unicodedata.normalize("NFC", relative_path.replace("\\", "/"))


def unsafe_sku_reason(sku: str) -> str | None:
    """SKUs end up in file names and URLs: refuse ``..`` and path separators."""
    if UNSAFE_SKU.search(sku):
        return f"the SKU field {sku!r} contains '..' or a path separator; it was not used"
    if not sku.strip():
        return "the SKU field is empty"
    return None


# -- the built-in fallback ----------------------------------------------------------------

ROLE_ALIASES = {
    "f": "front",
    "b": "back",
    "s": "side",
    "d": "detail",
    "l": "lifestyle",
    "sw": "swatch",
    "m": "main",
}
KNOWN_ROLES = {"main", "front", "back", "side", "detail", "lifestyle", "swatch", "manual", "video"}

FALLBACK_PATTERNS = [
    ("sku_role_position", re.compile(r"^(?P<sku>.+)_(?P<role>[A-Za-z]+)_(?P<position>\d+)$")),
    ("sku_role", re.compile(r"^(?P<sku>.+)_(?P<role>[A-Za-z]+)$")),
    ("sku", re.compile(r"^(?P<sku>[^_]+)$")),
]


def fallback_match(relative_path: str, known_skus: Collection[str]) -> FileMatch:
    """``{sku}_{role}_{position}.{ext}`` and its shorter forms, SKUs compared ignoring case."""
    name = normalise_name(relative_path).rsplit("/", 1)[-1]
    stem = name.rsplit(".", 1)[0] if "." in name else name
    lookup = {s.casefold(): s for s in known_skus}
    tried = []
    for rule, pattern in FALLBACK_PATTERNS:
        found = pattern.match(stem)
        if not found:
            tried.append(f"{rule}: pattern does not fit")
            continue
        fields = found.groupdict()
        role = (fields.get("role") or "main").lower()
        role = ROLE_ALIASES.get(role, role)
        if fields.get("role") and role not in KNOWN_ROLES:
            tried.append(f"{rule}: {fields['role']!r} is not a role")
            continue
        sku = fields["sku"]
        sku = lookup.get(sku.casefold(), sku)
        position = int(fields.get("position") or 1)
        return FileMatch(
            sku=sku,
            role=role,
            position=position,
            position_from="name" if fields.get("position") else "default",
            rule=rule,
            explanation=f"rule {rule}: sku={sku!r} role={role!r} position={position}",
        )
    return FileMatch(sku=None, reason="no filename rule matched (" + "; ".join(tried) + ")")


# -- adapting the rules area's result -----------------------------------------------------


def _get(result: Any, *names: str, default: Any = None) -> Any:
    for name in names:
        if isinstance(result, dict) and name in result:
            return result[name]
        if hasattr(result, name):
            return getattr(result, name)
    return default


def adapt(result: Any) -> FileMatch:
    """Turn the rules area's match result (object or dict) into a :class:`FileMatch`."""
    if isinstance(result, FileMatch):
        return result
    sku = _get(result, "sku")
    matched = _get(result, "matched", default=sku is not None)
    if _get(result, "action", default=None) == "problem":  # strict rule or a rejected SKU
        reason = _get(result, "reason", default=None) or "the filename rules refuse this file"
        return FileMatch(sku=None, reason=str(reason), strict=True)
    options = _get(result, "options", default={}) or {}
    unknown = _get(result, "unknown_sku", "on_unknown_sku", default=None) or options.get(
        "unknown_sku", "inbox"
    )
    strict = bool(_get(result, "strict", default=None) or options.get("strict", False))
    explanation = _get(result, "explanation", "explain", default="")
    if callable(explanation):
        explanation = explanation()
    if not matched or not sku:
        reason = _get(result, "reason", default=None) or str(explanation) or "no rule matched"
        return FileMatch(sku=None, reason=str(reason), strict=strict, explanation=str(explanation))
    role = _get(result, "role", default=None) or "main"
    position = _get(result, "position", default=None)
    try:
        position = int(position) if position not in (None, "") else 1
    except (TypeError, ValueError):
        position = 1
    rule = _get(result, "rule", "rule_name", default=None)
    if rule is not None and not isinstance(rule, str):
        rule = _get(rule, "name", default=str(rule))
    return FileMatch(
        sku=str(sku),
        role=str(role).lower(),
        position=position,
        locale=_get(result, "locale", default=None),
        rule=rule,
        explanation=str(explanation),
        unknown_sku="create" if str(unknown).startswith(("create", "draft")) else "inbox",
        strict=strict,
        position_from=str(_get(result, "position_from", default=None) or "default"),
    )


Matcher = Callable[[str, Collection[str]], FileMatch]


def load_matcher(session: Session) -> Matcher:
    """The library's rules when the rules area provides them, else the built-in fallback."""
    try:
        from pimdesk.services import rules as rules_service  # type: ignore[attr-defined]

        load_ruleset = rules_service.load_ruleset
    except (ImportError, AttributeError):
        return fallback_match
    ruleset = load_ruleset(session)

    def match(relative_path: str, known_skus: Collection[str]) -> FileMatch:
        return adapt(ruleset.match(normalise_name(relative_path), known_skus))

    return match
