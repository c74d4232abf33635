"""Stored feed pieces: what makes an incremental publish proportional to the change.

A channel whose exporter implements :class:`~pimdesk.channels.api.IncrementalFeed` keeps,
per product group, the rendered bytes of its part of the feed in a SQLite file under
``<library>/cache/pieces/``, with what the next run needs to redo only the groups a change
touches:

- ``groups``: per group its position in the feed (``ord``), the claim it asked for and the
  one it got (unique among groups, in feed order), the rendered piece, and ``draft`` = 1 for
  a group of withdrawn products written as withdrawal rows (``IncrementalFeed.withdraws_in_feed``;
  not counted as listed);
- ``members``: which product is in which group (a changed product finds its old group);
- ``images``: every image version a group shows, with the file name it asked for; the first
  group in feed order using a version publishes it (``owned``) and every group uses that URL;
- ``names``: the rendition file names handed out to listings, so a rebuilt listing gets a
  name no other product holds;
- ``meta``: format, the configuration hash (channel settings, field map, exporter and its
  piece version), the feed's sha256/size/mtime and the publish run that wrote it.

It is only a cache: when it is missing, unreadable, of another format or configuration, or
does not describe the feed on disk, the caller rebuilds every piece and says why.
"""

from __future__ import annotations

import contextlib
import hashlib
import heapq
import json
import os
import re
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pimdesk.renditions import naming

FORMAT = "4"
_CHUNK = 500

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS groups (
    key TEXT PRIMARY KEY,
    ord TEXT NOT NULL,
    base TEXT NOT NULL,
    claim TEXT NOT NULL DEFAULT '',
    shape INTEGER NOT NULL DEFAULT 0,
    draft INTEGER NOT NULL DEFAULT 0,
    piece BLOB
);
CREATE INDEX IF NOT EXISTS groups_ord ON groups (ord);
CREATE INDEX IF NOT EXISTS groups_base ON groups (base);
CREATE INDEX IF NOT EXISTS groups_claim ON groups (claim);
CREATE TABLE IF NOT EXISTS members (product_id INTEGER PRIMARY KEY, group_key TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS members_group ON members (group_key);
CREATE TABLE IF NOT EXISTS images (
    group_key TEXT NOT NULL,
    version_id INTEGER NOT NULL,
    ord TEXT NOT NULL,
    pos INTEGER NOT NULL,
    filename TEXT NOT NULL,
    source TEXT NOT NULL,
    PRIMARY KEY (group_key, version_id)
);
CREATE INDEX IF NOT EXISTS images_version ON images (version_id, ord);
CREATE TABLE IF NOT EXISTS owned (
    version_id INTEGER PRIMARY KEY,
    group_key TEXT NOT NULL,
    name TEXT NOT NULL,
    url TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS names (name TEXT PRIMARY KEY, product_id INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS names_product ON names (product_id);
"""


def unique_claim(base: str, used: set[str]) -> str:
    """``base``, or ``base-2``, ``base-3``, ...: the first one not in ``used`` (now taken)."""
    candidate, counter = base, 1
    while candidate in used:
        counter += 1
        candidate = f"{base}-{counter}"
    used.add(candidate)
    return candidate


_SUFFIX = re.compile(r"^(.+)-([0-9]+)$")


def in_chain(name: str, base: str, claim: str) -> bool:
    """Did a group asking for ``base`` and given ``claim`` try ``name`` on its way (``base``,
    ``base-2``, ... up to ``claim``)?"""
    if name == base:
        return True
    if not claim or not name.startswith(base + "-"):
        return False
    tail = name[len(base) + 1 :]
    last = claim[len(base) + 1 :] if claim != base else "1"
    return tail.isdigit() and last.isdigit() and 2 <= int(tail) <= int(last)


def bases_trying(name: str) -> list[str]:
    """The only claims that can try ``name``: itself, and ``x`` when it reads ``x-<n>``."""
    match = _SUFFIX.match(name)
    return [name, match.group(1)] if match else [name]


def store_path(library_root: Path, code: str) -> Path:
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in code)
    return library_root / "cache" / "pieces" / f"{safe}.sqlite"


def config_key(*parts: Any) -> str:
    """The configuration a store is valid for (channel config hash, exporter, versions)."""
    text = json.dumps([FORMAT, *parts], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class FeedState:
    """The feed file a store last assembled."""

    name: str
    sha256: str
    size: int
    mtime_ns: int


class PieceStore:
    """One channel's stored pieces (see the module docstring). Not thread-safe: publishing
    holds the channel's lock while it uses a store."""

    def __init__(self, path: Path):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(_SCHEMA)

    # -- lifetime ----------------------------------------------------------------------

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self.db.close()

    @staticmethod
    def discard(path: Path) -> None:
        """Remove a store file (and its WAL files) that cannot be used."""
        for suffix in ("", "-wal", "-shm", "-journal"):
            with contextlib.suppress(FileNotFoundError):
                Path(f"{path}{suffix}").unlink()

    def begin(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def commit(self) -> None:
        self.db.execute("COMMIT")

    def rollback(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")

    def _in(self, sql: str, values: Iterable[Any]) -> Iterator[tuple[Any, ...]]:
        """Rows of ``sql`` (holding one ``{marks}``) for ``values``, in chunks."""
        wanted = list(values)
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            yield from self.db.execute(sql.format(marks=",".join("?" * len(chunk))), chunk)

    # -- meta --------------------------------------------------------------------------

    def meta(self) -> dict[str, str]:
        return dict(self.db.execute("SELECT key, value FROM meta"))

    def set_meta(self, values: Mapping[str, Any]) -> None:
        self.db.executemany(
            "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
            [(k, str(v)) for k, v in values.items()],
        )

    def problem(self, config: str, feed: Path, run_id: int | None) -> str | None:
        """Why this store cannot be used for an incremental publish, or None."""
        meta = self.meta()
        if not meta:
            return "no pieces were stored yet"
        if meta.get("format") != FORMAT:
            return f"the pieces store has format {meta.get('format')!r}, not {FORMAT!r}"
        if meta.get("config") != config:
            return "the channel's settings, field map or exporter changed since it was stored"
        if meta.get("feed_name") != feed.name:
            return "the feed file name changed"
        if str(run_id) != meta.get("run_id"):
            return "the channel was published without it since (another run is the last one)"
        try:
            stat = feed.stat()
        except OSError:
            return f"the feed {feed} is missing"
        same = str(stat.st_size) == meta.get("feed_size") and (
            str(stat.st_mtime_ns) == meta.get("feed_mtime_ns")
        )
        if not same and file_sha256(feed) != meta.get("feed_sha256"):
            return f"the feed {feed} is not the one last assembled from it"
        return None

    def reset(self) -> None:
        for table in ("groups", "members", "images", "owned", "names"):
            self.db.execute(f"DELETE FROM {table}")

    # -- names handed out to listings ----------------------------------------------------

    def name_owner(self, folded: str) -> int | None:
        row = self.db.execute("SELECT product_id FROM names WHERE name = ?", (folded,)).fetchone()
        return None if row is None else int(row[0])

    def set_names(self, product_ids: Iterable[int], names: Iterable[tuple[str, int]]) -> None:
        """Replace the names of ``product_ids`` by ``names`` ((folded name, product id))."""
        self.db.executemany("DELETE FROM names WHERE product_id = ?", [(p,) for p in product_ids])
        self.db.executemany("INSERT OR REPLACE INTO names (name, product_id) VALUES (?, ?)", names)

    def groups_of(self, product_ids: Iterable[int], *, listed: bool = False) -> dict[int, str]:
        """product id -> its group, for the products that have one (``listed``: only groups
        of live listings, not withdrawal rows)."""
        sql = "SELECT product_id, group_key FROM members WHERE product_id IN ({marks})"
        if listed:
            sql = (
                "SELECT m.product_id, m.group_key FROM members m JOIN groups g "
                "ON g.key = m.group_key WHERE g.draft = 0 AND m.product_id IN ({marks})"
            )
        return {int(pid): key for pid, key in self._in(sql, product_ids)}

    def members(self, keys: Iterable[str]) -> dict[str, list[int]]:
        out: dict[str, list[int]] = {}
        sql = "SELECT product_id, group_key FROM members WHERE group_key IN ({marks})"
        for pid, key in self._in(sql, keys):
            out.setdefault(key, []).append(int(pid))
        return out

    def group_rows(self, keys: Iterable[str]) -> dict[str, tuple[str, str, str]]:
        """key -> (position, claim asked for, claim given) of stored groups."""
        sql = "SELECT key, ord, base, claim FROM groups WHERE key IN ({marks})"
        return {key: (order, base, claim) for key, order, base, claim in self._in(sql, keys)}

    def versions_of(self, keys: Iterable[str]) -> set[int]:
        sql = "SELECT version_id FROM images WHERE group_key IN ({marks})"
        return {int(v) for (v,) in self._in(sql, keys)}

    def remove_groups(self, keys: Iterable[str]) -> None:
        rows = [(k,) for k in keys]
        self.db.executemany("DELETE FROM groups WHERE key = ?", rows)
        self.db.executemany("DELETE FROM members WHERE group_key = ?", rows)
        self.db.executemany("DELETE FROM images WHERE group_key = ?", rows)

    def put_groups(
        self,
        groups: Sequence[tuple[Any, ...]],
    ) -> None:
        """Groups' structure (their pieces come later): (key, position, claim asked for,
        member product ids, images as (version id, wanted file name, source path), shape,
        and optionally whether it holds withdrawal rows, False when left out)."""
        self.db.executemany(
            "INSERT INTO groups (key, ord, base, shape, draft) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (key) DO UPDATE SET ord = excluded.ord, base = excluded.base, "
            "shape = excluded.shape, draft = excluded.draft",
            [(g[0], g[1], g[2], g[5], int(len(g) > 6 and bool(g[6]))) for g in groups],
        )
        keys = [(g[0],) for g in groups]
        self.db.executemany("DELETE FROM members WHERE group_key = ?", keys)
        self.db.executemany(
            "INSERT OR REPLACE INTO members (product_id, group_key) VALUES (?, ?)",
            [(pid, g[0]) for g in groups for pid in g[3]],
        )
        self.db.executemany("DELETE FROM images WHERE group_key = ?", keys)
        self.db.executemany(
            "INSERT INTO images (group_key, version_id, ord, pos, filename, source) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [
                (g[0], vid, g[1], pos, name, src)
                for g in groups
                for pos, (vid, name, src) in enumerate(g[4])
            ],
        )

    def put_pieces(self, pieces: Iterable[tuple[str, bytes]]) -> None:
        """Rendered groups: (key, piece bytes)."""
        self.db.executemany(
            "UPDATE groups SET piece = ? WHERE key = ?", [(data, key) for key, data in pieces]
        )

    def draft_keys(self, keys: Iterable[str]) -> set[str]:
        """Those of ``keys`` that are groups of withdrawal rows."""
        sql = "SELECT key FROM groups WHERE draft = 1 AND key IN ({marks})"
        return {key for (key,) in self._in(sql, keys)}

    def claims(self, keys: Iterable[str]) -> dict[str, str]:
        sql = "SELECT key, claim FROM groups WHERE key IN ({marks})"
        return dict(self._in(sql, keys))

    def max_shape(self, excluding: Iterable[str] = ()) -> int:
        """The largest shape among stored groups, leaving ``excluding`` out."""
        left_out = list(excluding)
        if len(left_out) > _CHUNK:  # rare: many groups changed; read them all
            skip = set(left_out)
            rows = self.db.execute("SELECT key, shape FROM groups WHERE shape > 0")
            return max((int(v) for k, v in rows if k not in skip), default=0)
        marks = ",".join("?" * len(left_out))
        row = self.db.execute(
            f"SELECT max(shape) FROM groups WHERE key NOT IN ({marks})",
            left_out,
        ).fetchone()
        return int(row[0] or 0)

    def count_members(self) -> int:
        """Listings in the feed (members of withdrawal-row groups are not listed)."""
        return int(
            self.db.execute(
                "SELECT count(*) FROM members m JOIN groups g ON g.key = m.group_key "
                "WHERE g.draft = 0"
            ).fetchone()[0]
        )

    # -- cross-group resolution ------------------------------------------------------------

    def resolve_all_claims(self) -> dict[str, str]:
        """Give every group its unique claim, in feed order (a full rebuild)."""
        used: set[str] = set()
        changed: dict[str, str] = {}
        for key, base, old in self.db.execute(
            "SELECT key, base, claim FROM groups ORDER BY ord"
        ).fetchall():
            new = unique_claim(base, used) if base else ""
            if new != old:
                changed[key] = new
        self.db.executemany(
            "UPDATE groups SET claim = ? WHERE key = ?", [(c, k) for k, c in changed.items()]
        )
        return changed

    def reassign_claims(
        self, seeds: Iterable[str], freed: Iterable[tuple[str, str]]
    ) -> dict[str, str]:
        """Claims after a partial change, exactly as :meth:`resolve_all_claims` would give
        them, visiting only the groups that can be affected.

        ``seeds``: groups whose claim asked for or position changed (or that are new);
        ``freed``: (position, claim) of claims given up (removed groups, old positions).
        A group's claim depends only on the claims of the groups before it, so groups are
        visited in feed order; when one's claim changes, the later groups that tried the
        old or the new name on their way to theirs are visited too. Returns the groups whose
        claim changed (key -> new claim); the store holds the new claims."""
        heap: list[tuple[str, str]] = []
        queued: set[str] = set()

        def push(key: str, order: str) -> None:
            if key not in queued:
                queued.add(key)
                heapq.heappush(heap, (order, key))

        def touch(name: str, after: str) -> None:
            if not name:
                return
            bases = bases_trying(name)
            marks = ",".join("?" * len(bases))
            for key, order, base, claim in self.db.execute(
                f"SELECT key, ord, base, claim FROM groups WHERE base IN ({marks}) AND ord > ?",
                [*bases, after],
            ):
                if in_chain(name, base, claim):
                    push(key, order)

        for key in seeds:
            row = self.db.execute("SELECT ord FROM groups WHERE key = ?", (key,)).fetchone()
            if row is not None:
                push(key, row[0])
        for order, claim in freed:
            touch(claim, order)
        changed: dict[str, str] = {}
        taken_before = "SELECT 1 FROM groups WHERE claim = ? AND ord < ? LIMIT 1"
        while heap:
            order, key = heapq.heappop(heap)
            queued.discard(key)
            base, old = self.db.execute(
                "SELECT base, claim FROM groups WHERE key = ?", (key,)
            ).fetchone()
            new, counter = base, 1
            while new and self.db.execute(taken_before, (new, order)).fetchone() is not None:
                counter += 1
                new = f"{base}-{counter}"
            if new != old:
                self.db.execute("UPDATE groups SET claim = ? WHERE key = ?", (new, key))
                changed[key] = new
                touch(old, order)
                touch(new, order)
        return changed

    def first_users(self, versions: Iterable[int]) -> dict[int, tuple[str, str, str]]:
        """version -> (group, wanted file name, source) of the first group in feed order
        showing it; versions no group shows are left out."""
        out: dict[int, tuple[str, str, str]] = {}
        for vid in versions:
            row = self.db.execute(
                "SELECT group_key, filename, source FROM images WHERE version_id = ? "
                "ORDER BY ord LIMIT 1",
                (vid,),
            ).fetchone()
            if row is not None:
                out[vid] = (row[0], row[1], row[2])
        return out

    def all_first_users(self) -> Iterator[tuple[int, str, str, str]]:
        """(version, group, wanted name, source) of every version's first user, in the order
        a full publish meets them (feed order, gallery order)."""
        seen: set[int] = set()
        for vid, key, name, src in self.db.execute(
            "SELECT version_id, group_key, filename, source FROM images ORDER BY ord, pos"
        ):
            if vid not in seen:
                seen.add(vid)
                yield int(vid), key, name, src

    def owned(self, versions: Iterable[int]) -> dict[int, tuple[str, str, str]]:
        """version -> (owner group, published name, URL) as last published."""
        sql = "SELECT version_id, group_key, name, url FROM owned WHERE version_id IN ({marks})"
        return {int(vid): (key, name, url) for vid, key, name, url in self._in(sql, versions)}

    def set_owned(self, version: int, key: str, name: str, url: str) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO owned (version_id, group_key, name, url) VALUES (?, ?, ?, ?)",
            (version, key, name, url),
        )

    def drop_owned(self, version: int) -> None:
        self.db.execute("DELETE FROM owned WHERE version_id = ?", (version,))

    def users(self, versions: Iterable[int]) -> set[str]:
        """Groups that show any of ``versions``."""
        sql = "SELECT DISTINCT group_key FROM images WHERE version_id IN ({marks})"
        return {key for (key,) in self._in(sql, versions)}

    def pieces(self, batch: int = 4096) -> Iterator[bytes]:
        """Every stored piece in feed order, joined into blocks of ``batch`` pieces (one
        Python step per block, not per piece: 100,000 pieces stream in a few hundredths)."""
        cursor = self.db.execute("SELECT piece FROM groups WHERE piece IS NOT NULL ORDER BY ord")
        while True:
            rows = cursor.fetchmany(batch)
            if not rows:
                return
            yield b"".join([row[0] for row in rows])


class StoredNames(naming.UniqueNames):
    """:class:`~pimdesk.renditions.naming.UniqueNames` that also treats as taken the names
    the store holds for products not being rebuilt in this run."""

    def __init__(self, store: PieceStore, rebuilding: set[int]):
        super().__init__()
        self._taken = _TakenNames(store, rebuilding)  # type: ignore[assignment]


class _TakenNames(set[str]):
    def __init__(self, store: PieceStore, rebuilding: set[int]):
        super().__init__()
        self.store = store
        self.rebuilding = rebuilding

    def __contains__(self, folded: object) -> bool:
        if super().__contains__(folded):
            return True
        owner = self.store.name_owner(str(folded))
        return owner is not None and owner not in self.rebuilding


def stat_feed(path: Path) -> tuple[int, int]:
    stat = os.stat(path)
    return stat.st_size, stat.st_mtime_ns
