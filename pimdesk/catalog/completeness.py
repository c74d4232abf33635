"""Completeness per (product, channel, locale), computed as Akeneo does.

Required = the family's required attributes for the channel plus its required image roles.
Filled = required attributes with a value in that channel and locale (localizable attributes
are read in the locale, scopable ones in the channel, or in the shared value when the channel
has none of its own, as its listing reads them; variants see their parents' values),
plus required roles with an image linked (to the product or a parent model) that has an
approved version. Ratio = floor(100 * filled / required); 100 when nothing is required.

Special cases, as in Akeneo: a price is filled only when it carries every currency of the
channel; a metric needs both an amount and a unit; ``False`` is a filled boolean.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pimdesk.catalog.context import AttributeInfo, CatalogContext, ChannelInfo, FamilyInfo
from pimdesk.catalog.models import (
    ALL_CHANNELS,
    ALL_LOCALES,
    AssetLink,
    AssetVersion,
    Product,
    ProductModel,
)
from pimdesk.catalog.values import merged


@dataclass(frozen=True)
class Completeness:
    channel: str
    locale: str
    ratio: int  # 0..100, floored
    required: int
    filled: int
    missing: tuple[str, ...]  # attribute codes, and "image:<role>" for image roles

    @property
    def complete(self) -> bool:
        return self.filled >= self.required


@dataclass(frozen=True)
class ModelCompleteness:
    """For a product model: how many of its variants are complete in a channel and locale."""

    channel: str
    locale: str
    complete: int
    total: int

    def __str__(self) -> str:
        return f"{self.complete} of {self.total} variants complete"


def is_filled(
    attribute: AttributeInfo, values: Mapping[str, Any], channel: ChannelInfo, locale: str
) -> bool:
    """Whether the attribute has a usable value for this channel and locale."""
    by_channel = values.get(attribute.code)
    if not by_channel:
        return False
    lkey = locale if attribute.localizable else ALL_LOCALES
    data = None
    if attribute.scopable:  # the channel's own value, else the shared one (as listings read)
        by_locale = by_channel.get(channel.code)
        if by_locale:
            data = by_locale.get(lkey)
    if data is None:
        by_locale = by_channel.get(ALL_CHANNELS)
        if by_locale:
            data = by_locale.get(lkey)
    if data is None:
        return False
    kind = attribute.type
    if kind == "price":
        if not isinstance(data, list):
            return False
        have = {
            p.get("currency")
            for p in data
            if isinstance(p, Mapping) and p.get("amount") not in (None, "")
        }
        return bool(channel.currencies) and set(channel.currencies) <= have
    if kind == "metric":
        return (
            isinstance(data, Mapping)
            and data.get("amount") not in (None, "")
            and data.get("unit") not in (None, "")
        )
    if kind == "boolean":
        return isinstance(data, bool)
    if isinstance(data, str):
        return data.strip() != ""
    if isinstance(data, (list, dict)):
        return len(data) > 0
    return True


def compute(
    context: CatalogContext,
    family: FamilyInfo,
    values: Mapping[str, Any],
    channel: ChannelInfo,
    locale: str,
    present_roles: Iterable[str] = (),
    *,
    has_identifier: bool = True,
) -> Completeness:
    """Completeness of one (resolved) value document for one channel and locale."""
    required = 0
    filled = 0
    missing: list[str] = []
    for code in family.requirements.get(channel.code, []):
        attribute = context.attributes.get(code)
        if attribute is None:
            continue
        required += 1
        if attribute.type == "identifier":
            ok = has_identifier
        else:
            ok = is_filled(attribute, values, channel, locale)
        if ok:
            filled += 1
        else:
            missing.append(code)
    roles = set(present_roles)
    for role in family.image_requirements.get(channel.code, []):
        required += 1
        if role in roles:
            filled += 1
        else:
            missing.append(f"image:{role}")
    ratio = 100 if required == 0 else (100 * filled) // required
    return Completeness(channel.code, locale, ratio, required, filled, tuple(missing))


# -- reading from the catalog -------------------------------------------------------------


def ancestry(session: Session, model_id: int | None) -> list[ProductModel]:
    """The models above an entity, farthest first."""
    chain: list[ProductModel] = []
    while model_id is not None:
        model = session.get(ProductModel, model_id)
        if model is None:
            break
        chain.insert(0, model)
        model_id = model.parent_id
    return chain


def approved_roles(session: Session, product_id: int | None, model_ids: Iterable[int]) -> set[str]:
    """Roles with a linked asset that has at least one approved version."""
    models = list(model_ids)
    conditions = []
    if product_id is not None:
        conditions.append(AssetLink.product_id == product_id)
    if models:
        conditions.append(AssetLink.product_model_id.in_(models))
    if not conditions:
        return set()
    from sqlalchemy import or_

    rows = session.scalars(
        select(AssetLink.role)
        .join(AssetVersion, AssetVersion.asset_id == AssetLink.asset_id)
        .where(or_(*conditions), AssetVersion.approval == "approved")
        .distinct()
    )
    return set(rows)


def product_completeness(
    session: Session, context: CatalogContext, product: Product
) -> list[Completeness]:
    """Completeness of a product for every channel and each of its locales."""
    if product.family_id is None:
        return []
    family = context.families_by_id.get(product.family_id)
    if family is None:
        return []
    chain = ancestry(session, product.parent_id)
    values = merged([m.values for m in chain] + [product.values])
    roles = approved_roles(session, product.id, [m.id for m in chain])
    return [
        compute(context, family, values, channel, locale, roles)
        for channel in context.channels.values()
        for locale in channel.locales
    ]


def model_completeness(
    session: Session, context: CatalogContext, model: ProductModel
) -> list[ModelCompleteness]:
    """'x of y variants complete' per channel and locale for a (root or sub) model."""
    submodels = list(
        session.scalars(select(ProductModel).where(ProductModel.parent_id == model.id))
    )
    parent_ids = [model.id] + [m.id for m in submodels]
    variants = list(session.scalars(select(Product).where(Product.parent_id.in_(parent_ids))))
    results: dict[tuple[str, str], list[int]] = {}
    for channel in context.channels.values():
        for locale in channel.locales:
            results[(channel.code, locale)] = [0, len(variants)]
    for variant in variants:
        for item in product_completeness(session, context, variant):
            if item.complete and (item.channel, item.locale) in results:
                results[(item.channel, item.locale)][0] += 1
    return [ModelCompleteness(c, loc, done, total) for (c, loc), (done, total) in results.items()]
