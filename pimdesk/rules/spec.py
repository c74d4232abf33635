"""A rule as stored (name, pattern, kind, options) and how a list of them becomes a RuleSet."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pimdesk.rules.compile import CompiledRule, compile_rule
from pimdesk.rules.options import SET_DEFAULTS, RuleError, RuleOptions, merge, parse_options
from pimdesk.rules.ruleset import RuleSet

KINDS = ("template", "regex")
MAX_NAME_LENGTH = 100


@dataclass(frozen=True)
class RuleSpec:
    """One rule as the user wrote it."""

    name: str
    pattern: str
    kind: str = "template"
    options: Mapping[str, Any] = field(default_factory=dict)


def compile_spec(spec: RuleSpec, set_options: RuleOptions = SET_DEFAULTS) -> CompiledRule:
    """Check and compile one rule; every mistake is a :class:`RuleError` naming the rule."""
    name = spec.name.strip() if isinstance(spec.name, str) else ""
    if not name or len(name) > MAX_NAME_LENGTH or any(not c.isprintable() for c in name):
        raise RuleError(
            f"rule name {spec.name!r} is not usable",
            hint=f"a name of 1 to {MAX_NAME_LENGTH} printable characters",
        )
    if spec.kind not in KINDS:
        raise RuleError(
            f"unknown rule kind {spec.kind!r}", where=f"rule {name!r}", hint="template or regex"
        )
    options = parse_options(spec.options, where=f"rule {name!r}")
    return compile_rule(name, spec.pattern, spec.kind, merge(options, set_options))


def build_ruleset(
    specs: Iterable[RuleSpec], set_options: Mapping[str, Any] | RuleOptions | None = None
) -> RuleSet:
    """Compile rules in order into a :class:`RuleSet` (compiled once, used for many names)."""
    if isinstance(set_options, RuleOptions):
        options = set_options
    else:
        options = parse_options(set_options, where="rule set options")
    options = RuleOptions(
        case_insensitive=(
            options.case_insensitive
            if options.case_insensitive is not None
            else SET_DEFAULTS.case_insensitive
        ),
        role_aliases=options.role_aliases,
        strict=options.strict if options.strict is not None else False,
        unknown_sku=options.unknown_sku or SET_DEFAULTS.unknown_sku,
        default_role=options.default_role or SET_DEFAULTS.default_role,
    )
    seen: set[str] = set()
    compiled = []
    for spec in specs:
        if spec.name in seen:
            raise RuleError("two rules have this name", where=f"rule {spec.name!r}")
        seen.add(spec.name)
        compiled.append(compile_spec(spec, options))
    return RuleSet(compiled, options)
