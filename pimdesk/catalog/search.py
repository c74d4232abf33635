"""Full-text search over SKU, names and descriptions (SQLite FTS5 / PostgreSQL tsvector).

Every service that writes product values (or a model's values, or a SKU) calls
:func:`reindex_products` in the same transaction with the product ids it touched, so the
index never lags the catalog. A write to a product model passes the ids of the variants
below it (``revisions.products_under_models``): a variant's index row holds what it
inherits.

The index (table ``product_search``, made by migration ``0002_search``) has, per product:

- ``sku``: the SKU as written, tokenised (``WB-750-SS`` -> ``wb``, ``750``, ``ss``);
- ``sku_key``: the SKU with every separator removed (``wb750ss``), so that what a user
  types as the start of a SKU, with or without its dashes, is one prefix query;
- ``name``: the label attribute (``name``) in every locale, own and inherited;
- ``body``: the other text-like values in every locale (descriptions, brand, GTIN, ...)
  and the codes of the parent models;
- ``labels``: the names per locale as JSON, not indexed, to show in results.

User text never reaches FTS5 or tsquery syntax: :func:`query_tokens` keeps only runs of
letters and digits, and each token is written into the query as a quoted string (FTS5) or
a quoted lexeme (PostgreSQL). Quotes, ``-``, ``*``, ``AND``/``OR``/``NOT``/``NEAR``,
parentheses, ``:``, ``^`` and emoji are therefore plain separators or plain words.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol

from sqlalchemy import text
from sqlalchemy.orm import Session

from pimdesk.catalog.models import ALL_LOCALES

SEARCH_TABLE = "product_search"

# What FTS5 is given; the migration creates the table with exactly this.
SQLITE_TOKENIZER = "unicode61 remove_diacritics 2"
SQLITE_PREFIXES = "2 3"
# bm25 column weights (sku, sku_key, name, body, labels), kept as the table's rank function.
SQLITE_RANK = "bm25(20.0, 50.0, 5.0, 1.0, 0.0)"

# Attribute types whose values are words a user may type.
TEXT_TYPES = frozenset({"text", "textarea", "identifier", "gtin"})
# Select values are indexed by their option labels in every locale ("schwarz" finds black).
SELECT_TYPES = frozenset({"simpleselect", "multiselect"})

# Bounds on what one query may cost, whatever is pasted into the search box.
MAX_QUERY_TOKENS = 12
MAX_TOKEN_CHARS = 64
# Bounds on one index row (a lexeme longer than this is not a word anyone types).
MAX_INDEX_TOKEN_CHARS = 100
PG_MAX_POSITIONS = 200

_WORD = re.compile(r"[^\W_]+")
_TEXT, _SELECT = "text", "select"
_CHUNK = 500


class Executor(Protocol):
    """A Session or a Connection: both run Core statements (the migration has no Session)."""

    def execute(self, statement: Any, params: Any = ..., /) -> Any: ...


@dataclass(frozen=True)
class SearchHit:
    """One product found: what a result list shows, and why it ranks where it does."""

    product_id: int
    sku: str
    name: str
    score: float
    snippet: str = ""
    matched: str = "text"  # "sku" (exact), "sku_prefix" or "text"


# -- tokens -------------------------------------------------------------------------------


def query_tokens(user_text: str) -> list[str]:
    """The words of what the user typed: runs of letters and digits, nothing else."""
    tokens = [t[:MAX_TOKEN_CHARS] for t in _WORD.findall(user_text or "")]
    return tokens[:MAX_QUERY_TOKENS]


def normalize(word: str) -> str:
    """Lower case, compatibility-decomposed, without diacritics (as FTS5 remove_diacritics)."""
    decomposed = unicodedata.normalize("NFKD", word)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", stripped).lower()


def lexemes(value: str) -> list[str]:
    """Normalised words of a text, for the PostgreSQL index and queries alike."""
    return [w for w in _WORD.findall(normalize(value)) if w][:100_000]


def sku_key(sku: str) -> str:
    """The SKU without separators: ``WB-750-SS`` -> ``WB750SS``."""
    return "".join(_WORD.findall(sku or ""))


# -- building index rows ------------------------------------------------------------------


@dataclass
class _Row:
    product_id: int
    sku: str
    names: dict[str, str]
    name_text: str
    body_text: str


@dataclass
class _Lookups:
    """What every index row needs to know about the schema, read once per reindex."""

    types: dict[str, str]
    label_attributes: dict[int | None, str]
    option_words: dict[tuple[str, str], str]
    # attribute -> _TEXT (its strings are words) or _SELECT (its option codes' words)
    kinds: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for code, kind in self.types.items():
            if kind in TEXT_TYPES and code != "sku":
                self.kinds[code] = _TEXT
            elif kind in SELECT_TYPES:
                self.kinds[code] = _SELECT

    @classmethod
    def load(cls, executor: Executor) -> _Lookups:
        types = {
            code: type_
            for code, type_ in executor.execute(text("SELECT code, type FROM attribute"))
        }
        labels = {
            fid: label or "name"
            for fid, label in executor.execute(text("SELECT id, attribute_as_label FROM family"))
        }
        options: dict[tuple[str, str], str] = {}
        for attribute, code, option_labels in executor.execute(
            text(
                "SELECT a.code, o.code, o.labels FROM attribute_option o "
                "JOIN attribute a ON a.id = o.attribute_id"
            )
        ):
            words = [str(v) for v in _json(option_labels).values() if v]
            options[(attribute, code)] = " ".join(dict.fromkeys([code, *words]))
        return cls(types, labels, options)


def _product_rows(
    executor: Executor, ids: Sequence[int], lookups: _Lookups | None = None
) -> tuple[list[_Row], set[int]]:
    """Index rows for the products among ``ids``, and the ids that no longer exist."""
    params = {f"p{i}": pid for i, pid in enumerate(ids)}
    placeholders = ", ".join(f":p{i}" for i in range(len(ids)))
    products = executor.execute(
        text(
            'SELECT id, sku, family_id, parent_id, "values" FROM product '
            f"WHERE id IN ({placeholders})"
        ),
        params,
    ).all()
    found = {row[0] for row in products}
    missing = set(ids) - found

    models: dict[int, tuple[str, int | None, Mapping[str, Any]]] = {}
    asked: set[int] = set()
    wanted = {row[3] for row in products if row[3] is not None}
    while wanted - asked:  # parents, then grandparents (two levels at most, but be safe)
        batch = sorted(wanted - asked)
        asked.update(batch)
        mparams = {f"m{i}": mid for i, mid in enumerate(batch)}
        mholders = ", ".join(f":m{i}" for i in range(len(batch)))
        for mid, code, parent_id, values in executor.execute(
            text(
                f'SELECT id, code, parent_id, "values" FROM product_model WHERE id IN ({mholders})'
            ),
            mparams,
        ).all():
            models[mid] = (code, parent_id, _json(values))
        wanted = {m[1] for m in models.values() if m[1] is not None}

    lookups = lookups or _Lookups.load(executor)
    rows = []
    for pid, sku, family_id, parent_id, values in products:
        documents = [_json(values)]
        codes: list[str] = []
        seen: set[int] = set()
        current = parent_id
        while current is not None and current in models and current not in seen:
            seen.add(current)
            code, current_parent, model_values = models[current]
            codes.append(code)
            documents.append(model_values)
            current = current_parent
        rows.append(_row(lookups, pid, sku, family_id, documents, codes))
    return rows, missing


def _row(
    lookups: _Lookups,
    pid: int,
    sku: str,
    family_id: int | None,
    documents: Sequence[Mapping[str, Any]],
    codes: Sequence[str],
) -> _Row:
    """One index row from a product's own document and its models' (nearest first)."""
    label = lookups.label_attributes.get(family_id, "name")
    kinds = lookups.kinds
    option_words = lookups.option_words
    names: dict[str, str] = {}
    name_parts: list[str] = []
    body_parts: list[str] = []
    # Own values first: a variant's own name wins over its parent's in the labels.
    # Plain loops over the document (not iter_values): imports index 100,000 of these.
    for document in documents:
        for attribute, by_channel in document.items():
            if by_channel.__class__ is not dict and not isinstance(by_channel, Mapping):
                continue
            if attribute == label:
                for by_locale in by_channel.values():
                    for lkey, data in by_locale.items():
                        if data and isinstance(data, str):
                            name_parts.append(data)
                            names.setdefault("" if lkey == ALL_LOCALES else lkey, data)
                continue
            kind = kinds.get(attribute)
            if kind is _TEXT:
                for by_locale in by_channel.values():
                    for data in by_locale.values():
                        if data and isinstance(data, str):
                            body_parts.append(data)
            elif kind is _SELECT:
                for by_locale in by_channel.values():
                    for data in by_locale.values():
                        # a select value is found by its option's labels in every locale
                        for code in data if isinstance(data, list) else [data]:
                            if code:
                                word = str(code)
                                body_parts.append(option_words.get((attribute, word), word))
    body_parts.extend(codes)  # last, so that excerpts show descriptions first
    return _Row(
        product_id=pid,
        sku=sku,
        names=names,
        name_text="\n".join(dict.fromkeys(name_parts)),
        body_text="\n".join(dict.fromkeys(body_parts)),
    )


def _json(value: Any) -> Mapping[str, Any]:
    if isinstance(value, str):
        value = json.loads(value)
    return value if isinstance(value, Mapping) else {}


def _pg_document(row: _Row) -> str:
    """A tsvector literal: SKU key (A), SKU words (B), names (C), the rest (D).

    Built from our own normalised words, so the text never goes through PostgreSQL's
    parser (which would read ``1.5`` or ``a-b`` differently from the query side).
    """
    positions: dict[str, list[str]] = {}
    counter = 0

    def add(words: Iterable[str], weight: str) -> None:
        nonlocal counter
        for word in words:
            counter += 1
            word = word[:MAX_INDEX_TOKEN_CHARS]
            slots = positions.setdefault(word, [])
            if len(slots) < PG_MAX_POSITIONS:
                slots.append(f"{min(counter, 16383)}{weight}")

    key = normalize(sku_key(row.sku))
    if key:
        add([key], "A")
    add(lexemes(row.sku), "B")
    add(lexemes(row.name_text), "C")
    add(lexemes(row.body_text), "D")
    return " ".join(f"{_quote_lexeme(word)}:{','.join(slots)}" for word, slots in positions.items())


def _quote_lexeme(word: str) -> str:
    return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"


def _dialect(executor: Executor) -> str:
    bind = executor.get_bind() if hasattr(executor, "get_bind") else executor
    return str(bind.dialect.name)


def _chunks(ids: Sequence[int], size: int = _CHUNK) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def reindex_products(session: Executor, product_ids: Iterable[int]) -> None:
    """Refresh the index rows of these products (and drop rows of deleted ones).

    Call it inside the writing transaction, after the writes (it flushes a Session first).
    Bulk: one read and one write per 500 products.
    """
    ids = sorted({int(pid) for pid in product_ids})
    if not ids:
        return
    if hasattr(session, "flush"):
        session.flush()
    postgres = _dialect(session) == "postgresql"
    lookups = _Lookups.load(session)
    for chunk in _chunks(ids):
        rows, _missing = _product_rows(session, chunk, lookups)
        _write_rows(session, chunk, rows, postgres)


class Document(NamedTuple):
    """One product's values as an import holds them, to index without reading them back."""

    product_id: int
    sku: str
    family_id: int | None
    documents: Sequence[Mapping[str, Any]]  # its own first, then its models', nearest first
    model_codes: Sequence[str]  # nearest first


class Indexer:
    """Index rows from values already at hand (an import's own pass over its rows): the
    same rows :func:`reindex_products` writes, without reading the products back."""

    def __init__(self, session: Session):
        self.session = session
        self.postgres = _dialect(session) == "postgresql"
        self.lookups = _Lookups.load(session)

    def index(self, products: Sequence[Document]) -> None:
        """Replace the index rows of these products (call after writing them)."""
        for start in range(0, len(products), _CHUNK):
            part = products[start : start + _CHUNK]
            rows = [
                _row(self.lookups, p.product_id, p.sku, p.family_id, p.documents, p.model_codes)
                for p in part
            ]
            _write_rows(self.session, [p.product_id for p in part], rows, self.postgres)


def _write_rows(
    session: Executor, chunk: Sequence[int], rows: Sequence[_Row], postgres: bool
) -> None:
    """Replace the index rows of ``chunk`` (at most ``_CHUNK`` ids) with ``rows``."""
    if not postgres:
        _write_sqlite_rows(session, chunk, rows)
        return
    params = {f"p{i}": pid for i, pid in enumerate(chunk)}
    holders = ", ".join(f":p{i}" for i in range(len(chunk)))
    session.execute(text(f"DELETE FROM {SEARCH_TABLE} WHERE product_id IN ({holders})"), params)
    if rows:
        session.execute(
            text(
                f"INSERT INTO {SEARCH_TABLE} "
                "(product_id, sku, labels, name, body, document) "
                "VALUES (:id, :sku, :labels, :name, :body, CAST(:doc AS tsvector))"
            ),
            [
                {
                    "id": r.product_id,
                    "sku": r.sku,
                    "labels": json.dumps(r.names, ensure_ascii=False),
                    "name": r.name_text,
                    "body": r.body_text,
                    "doc": _pg_document(r),
                }
                for r in rows
            ],
        )


def _write_sqlite_rows(executor: Executor, chunk: Sequence[int], rows: Sequence[_Row]) -> None:
    """Replace the FTS5 rows of ``chunk``: delete only rows that exist (removing a row makes
    FTS5 re-read its text, and an import's new products have none), then insert, through
    the driver directly (no per-row statement compilation: imports index 100,000 rows)."""
    connection = executor.connection() if isinstance(executor, Session) else executor
    holders = ", ".join("?" * len(chunk))
    existing = connection.exec_driver_sql(
        f"SELECT rowid FROM {SEARCH_TABLE} WHERE rowid IN ({holders})", tuple(chunk)
    ).all()
    if existing:
        connection.exec_driver_sql(
            f"DELETE FROM {SEARCH_TABLE} WHERE rowid = ?", [(row[0],) for row in existing]
        )
    if rows:
        connection.exec_driver_sql(
            f"INSERT INTO {SEARCH_TABLE} (rowid, sku, sku_key, name, body, labels) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [
                (
                    r.product_id,
                    r.sku,
                    sku_key(r.sku),
                    r.name_text,
                    r.body_text,
                    json.dumps(r.names, ensure_ascii=False),
                )
                for r in rows
            ],
        )


def create_search_table(executor: Executor) -> None:
    """Create the index table for this engine (migration 0002 and ``check --repair``)."""
    if _dialect(executor) == "postgresql":
        executor.execute(
            text(
                f"CREATE TABLE {SEARCH_TABLE} ("
                " product_id INTEGER PRIMARY KEY"
                "  CONSTRAINT fk_product_search_product_id_product"
                "  REFERENCES product (id) ON DELETE CASCADE,"
                " sku TEXT NOT NULL,"
                " labels TEXT NOT NULL DEFAULT '{}',"
                " name TEXT NOT NULL DEFAULT '',"
                " body TEXT NOT NULL DEFAULT '',"
                " document TSVECTOR NOT NULL)"
            )
        )
        executor.execute(
            # fastupdate off: a bulk import would otherwise leave its rows in the GIN pending
            # list, which every search scans linearly until a VACUUM merges it (10x slower).
            text(
                f"CREATE INDEX ix_product_search_document ON {SEARCH_TABLE} "
                "USING GIN (document) WITH (fastupdate = off)"
            )
        )
    else:
        executor.execute(
            text(
                f"CREATE VIRTUAL TABLE {SEARCH_TABLE} USING fts5("
                "sku, sku_key, name, body, labels UNINDEXED, "
                f"tokenize = '{SQLITE_TOKENIZER}', prefix = '{SQLITE_PREFIXES}')"
            )
        )
        executor.execute(
            text(f"INSERT INTO {SEARCH_TABLE}({SEARCH_TABLE}, rank) VALUES ('rank', :rank)"),
            {"rank": SQLITE_RANK},
        )


def reindex_all(session: Executor, *, recreate: bool = False) -> int:
    """Rebuild the whole index from the products (migration backfill, ``check --repair``).

    ``recreate`` drops and recreates the table first: the way out of a damaged FTS index.
    """
    postgres = _dialect(session) == "postgresql"
    if hasattr(session, "flush"):
        session.flush()
    if recreate:
        session.execute(text(f"DROP TABLE IF EXISTS {SEARCH_TABLE}"))
        create_search_table(session)
    else:
        session.execute(text(f"DELETE FROM {SEARCH_TABLE}"))
    ids = [row[0] for row in session.execute(text("SELECT id FROM product ORDER BY id"))]
    reindex_products(session, ids)
    if not postgres:
        session.execute(text(f"INSERT INTO {SEARCH_TABLE}({SEARCH_TABLE}) VALUES ('optimize')"))
    return len(ids)


# -- querying -----------------------------------------------------------------------------


def _fts_string(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


def _is_prefix(token: str, last: bool = True) -> bool:
    """Whether a typed word is matched as the start of words, or as a whole word.

    One letter is a whole word (as a prefix it would match most of the catalog). Two letters
    are a prefix only while being typed, as the last word: in ``BO-004673-RE`` the ``bo`` is a
    whole part, and reading every word that starts with "bo" would only cost time.
    """
    return len(token) > 2 or (len(token) == 2 and last)


def _fts_term(token: str, last: bool = True) -> str:
    return f"{_fts_string(token)}*" if _is_prefix(token, last) else _fts_string(token)


def sqlite_match_expression(tokens: Sequence[str], columns: str = "") -> str:
    """``sku_key : "wb75"* OR ("wb"* AND "75"*)`` built only from quoted tokens.

    ``columns`` (e.g. ``"sku sku_key name"``) limits the words to those columns.
    """
    words = " AND ".join(_fts_term(t, i == len(tokens) - 1) for i, t in enumerate(tokens))
    if columns:
        words = f"{{{columns}}} : ({words})"
    return f"(sku_key : {_fts_term(''.join(tokens))}) OR ({words})"


def _pg_term(word: str, weights: str = "", last: bool = True) -> str:
    suffix = ("*" if _is_prefix(word, last) else "") + weights
    return f"{_quote_lexeme(word)}:{suffix}" if suffix else _quote_lexeme(word)


def pg_query_expression(tokens: Sequence[str], weights: str = "") -> str:
    """``'wb75':*A | ('wb':* & '75':*)`` with our own normalised lexemes, each quoted.

    ``weights`` (e.g. ``"ABC"``) limits the words to the SKU and the names.
    """
    words = [w for t in tokens for w in lexemes(t)]
    if not words:
        return ""
    all_words = " & ".join(_pg_term(w, weights, i == len(words) - 1) for i, w in enumerate(words))
    return f"{_pg_term(''.join(words), 'A')} | ({all_words})"


def search_products(
    session: Executor, user_text: str, *, limit: int = 50, locale: str | None = None
) -> list[SearchHit]:
    """Products matching what the user typed, best first; never raises on odd input.

    Ranking: the exact SKU (any case, with or without separators) first, then SKUs that
    start with what was typed, then by relevance (SKU words over names over the rest).
    """
    tokens = query_tokens(user_text)
    if not tokens or limit <= 0:
        return []
    wanted_key = normalize("".join(tokens))
    if _dialect(session) == "postgresql":
        rows = _search_pg(session, tokens, limit)
    else:
        rows = _search_sqlite(session, tokens, limit)
    typed = user_text.strip().casefold()
    if not any(row[1].casefold() == typed for row in rows):
        rows = _exact_sku_rows(session, user_text) + rows
    hits = []
    for pid, sku, labels, _name_text, body_text, score in rows:
        key = normalize(sku_key(sku))
        if key == wanted_key:
            matched, tier = "sku", 0
        elif key.startswith(wanted_key):
            # WB-750 is a closer start of WB-750-SS (ends between two parts) than of WB-7500.
            matched, tier = "sku_prefix", 1 if wanted_key in _part_prefixes(sku) else 2
        else:
            matched, tier = "text", 3
        names = _json(labels)
        name = (locale and names.get(locale)) or next(iter(names.values()), "")
        hits.append(
            (
                tier,
                -float(score),
                pid,
                SearchHit(
                    product_id=pid,
                    sku=sku,
                    name=str(name),
                    score=float(score),
                    snippet=_snippet(tokens, body_text) if matched == "text" else "",
                    matched=matched,
                ),
            )
        )
    hits.sort(key=lambda h: (h[0], h[1], h[2]))
    seen: set[int] = set()
    result = []
    for *_, hit in hits:
        if hit.product_id not in seen:
            seen.add(hit.product_id)
            result.append(hit)
    return result[:limit]


def _exact_sku_rows(session: Executor, user_text: str) -> list[Any]:
    """The product whose SKU is exactly what was typed, read from the product table.

    A SKU typed in full is always found first, even by a writer that has not indexed yet.
    """
    typed = user_text.strip()
    if not typed or len(typed) > 255 or "\x00" in typed:  # no SKU holds NUL (PostgreSQL can't)
        return []
    found = session.execute(
        text("SELECT id FROM product WHERE sku IN (:typed, :upper)"),
        {"typed": typed, "upper": typed.upper()},
    ).all()
    if not found:
        return []
    rows, _missing = _product_rows(session, [found[0][0]])
    return [(r.product_id, r.sku, json.dumps(r.names), r.name_text, r.body_text, 1.0) for r in rows]


# Ranking every match costs time in proportion to the matches: above this many, a query is
# "broad" (a common word, a short prefix) and its candidates are taken unranked, those
# matching the SKU or the names first, then ranked among themselves.
RANK_AT_MOST = 2000
# ts_rank reads each matching row's whole tsvector (bm25 in FTS5 reads only the index), so
# PostgreSQL ranks fewer rows before it switches to the broad-query path.
PG_RANK_AT_MOST = 300


def _search_sqlite(session: Executor, tokens: Sequence[str], limit: int) -> list[Any]:
    columns = "rowid, sku, labels, name, body, -rank"
    match = f"SELECT {columns} FROM {SEARCH_TABLE} WHERE {SEARCH_TABLE} MATCH :q"
    expression = sqlite_match_expression(tokens)
    exact = session.execute(
        text(f"{match} LIMIT 5"), {"q": f"sku_key : {_fts_string(''.join(tokens))}"}
    ).all()
    matches = session.execute(
        text(
            f"SELECT count(*) FROM (SELECT rowid FROM {SEARCH_TABLE} "
            f"WHERE {SEARCH_TABLE} MATCH :q LIMIT {RANK_AT_MOST + 1})"
        ),
        {"q": expression},
    ).scalar_one()
    if matches <= RANK_AT_MOST:
        ranked = session.execute(
            text(f"{match} ORDER BY rank LIMIT :limit"), {"q": expression, "limit": limit}
        ).all()
        return [*exact, *ranked]
    candidates = []
    for query in (
        f"sku_key : {_fts_term(''.join(tokens))}",
        sqlite_match_expression(tokens, "sku sku_key name"),
        expression,
    ):
        candidates += session.execute(text(f"{match} LIMIT :limit"), {"q": query, "limit": limit})
        if len(candidates) >= limit:
            break
    return [*exact, *candidates]


def _search_pg(session: Executor, tokens: Sequence[str], limit: int) -> list[Any]:
    expression = pg_query_expression(tokens)
    if not expression:
        return []
    words = [w for t in tokens for w in lexemes(t)]
    columns = "product_id, sku, labels, name, body"
    # The planner cannot estimate prefix and weight-restricted tsqueries, and with a LIMIT it
    # picks a sequential scan that reads the whole table when few rows match: use the index.
    session.execute(text("SET LOCAL enable_seqscan = off"))
    rank_at_most = min(RANK_AT_MOST, PG_RANK_AT_MOST)
    exact = session.execute(
        text(
            f"SELECT {columns}, 1.0 FROM {SEARCH_TABLE} "
            "WHERE document @@ CAST(:q AS tsquery) LIMIT 5"
        ),
        {"q": f"{_quote_lexeme(''.join(words))}:A"},
    ).all()
    matches = session.execute(
        text(
            f"SELECT count(*) FROM (SELECT 1 FROM {SEARCH_TABLE} "
            f"WHERE document @@ CAST(:q AS tsquery) LIMIT {rank_at_most + 1}) AS m"
        ),
        {"q": expression},
    ).scalar_one()
    select = (
        f"SELECT {columns}, ts_rank(document, q) AS score "
        f"FROM {SEARCH_TABLE}, CAST(:q AS tsquery) AS q WHERE document @@ q"
    )
    if matches <= rank_at_most:
        ranked = session.execute(
            text(f"{select} ORDER BY score DESC, product_id LIMIT :limit"),
            {"q": expression, "limit": limit},
        ).all()
        return [*exact, *ranked]
    candidates = []
    for query in (
        _pg_term("".join(words), "A"),
        pg_query_expression(tokens, "ABC"),
        expression,
    ):
        candidates += session.execute(text(f"{select} LIMIT :limit"), {"q": query, "limit": limit})
        if len(candidates) >= limit:
            break
    return [*exact, *candidates]


def _part_prefixes(sku: str) -> set[str]:
    """``WB-750-SS`` -> {``wb``, ``wb750``, ``wb750ss``}: its starts that end between parts."""
    parts = [normalize(p) for p in _WORD.findall(sku)]
    return {"".join(parts[: i + 1]) for i in range(len(parts))}


def _snippet(tokens: Sequence[str], body_text: str, width: int = 90) -> str:
    """A short excerpt of the body around the first word that matched, for result lists."""
    wanted = [normalize(t) for t in tokens]
    for source in (body_text or "",):
        for match in _WORD.finditer(source):
            word = normalize(match.group(0))
            if any(word.startswith(w) for w in wanted):
                start = max(0, match.start() - width // 3)
                end = min(len(source), start + width)
                excerpt = " ".join(source[start:end].split())
                return ("…" if start > 0 else "") + excerpt + ("…" if end < len(source) else "")
    return ""
