"""Reference data the front ends edit: attributes and options, families and their variants,
categories, locales, currencies and channels' scopes. Plain dataclasses in and out."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pimdesk.catalog import summary
from pimdesk.catalog.context import (
    AttributeInfo,
    CatalogContext,
    ChannelInfo,
    FamilyInfo,
    FamilyVariantInfo,
    attribute_info,
    family_info,
    family_variant_info,
    load_context,
)
from pimdesk.catalog.models import (
    ATTRIBUTE_TYPES,
    Attribute,
    AttributeOption,
    Category,
    Channel,
    Currency,
    Family,
    FamilyVariant,
    Locale,
)
from pimdesk.errors import NotFoundError, ValidationError
from pimdesk.events import Change
from pimdesk.importexport.columns import PROPERTY_COLUMNS, valid_code
from pimdesk.library import Library

_OPTION_CODE = re.compile(r"^[A-Za-z0-9_]+$")
AXIS_TYPES = ("simpleselect", "boolean", "metric")


@dataclass(frozen=True)
class CategoryInfo:
    code: str
    parent: str | None
    labels: dict[str, Any]


def valid_option_code(code: str) -> bool:
    return bool(_OPTION_CODE.match(code))


def context(library: Library) -> CatalogContext:
    """A snapshot of every attribute, channel, family and family variant."""
    with library.session() as session:
        return load_context(session)


# -- attributes -----------------------------------------------------------------------------


def list_attributes(library: Library) -> list[AttributeInfo]:
    return list(context(library).attributes.values())


def get_attribute(library: Library, code: str) -> AttributeInfo:
    with library.session() as session:
        attribute = session.scalars(select(Attribute).where(Attribute.code == code)).first()
        if attribute is None:
            raise NotFoundError(f"no attribute {code!r}", where="attribute")
        return attribute_info(attribute)


def add_attribute(
    session: Session,
    code: str,
    type: str = "text",
    *,
    labels: Mapping[str, str] | None = None,
    localizable: bool = False,
    scopable: bool = False,
    properties: Mapping[str, Any] | None = None,
    group: str = "general",
) -> Attribute:
    """Create an attribute inside an open transaction (imports use this)."""
    if not valid_code(code) or code in PROPERTY_COLUMNS:
        raise ValidationError(
            f"{code!r} cannot be an attribute code (letters, digits and '_' only; "
            "not a reserved column name)",
            where="attribute",
        )
    if type not in ATTRIBUTE_TYPES or type == "identifier":
        raise ValidationError(
            f"{type!r} is not an attribute type ({', '.join(ATTRIBUTE_TYPES[1:])})",
            where=code,
        )
    if session.scalars(select(Attribute.id).where(Attribute.code == code)).first():
        raise ValidationError(f"attribute {code!r} already exists", where="attribute")
    order = session.scalar(select(func.max(Attribute.sort_order))) or 0
    attribute = Attribute(
        code=code,
        type=type,
        labels=dict(labels or {"en_US": code.replace("_", " ").capitalize()}),
        localizable=localizable,
        scopable=scopable,
        unique=False,
        properties=dict(properties or {}),
        sort_order=order + 1,
        group=group,
    )
    if type == "metric":
        attribute.properties.setdefault("metric_family", "Weight")
    session.add(attribute)
    session.flush()
    return attribute


def create_attribute(
    library: Library, code: str, type: str = "text", **kwargs: Any
) -> AttributeInfo:
    with library.session() as session:
        attribute = add_attribute(session, code, type, **kwargs)
        info = attribute_info(attribute)
    library.emit(Change(kind="reference", detail=f"attribute {code}"))
    return info


def add_options(
    session: Session, attribute_code: str, options: Iterable[tuple[str, Mapping[str, str]]]
) -> list[str]:
    """Add (code, labels) options that do not exist yet; return the codes added."""
    attribute = session.scalars(select(Attribute).where(Attribute.code == attribute_code)).first()
    if attribute is None:
        raise NotFoundError(f"no attribute {attribute_code!r}", where="attribute")
    if attribute.type not in ("simpleselect", "multiselect"):
        raise ValidationError(f"{attribute_code} has no options (it is {attribute.type})")
    existing = {o.code for o in attribute.options}
    added = []
    order = len(existing)
    for code, labels in options:
        if not valid_option_code(code):
            raise ValidationError(f"{code!r} is not a valid option code", where=attribute_code)
        if code in existing:
            continue
        order += 1
        attribute.options.append(AttributeOption(code=code, labels=dict(labels), sort_order=order))
        existing.add(code)
        added.append(code)
    session.flush()
    return added


def create_options(
    library: Library, attribute_code: str, options: Iterable[tuple[str, Mapping[str, str]]]
) -> list[str]:
    with library.session() as session:
        added = add_options(session, attribute_code, options)
    library.emit(Change(kind="reference", detail=f"options of {attribute_code}"))
    return added


# -- families -------------------------------------------------------------------------------


def list_families(library: Library) -> list[FamilyInfo]:
    return list(context(library).families.values())


def add_family(
    session: Session,
    code: str,
    *,
    attributes: Sequence[str],
    requirements: Mapping[str, Sequence[str]] | None = None,
    image_requirements: Mapping[str, Sequence[str]] | None = None,
    labels: Mapping[str, str] | None = None,
    attribute_as_label: str = "name",
) -> Family:
    if not valid_code(code):
        raise ValidationError(f"{code!r} is not a valid family code", where="family")
    if session.scalars(select(Family.id).where(Family.code == code)).first():
        raise ValidationError(f"family {code!r} already exists", where="family")
    known = set(session.scalars(select(Attribute.code)))
    missing = [a for a in attributes if a not in known]
    for codes in (requirements or {}).values():
        missing += [a for a in codes if a not in attributes and a not in missing]
    if missing:
        raise ValidationError(
            f"unknown or not-in-family attributes: {', '.join(missing)}", where=f"family {code}"
        )
    family = Family(
        code=code,
        labels=dict(labels or {"en_US": code.replace("_", " ").capitalize()}),
        attribute_as_label=attribute_as_label,
        attribute_codes=list(attributes),
        requirements={k: list(v) for k, v in (requirements or {}).items()},
        image_requirements={k: list(v) for k, v in (image_requirements or {}).items()},
    )
    session.add(family)
    session.flush()
    return family


def create_family(library: Library, code: str, **kwargs: Any) -> FamilyInfo:
    with library.session() as session:
        info = family_info(add_family(session, code, **kwargs))
    library.emit(Change(kind="reference", detail=f"family {code}"))
    return info


def set_family_requirements(
    library: Library,
    code: str,
    *,
    requirements: Mapping[str, Sequence[str]] | None = None,
    image_requirements: Mapping[str, Sequence[str]] | None = None,
) -> FamilyInfo:
    """Change what a family requires per channel (completeness follows)."""
    with library.session() as session:
        family = session.scalars(select(Family).where(Family.code == code)).first()
        if family is None:
            raise NotFoundError(f"no family {code!r}", where="family")
        if requirements is not None:
            family.requirements = {k: list(v) for k, v in requirements.items()}
        if image_requirements is not None:
            family.image_requirements = {k: list(v) for k, v in image_requirements.items()}
        info = family_info(family)
        summary.refresh_families(session, [code])
    library.emit(Change(kind="reference", detail=f"family {code}"))
    return info


def add_family_variant(
    session: Session,
    code: str,
    *,
    family: str,
    axes_level1: Sequence[str],
    attributes_level1: Sequence[str] = (),
    axes_level2: Sequence[str] = (),
    attributes_level2: Sequence[str] = (),
    labels: Mapping[str, str] | None = None,
) -> FamilyVariant:
    where = f"family variant {code}"
    if not valid_code(code):
        raise ValidationError(f"{code!r} is not a valid family variant code", where=where)
    owner = session.scalars(select(Family).where(Family.code == family)).first()
    if owner is None:
        raise NotFoundError(f"no family {family!r}", where=where)
    if not axes_level1:
        raise ValidationError("a family variant needs at least one axis", where=where)
    attributes = {
        a.code: a
        for a in session.scalars(
            select(Attribute).where(Attribute.code.in_([*axes_level1, *axes_level2]))
        )
    }
    for axis in [*axes_level1, *axes_level2]:
        attribute = attributes.get(axis)
        if attribute is None:
            raise ValidationError(f"axis {axis!r} is not an attribute", where=where)
        if attribute.type not in AXIS_TYPES:
            raise ValidationError(
                f"axis {axis} is a {attribute.type}; axes are simple selects, booleans or metrics",
                where=where,
            )
        if attribute.localizable or attribute.scopable:
            raise ValidationError(f"axis {axis} must not be localizable or scopable", where=where)
        if axis not in owner.attribute_codes:
            raise ValidationError(f"axis {axis} is not in family {family}", where=where)
    variant = FamilyVariant(
        code=code,
        family_id=owner.id,
        labels=dict(labels or {"en_US": code.replace("_", " ").capitalize()}),
        axes_level1=list(axes_level1),
        attributes_level1=sorted({*axes_level1, *attributes_level1}),
        axes_level2=list(axes_level2),
        attributes_level2=sorted({*axes_level2, *attributes_level2}),
    )
    session.add(variant)
    session.flush()
    return variant


def create_family_variant(library: Library, code: str, **kwargs: Any) -> FamilyVariantInfo:
    with library.session() as session:
        variant = add_family_variant(session, code, **kwargs)
        info = family_variant_info(variant, kwargs["family"])
    library.emit(Change(kind="reference", detail=f"family variant {code}"))
    return info


def list_family_variants(library: Library, family: str | None = None) -> list[FamilyVariantInfo]:
    return [
        v
        for v in context(library).family_variants.values()
        if family is None or v.family_code == family
    ]


# -- categories -----------------------------------------------------------------------------


def add_category(
    session: Session,
    code: str,
    *,
    parent: str | None = None,
    labels: Mapping[str, str] | None = None,
) -> Category:
    if not valid_code(code):
        raise ValidationError(f"{code!r} is not a valid category code", where="category")
    parent_id = None
    if parent:
        parent_row = session.scalars(select(Category).where(Category.code == parent)).first()
        if parent_row is None:
            raise NotFoundError(f"no category {parent!r}", where="category")
        parent_id = parent_row.id
    category = Category(code=code, parent_id=parent_id, labels=dict(labels or {}))
    session.add(category)
    session.flush()
    return category


def create_category(
    library: Library,
    code: str,
    *,
    parent: str | None = None,
    labels: Mapping[str, str] | None = None,
) -> CategoryInfo:
    with library.session() as session:
        add_category(session, code, parent=parent, labels=labels)
    library.emit(Change(kind="reference", detail=f"category {code}"))
    return CategoryInfo(code, parent, dict(labels or {}))


def list_categories(library: Library) -> list[CategoryInfo]:
    with library.session() as session:
        rows = session.scalars(select(Category).order_by(Category.sort_order, Category.code)).all()
        codes = {c.id: c.code for c in rows}
        return [CategoryInfo(c.code, codes.get(c.parent_id or -1), dict(c.labels)) for c in rows]


# -- locales, currencies, channels ----------------------------------------------------------


def list_channels(library: Library) -> list[ChannelInfo]:
    return list(context(library).channels.values())


def list_locales(library: Library) -> list[str]:
    return list(context(library).locales)


def list_currencies(library: Library) -> list[str]:
    return list(context(library).currencies)


def enable_locale(session: Session, code: str) -> None:
    locale = session.get(Locale, code)
    if locale is None:
        session.add(Locale(code=code, enabled=True))
    else:
        locale.enabled = True
    session.flush()


def enable_currency(session: Session, code: str) -> None:
    if len(code) != 3 or not code.isalpha() or not code.isupper():
        raise ValidationError(f"{code!r} is not an ISO 4217 currency code", where="currency")
    currency = session.get(Currency, code)
    if currency is None:
        session.add(Currency(code=code, enabled=True))
    else:
        currency.enabled = True
    session.flush()


def set_channel_scope(
    library: Library,
    channel: str,
    *,
    locales: Sequence[str] | None = None,
    currencies: Sequence[str] | None = None,
) -> ChannelInfo:
    """Set which locales and currencies a channel carries (enabling them as needed)."""
    with library.session() as session:
        row = session.scalars(select(Channel).where(Channel.code == channel)).first()
        if row is None:
            raise NotFoundError(f"no channel {channel!r}", where="channel")
        if locales is not None:
            for code in locales:
                enable_locale(session, code)
            row.locales = list(locales)
        if currencies is not None:
            for code in currencies:
                enable_currency(session, code)
            row.currencies = list(currencies)
        info = ChannelInfo(row.code, row.label, tuple(row.locales), tuple(row.currencies), row.id)
        summary.refresh_all(session)
    library.emit(Change(kind="channel", channel_codes=frozenset({channel})))
    return info
