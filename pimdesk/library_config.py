"""``library.toml``: where a library's catalog is, kept valid when the folder is copied or moved.

A library folder is self-contained: copy it, move it, restore it from a backup or carry it
to another machine and it opens with its own catalog. So a SQLite catalog is recorded
relative to the folder::

    [database]
    catalog = "catalog.sqlite"

(an absolute ``catalog`` path is honoured too: a catalog deliberately kept elsewhere). A
catalog that is not a file, the team setup's PostgreSQL, stays a URL: ``url = "postgresql+
psycopg://..."``.

Libraries made before this recorded ``url = "sqlite:////abs/folder/catalog.sqlite"``; a copy
of such a folder wrote into the original's catalog, and a moved one no longer opened.
:func:`locate_catalog` reads that old form as follows, and :func:`rewrite_catalog_entry`
then records the folder's own catalog in the relative form (atomically, every other
setting and comment of the file kept):

- the recorded file is inside this folder: the folder's own catalog (relative form);
- it is elsewhere, and this folder holds its own ``catalog.sqlite`` while the recorded file
  is gone (the folder was moved) or sits in another library folder (the folder was copied):
  the folder's own catalog (relative form);
- otherwise (a catalog deliberately kept elsewhere, with or without a stale copy in the
  folder): the recorded file, and the settings file is left as it is.
"""

from __future__ import annotations

import os
import re
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomli_w
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from pimdesk.errors import LibraryError
from pimdesk.locations import CATALOG_NAME, CONFIG_NAME

SETTINGS_HINT = (
    "it needs a [database] table with catalog = 'catalog.sqlite' (a SQLite file, relative to "
    "the library folder) or url = '...' (PostgreSQL)"
)


@dataclass(frozen=True)
class CatalogLocation:
    """Where the catalog of one library is.

    ``url`` is what the engine opens; ``path`` the SQLite file (absolute; ``None`` for a
    server or an in-memory catalog); ``relative`` the ``catalog`` entry to record when the
    settings file still holds an old absolute SQLite URL that should be rewritten.
    """

    url: str
    path: Path | None = None
    relative: str | None = None
    former_root: Path | None = None


def new_config(root: Path, database_url: str | None) -> dict[str, Any]:
    """The settings of a new library: its catalog in the folder unless a URL is given.

    A given SQLite URL naming a file inside the folder is recorded relative to it too; a
    relative SQLite path is taken from the current folder (where the user typed it).
    """
    if not database_url:
        return {"database": {"catalog": CATALOG_NAME}}
    parsed = _parse(database_url, where=database_url)
    database = parsed.database or ""
    if parsed.get_backend_name() != "sqlite" or database in ("", ":memory:") or parsed.query:
        return {"database": {"url": database_url}}
    path = Path(database).expanduser().absolute()
    inside = relative_inside(path, root)
    if inside is not None:
        return {"database": {"catalog": inside}}
    return {"database": {"catalog": str(path)}}


def read_config(config_path: Path) -> dict[str, Any]:
    try:
        config = tomllib.loads(config_path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise LibraryError(
            f"cannot read the library settings: {exc}", where=str(config_path), hint=SETTINGS_HINT
        ) from exc
    database = config.get("database")
    if not isinstance(database, dict) or not (
        isinstance(database.get("catalog"), str) or isinstance(database.get("url"), str)
    ):
        raise LibraryError(
            "cannot read the library settings: no catalog in [database]",
            where=str(config_path),
            hint=SETTINGS_HINT,
        )
    return config


def locate_catalog(root: Path, config: dict[str, Any]) -> CatalogLocation:
    """Where the catalog of the library at ``root`` is (see the module docstring)."""
    database = config["database"]
    catalog = database.get("catalog")
    if isinstance(catalog, str) and catalog.strip():
        path = Path(catalog).expanduser()
        path = (path if path.is_absolute() else root / path).absolute()
        return CatalogLocation(url=_sqlite_url(path), path=path)
    url = str(database.get("url", ""))
    parsed = _parse(url, where=str(root / CONFIG_NAME))
    recorded_text = parsed.database or ""
    if (
        parsed.get_backend_name() != "sqlite"
        or recorded_text in ("", ":memory:")
        or recorded_text.startswith("file:")
        or parsed.query
    ):
        return CatalogLocation(url=url)
    recorded = Path(recorded_text).expanduser()
    if not recorded.is_absolute():  # hand-written: relative to the folder, not to the cwd
        path = (root / recorded).absolute()
        return CatalogLocation(url=_sqlite_url(path), path=path)
    inside = relative_inside(recorded, root)
    if inside is not None:
        path = (root / inside).absolute()
        return CatalogLocation(url=_sqlite_url(path), path=path, relative=inside)
    own = (root / CATALOG_NAME).absolute()
    if own.is_file() and (not recorded.exists() or (recorded.parent / CONFIG_NAME).is_file()):
        former = recorded.parent if recorded.name == CATALOG_NAME else None
        return CatalogLocation(
            url=_sqlite_url(own), path=own, relative=CATALOG_NAME, former_root=former
        )
    return CatalogLocation(url=_sqlite_url(recorded), path=recorded)


def rewrite_catalog_entry(config_path: Path, config: dict[str, Any], relative: str) -> bool:
    """Record ``catalog = relative`` instead of ``[database] url`` in ``config_path``.

    Written to a temporary file beside it and renamed over it, so a crash leaves the old
    file or the new one, never half of one. The ``url = ...`` line is replaced in place, so
    every other setting and comment stays; should the file be laid out so that this does
    not give the expected settings, the whole file is written from the parsed settings
    instead. Returns False (and changes nothing) when the file cannot be written (a
    read-only medium): the library still opens its own catalog, worked out again next time.
    """
    expected = {**config, "database": _replace_url(config["database"], relative)}
    try:
        text = config_path.read_text(encoding="utf-8")
    except OSError:
        return False
    entry = tomli_w.dumps({"catalog": relative}).strip()
    new_text = _replace_url_line(text, entry)
    if new_text is None or _loads_or_none(new_text) != expected:
        new_text = tomli_w.dumps(expected)
    try:
        _write_atomically(config_path, new_text)
    except OSError:
        return False
    return True


# -- helpers ------------------------------------------------------------------------------


def _parse(url: str, *, where: str) -> Any:
    try:
        return make_url(url)
    except (ArgumentError, ValueError) as exc:
        raise LibraryError(
            f"the catalog URL {url!r} is not valid: {exc}", where=where, hint=SETTINGS_HINT
        ) from exc


def _sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def relative_inside(path: Path, root: Path) -> str | None:
    """``path`` relative to the folder ``root`` (as written or with links resolved) when it
    lies inside it, as a POSIX path; else None (relative, outside, or ``root`` itself)."""
    if not path.is_absolute():
        return None
    path = Path(os.path.normpath(path))
    for base in (root.absolute(), root.resolve()):
        for candidate in (path, path.resolve()):
            try:
                relative = candidate.relative_to(Path(os.path.normpath(base)))
            except ValueError:
                continue
            if relative.parts:
                return relative.as_posix()
    return None


def _replace_url(database: dict[str, Any], relative: str) -> dict[str, Any]:
    result = {key: value for key, value in database.items() if key != "url"}
    result["catalog"] = relative
    return result


_URL_LINE = re.compile(r"^[ \t]*url[ \t]*=")
_TABLE_LINE = re.compile(r"^[ \t]*\[")


def _replace_url_line(text: str, entry: str) -> str | None:
    """``text`` with the ``url = ...`` line of the ``[database]`` table replaced by ``entry``."""
    lines = text.splitlines(keepends=True)
    table = None
    for number, line in enumerate(lines):
        if _TABLE_LINE.match(line):
            table = line.strip().split("#", 1)[0].strip()
        elif table == "[database]" and _URL_LINE.match(line):
            ending = "\n" if line.endswith("\n") else ""
            lines[number] = entry + ending
            return "".join(lines)
    return None


def _loads_or_none(text: str) -> dict[str, Any] | None:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return None


def _write_atomically(path: Path, text: str) -> None:
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        if path.exists():
            os.chmod(temporary, path.stat().st_mode & 0o7777)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
