"""Turn cells addressed in the column grammar into stored values, merging multi-part ones.

A price may arrive as one column per currency (``price-USD``, ``price-EUR``) and a metric as
an amount column plus a unit column (``weight``, ``weight-unit``): the parts of one value
are merged with each other and with what the product already holds, then validated once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from pimdesk.catalog.context import CatalogContext
from pimdesk.catalog.validation import is_empty, price_amount, validate_value
from pimdesk.catalog.values import get_value
from pimdesk.errors import ValidationError, ValuesInvalid
from pimdesk.importexport.columns import UNIT_PART, VALUE_PART, ColumnKey

Slot = tuple[str, str | None, str | None]
_MULTI_PART = frozenset({"price", "metric"})


class Cell(NamedTuple):
    """One addressed value as typed (a tuple: imports make millions of them)."""

    key: ColumnKey
    raw: Any
    column: str  # the name used in messages (header or set argument)


def resolve_cells(
    context: CatalogContext, cells: Sequence[Cell], existing: Mapping[str, Any] | None = None
) -> list[tuple[Slot, Any]]:
    """Validated (slot, data) pairs; data None means "remove the value".

    Every cell is checked before anything is refused, so a spreadsheet row (or a
    ``products set``) with three bad columns names all three at once: the user fixes the
    row in one pass instead of re-running the import three times. Raises
    :class:`ValuesInvalid` (a ValidationError) holding each bad cell's own error.
    """
    existing = existing or {}
    attributes = context.attributes
    currencies = context.currencies
    result: list[tuple[Slot, Any]] = []
    errors: list[tuple[int, ValidationError]] = []  # (position of the cell, error)
    groups: dict[Slot, list[Cell]] = {}
    first_cell: dict[Slot, int] = {}
    for position, cell in enumerate(cells):
        key = cell.key
        if key.part == VALUE_PART:
            attribute = attributes[key.attribute]
            if attribute.type not in _MULTI_PART:
                # the common case: one cell is the whole value (a later one wins)
                try:
                    data = validate_value(
                        attribute, cell.raw, currencies=currencies, field=cell.column
                    )
                except ValidationError as exc:
                    errors.append((position, exc))
                    continue
                result.append(((key.attribute, key.locale, key.channel), data))
                continue
        groups.setdefault(key.slot, []).append(cell)
        first_cell.setdefault(key.slot, position)
    for slot, group in groups.items():
        try:
            result.append((slot, _merge_group(context, slot, group, existing)))
        except ValuesInvalid as exc:  # several currency columns of one price
            errors.extend((first_cell[slot], one) for one in exc.errors)
        except ValidationError as exc:
            errors.append((first_cell[slot], exc))
    if errors:
        ordered = [exc for _, exc in sorted(errors, key=lambda pair: pair[0])]  # row order
        raise ordered[0] if len(ordered) == 1 else ValuesInvalid(ordered)
    return result


def _merge_group(
    context: CatalogContext,
    slot: Slot,
    group: list[Cell],
    existing: Mapping[str, Any],
) -> Any:
    """One multi-part value (a price's currencies, a metric's amount and unit), validated."""
    attribute = context.attributes[slot[0]]
    currencies = context.currencies
    if len(group) == 1 and group[0].key.part == VALUE_PART and attribute.type != "metric":
        cell = group[0]
        return validate_value(attribute, cell.raw, currencies=currencies, field=cell.column)
    if attribute.type == "price":
        amounts: dict[str, Any] = {}
        whole = [c for c in group if c.key.part == VALUE_PART]
        if whole:
            data = validate_value(
                attribute, whole[-1].raw, currencies=currencies, field=whole[-1].column
            )
            amounts = {p["currency"]: p["amount"] for p in data or []}
        else:
            for price in get_value(existing, *_scope(slot)) or []:
                amounts[price["currency"]] = price["amount"]
        bad: list[ValidationError] = []
        for cell in group:
            if cell.key.part == VALUE_PART:
                continue
            if is_empty(cell.raw):
                amounts.pop(cell.key.part, None)
                continue
            try:
                amounts[cell.key.part] = price_amount(attribute, cell.raw, field=cell.column)
            except ValidationError as exc:  # every currency column is named, not the first
                bad.append(exc)
        if bad:
            raise bad[0] if len(bad) == 1 else ValuesInvalid(bad)
        value = [{"amount": amounts[c], "currency": c} for c in sorted(amounts)]
        return value or None
    if attribute.type == "metric":
        amount_cells = [c for c in group if c.key.part == VALUE_PART]
        unit_cells = [c for c in group if c.key.part == UNIT_PART]
        current = get_value(existing, *_scope(slot)) or {}
        raw_amount = amount_cells[-1].raw if amount_cells else current.get("amount")
        column = (amount_cells or unit_cells)[-1].column
        if unit_cells:
            raw_unit = unit_cells[-1].raw
        else:
            raw_unit = None
            text = str(raw_amount).strip() if raw_amount is not None else ""
            if " " not in text:
                raw_unit = current.get("unit") or attribute.properties.get("default_unit")
        if is_empty(raw_amount) and is_empty(raw_unit):
            return None
        if raw_unit is None or is_empty(raw_unit):
            return validate_value(attribute, raw_amount, currencies=currencies, field=column)
        return validate_value(
            attribute,
            {"amount": raw_amount, "unit": raw_unit},
            currencies=currencies,
            field=column,
        )
    cell = group[-1]
    return validate_value(attribute, cell.raw, currencies=currencies, field=cell.column)


def _scope(slot: Slot) -> tuple[str, str | None, str | None]:
    return slot[0], slot[1], slot[2]
