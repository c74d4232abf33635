"""Turn a saved rule (template or regular expression) into compiled matchers, once.

Templates are readable: ``{sku}_{role}_{position}.{ext}``. Each field has a constrained
pattern (a role is a known role or alias, a position is digits, an extension is short and
alphanumeric) and the SKU takes what is left, so ``{sku}_{role}`` splits ``AB_12_front.jpg``
into ``AB_12`` + ``front``. A template with ``/`` matches the last folders of the path
relative to the watched (or ingested) root: in ``{sku}/{any}.{ext}`` the folder is the SKU.

Regular expressions use named groups, Python's ``(?P<sku>...)`` or Akeneo's (PCRE) style
``/^(?<sku>.+)-(?<role>\\w+)\\..*$/i``, converted here. Every error is raised when the rule
is compiled (that is, when it is saved), naming the rule and the character position.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from pimdesk.rules.options import Effective, RuleError
from pimdesk.rules.roles import AMAZON_CODES, role_alternation, role_table

FIELDS = ("sku", "role", "position", "locale", "ext", "role_code", "any", "ignore")
REPEATABLE = {"any", "ignore"}

LOCALE_RE = r"[A-Za-z]{2,3}(?:[_-][A-Za-z]{2})?"
EXT_RE = r"[A-Za-z0-9]{1,10}"
POSITION_RE = r"\d{1,6}"
AMAZON_RE = "|".join(sorted(AMAZON_CODES, key=len, reverse=True))

# Group names people use in Akeneo naming conventions, mapped to our fields.
GROUP_ALIASES = {
    "sku": "sku",
    "product_ref": "sku",
    "product_identifier": "sku",
    "product_sku": "sku",
    "identifier": "sku",
    "product": "sku",
    "role": "role",
    "image_role": "role",
    "role_code": "role_code",
    "position": "position",
    "pos": "position",
    "index": "position",
    "order": "position",
    "locale": "locale",
    "ext": "ext",
    "extension": "ext",
}

PCRE_FLAGS = {"i": "i", "m": "m", "s": "s", "x": "x", "u": "", "D": ""}
DELIMITERS = "/#~@%!"


@dataclass(frozen=True)
class Piece:
    """One part of a template: literal text, a ``/`` between folders, or a field."""

    kind: str  # "literal" | "slash" | "field"
    text: str  # the literal text, or the field name
    regex: str
    lazy_regex: str
    offset: int  # position in the template, for messages

    def describe(self, roles: str) -> str:
        if self.kind == "literal":
            return repr(self.text)
        if self.kind == "slash":
            return "a folder separator '/'"
        return {
            "sku": "a SKU",
            "role": f"a known role or alias ({roles})",
            "role_code": "an Amazon code (MAIN, PT01..PT08, SWCH)",
            "position": "a number",
            "locale": "a locale such as en_US",
            "ext": "a file extension",
        }.get(self.text, "any text")


@dataclass(frozen=True)
class CompiledRule:
    """A rule ready to match: compiled once, used for every name."""

    name: str
    kind: str  # "template" | "regex"
    pattern: str
    options: Effective
    regex: re.Pattern[str]
    lazy_regex: re.Pattern[str] | None  # the SKU taking as little as possible
    components: int | None  # how many trailing path parts it sees; None = the whole path
    fullmatch: bool
    fields: dict[str, str]  # group name -> field (sku, role, ..., "ignore")
    roles: dict[str, str]  # accepted role spellings -> role
    pieces: tuple[Piece, ...] = ()
    prefixes: tuple[re.Pattern[str], ...] = ()  # for explaining why a template failed

    @cached_property
    def misses(self) -> tuple[str, ...]:
        """For each piece of a template, why a name that fits only the pieces before it
        does not match (the first entry is just what was expected first)."""
        roles = ", ".join(sorted(self.roles)[:8]) + ", ..."
        texts = [self.pieces[0].describe(roles)] if self.pieces else []
        for k in range(1, len(self.pieces)):
            done = "".join(
                p.text if p.kind != "field" else "{" + p.text + "}" for p in self.pieces[:k]
            )
            texts.append(f"after {done!r}, expected {self.pieces[k].describe(roles)}")
        return tuple(texts)

    @cached_property
    def matched_reason(self) -> str:
        return f"rule {self.name!r} matched"

    @cached_property
    def sku_group(self) -> str:
        return next(group for group, field in self.fields.items() if field == "sku")

    @cached_property
    def group_fields(self) -> tuple[tuple[str, str], ...]:
        return tuple(self.fields.items())


def compile_rule(name: str, pattern: str, kind: str, options: Effective) -> CompiledRule:
    if not isinstance(pattern, str) or not pattern.strip():
        raise RuleError("the pattern is empty", where=f"rule {name!r}")
    if kind == "template":
        return _compile_template(name, pattern, options)
    if kind == "regex":
        return _compile_regex(name, pattern, options)
    raise RuleError(f"unknown rule kind {kind!r}", where=f"rule {name!r}", hint="template or regex")


# -- templates -------------------------------------------------------------------------------


def parse_template(name: str, template: str, roles: dict[str, str]) -> list[Piece]:
    where = f"rule {name!r}"
    alternation = role_alternation(roles)
    pieces: list[Piece] = []
    seen: set[str] = set()
    literal: list[str] = []
    literal_start = 0
    counter = 0
    i = 0

    def flush() -> None:
        if literal:
            text = "".join(literal)
            pieces.append(Piece("literal", text, re.escape(text), re.escape(text), literal_start))
            literal.clear()

    while i < len(template):
        char = template[i]
        if template.startswith("{{", i) or template.startswith("}}", i):
            if not literal:
                literal_start = i
            literal.append(char)
            i += 2
            continue
        if char == "}":
            raise RuleError(
                f"'}}' without '{{' at position {i}", where=where, hint="write '}}' for a brace"
            )
        if char == "{":
            end = template.find("}", i)
            if end < 0:
                raise RuleError(f"'{{' at position {i} is never closed", where=where)
            field = template[i + 1 : end].strip().lower()
            if field not in FIELDS:
                raise RuleError(
                    f"unknown field {{{template[i + 1 : end]}}} at position {i}",
                    where=where,
                    hint=f"fields are {', '.join('{' + f + '}' for f in FIELDS)}",
                )
            if field in seen and field not in REPEATABLE:
                raise RuleError(f"field {{{field}}} appears twice (position {i})", where=where)
            seen.add(field)
            flush()
            group = field
            if field in REPEATABLE:
                counter += 1
                group = f"ignore{counter}"
            greedy, lazy = _field_regex(field, alternation)
            pieces.append(
                Piece("field", field, f"(?P<{group}>{greedy})", f"(?P<{group}>{lazy})", i)
            )
            i = end + 1
            continue
        if char == "/" or char == "\\":
            flush()
            if not pieces or pieces[-1].kind == "slash":
                raise RuleError(
                    f"empty folder name at position {i}",
                    where=where,
                    hint="templates are relative: write {sku}/{any}.{ext}",
                )
            pieces.append(Piece("slash", "/", "/", "/", i))
            i += 1
            continue
        if not literal:
            literal_start = i
        literal.append(char)
        i += 1
    flush()
    if pieces and pieces[-1].kind == "slash":
        raise RuleError("the template ends with '/'", where=where, hint="end with the file name")
    for segment in _segments(pieces):
        if [p.text for p in segment] in (["."], [".."]):
            raise RuleError(f"'.' or '..' as a folder at position {segment[0].offset}", where=where)
    if "sku" not in seen:
        raise RuleError("the template has no {sku}", where=where, hint="e.g. {sku}_{role}.{ext}")
    last = _segments(pieces)[-1]
    if "ext" not in seen and not any(p.kind == "literal" and "." in p.text for p in last):
        # "{sku}_{role}" means the name without its extension: add ".{ext}" implicitly.
        greedy, lazy = _field_regex("ext", alternation)
        dot = re.escape(".")
        pieces.append(Piece("literal", ".", dot, dot, len(template)))
        pieces.append(
            Piece("field", "ext", f"(?P<ext>{greedy})", f"(?P<ext>{lazy})", len(template))
        )
    return pieces


def _segments(pieces: list[Piece]) -> list[list[Piece]]:
    segments: list[list[Piece]] = [[]]
    for piece in pieces:
        if piece.kind == "slash":
            segments.append([])
        else:
            segments[-1].append(piece)
    return segments


def _field_regex(field: str, alternation: str) -> tuple[str, str]:
    if field == "sku":
        return r"[^/]+", r"[^/]+?"
    if field == "role":
        return f"(?i:{alternation})", f"(?i:{alternation})"
    if field == "role_code":
        return f"(?i:{AMAZON_RE})", f"(?i:{AMAZON_RE})"
    if field == "position":
        return POSITION_RE, POSITION_RE
    if field == "locale":
        return LOCALE_RE, LOCALE_RE
    if field == "ext":
        return EXT_RE, EXT_RE
    return r"[^/]*?", r"[^/]*?"  # any / ignore


def _compile_template(name: str, template: str, options: Effective) -> CompiledRule:
    roles = role_table(options.role_aliases)
    pieces = parse_template(name, template, roles)
    greedy = "".join(p.regex for p in pieces)
    lazy = "".join(p.lazy_regex for p in pieces)
    fields = {}
    for piece in pieces:
        if piece.kind == "field":
            group = re.match(r"\(\?P<(\w+)>", piece.regex)
            assert group is not None
            fields[group.group(1)] = "ignore" if piece.text in REPEATABLE else piece.text
    prefixes = tuple(
        re.compile("".join(p.regex for p in pieces[: k + 1])) for k in range(len(pieces))
    )
    return CompiledRule(
        name=name,
        kind="template",
        pattern=template,
        options=options,
        regex=re.compile(greedy),
        lazy_regex=re.compile(lazy) if lazy != greedy else None,
        components=sum(1 for p in pieces if p.kind == "slash") + 1,
        fullmatch=True,
        fields=fields,
        roles=roles,
        pieces=tuple(pieces),
        prefixes=prefixes,
    )


# -- regular expressions ---------------------------------------------------------------------


def convert_pcre(pattern: str) -> tuple[str, str, list[int]]:
    """Akeneo/PCRE syntax -> Python: strip ``/.../flags``, turn ``(?<name>`` into
    ``(?P<name>``, ``\\k<name>`` into ``(?P=name)``. Returns (body, inline flags, a map from
    each output character to its position in the input, for error messages)."""
    body, flags, start = pattern, "", 0
    if len(pattern) >= 2 and pattern[0] in DELIMITERS:
        end = pattern.rfind(pattern[0])
        tail = pattern[end + 1 :]
        if end > 0 and re.fullmatch(r"[A-Za-z]*", tail):
            body, start = pattern[1:end], 1
            for flag in tail:
                if flag not in PCRE_FLAGS:
                    raise ValueError(f"flag {flag!r} is not supported", start + len(body) + 1)
                flags += PCRE_FLAGS[flag]
            if pattern[0] == "/":
                body = body.replace("\\/", "/")  # an escaped delimiter is a plain slash
    out: list[str] = []
    where: list[int] = []

    def emit(text: str, at: int) -> None:
        out.append(text)
        where.extend([at] * len(text))

    i, in_class = 0, False
    while i < len(body):
        char = body[i]
        if char == "\\" and i + 1 < len(body):
            ref = re.match(r"\\k(?:<(\w+)>|'(\w+)'|\{(\w+)\})", body[i:])
            if ref and not in_class:
                emit(f"(?P={next(g for g in ref.groups() if g)})", start + i)
                i += ref.end()
                continue
            emit(body[i : i + 2], start + i)
            i += 2
            continue
        if in_class:
            if char == "]":
                in_class = False
            emit(char, start + i)
            i += 1
            continue
        if char == "[":
            in_class = True
            emit(char, start + i)
            i += 1
            if i < len(body) and body[i] == "^":
                emit("^", start + i)
                i += 1
            if i < len(body) and body[i] == "]":
                emit("]", start + i)
                i += 1
            continue
        named = re.match(r"\(\?(?:<(\w+)>|'(\w+)')", body[i:])
        if named:
            emit(f"(?P<{named.group(1) or named.group(2)}>", start + i)
            i += named.end()
            continue
        emit(char, start + i)
        i += 1
    return "".join(out), flags, where


def _compile_regex(name: str, pattern: str, options: Effective) -> CompiledRule:
    where = f"rule {name!r}"
    try:
        body, flags, positions = convert_pcre(pattern)
    except ValueError as exc:
        message, position = exc.args
        raise RuleError(f"{message} (position {position})", where=where) from None
    leading = re.match(r"\(\?([aiLmsux]+)\)", body)
    if leading:  # global flags at the start become flags of the whole rule
        flags += leading.group(1)
        body = body[leading.end() :]
        positions = positions[leading.end() :]
    re_flags = 0
    for flag in flags:
        re_flags |= {"i": re.I, "m": re.M, "s": re.S, "x": re.X, "a": re.A, "u": 0, "L": 0}[flag]
    try:
        regex = re.compile(body, re_flags)
    except re.error as exc:
        pos = exc.pos if exc.pos is not None else 0
        original = positions[pos] if pos < len(positions) else len(pattern)
        raise RuleError(
            f"invalid regular expression at position {original}: {exc.msg}",
            where=where,
            hint=f"near {pattern[max(0, original - 10) : original + 10]!r}",
        ) from None
    fields = {group: GROUP_ALIASES.get(group.lower(), "ignore") for group in regex.groupindex}
    if "sku" not in fields.values():
        raise RuleError(
            "the regular expression has no SKU group",
            where=where,
            hint="name it with (?P<sku>...) or (?<sku>...)",
        )
    if sum(1 for f in fields.values() if f == "sku") > 1:
        raise RuleError("the regular expression has more than one SKU group", where=where)
    scope = options.scope or ("path" if "/" in body else "name")
    return CompiledRule(
        name=name,
        kind="regex",
        pattern=pattern,
        options=options,
        regex=regex,
        lazy_regex=None,
        components=1 if scope == "name" else None,
        fullmatch=False,
        fields=fields,
        roles=role_table(options.role_aliases),
    )
