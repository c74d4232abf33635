"""Plain rows the Qt models hold (no Qt here: they are built in worker threads or in the
read process and pickled across)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class ProductRow:
    """One line of the products table, as plain data (no ORM object crosses threads)."""

    id: int
    sku: str
    name: str = ""
    family: str | None = None
    enabled: bool = True
    completeness: dict[str, int] = field(default_factory=dict)  # channel -> percent
    last_published: dt.datetime | None = None
    thumbnail: Path | None = None
    parent: str | None = None  # product model code, for variants
    waiting: tuple[str, ...] = ()  # channels this product waits to be republished on


@dataclass(frozen=True)
class Page:
    """A page of rows and the key to continue after (None: there is no more)."""

    rows: Sequence[ProductRow]
    next_after: str | None
