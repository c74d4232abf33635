"""Change tracking: bump ``product.revision`` for everything a change can alter.

A listing depends on the product's values, its parents' values and its images, so a write
to a product model touches every variant below it, and a write to an asset touches every
product it is linked to (directly or through a model). Publishing compares revisions with
what it last published, so finding the waiting listings never recomputes a listing.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from pimdesk.catalog.models import AssetLink, Product, ProductModel


def touch_products(session: Session, product_ids: Iterable[int]) -> set[int]:
    """Mark these products changed; return their ids.

    What changes a listing can change completeness and the label too, so the stored table
    summaries (``catalog.summary``) are refreshed here, in the same transaction.
    """
    from pimdesk.catalog import summary

    ids = set(product_ids)
    for chunk in _chunks(sorted(ids)):
        session.execute(
            update(Product).where(Product.id.in_(chunk)).values(revision=Product.revision + 1)
        )
    summary.refresh_products(session, ids)
    return ids


def products_under_models(session: Session, model_ids: Iterable[int]) -> set[int]:
    """Ids of every variant below these models (one or two levels down)."""
    models = set(model_ids)
    if not models:
        return set()
    children = set(
        session.scalars(select(ProductModel.id).where(ProductModel.parent_id.in_(models)))
    )
    return set(session.scalars(select(Product.id).where(Product.parent_id.in_(models | children))))


def touch_models(session: Session, model_ids: Iterable[int]) -> set[int]:
    """Mark every variant below these models changed; return the product ids."""
    from pimdesk.catalog import summary

    models = set(model_ids)
    summary.refresh_models(session, models)
    return touch_products(session, products_under_models(session, models))


def products_linked_to_assets(session: Session, asset_ids: Iterable[int]) -> set[int]:
    assets = set(asset_ids)
    if not assets:
        return set()
    rows = session.execute(
        select(AssetLink.product_id, AssetLink.product_model_id).where(
            AssetLink.asset_id.in_(assets)
        )
    ).all()
    products = {p for p, _ in rows if p is not None}
    products |= products_under_models(session, {m for _, m in rows if m is not None})
    return products


def touch_assets(session: Session, asset_ids: Iterable[int]) -> set[int]:
    """Mark every product that shows one of these assets changed; return the product ids."""
    return touch_products(session, products_linked_to_assets(session, asset_ids))


def _chunks(ids: list[int], size: int = 900) -> Iterable[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]
