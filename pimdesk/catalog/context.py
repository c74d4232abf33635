"""A read-only snapshot of the reference data one operation needs, loaded in a few queries.

Validation, completeness, imports and exports look attributes, options, channels and
families up thousands of times; they take this snapshot instead of querying per row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from pimdesk.catalog.models import (
    Attribute,
    Channel,
    Currency,
    Family,
    FamilyVariant,
    Locale,
)


@dataclass(frozen=True)
class AttributeInfo:
    code: str
    type: str
    localizable: bool = False
    scopable: bool = False
    properties: dict[str, Any] = field(default_factory=dict)
    # option code -> {locale: label}
    options: dict[str, dict[str, Any]] = field(default_factory=dict)
    labels: dict[str, Any] = field(default_factory=dict)
    id: int | None = None

    def label(self, locale: str | None = None) -> str:
        if locale and self.labels.get(locale):
            return str(self.labels[locale])
        return str(next(iter(self.labels.values()), self.code)) if self.labels else self.code


@dataclass(frozen=True)
class ChannelInfo:
    code: str
    label: str
    locales: tuple[str, ...]
    currencies: tuple[str, ...]
    id: int | None = None


@dataclass(frozen=True)
class FamilyInfo:
    id: int
    code: str
    attribute_as_label: str
    attribute_codes: tuple[str, ...]
    requirements: dict[str, list[str]]
    image_requirements: dict[str, list[str]]
    labels: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class FamilyVariantInfo:
    id: int
    code: str
    family_code: str
    axes_level1: tuple[str, ...]
    attributes_level1: tuple[str, ...]
    axes_level2: tuple[str, ...]
    attributes_level2: tuple[str, ...]

    @property
    def levels(self) -> int:
        return 2 if self.axes_level2 else 1


@dataclass
class CatalogContext:
    attributes: dict[str, AttributeInfo]
    channels: dict[str, ChannelInfo]
    locales: tuple[str, ...]  # enabled locales
    currencies: tuple[str, ...]  # enabled currencies
    families: dict[str, FamilyInfo]
    family_variants: dict[str, FamilyVariantInfo]

    @property
    def families_by_id(self) -> dict[int, FamilyInfo]:
        return {f.id: f for f in self.families.values()}

    @property
    def family_variants_by_id(self) -> dict[int, FamilyVariantInfo]:
        return {v.id: v for v in self.family_variants.values()}

    @property
    def identifier_code(self) -> str:
        for attribute in self.attributes.values():
            if attribute.type == "identifier":
                return attribute.code
        return "sku"

    @property
    def default_locale(self) -> str:
        for channel in self.channels.values():
            if channel.locales:
                return channel.locales[0]
        return self.locales[0] if self.locales else "en_US"

    @property
    def default_currency(self) -> str:
        for channel in self.channels.values():
            if channel.currencies:
                return channel.currencies[0]
        return self.currencies[0] if self.currencies else "USD"


def attribute_info(attribute: Attribute) -> AttributeInfo:
    return AttributeInfo(
        code=attribute.code,
        type=attribute.type,
        localizable=attribute.localizable,
        scopable=attribute.scopable,
        properties=dict(attribute.properties or {}),
        options={o.code: dict(o.labels or {}) for o in attribute.options},
        labels=dict(attribute.labels or {}),
        id=attribute.id,
    )


def family_info(family: Family) -> FamilyInfo:
    return FamilyInfo(
        id=family.id,
        code=family.code,
        attribute_as_label=family.attribute_as_label,
        attribute_codes=tuple(family.attribute_codes or ()),
        requirements={k: list(v) for k, v in (family.requirements or {}).items()},
        image_requirements={k: list(v) for k, v in (family.image_requirements or {}).items()},
        labels=dict(family.labels or {}),
    )


def family_variant_info(variant: FamilyVariant, family_code: str) -> FamilyVariantInfo:
    return FamilyVariantInfo(
        id=variant.id,
        code=variant.code,
        family_code=family_code,
        axes_level1=tuple(variant.axes_level1 or ()),
        attributes_level1=tuple(variant.attributes_level1 or ()),
        axes_level2=tuple(variant.axes_level2 or ()),
        attributes_level2=tuple(variant.attributes_level2 or ()),
    )


def load_context(session: Session) -> CatalogContext:
    attributes = {
        a.code: attribute_info(a)
        for a in session.scalars(
            select(Attribute)
            .options(selectinload(Attribute.options))
            .order_by(Attribute.sort_order)
        )
    }
    channels = {
        c.code: ChannelInfo(
            c.code, c.label, tuple(c.locales or ()), tuple(c.currencies or ()), c.id
        )
        for c in session.scalars(select(Channel).order_by(Channel.id))
    }
    locales = tuple(
        session.scalars(select(Locale.code).where(Locale.enabled).order_by(Locale.code))
    )
    currencies = tuple(
        session.scalars(select(Currency.code).where(Currency.enabled).order_by(Currency.code))
    )
    families: dict[str, FamilyInfo] = {}
    variants: dict[str, FamilyVariantInfo] = {}
    for family in session.scalars(select(Family).options(selectinload(Family.variants))):
        families[family.code] = family_info(family)
        for variant in family.variants:
            variants[variant.code] = family_variant_info(variant, family.code)
    return CatalogContext(attributes, channels, locales, currencies, families, variants)
