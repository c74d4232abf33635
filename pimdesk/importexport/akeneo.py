"""Akeneo's product CSV/XLSX grammar (also what pimdesk exports).

Columns: the identifier (``sku``), ``family``, ``parent``, ``categories`` (comma list),
``enabled``, ``groups``/``tags`` (comma list), then values in the column grammar of
:mod:`.columns`. Rows with an empty identifier but a ``code`` (and ``family_variant`` for
a root model) are product models, as in Akeneo's product-model export; pimdesk's own
exports hold both in one file, models first.
"""

from __future__ import annotations

from collections.abc import Iterator

from pimdesk.catalog.context import CatalogContext
from pimdesk.catalog.edits import Cell
from pimdesk.catalog.validation import parse_boolean
from pimdesk.errors import RowError, ValidationError
from pimdesk.importexport.columns import (
    PROPERTY_COLUMNS,
    ColumnKey,
    UnknownAttributeError,
    guess_scope,
    parse_column,
)
from pimdesk.importexport.escaping import unescape_cell
from pimdesk.importexport.reading import Table
from pimdesk.importexport.rows import NeutralRow, SchemaNeeds


def split_list(text: str) -> list[str]:
    if not text:
        return []
    return [part.strip() for part in text.split(",") if part.strip()]


class AkeneoParser:
    name = "akeneo"

    def __init__(self, table: Table):
        self.table = table
        self.headers = table.headers
        self.warnings: list[str] = []
        self._header_errors: list[RowError] = []

    def _columns(
        self, context: CatalogContext, needs: SchemaNeeds | None = None
    ) -> list[tuple[int, str, ColumnKey | None]]:
        """(index, property name or "value", key) per column; header errors collected."""
        identifier = context.identifier_code
        result: list[tuple[int, str, ColumnKey | None]] = []
        seen: dict[str, int] = {}
        for index, header in enumerate(self.headers):
            if header in seen:
                self._header_errors.append(
                    RowError(
                        1,
                        header,
                        f"column {header!r} appears twice (also column {seen[header] + 1})",
                    )
                )
                continue
            seen[header] = index
            if header == identifier:
                result.append((index, "identifier", None))
            elif header in PROPERTY_COLUMNS:
                result.append((index, "groups" if header == "tags" else header, None))
            elif header == "":
                self._header_errors.append(RowError(1, f"#{index + 1}", "the column has no header"))
            else:
                try:
                    result.append((index, "value", parse_column(header, context)))
                except UnknownAttributeError as exc:
                    if needs is not None:
                        localizable, scopable = guess_scope(header, context)
                        needs.attributes[exc.attribute] = (
                            "text",
                            {context.default_locale: exc.attribute.replace("_", " ").capitalize()},
                            localizable,
                            scopable,
                            {},
                        )
                    else:
                        self._header_errors.append(
                            RowError(1, header, exc.message + f" ({exc.hint})")
                        )
                except ValidationError as exc:
                    self._header_errors.append(RowError(1, header, exc.message))
        names = {kind for _, kind, _ in result}
        if "identifier" not in names and "code" not in names:
            self._header_errors.append(
                RowError(1, identifier, f"the file has no {identifier!r} (or 'code') column")
            )
        return result

    def prepare(self, context: CatalogContext, *, create_attributes: bool) -> SchemaNeeds:
        needs = SchemaNeeds()
        self._header_errors = []
        self._columns(context, needs if create_attributes else None)
        return needs

    def header_errors(self) -> list[RowError]:
        return self._header_errors

    def rows(self, context: CatalogContext) -> Iterator[NeutralRow]:
        self._header_errors = []
        columns = self._columns(context)
        identifier_header = context.identifier_code
        value_columns = [(i, k, self.headers[i]) for i, kind, k in columns if kind == "value" and k]
        props = {kind: i for i, kind, _ in columns if kind != "value"}
        id_index = props.get("identifier")
        code_index = props.get("code")
        for number, cells, error in self.table.rows:
            if error is not None:
                yield NeutralRow(
                    number,
                    "product",
                    _cell(cells, id_index),
                    identifier_header,
                    error=error,
                    source_rows=[(number, cells)],
                )
                continue
            sku = _cell(cells, id_index).strip()
            code = _cell(cells, code_index).strip()
            if sku:
                row = NeutralRow(number, "product", sku, identifier_header)
            elif code:
                row = NeutralRow(number, "model", code, "code")
            else:
                row = NeutralRow(
                    number,
                    "product",
                    "",
                    identifier_header,
                    error=RowError(number, identifier_header, "the identifier is empty"),
                )
            row.source_rows = [(number, cells)]
            if row.error is None:
                family = _cell(cells, props.get("family")).strip()
                row.family = family or None
                row.family_variant = _cell(cells, props.get("family_variant")).strip() or None
                row.parent = _cell(cells, props.get("parent")).strip() or None
                if "categories" in props:
                    row.categories = split_list(_cell(cells, props["categories"]))
                if "groups" in props:
                    row.tags = split_list(_cell(cells, props["groups"]))
                if "enabled" in props:
                    text = _cell(cells, props["enabled"]).strip()
                    if text:
                        try:
                            row.enabled = parse_boolean(text, field="enabled")
                        except ValidationError as exc:
                            row.problems.append(
                                RowError(
                                    number, "enabled", f"{exc.message} ({exc.hint})", row.identifier
                                )
                            )
                row.cells = [
                    Cell(key, unescape_cell(text) if text[:1] == "'" else text, header)
                    for key, text, header in (
                        (key, cells[i], header) for i, key, header in value_columns
                    )
                ]
            yield row


def _cell(cells: list[str], index: int | None) -> str:
    if index is None or index >= len(cells):
        return ""
    return cells[index]


__all__ = ["AkeneoParser", "split_list"]
