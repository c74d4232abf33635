"""The neutral row model every format parser produces and the one importer applies.

A parser first declares what the catalog must hold before its rows make sense
(:class:`SchemaNeeds`: attributes, options, families, family variants, categories; Shopify
and WooCommerce files imply them), then yields :class:`NeutralRow` objects.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from pimdesk.catalog.context import CatalogContext
from pimdesk.catalog.edits import Cell
from pimdesk.errors import RowError


@dataclass
class NeutralRow:
    """One product or product model to create or update.

    ``None`` for a property means "the file does not say": an existing product keeps it.
    """

    row: int  # spreadsheet row number (header = 1) of the row that defines it
    kind: str  # "product" | "model"
    identifier: str
    identifier_column: str
    family: str | None = None
    family_variant: str | None = None
    parent: str | None = None
    categories: list[str] | None = None
    enabled: bool | None = None
    tags: list[str] | None = None
    cells: list[Cell] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error: RowError | None = None  # the row cannot be read at all: nothing else is checked
    # bad cells a parser found (``enabled``: 'maybe'); reported with every other bad cell of
    # the row once the importer has checked the rest
    problems: list[RowError] = field(default_factory=list)
    # the source rows (number, cells) behind it, for the rejects file
    source_rows: list[tuple[int, list[str]]] = field(default_factory=list)


@dataclass
class SchemaNeeds:
    """Reference data to create (if missing) before the rows are applied."""

    # code -> (type, labels, localizable, scopable, properties)
    attributes: dict[str, tuple[str, dict[str, str], bool, bool, dict[str, Any]]] = field(
        default_factory=dict
    )
    options: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)
    # code -> (attribute codes, requirements or None to copy the default family's)
    families: dict[str, tuple[list[str], dict[str, list[str]] | None]] = field(default_factory=dict)
    # code -> (family, axes, variant-level attributes)
    family_variants: dict[str, tuple[str, list[str], list[str]]] = field(default_factory=dict)
    # (code, parent code, label)
    categories: list[tuple[str, str | None, str]] = field(default_factory=list)

    def option(self, attribute: str, code: str, label: str, locale: str) -> None:
        self.options.setdefault(attribute, {}).setdefault(code, {locale: label})


class Parser(Protocol):
    """A file format: what it needs in the catalog, then its rows."""

    name: str
    headers: list[str]
    warnings: list[str]

    def prepare(self, context: CatalogContext, *, create_attributes: bool) -> SchemaNeeds: ...

    def header_errors(self) -> list[RowError]: ...

    def rows(self, context: CatalogContext) -> Iterator[NeutralRow]: ...
