"""Read-only questions the window asks that no other service answers (owned by the GUI work).

Kept small on purpose: what a page of the products table shows beside
``services.products.list_products`` (main thumbnail, completeness per channel, last publish
time) and the counts of the sidebar. Writes, and anything with rules of its own, stay in
the services of their areas.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pimdesk.assets.store import ContentStore
from pimdesk.catalog.context import load_context
from pimdesk.catalog.models import (
    Asset,
    AssetLink,
    AssetVersion,
    Channel,
    IngestProblem,
    Product,
)
from pimdesk.library import Library


@dataclass(frozen=True)
class ProductExtras:
    """What a product list shows beside the catalog's own row: picture, completeness, publish."""

    thumbnail: Path | None
    last_published: dt.datetime | None
    completeness: dict[str, int]  # channel -> lowest ratio over its locales
    missing: dict[str, tuple[str, ...]]  # channel -> what is missing (first locale short)


def thumbnail_path(library: Library, sha256: str) -> Path:
    """Where the ingest pipeline keeps the thumbnail of a version."""
    return ContentStore(library.root).thumb_path(sha256)


def page_extras(library: Library, product_ids: Sequence[int]) -> dict[int, ProductExtras]:
    """Thumbnails, completeness per channel and last publish time for a page of products.

    The products table's own reader (``services.product_table``): a handful of indexed
    queries per page, completeness from the catalog's stored summary.
    """
    from pimdesk.services import product_table

    ids = list(product_ids)
    if not ids:
        return {}
    with library.session() as s:
        context = load_context(s)
        rows = product_table.product_rows(s, context, library, ids, context.default_locale)
    return {
        row.id: ProductExtras(
            thumbnail=row.thumbnail,
            last_published=row.last_published,
            completeness=dict(row.completeness),
            missing=dict(row.missing),
        )
        for row in rows
    }


def _main_thumbnails(s: Session, product_ids: list[int]) -> dict[int, str]:
    """product id -> sha256 of the newest version of its first image (main role first).

    Two indexed lookups (the page's links, then those assets' versions), never a scan of
    every version in the library.
    """
    if not product_ids:
        return {}
    links = s.execute(
        select(AssetLink.product_id, AssetLink.role, AssetLink.position, AssetLink.asset_id)
        .join(Asset, Asset.id == AssetLink.asset_id)
        .where(AssetLink.product_id.in_(product_ids), Asset.kind == "image")
    ).all()
    newest: dict[int, tuple[int, str]] = {}
    asset_ids = sorted({asset_id for *_rest, asset_id in links})
    for start in range(0, len(asset_ids), 500):
        for asset_id, number, sha in s.execute(
            select(AssetVersion.asset_id, AssetVersion.number, AssetVersion.sha256).where(
                AssetVersion.asset_id.in_(asset_ids[start : start + 500])
            )
        ):
            if asset_id not in newest or number > newest[asset_id][0]:
                newest[asset_id] = (number, sha)
    best: dict[int, tuple[int, int, str]] = {}
    for product_id, role, position, asset_id in links:
        if asset_id not in newest:
            continue
        rank = (0 if role == "main" else 1, position or 0, newest[asset_id][1])
        if product_id not in best or rank < best[product_id]:
            best[product_id] = rank
    return {pid: rank[2] for pid, rank in best.items()}


@dataclass(frozen=True)
class SidebarCounts:
    products: int
    assets: int
    unmatched: int
    channels: int
    expiring: int
    problems: int


def sidebar_counts(library: Library, soon_days: int = 30) -> SidebarCounts:
    """The numbers beside each entry of the window's sidebar, in one short transaction."""
    from pimdesk.catalog.models import AssetRights

    now = dt.datetime.now(dt.UTC)
    with library.session() as s:
        return SidebarCounts(
            products=s.scalar(select(func.count(Product.id))) or 0,
            assets=s.scalar(select(func.count(Asset.id))) or 0,
            unmatched=s.scalar(select(func.count(Asset.id)).where(Asset.inbox_reason.is_not(None)))
            or 0,
            channels=s.scalar(select(func.count(Channel.id))) or 0,
            expiring=s.scalar(
                select(func.count(AssetRights.asset_id)).where(
                    AssetRights.expires_at.is_not(None),
                    AssetRights.expires_at < now + dt.timedelta(days=soon_days),
                )
            )
            or 0,
            problems=s.scalar(
                select(func.count(IngestProblem.id)).where(IngestProblem.resolved.is_(False))
            )
            or 0,
        )


@dataclass(frozen=True)
class ProductImage:
    """One asset linked to a product (directly, or to its model when ``inherited``)."""

    asset_id: int
    title: str
    kind: str
    role: str
    position: int
    thumbnail: Path | None
    approval: str | None
    inherited: bool


def product_images(library: Library, sku: str) -> list[ProductImage]:
    """The assets linked to a product and to its models, by role then position."""
    with library.session() as s:
        product = s.scalar(select(Product).where(Product.sku == sku))
        if product is None:
            return []
        model_ids = []
        parent = product.parent
        while parent is not None:
            model_ids.append(parent.id)
            parent = parent.parent
        condition = AssetLink.product_id == product.id
        if model_ids:
            condition = condition | AssetLink.product_model_id.in_(model_ids)
        links = s.execute(
            select(AssetLink, Asset).join(Asset, Asset.id == AssetLink.asset_id).where(condition)
        ).all()
        newest = {
            asset_id: (number, sha, approval)
            for asset_id, number, sha, approval in s.execute(
                select(
                    AssetVersion.asset_id,
                    AssetVersion.number,
                    AssetVersion.sha256,
                    AssetVersion.approval,
                )
                .where(AssetVersion.asset_id.in_([a.id for _, a in links]))
                .order_by(AssetVersion.asset_id, AssetVersion.number)
            )
        }
        images = []
        for link, asset in links:
            version = newest.get(asset.id)
            images.append(
                ProductImage(
                    asset_id=asset.id,
                    title=asset.title,
                    kind=asset.kind,
                    role=link.role,
                    position=link.position,
                    thumbnail=thumbnail_path(library, version[1]) if version else None,
                    approval=version[2] if version else None,
                    inherited=link.product_id is None,
                )
            )
        images.sort(key=lambda i: (i.role != "main", i.role, i.position, i.asset_id))
        return images
