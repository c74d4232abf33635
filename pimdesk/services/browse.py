"""Read-only questions the window asks that no other service answers (owned by the GUI work).

Kept small on purpose: pages of products with their main thumbnail and last publish time,
and the counts of the sidebar. Writes and anything with rules of its own (completeness,
search, publishing) stay in the services of their areas.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pimdesk.catalog import values as value_docs
from pimdesk.catalog.models import (
    Asset,
    AssetLink,
    AssetVersion,
    Channel,
    Family,
    IngestProblem,
    Locale,
    Product,
    ProductModel,
    PublishedListing,
)
from pimdesk.library import Library


@dataclass(frozen=True)
class ProductLine:
    """One product as a list shows it."""

    id: int
    sku: str
    name: str
    family: str | None
    enabled: bool
    parent: str | None
    thumbnail: Path | None
    last_published: dt.datetime | None


def thumbnail_path(library: Library, sha256: str) -> Path:
    """Where the ingest pipeline keeps the thumbnail of a version (``thumbs/ab/<hash>.webp``)."""
    return library.thumbs_dir / sha256[:2] / f"{sha256}.webp"


def product_page(
    library: Library,
    after: str | None = None,
    limit: int = 200,
    descending: bool = False,
    locale: str | None = None,
    skus: Sequence[str] | None = None,
    prefix: str = "",
    family: str | None = None,
) -> list[ProductLine]:
    """The next ``limit`` products after SKU ``after`` (keyset), in SKU order.

    Three indexed queries per page whatever the catalog size: the products, their main
    image's newest version, their last publish time.
    """
    with library.session() as s:
        if locale is None:
            locale = default_locale(s)
        query = (
            select(Product, Family.code, ProductModel.code)
            .outerjoin(Family, Family.id == Product.family_id)
            .outerjoin(ProductModel, ProductModel.id == Product.parent_id)
        )
        if after is not None:
            query = query.where(Product.sku < after if descending else Product.sku > after)
        if skus is not None:
            query = query.where(Product.sku.in_(list(skus)))
        if prefix:
            query = query.where(Product.sku >= prefix, Product.sku < prefix + "\U0010ffff")
        if family:
            query = query.where(Family.code == family)
        query = query.order_by(Product.sku.desc() if descending else Product.sku).limit(limit)
        rows = s.execute(query).all()
        ids = [p.id for p, _, _ in rows]
        thumbs = _main_thumbnails(s, ids)
        published = dict(
            s.execute(
                select(PublishedListing.product_id, func.max(PublishedListing.published_at))
                .where(PublishedListing.product_id.in_(ids))
                .group_by(PublishedListing.product_id)
            ).all()
        )
        parents = _parent_values(s, [p.parent_id for p, _, _ in rows if p.parent_id])
        lines = []
        for product, family, model in rows:
            docs = parents.get(product.parent_id, []) if product.parent_id else []
            doc = value_docs.merged([*docs, product.values]) if docs else product.values
            name = value_docs.resolve(doc, "name", locale, None)
            sha = thumbs.get(product.id)
            lines.append(
                ProductLine(
                    id=product.id,
                    sku=product.sku,
                    name=str(name) if name is not None else "",
                    family=family,
                    enabled=product.enabled,
                    parent=model,
                    thumbnail=thumbnail_path(library, sha) if sha else None,
                    last_published=published.get(product.id),
                )
            )
        return lines


def default_locale(s: Session) -> str | None:
    """The first enabled locale: what a list shows when the user has not chosen one."""
    return s.scalar(select(Locale.code).where(Locale.enabled.is_(True)).order_by(Locale.code))


def _main_thumbnails(s: Session, product_ids: list[int]) -> dict[int, str]:
    """product id -> sha256 of the newest version of its first image (main role first)."""
    if not product_ids:
        return {}
    newest = (
        select(AssetVersion.asset_id, func.max(AssetVersion.number).label("number"))
        .group_by(AssetVersion.asset_id)
        .subquery()
    )
    rows = s.execute(
        select(AssetLink.product_id, AssetLink.role, AssetLink.position, AssetVersion.sha256)
        .join(Asset, Asset.id == AssetLink.asset_id)
        .join(newest, newest.c.asset_id == Asset.id)
        .join(
            AssetVersion,
            (AssetVersion.asset_id == Asset.id) & (AssetVersion.number == newest.c.number),
        )
        .where(AssetLink.product_id.in_(product_ids), Asset.kind == "image")
    ).all()
    best: dict[int, tuple[int, int, str]] = {}
    for product_id, role, position, sha in rows:
        rank = (0 if role == "main" else 1, position or 0, sha)
        if product_id not in best or rank < best[product_id]:
            best[product_id] = rank
    return {pid: rank[2] for pid, rank in best.items()}


def _parent_values(s: Session, model_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """model id -> its value documents, farthest ancestor first."""
    if not model_ids:
        return {}
    models = {
        m.id: m for m in s.scalars(select(ProductModel).where(ProductModel.id.in_(model_ids)))
    }
    grand_ids = {m.parent_id for m in models.values() if m.parent_id} - set(models)
    if grand_ids:
        for m in s.scalars(select(ProductModel).where(ProductModel.id.in_(grand_ids))):
            models[m.id] = m
    chains: dict[int, list[dict[str, object]]] = {}
    for model_id in model_ids:
        model = models.get(model_id)
        chain: list[dict[str, Any]] = []
        while model is not None:
            chain.insert(0, model.values)
            model = models.get(model.parent_id) if model.parent_id else None
        chains[model_id] = chain
    return chains


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


def channel_codes(library: Library) -> list[str]:
    with library.session() as s:
        return list(s.scalars(select(Channel.code).order_by(Channel.code)))


def family_choices(library: Library, locale: str | None = None) -> list[tuple[str, str]]:
    """(code, label) of every family, for filters."""
    with library.session() as s:
        families = s.scalars(select(Family).order_by(Family.code)).all()
        return [
            (
                f.code,
                str(
                    (f.labels or {}).get(locale or "", "")
                    or next(iter((f.labels or {}).values()), f.code)
                ),
            )
            for f in families
        ]
