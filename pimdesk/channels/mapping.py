"""Field mapping: which catalog source fills each field of a channel's format.

Every exporter declares its fields (:class:`~pimdesk.channels.api.FieldSpec`), each with a
``default_source``. A channel's ``field_map`` (``{field: source}``) overrides the defaults;
a source is an attribute code (``brand``) or a property: ``@family``, ``@category_path``,
``@parent``, ``@sku``, ``@tags``. An empty source (``""``) explicitly leaves a field unfilled.
Connector work is mostly this table, so it is data the user can see and edit, never code in
an exporter.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pimdesk.channels.api import FieldSpec
from pimdesk.errors import ValidationError

PROPERTIES: dict[str, str] = {
    "@sku": "the product's SKU",
    "@family": "the family's label",
    "@category_path": "the first category as 'Root > Child > Leaf'",
    "@categories": "every category label, comma-separated",
    "@parent": "the product model (group) code",
    "@tags": "the product's tags, comma-separated",
    "@title": "the product's title (the family's label attribute)",
}


@dataclass(frozen=True)
class MappedField:
    """One channel field as ``channels show`` lists it."""

    name: str
    label: str
    source: str | None
    origin: str  # "mapped" (field_map), "default" (FieldSpec.default_source) or "none"
    required: bool
    fallback: str | None = None  # what the exporter writes when the source is empty


def fallback(spec: FieldSpec) -> str | None:
    """What the exporter makes of the field when nothing fills it, as its ``help`` says by
    the convention ``"Empty: made from the product title."`` (None: it stays empty)."""
    head, sep, rest = spec.help.partition(":")
    if not sep or head.strip().lower() != "empty":
        return None
    return rest.strip().rstrip(".") or None


def effective_map(
    specs: Sequence[FieldSpec], field_map: Mapping[str, Any]
) -> dict[str, str | None]:
    """{field name: source or None} for every field the exporter declares."""
    result: dict[str, str | None] = {}
    for spec in specs:
        if spec.name in field_map:
            source = field_map[spec.name]
            result[spec.name] = str(source) if source else None
        else:
            result[spec.name] = spec.default_source
    return result


def describe_map(specs: Sequence[FieldSpec], field_map: Mapping[str, Any]) -> list[MappedField]:
    effective = effective_map(specs, field_map)
    rows = []
    for spec in specs:
        source = effective[spec.name]
        origin = "mapped" if spec.name in field_map else ("default" if source else "none")
        rows.append(
            MappedField(spec.name, spec.label, source, origin, spec.required, fallback(spec))
        )
    return rows


def check_source(source: str, attribute_codes: set[str], *, field: str) -> None:
    """Refuse a source that names neither a known attribute nor a property."""
    if not source or source in PROPERTIES or source in attribute_codes:
        return
    if source.startswith("@"):
        known = ", ".join(PROPERTIES)
        raise ValidationError(
            f"unknown property {source!r}", where=f"field {field!r}", hint=f"use one of {known}"
        )
    raise ValidationError(
        f"no attribute with the code {source!r}",
        where=f"field {field!r}",
        hint="give an attribute code (see 'pimdesk attributes') or a property such as @family",
    )


def check_field(specs: Sequence[FieldSpec], field: str, exporter: str) -> FieldSpec:
    for spec in specs:
        if spec.name == field:
            return spec
    known = ", ".join(s.name for s in specs) or "none"
    raise ValidationError(
        f"the {exporter} exporter has no field {field!r}",
        where=f"field {field!r}",
        hint=f"its fields: {known}",
    )


def unfilled_sources(
    specs: Sequence[FieldSpec], field_map: Mapping[str, Any], attribute_codes: set[str]
) -> list[str]:
    """Channel fields that nothing can fill: no source, or a source that no longer exists,
    and no fallback of the exporter's (a Shopify handle made from the title is filled)."""
    missing = []
    with_fallback = {spec.name for spec in specs if fallback(spec)}
    for name, source in effective_map(specs, field_map).items():
        if name in with_fallback:
            continue
        if not source or (not source.startswith("@") and source not in attribute_codes):
            missing.append(name)
    return missing
