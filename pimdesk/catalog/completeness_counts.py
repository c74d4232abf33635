"""Completeness counts for ``pimdesk status``: queries over the stored completeness.

The catalog keeps each product's completeness per channel, lowest over the channel's
locales (``product_completeness``, kept by every write: ``catalog.summary``). So "complete
in every locale of the channel" is ``ratio = 100``: one GROUP BY. Per locale, a product
complete everywhere is complete in each locale; only the products *not* complete everywhere
on a channel with several locales are computed in Python, to tell which of their locales are
complete. A catalog in good shape costs a couple of queries; single-locale channels never
compute anything.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pimdesk.catalog.completeness import compute
from pimdesk.catalog.context import CatalogContext, ChannelInfo
from pimdesk.catalog.models import (
    AssetLink,
    AssetVersion,
    Product,
    ProductCompleteness,
    ProductModel,
)
from pimdesk.catalog.values import merged

EVERY_LOCALE = "*"


def summary(session: Session, context: CatalogContext) -> list[dict[str, Any]]:
    """Per channel: products complete in all its locales, and per locale, out of how many
    (the products that have a family)."""
    channels = _channels(context)
    by_id = {c.id: c for c in channels}
    counted: dict[tuple[str, str], int] = {}
    for channel_id, n in session.execute(
        select(ProductCompleteness.channel_id, func.count())
        .where(ProductCompleteness.ratio >= 100)
        .group_by(ProductCompleteness.channel_id)
    ):
        channel = by_id.get(channel_id)
        if channel is None:
            continue
        for locale in (EVERY_LOCALE, *channel.locales):
            counted[(channel.code, locale)] = int(n)
    for channel in channels:
        if len(channel.locales) < 2:
            continue
        partial = list(
            session.scalars(
                select(ProductCompleteness.product_id).where(
                    ProductCompleteness.channel_id == channel.id, ProductCompleteness.ratio < 100
                )
            )
        )
        for _pid, code, locale in complete_rows(session, context, partial, [channel]):
            if locale != EVERY_LOCALE:
                counted[(code, locale)] = counted.get((code, locale), 0) + 1
    return _shape(session, channels, counted)


def summary_computed(session: Session, context: CatalogContext) -> list[dict[str, Any]]:
    """:func:`summary` computed afresh for every product (the reference the tests compare
    the stored counts with)."""
    counted: dict[tuple[str, str], int] = {}
    for _pid, channel, locale in complete_rows(session, context):
        counted[(channel, locale)] = counted.get((channel, locale), 0) + 1
    return _shape(session, _channels(context), counted)


def _channels(context: CatalogContext) -> list[ChannelInfo]:
    return [c for c in context.channels.values() if c.locales]


def _shape(
    session: Session, channels: list[ChannelInfo], counted: dict[tuple[str, str], int]
) -> list[dict[str, Any]]:
    total = int(
        session.scalar(
            select(func.count()).select_from(Product).where(Product.family_id.is_not(None))
        )
        or 0
    )
    return [
        {
            "channel": c.code,
            "total": total,
            "complete": counted.get((c.code, EVERY_LOCALE), 0),
            "locales": [
                {"locale": loc, "complete": counted.get((c.code, loc), 0)} for loc in c.locales
            ],
        }
        for c in channels
    ]


def complete_rows(
    session: Session,
    context: CatalogContext,
    product_ids: Iterable[int] | None = None,
    channels: list[ChannelInfo] | None = None,
) -> Iterator[tuple[int, str, str]]:
    """(product id, channel, locale or ``*``) for every place a product is complete,
    computed from its values, its models' values and its approved image roles.

    ``product_ids`` None: every product. Products without a family have nothing required
    and get no rows (they are not counted)."""
    channels = _channels(context) if channels is None else channels
    if not channels:
        return
    families = context.families_by_id
    models = {
        mid: (parent_id, values)
        for mid, parent_id, values in session.execute(
            select(ProductModel.id, ProductModel.parent_id, ProductModel.values)
        )
    }
    approved = select(AssetVersion.asset_id).where(AssetVersion.approval == "approved")
    model_roles: dict[int, set[str]] = {}
    for model_id, role in session.execute(
        select(AssetLink.product_model_id, AssetLink.role)
        .where(AssetLink.product_model_id.is_not(None), AssetLink.asset_id.in_(approved))
        .distinct()
    ):
        model_roles.setdefault(model_id, set()).add(role)
    columns = (Product.id, Product.family_id, Product.parent_id, Product.values)
    if product_ids is None:
        batches: Iterable[list[int] | None] = [None]
    else:
        ordered = sorted(set(product_ids))
        batches = [ordered[i : i + 900] for i in range(0, len(ordered), 900)]
    for batch in batches:
        roles_query = (
            select(AssetLink.product_id, AssetLink.role)
            .where(AssetLink.product_id.is_not(None), AssetLink.asset_id.in_(approved))
            .distinct()
        )
        products = select(*columns).where(Product.family_id.is_not(None))
        if batch is not None:
            roles_query = roles_query.where(AssetLink.product_id.in_(batch))
            products = products.where(Product.id.in_(batch))
        product_roles: dict[int, set[str]] = {}
        for product_id, role in session.execute(roles_query):
            product_roles.setdefault(product_id, set()).add(role)
        rows = session.execute(products.execution_options(yield_per=2000))
        for product_id, family_id, parent_id, values in rows:
            family = families.get(family_id)
            if family is None:
                continue
            chain: list[int] = []
            current = parent_id
            while current is not None and current in models and current not in chain:
                chain.insert(0, current)
                current = models[current][0]
            document = merged([models[m][1] for m in chain] + [values])
            roles = set(product_roles.get(product_id, ()))
            for m in chain:
                roles |= model_roles.get(m, set())
            for channel in channels:
                everywhere = True
                for locale in channel.locales:
                    if compute(context, family, document, channel, locale, roles).complete:
                        yield product_id, channel.code, locale
                    else:
                        everywhere = False
                if everywhere:
                    yield product_id, channel.code, EVERY_LOCALE
