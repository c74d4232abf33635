"""Variant axes: which axes apply at a level, and their values unique among siblings.

A family variant has one or two levels. In a one-level family, products sit directly under
the root model and differ by ``axes_level1``. In a two-level family, sub-models under the
root differ by ``axes_level1`` and products under a sub-model differ by ``axes_level2``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from pimdesk.catalog.context import FamilyVariantInfo
from pimdesk.catalog.values import get_value
from pimdesk.errors import ValidationError

AxisKey = tuple[str, ...]


def axes_for_product(
    variant: FamilyVariantInfo, parent_is_root: bool, *, where: str = "parent"
) -> tuple[str, ...]:
    if parent_is_root:
        if variant.levels == 2:
            raise ValidationError(
                f"family variant {variant.code} has two levels: a product belongs under a "
                "sub-model, not under the root model",
                where=where,
            )
        return variant.axes_level1
    return variant.axes_level2


def axes_for_submodel(variant: FamilyVariantInfo, *, where: str = "parent") -> tuple[str, ...]:
    if variant.levels != 2:
        raise ValidationError(
            f"family variant {variant.code} has one level: a model cannot sit under a model",
            where=where,
        )
    return variant.axes_level1


def axis_key(values: Mapping[str, Any], axes: Sequence[str]) -> AxisKey:
    """The axis values of an entity as a hashable key ('' for a missing value)."""
    key = []
    for axis in axes:
        data = get_value(values, axis)
        if data is None:
            key.append("")
        elif isinstance(data, str):
            key.append(data.lower())
        else:
            key.append(json.dumps(data, sort_keys=True))
    return tuple(key)


def nearest_axis_values(
    documents: Sequence[Mapping[str, Any]], axes: Sequence[str]
) -> dict[str, Any]:
    """Axis values as a variant sees them (its own document last), without copying."""
    found: dict[str, Any] = {}
    for axis in axes:
        for document in reversed(documents):
            data = get_value(document, axis)
            if data is not None:
                found[axis] = {"<all_channels>": {"<all_locales>": data}}
                break
    return found


def missing_axes(values: Mapping[str, Any], axes: Sequence[str]) -> list[str]:
    return [axis for axis in axes if get_value(values, axis) in (None, "", [], {})]


def describe(key: AxisKey, axes: Sequence[str]) -> str:
    return ", ".join(f"{axis}={value}" for axis, value in zip(axes, key, strict=False))
