"""Options of a rule set and of a single rule (a rule's own options override the set's).

Stored as plain JSON in the catalog (``FilenameRule.options`` and the ``filename_rules``
setting); :func:`parse_options` checks what comes from outside and names the bad key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pimdesk.errors import PimdeskError
from pimdesk.rules.roles import KNOWN_ROLES, ROLE_NAME

UNKNOWN_SKU_ACTIONS = ("inbox", "create")
SCOPES = ("name", "path")


class RuleError(PimdeskError):
    """A rule (pattern or options) that cannot be saved; names the rule and the position."""


@dataclass(frozen=True)
class RuleOptions:
    """What a rule does besides matching. ``None`` means "as the rule set says".

    - ``case_insensitive``: look the SKU up among known SKUs ignoring case.
    - ``role_aliases``: extra spellings -> role (``{"v": "video"}``).
    - ``strict``: a file that would wait in the Unmatched inbox is a problem instead: no
      rule matched it, or its rule named an unknown SKU. Set on the rule set it covers both
      (every rule inherits it); set on a rule it covers that rule's unknown SKUs (and
      ``strict: false`` on a rule makes that one lenient in a strict set). An unknown SKU
      with ``unknown_sku: create`` does not wait, so it becomes a draft product either way.
    - ``unknown_sku``: ``inbox`` (wait for the product) or ``create`` (a draft product).
    - ``default_role``: the role when the pattern has none (default ``main``).
    - ``scope``: for regular expressions, match the file ``name`` or the relative ``path``
      (default: ``path`` when the pattern mentions ``/``, else ``name``).
    """

    case_insensitive: bool | None = None
    role_aliases: Mapping[str, str] = field(default_factory=dict)
    strict: bool | None = None
    unknown_sku: str | None = None
    default_role: str | None = None
    scope: str | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for key in ("case_insensitive", "strict", "unknown_sku", "default_role", "scope"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        if self.role_aliases:
            data["role_aliases"] = dict(self.role_aliases)
        return data


@dataclass(frozen=True)
class Effective:
    """Options after merging a rule's own over its set's defaults."""

    case_insensitive: bool
    role_aliases: Mapping[str, str]
    strict: bool
    unknown_sku: str
    default_role: str
    scope: str | None


SET_DEFAULTS = RuleOptions(
    case_insensitive=True, strict=False, unknown_sku="inbox", default_role="main"
)


def merge(rule: RuleOptions, rule_set: RuleOptions = SET_DEFAULTS) -> Effective:
    def pick(key: str) -> Any:
        own = getattr(rule, key)
        if own is not None:
            return own
        inherited = getattr(rule_set, key)
        return inherited if inherited is not None else getattr(SET_DEFAULTS, key)

    return Effective(
        case_insensitive=bool(pick("case_insensitive")),
        role_aliases={**rule_set.role_aliases, **rule.role_aliases},
        strict=bool(pick("strict")),
        unknown_sku=str(pick("unknown_sku")),
        default_role=str(pick("default_role")),
        scope=rule.scope,
    )


def parse_options(data: Mapping[str, Any] | None, *, where: str) -> RuleOptions:
    """Options from JSON, checked: unknown keys and bad values are errors naming the key."""
    data = dict(data or {})
    allowed = {"case_insensitive", "role_aliases", "strict", "unknown_sku", "default_role", "scope"}
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise RuleError(
            f"unknown option {unknown[0]!r}", where=where, hint=f"use {', '.join(sorted(allowed))}"
        )
    for key in ("case_insensitive", "strict"):
        if key in data and data[key] is not None and not isinstance(data[key], bool):
            raise RuleError(f"option {key!r} must be true or false", where=where)
    unknown_sku = data.get("unknown_sku")
    if unknown_sku is not None and unknown_sku not in UNKNOWN_SKU_ACTIONS:
        raise RuleError(
            f"option 'unknown_sku' must be one of {', '.join(UNKNOWN_SKU_ACTIONS)}",
            where=where,
        )
    scope = data.get("scope")
    if scope is not None and scope not in SCOPES:
        raise RuleError("option 'scope' must be 'name' or 'path'", where=where)
    aliases = data.get("role_aliases") or {}
    if not isinstance(aliases, Mapping):
        raise RuleError("option 'role_aliases' must map spellings to roles", where=where)
    clean: dict[str, str] = {}
    for spelling, role in aliases.items():
        if not isinstance(spelling, str) or not isinstance(role, str) or not spelling:
            raise RuleError("option 'role_aliases' must map spellings to roles", where=where)
        _check_role(role.lower(), where=where)
        clean[spelling.lower()] = role.lower()
    default_role = data.get("default_role")
    if default_role is not None:
        if not isinstance(default_role, str):
            raise RuleError("option 'default_role' must be a role name", where=where)
        default_role = default_role.lower()
        _check_role(default_role, where=where)
    return RuleOptions(
        case_insensitive=data.get("case_insensitive"),
        role_aliases=clean,
        strict=data.get("strict"),
        unknown_sku=unknown_sku,
        default_role=default_role,
        scope=scope,
    )


def _check_role(role: str, *, where: str) -> None:
    if not ROLE_NAME.fullmatch(role):
        raise RuleError(
            f"{role!r} is not a usable role name",
            where=where,
            hint=f"roles are short lower-case words such as {', '.join(KNOWN_ROLES[:5])}",
        )
