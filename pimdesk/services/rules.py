"""Filename rules in the catalog: list, add, remove, move, load as a RuleSet, test names.

Rules are checked and compiled when they are saved, so a bad regular expression is an error
naming the rule and the position at ``rules add`` time, never a surprise during ingest.

Defaults: a new library is seeded with :data:`pimdesk.rules.DEFAULT_RULES` (a seeder in
``catalog.seed.SEEDERS``). A library created before rules existed is seeded the first time
its rules are read (:func:`ensure_rules`, at load time): the ``filename_rules`` setting
remembers that seeding happened, so a user who removes every rule is not given them back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pimdesk.assets import settings
from pimdesk.catalog.models import FilenameRule, Product, ProductModel, Setting
from pimdesk.errors import NotFoundError
from pimdesk.events import Change
from pimdesk.rules import (
    DEFAULT_RULES,
    MatchResult,
    RuleError,
    RuleSet,
    RuleSpec,
    build_ruleset,
    compile_spec,
)
from pimdesk.rules.camera import camera_name_hint
from pimdesk.rules.options import parse_options

if TYPE_CHECKING:
    from pimdesk.library import Library

SETTING_KEY = "filename_rules"  # {"seeded": true, "options": {...rule set options...}}


@dataclass(frozen=True)
class RuleInfo:
    """One stored rule, as the CLI and GUI show it (position counts from 1)."""

    position: int
    name: str
    pattern: str
    kind: str
    options: dict[str, Any]
    enabled: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "position": self.position,
            "name": self.name,
            "pattern": self.pattern,
            "kind": self.kind,
            "options": dict(self.options),
            "enabled": self.enabled,
        }


# -- seeding ---------------------------------------------------------------------------------


def _setting(session: Session) -> dict[str, Any]:
    row = session.get(Setting, SETTING_KEY)
    return dict(row.value) if row is not None and isinstance(row.value, dict) else {}


def _store_setting(session: Session, value: dict[str, Any]) -> None:
    settings.put(session, SETTING_KEY, value)


def seed_rules(session: Session) -> None:
    """Seeder for a new library: the default rule set (see ``catalog.seed.SEEDERS``)."""
    if session.scalar(select(func.count()).select_from(FilenameRule)) == 0:
        for position, spec in enumerate(DEFAULT_RULES, start=1):
            session.add(
                FilenameRule(
                    position=position,
                    name=spec.name,
                    pattern=spec.pattern,
                    kind=spec.kind,
                    options=dict(spec.options),
                    enabled=True,
                )
            )
    _store_setting(session, {**_setting(session), "seeded": True})
    session.flush()


def ensure_rules(session: Session) -> None:
    """Seed the defaults into a library upgraded from before rules existed (once)."""
    if not _setting(session).get("seeded"):
        seed_rules(session)


# -- reading ---------------------------------------------------------------------------------


def _rows(session: Session) -> list[FilenameRule]:
    return list(session.scalars(select(FilenameRule).order_by(FilenameRule.position)))


def _info(row: FilenameRule, position: int) -> RuleInfo:
    return RuleInfo(position, row.name, row.pattern, row.kind, dict(row.options), row.enabled)


def list_rules(library: Library) -> list[RuleInfo]:
    with library.session() as session:
        ensure_rules(session)
        return [_info(row, n) for n, row in enumerate(_rows(session), start=1)]


def ruleset_options(session: Session) -> dict[str, Any]:
    return dict(_setting(session).get("options") or {})


def get_options(library: Library) -> dict[str, Any]:
    """The rule set's own options (what every rule inherits unless it says otherwise)."""
    with library.session() as session:
        return ruleset_options(session)


def set_options(library: Library, changes: Mapping[str, Any]) -> dict[str, Any]:
    """Change the rule set's options (``strict``, ``case_insensitive``, ``unknown_sku``,
    ``default_role``, ``role_aliases``); a value of None removes the option. Checked first:
    the rules must still compile with them."""
    with library.session() as session:
        ensure_rules(session)
        merged = {**ruleset_options(session), **changes}
        merged = {k: v for k, v in merged.items() if v is not None}
        parsed = parse_options(merged, where="rule set options")
        if parsed.scope is not None:
            raise RuleError("'scope' is an option of a single rule", where="rule set options")
        stored = parsed.to_json()
        load = [RuleSpec(r.name, r.pattern, r.kind, dict(r.options)) for r in _rows(session)]
        build_ruleset(load, stored)  # every rule must still compile (role aliases, ...)
        _store_setting(session, {**_setting(session), "options": stored})
    library.emit(Change("rules", detail="rule set options"))
    return stored


def load_ruleset(session: Session) -> RuleSet:
    """The library's enabled rules, compiled once, in order, with the set's options."""
    ensure_rules(session)
    specs = [
        RuleSpec(row.name, row.pattern, row.kind, dict(row.options))
        for row in _rows(session)
        if row.enabled
    ]
    return build_ruleset(specs, ruleset_options(session))


def known_skus(session: Session) -> set[str]:
    """Every SKU and product-model code: what a file name may name."""
    skus = set(session.scalars(select(Product.sku)))
    skus.update(session.scalars(select(ProductModel.code)))
    return skus


def test_names(
    library: Library,
    names: Iterable[str],
    *,
    draft: RuleSpec | None = None,
    draft_position: int | None = None,
) -> list[MatchResult]:
    """What the rules would do with each name, against the library's products; no ingest.

    ``draft`` is a rule not saved yet, tried at ``draft_position`` (from 1; default last)
    among the saved ones: the GUI's live tester shows its effect before the user saves it.
    A bad draft raises :class:`RuleError` naming where in the pattern the mistake is.
    """
    with library.session() as session:
        if draft is None:
            ruleset = load_ruleset(session)
        else:
            ensure_rules(session)
            specs = [
                RuleSpec(row.name, row.pattern, row.kind, dict(row.options))
                for row in _rows(session)
                if row.enabled and row.name != draft.name
            ]
            at = len(specs) if draft_position is None else max(0, draft_position - 1)
            specs.insert(min(at, len(specs)), draft)
            ruleset = build_ruleset(specs, ruleset_options(session))
        skus = known_skus(session)
    results = ruleset.match_many(names, skus)
    for result in results:
        if result.action == "inbox":  # what the ingest will say about such a file
            result.reason = camera_name_hint(result.path, result.reason)
    return results


# -- editing ---------------------------------------------------------------------------------


def _renumber(rows: list[FilenameRule]) -> None:
    for number, row in enumerate(rows, start=1):
        row.position = number


def _find(rows: list[FilenameRule], name: str) -> FilenameRule:
    for row in rows:
        if row.name == name:
            return row
    raise NotFoundError(
        "no such filename rule", where=f"rule {name!r}", hint="see 'pimdesk rules list'"
    )


def _check_position(position: int, size: int) -> int:
    if position < 1:
        raise RuleError(f"position {position} is not valid", hint="positions count from 1")
    return min(position, size)


def add_rule(
    library: Library,
    name: str,
    pattern: str,
    kind: str = "template",
    options: Mapping[str, Any] | None = None,
    position: int | None = None,
) -> RuleInfo:
    """Check, compile and store a rule (at ``position``, default last). A bad pattern raises
    :class:`RuleError` naming the rule and where in the pattern the mistake is."""
    spec = RuleSpec(name.strip(), pattern, kind, dict(options or {}))
    with library.session() as session:
        ensure_rules(session)
        compile_spec(spec, parse_options(ruleset_options(session), where="rule set options"))
        rows = _rows(session)
        if any(row.name == spec.name for row in rows):
            raise RuleError(
                "a rule with this name exists",
                where=f"rule {spec.name!r}",
                hint="remove it first or pick another name",
            )
        row = FilenameRule(
            position=0,
            name=spec.name,
            pattern=pattern,
            kind=kind,
            options=parse_options(spec.options, where=f"rule {spec.name!r}").to_json(),
            enabled=True,
        )
        index = len(rows) if position is None else _check_position(position, len(rows) + 1) - 1
        rows.insert(index, row)
        session.add(row)
        _renumber(rows)
        info = _info(row, index + 1)
    library.emit(Change("rules", detail=f"added rule {spec.name!r}"))
    return info


def remove_rule(library: Library, name: str) -> None:
    with library.session() as session:
        ensure_rules(session)
        rows = _rows(session)
        row = _find(rows, name)
        rows.remove(row)
        session.delete(row)
        session.flush()
        _renumber(rows)
    library.emit(Change("rules", detail=f"removed rule {name!r}"))


def move_rule(library: Library, name: str, position: int) -> RuleInfo:
    with library.session() as session:
        ensure_rules(session)
        rows = _rows(session)
        row = _find(rows, name)
        target = _check_position(position, len(rows))
        rows.remove(row)
        rows.insert(target - 1, row)
        _renumber(rows)
        info = _info(row, target)
    library.emit(Change("rules", detail=f"moved rule {name!r} to {target}"))
    return info
