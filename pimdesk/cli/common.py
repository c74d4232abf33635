"""What every command shares: opening the library, JSON output, errors and exit codes.

Exit codes scripts can rely on: 0 success, 1 bad input or data (one line on stderr that
names what and where), 2 usage error (click's own).
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from pimdesk.errors import PimdeskError

if TYPE_CHECKING:
    from pimdesk.library import Library

F = TypeVar("F", bound=Callable[..., Any])


class AppContext:
    """Carried in click's context: the library is opened on first use, once.

    Only ``init`` and ``demo`` create a library (:meth:`create_library`); every other
    command opens an existing one, so a mistyped ``--library`` fails with the path and how
    to create a library there, and writes nothing."""

    def __init__(self, library_path: Path | None):
        self.library_path = library_path
        self._library: Library | None = None

    @property
    def library(self) -> Library:
        return self._open(create=False)

    def create_library(self) -> Library:
        """The library, created first when the folder holds none (``init``, ``demo``)."""
        return self._open(create=True)

    def _open(self, *, create: bool) -> Library:
        if self._library is None:
            from pimdesk.library import Library  # imported when a command needs it

            self._library = Library.open(self.library_path, create=create)
        return self._library

    def close(self) -> None:
        if self._library is not None:
            self._library.close()
            self._library = None


pass_app = click.make_pass_decorator(AppContext)


def json_option(func: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")(func)


def print_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def fail(message: str) -> None:
    """Stop with exit code 1 and one line on stderr."""
    raise click.exceptions.Exit(_echo_error(message))


def _echo_error(message: str) -> int:
    click.echo(f"pimdesk: error: {message}", err=True)
    return 1


def handle_errors(func: F) -> F:
    """Turn :class:`PimdeskError`, and a database failure the user can act on (a catalog
    kept busy by another process, a full disk, a lost server), into one line on stderr
    and exit code 1."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except PimdeskError as exc:
            raise click.exceptions.Exit(_echo_error(str(exc))) from exc
        except Exception as exc:
            if not type(exc).__module__.startswith("sqlalchemy"):
                raise
            from pimdesk.catalog.db import database_failure

            error = database_failure(exc)
            if error is None:
                raise
            raise click.exceptions.Exit(_echo_error(str(error))) from exc

    return wrapper  # type: ignore[return-value]


def interactive() -> bool:
    """Progress bars only when a person is watching (stderr is a terminal)."""
    return sys.stderr.isatty()


@contextmanager
def progress(total: int | None, label: str) -> Iterator[Callable[[int], None]]:
    """Yield an ``advance(n)`` callback that drives a bar in a terminal and nothing in a pipe."""
    if not interactive():
        yield lambda _n: None
        return
    with click.progressbar(length=total or 0, label=label, file=sys.stderr) as bar:
        yield bar.update


TABLE_CELL_WIDTH = 60  # a longer cell (but the last) is cut, ending in "…" (--json: whole)


def echo_table(rows: Iterable[dict[str, Any]], columns: list[str]) -> None:
    """A plain aligned table for people; scripts use --json."""
    from pimdesk.cli.display import fit

    cells = [{c: _cell(row.get(c)) for c in columns} for row in rows]
    widths = {c: len(c) for c in columns}
    for row in cells:
        for c in columns:
            widths[c] = max(widths[c], len(row[c]))
    for c in columns[:-1]:  # the last column (a reason, a help text) is shown whole
        widths[c] = min(TABLE_CELL_WIDTH, widths[c])
    click.echo("  ".join(c.upper().ljust(widths[c]) for c in columns).rstrip())
    for row in cells:
        click.echo("  ".join(fit(row[c], widths[c]).ljust(widths[c]) for c in columns).rstrip())


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    # one line per row whatever the text holds; other spacing is shown as it is
    return " ".join(str(value).replace("\t", " ").splitlines())
