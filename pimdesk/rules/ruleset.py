"""An ordered rule set: the first rule that places a file wins, and the result explains itself.

``RuleSet.match(relative_path, known_skus=...)`` returns a :class:`MatchResult` saying which
rule matched, the fields it extracted, what the ingest should do (link / create / inbox /
problem) and, for every rule tried before it, why that rule did not place the file.

Given the known SKUs, a rule whose match names an unknown SKU does not end the search at
once: a later rule that names a known product wins (``AB_12.jpg`` is the product ``AB_12``
rather than position 12 of ``AB``); if none does, the first match stands and the unknown SKU
goes to the inbox (or becomes a draft product, as the rule says). Explanations are worked out
only when asked for, so matching 100,000 names stays cheap.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pimdesk.rules.camera import is_camera_name
from pimdesk.rules.compile import CompiledRule
from pimdesk.rules.options import SET_DEFAULTS, RuleOptions
from pimdesk.rules.roles import AMAZON_CODES

MAX_SKU_LENGTH = 255


def check_sku(sku: str) -> str | None:
    """Why an extracted SKU may not be used (it is untrusted input), or None if it is fine."""
    if not sku or not sku.strip():
        return "the SKU is empty"
    if len(sku) > MAX_SKU_LENGTH:
        return f"the SKU is longer than {MAX_SKU_LENGTH} characters"
    if ".." in sku:
        return "the SKU contains '..'"
    if "/" in sku or "\\" in sku:
        return "the SKU contains a path separator"
    if not sku.isprintable():  # control, format (bidi overrides), line separators, ...
        return "the SKU contains a control character (or an invisible format character)"
    if sku != sku.strip():
        return "the SKU starts or ends with a space"
    return None


def _plainly_safe(sku: str) -> bool:
    """A quick yes for the usual SKU (:func:`check_sku` gives the reason otherwise)."""
    return (
        0 < len(sku) <= MAX_SKU_LENGTH
        and sku.isprintable()
        and ".." not in sku
        and "/" not in sku
        and "\\" not in sku
        and sku[0] != " "
        and sku[-1] != " "
    )


class SkuIndex:
    """Known SKUs for lookups: exact, and case-insensitive (casefolded -> the stored SKU).

    Names from macOS arrive decomposed (NFD) while typed SKUs are usually composed (NFC):
    both sides are compared in NFC, and the stored spelling is what a match returns.
    """

    def __init__(self, skus: Iterable[str]):
        self.exact: dict[str, str] = {}
        self.folded: dict[str, str] = {}
        for sku in sorted(skus):
            composed = unicodedata.normalize("NFC", sku)
            self.exact.setdefault(composed, sku)
            self.folded.setdefault(composed.casefold(), sku)

    def lookup(self, sku: str, case_insensitive: bool) -> str | None:
        found = self.exact.get(sku)
        if found is not None:
            return found
        composed = sku if sku.isascii() else unicodedata.normalize("NFC", sku)
        found = self.exact.get(composed) if composed is not sku else None
        if found is None and case_insensitive:
            found = self.folded.get(composed.casefold())
        return found


@dataclass(frozen=True, slots=True)
class _Plan:
    """Where each field sits in ``match.group(*names)`` for one rule (-1: not there)."""

    names: tuple[str, ...]
    targets: tuple[str, ...]
    sku_group: str
    sku: int
    role: int
    role_code: int
    position: int
    locale: int
    ext: int
    ignored: tuple[int, ...]


_NO_PLAN = _Plan((), (), "", -1, -1, -1, -1, -1, -1, ())


def _plan(rule: CompiledRule, prefix: str = "") -> _Plan:
    names = tuple(prefix + group for group in rule.fields)
    targets = tuple(rule.fields.values())

    def at(target: str) -> int:
        return targets.index(target) if target in targets else -1

    return _Plan(
        names=names,
        targets=targets,
        sku_group=prefix + rule.sku_group,
        sku=at("sku"),
        role=at("role"),
        role_code=at("role_code"),
        position=at("position"),
        locale=at("locale"),
        ext=at("ext"),
        ignored=tuple(i for i, t in enumerate(targets) if t == "ignore"),
    )


@dataclass(frozen=True)
class _Miss:
    reason: str
    rejected_sku: bool = False


@dataclass(frozen=True)
class Attempt:
    """A rule tried before the winning one, and why it did not place the file."""

    rule: str
    reason: str


@dataclass(slots=True)
class MatchResult:
    """What the rules say about one file.

    ``action``: ``link`` (to ``sku``; with no known SKUs given, the caller checks),
    ``create`` (a draft product for an unknown SKU, then link), ``inbox`` (wait in the
    Unmatched inbox with ``reason``) or ``problem`` (record a problem with ``reason``).

    ``position_from`` says where the position came from: ``name`` (a number the name gives
    as a position, a numbered role, an Amazon code), ``default`` (the name names the slot
    without a number: ``SKU.jpg``, ``SKU_back.jpg``: position 1), ``camera`` (the number is
    a camera's counter, ``SKU/IMG_4411.jpg``) or ``next`` (no number and the file name is
    free text, ``SKU/hero.jpg``). For ``camera`` and ``next`` the name gives no position
    (``position`` is None): the ingest places the file at the next free position of that
    product and role, so a SKU folder's photos come out as 1, 2, 3.
    """

    path: str
    rule: str | None
    action: str
    reason: str
    sku: str | None = None
    role: str | None = None
    position: int | None = None
    locale: str | None = None
    ext: str | None = None
    sku_known: bool | None = None
    position_from: str = "default"
    # the groups as extracted: (their fields, their values), turned into dicts on demand
    _raw: tuple[tuple[str, ...], tuple[str | None, ...]] = field(default=((), ()), repr=False)
    _winner: int | None = field(default=None, repr=False)
    _upto: int | None = field(default=None, repr=False)  # rules tried: up to the winner
    _notes: dict[int, str] = field(default_factory=dict, repr=False)
    _rules: tuple[CompiledRule, ...] = field(default=(), repr=False)

    @property
    def matched(self) -> bool:
        return self.rule is not None

    @property
    def fields(self) -> dict[str, str]:
        """The extracted fields by name (sku, role, position, locale, ext), raw."""
        targets, values = self._raw
        return {t: v for t, v in zip(targets, values, strict=True) if t != "ignore" and v}

    @property
    def ignored(self) -> list[str]:
        """The text of the ignored parts ({ignore}, {any}, unknown regex groups)."""
        targets, values = self._raw
        return [v for t, v in zip(targets, values, strict=True) if t == "ignore" and v is not None]

    @property
    def unknown_sku(self) -> str:
        """What to do with an unknown SKU: ``create`` a draft product or wait in the ``inbox``."""
        return "create" if self.action == "create" else "inbox"

    @property
    def strict(self) -> bool:
        """True when the outcome is a problem rather than an inbox item."""
        return self.action == "problem"

    @property
    def explanation(self) -> str:
        """One line: the rule and the fields, or why nothing placed the file."""
        if not self.matched:
            return self.reason
        locale = f" locale={self.locale}" if self.locale else ""
        return (
            f"rule {self.rule!r}: sku={self.sku!r} role={self.role} "
            f"position={self.position_text}{locale}"
        )

    @property
    def position_text(self) -> str:
        """The position for people: ``2``, or ``next free`` and why when the name gives none."""
        if self.position_from == "camera":
            number = self.fields.get("position", "")
            return f"next free ({number} is the camera's counter, not a position)"
        if self.position_from == "next":
            return "next free (the file name gives no position)"
        return "" if self.position is None else str(self.position)

    @property
    def tried(self) -> list[Attempt]:
        """Rules tried before the outcome, each with why it did not place the file."""
        upto = self._upto if self._upto is not None else (self._winner or 0)
        return [
            Attempt(rule.name, self._notes.get(number) or explain_miss(rule, self.path))
            for number, rule in enumerate(self._rules[:upto])
            if number != self._winner
        ]

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.path,
            "matched": self.matched,
            "rule": self.rule,
            "action": self.action,
            "reason": self.reason,
            "sku": self.sku,
            "sku_known": self.sku_known,
            "role": self.role,
            "position": self.position,
            "position_from": self.position_from,
            "locale": self.locale,
            "ext": self.ext,
            "fields": dict(self.fields),
            "ignored": list(self.ignored),
            "tried": [{"rule": a.rule, "reason": a.reason} for a in self.tried],
        }


def normalise_path(relative_path: str) -> str:
    """Drop a leading ``./`` or ``/``. Callers pass POSIX-style relative paths
    (``PurePath.as_posix()``); a backslash stays part of a name, so it can never smuggle a
    path separator into a SKU unnoticed (the SKU check rejects it)."""
    path = relative_path
    while path.startswith("./"):
        path = path[2:]
    return path.lstrip("/")


def _subject(rule: CompiledRule, path: str) -> str | None:
    """The part of the path a rule looks at: the name, the last N parts, or all of it."""
    if rule.components is None:
        return path
    if rule.components == 1:
        return path.rpartition("/")[2]
    parts = path.split("/")
    if len(parts) < rule.components:
        return None
    return "/".join(parts[-rule.components :])


def explain_miss(rule: CompiledRule, path: str) -> str:
    """Why ``rule`` does not match ``path``, in words (worked out on demand)."""
    subject = _subject(rule, path)
    if subject is None:
        return f"needs {rule.components - 1} folder(s) above the file name"  # type: ignore[operator]
    if rule.kind == "regex":
        return f"the regular expression does not match {subject!r}"
    # The longest run of pieces that fits the start of the name. Fitting is monotone (if k
    # pieces fit, so do k - 1), so a binary search needs a few regex calls, not one per piece.
    low, high = -1, len(rule.prefixes) - 1
    while low < high:
        middle = (low + high + 1) // 2
        if rule.prefixes[middle].match(subject):
            low = middle
        else:
            high = middle - 1
    fitted = low
    if fitted == len(rule.pieces) - 1:
        longest = rule.prefixes[-1].match(subject)
        extra = subject[longest.end() :] if longest else subject
        if rule.pieces[-1].text == "ext" and "." in extra:
            return f"the extension does not fit (text left over: {extra!r})"
        return f"text left over after the pattern: {extra!r}"
    if fitted < 0:
        return f"{subject!r} does not start with {rule.misses[0]}"
    return rule.misses[fitted + 1]


class RuleSet:
    """Compiled rules in order plus the set's options; built once, used for many names."""

    def __init__(self, rules: Iterable[CompiledRule], options: RuleOptions = SET_DEFAULTS):
        self.rules: tuple[CompiledRule, ...] = tuple(rules)
        self.options = options
        self.strict = bool(options.strict)
        self._index_source: object = None
        self._index: SkuIndex | None = None
        self._combined = [_combine(self.rules, start) for start in range(len(self.rules))]
        separate = [n for n, rule in enumerate(self.rules) if not _combinable(rule)]
        self._separate_from = [
            tuple(n for n in separate if n >= start) for start in range(len(self.rules))
        ]
        # Group names inside the combined regexes: "r<number>_<group>".
        self._prefixed = {n: _plan(rule, f"r{n}_") for n, rule in enumerate(self.rules)}
        self._plain = {n: _plan(rule) for n, rule in enumerate(self.rules)}

    def __len__(self) -> int:
        return len(self.rules)

    def _sku_index(self, known_skus: Iterable[str] | SkuIndex | None) -> SkuIndex | None:
        if known_skus is None or isinstance(known_skus, SkuIndex):
            return known_skus
        if known_skus is not self._index_source:  # built once per collection, not per name
            self._index_source = known_skus
            self._index = SkuIndex(known_skus)
        return self._index

    def match_many(
        self, paths: Iterable[str], known_skus: Iterable[str] | SkuIndex | None = None
    ) -> list[MatchResult]:
        index = self._sku_index(known_skus)
        place = self._match
        return [place(normalise_path(path) if path[:1] in "./" else path, index) for path in paths]

    def match(
        self, relative_path: str, known_skus: Iterable[str] | SkuIndex | None = None
    ) -> MatchResult:
        """Place one file given its path relative to the watched or ingested root."""
        path = normalise_path(relative_path) if relative_path[:1] in "./" else relative_path
        return self._match(path, self._sku_index(known_skus))

    def _match(self, path: str, index: SkuIndex | None) -> MatchResult:
        notes: dict[int, str] = {}  # rules whose pattern matched but which did not place it
        unknown: list[tuple[int, re.Match[str], _Plan]] = []  # matches naming an unknown SKU
        rejected: str | None = None
        count = len(self.rules)
        number, found, plan = self._next_candidate(path, 0)
        while found is not None:
            rule = self.rules[number]
            canonical = None
            if index is not None:
                known = self._known_match(number, found, plan, index)
                if known is None:
                    # Keep looking: a later rule may name a known product.
                    sku = found.group(plan.sku_group)
                    notes[number] = f"matched, but SKU {sku!r} is not a known product"
                    unknown.append((number, found, plan))
                    number, found, plan = self._next_candidate(path, number + 1)
                    continue
                found, plan, canonical = known
            result, miss = self._place(rule, found, plan, path, index, canonical)
            if result is not None:
                if unknown:
                    first = self.rules[unknown[0][0]].name
                    result.reason = f"rule {rule.name!r} matched ({first!r} named an unknown SKU)"
                result._winner, result._notes, result._rules = number, notes, self.rules
                return result
            assert miss is not None
            notes[number] = miss.reason
            if miss.rejected_sku and rejected is None:
                rejected = miss.reason
            number, found, plan = self._next_candidate(path, number + 1)
        for number, found, plan in unknown:  # no rule named a known product: first one stands
            result, miss = self._place(self.rules[number], found, plan, path, index, None)
            if result is not None:
                del notes[number]
                # Every other rule was tried too: show them all.
                result._winner, result._notes, result._rules = number, notes, self.rules
                result._upto = count
                return result
            assert miss is not None
            notes[number] = miss.reason
            if miss.rejected_sku and rejected is None:
                rejected = miss.reason
        action, reason = ("problem" if self.strict else "inbox"), "no filename rule matched"
        if rejected is not None:
            action, reason = "problem", rejected
        return MatchResult(path, None, action, reason, _notes=notes, _rules=self.rules, _upto=count)

    def _known_match(
        self, number: int, found: re.Match[str], plan: _Plan, index: SkuIndex
    ) -> tuple[re.Match[str], _Plan, str] | None:
        """The match naming a known SKU (and that SKU as stored): the greedy split, or else
        the SKU taking as little as possible (``{sku}_{ignore}``); None when neither does."""
        sku = found.group(plan.sku_group)
        canonical = index.exact.get(sku)  # the common case, without a call
        if canonical is not None:
            return found, plan, canonical
        rule = self.rules[number]
        case_insensitive = rule.options.case_insensitive
        canonical = index.lookup(sku, case_insensitive)
        if canonical is not None:
            return found, plan, canonical
        if rule.lazy_regex is None:
            return None
        lazy = rule.lazy_regex.fullmatch(found.string)
        if lazy is not None:
            canonical = index.lookup(lazy.group("sku"), case_insensitive)
            if canonical is not None:
                return lazy, self._plain[number], canonical
        return None

    def _next_candidate(self, path: str, start: int) -> tuple[int, re.Match[str] | None, _Plan]:
        """The first rule from ``start`` on whose pattern matches ``path`` and its match: one
        combined regex per scope finds it, instead of one regex call per rule."""
        count = len(self.rules)
        best, hit, plan = count, None, _NO_PLAN
        if start >= count:
            return best, hit, plan
        depth = 0
        for first, components, combined, numbers in self._combined[start]:
            if first >= best:
                break  # groups are in the order of their first rule: none can come earlier
            if components == 1:
                subject = path.rpartition("/")[2]
            else:
                depth = depth or path.count("/") + 1
                if components > depth:
                    continue
                subject = "/".join(path.split("/")[-components:])
            found = combined.fullmatch(subject)
            if found is not None:
                number = numbers[found.lastgroup]  # type: ignore[index]
                if number < best:
                    best, hit, plan = number, found, self._prefixed[number]
        for number in self._separate_from[start]:
            if number >= best:
                break
            rule = self.rules[number]
            subject = _subject(rule, path)
            if subject is not None:
                found = rule.regex.search(subject)
                if found is not None:
                    return number, found, self._plain[number]
        return best, hit, plan

    def _place(
        self,
        rule: CompiledRule,
        found: re.Match[str],
        plan: _Plan,
        path: str,
        index: SkuIndex | None,
        canonical: str | None,
    ) -> tuple[MatchResult | None, _Miss | None]:
        """Turn a regex match into a result, or say why this match cannot be used."""
        got = found.group(*plan.names) if len(plan.names) > 1 else (found.group(plan.names[0]),)
        raw_sku = got[plan.sku] or ""
        if not _plainly_safe(raw_sku):
            problem = check_sku(raw_sku)
            if problem is not None:
                return None, _Miss(f"SKU {raw_sku!r} rejected: {problem}", rejected_sku=True)
        options = rule.options
        role = options.default_role
        position: int | None = None
        position_from = "default"
        code = got[plan.role_code] if plan.role_code >= 0 else None
        if code is not None:
            role, position = AMAZON_CODES[code.upper()]
            position_from = "name"
        spelled = got[plan.role] if plan.role >= 0 else None
        if spelled is not None:
            mapped = rule.roles.get(spelled.lower())
            if mapped is None:
                return None, _Miss(f"{spelled!r} is not a known role or alias")
            role = mapped
            if spelled.isdigit():
                position, position_from = int(spelled), "name"
        number = got[plan.position] if plan.position >= 0 else None
        if number is not None:
            if not number.isdigit():
                return None, _Miss(f"position {number!r} is not a number")
            # Positions start at 1; a shop numbering from 0 means its first image: the same
            # slot as SKU_main.jpg (which has no number), not a slot of its own before it.
            position, position_from = max(1, int(number)), "name"
            # IMG_4411: the camera's counter, not a position (the length test keeps the
            # regex away from the common SKU_2.jpg)
            if len(number) >= 4 and is_camera_name(path.rpartition("/")[2]):
                position, position_from = None, "camera"
        elif code is None and spelled is None and any(got[i] for i in plan.ignored):
            position_from = "next"  # SKU/hero.jpg: free text names no slot
        locale = got[plan.locale] if plan.locale >= 0 else None
        if locale is not None:
            locale = _normalise_locale(locale)
        ext = got[plan.ext] if plan.ext >= 0 else None
        sku = raw_sku
        known: bool | None = None
        if index is not None:
            if canonical is None:
                canonical = index.lookup(raw_sku, options.case_insensitive)
            known = canonical is not None
            if canonical is not None:
                sku = canonical
        if known is False:
            if options.unknown_sku == "create":
                action, reason = "create", f"SKU {sku!r} is new: a draft product will be created"
            elif options.strict:
                action, reason = "problem", f"SKU {sku!r} is not a known product (strict rule)"
            else:
                action, reason = "inbox", f"SKU {sku!r} is not a known product"
        else:
            action, reason = "link", rule.matched_reason
        return (
            MatchResult(
                path,
                rule.name,
                action,
                reason,
                sku,
                role,
                position if position is not None or position_from != "default" else 1,
                locale,
                ext.lower() if ext else _extension(path),
                known,
                position_from,
                _raw=(plan.targets, got),
            ),
            None,
        )


def _normalise_locale(locale: str) -> str:
    language, _, region = locale.replace("-", "_").partition("_")
    return f"{language.lower()}_{region.upper()}" if region else language.lower()


def _extension(path: str) -> str | None:
    name = path.rpartition("/")[2]
    return name.rpartition(".")[2].lower() if "." in name else None


_GROUP = re.compile(r"\(\?P<(\w+)>")


def _combinable(rule: CompiledRule) -> bool:
    # Regular expressions written by users stay separate (their group numbers and flags).
    return rule.kind == "template" and rule.components is not None


def _combine(
    rules: tuple[CompiledRule, ...], start: int
) -> list[tuple[int, int, re.Pattern[str], dict[str, int]]]:
    """One alternation per scope of the template rules from ``start`` on, in rule order:
    its first alternative that matches is the first rule that matches. Returned as
    (first rule number, scope, regex, group name -> rule number), by first rule number."""
    by_scope: dict[int, list[int]] = {}
    for number in range(start, len(rules)):
        rule = rules[number]
        if _combinable(rule):
            by_scope.setdefault(rule.components, []).append(number)  # type: ignore[arg-type]
    combined = []
    for components, numbers in by_scope.items():
        parts = []
        for number in numbers:
            body = _GROUP.sub(
                lambda m, n=number: f"(?P<r{n}_{m.group(1)}>", rules[number].regex.pattern
            )
            parts.append(f"(?P<r{number}>{body})")
        lookup = {f"r{number}": number for number in numbers}
        combined.append((numbers[0], components, re.compile("|".join(parts)), lookup))
    return sorted(combined, key=lambda group: group[0])
