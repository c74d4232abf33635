"""The one question publishing asks the asset side: which images of this product may go out.

Owned by the assets work; the publishing work only calls :func:`publishable_images`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from pimdesk.assets.store import object_relpath
from pimdesk.catalog.models import (
    Asset,
    AssetLink,
    AssetRights,
    AssetVersion,
    Product,
    ProductModel,
)


@dataclass(frozen=True)
class PublishableImage:
    """The current approved version of one linked image asset whose rights allow the channel."""

    asset_id: int
    version_id: int
    sha256: str
    object_path: Path  # the original in the library's objects/ folder
    role: str
    position: int
    width: int | None
    height: int | None
    alt_text: dict[str, str]  # {locale: text}
    expires_at: dt.datetime | None


ROLE_ORDER = ("main", "front", "back", "side", "detail", "lifestyle", "swatch")


def role_sort_key(role: str) -> tuple[int, str]:
    """main, front, back, side, detail, lifestyle, swatch, then any other role A-Z."""
    try:
        return (ROLE_ORDER.index(role), "")
    except ValueError:
        return (len(ROLE_ORDER), role)


def rights_allow(rights: AssetRights | None, channel_code: str, at: dt.datetime) -> bool:
    """Valid at ``at`` (valid_from <= at < expires_at) and allowed on the channel."""
    if rights is None:
        return True
    if rights.valid_from is not None and at < _aware(rights.valid_from):
        return False
    if rights.expires_at is not None and at >= _aware(rights.expires_at):
        return False
    allowed = rights.allowed_channels
    return allowed is None or channel_code in allowed


def current_version(versions: list[AssetVersion]) -> AssetVersion | None:
    """The newest approved version (the one channels see), or None."""
    approved = [v for v in versions if v.approval == "approved"]
    return max(approved, key=lambda v: v.number) if approved else None


def publishable_images(
    session: Session, product_id: int, channel_code: str, at: dt.datetime | None = None
) -> list[PublishableImage]:
    """Approved, rights valid at ``at`` (default now) and allowed on the channel, ordered by
    role and position; includes images linked to the product's parent models.

    A product's own image fills its (role, position) slot before a parent model's image for
    the same slot; a parent's image still shows when the product's own one may not.
    """
    at = _aware(at or dt.datetime.now(dt.UTC))
    product = session.get(Product, product_id)
    if product is None:
        return []
    levels: dict[int, int] = {}  # model id -> depth (1 = parent, 2 = grandparent)
    model_id, depth = product.parent_id, 1
    while model_id is not None and model_id not in levels and depth <= 3:
        levels[model_id] = depth
        model_id = session.scalar(select(ProductModel.parent_id).where(ProductModel.id == model_id))
        depth += 1
    conditions = [AssetLink.product_id == product_id]
    if levels:
        conditions.append(AssetLink.product_model_id.in_(list(levels)))
    links = list(
        session.scalars(
            select(AssetLink)
            .join(Asset, Asset.id == AssetLink.asset_id)
            .where(or_(*conditions), Asset.kind == "image")
            .options(
                selectinload(AssetLink.asset).selectinload(Asset.versions),
                selectinload(AssetLink.asset).selectinload(Asset.rights),
            )
        )
    )

    def level(link: AssetLink) -> int:
        return 0 if link.product_id == product_id else levels.get(link.product_model_id or 0, 9)

    links.sort(key=lambda k: (level(k), role_sort_key(k.role), k.position, k.id))
    root = library_root(session)
    taken: set[tuple[str, int]] = set()
    seen_assets: set[int] = set()
    images: list[PublishableImage] = []
    for link in links:
        asset = link.asset
        slot = (link.role, link.position)
        if slot in taken or asset.id in seen_assets:
            continue
        version = current_version(asset.versions)
        if version is None or not rights_allow(asset.rights, channel_code, at):
            continue
        taken.add(slot)
        seen_assets.add(asset.id)
        images.append(
            PublishableImage(
                asset_id=asset.id,
                version_id=version.id,
                sha256=version.sha256,
                object_path=root / object_relpath(version.sha256, version.extension),
                role=link.role,
                position=link.position,
                width=version.width,
                height=version.height,
                alt_text=dict(asset.alt_text or {}),
                expires_at=asset.rights.expires_at if asset.rights else None,
            )
        )
    images.sort(key=lambda i: (role_sort_key(i.role), i.position, i.asset_id))
    return images


def library_root(session: Session) -> Path:
    """The library folder for this session (set by the assets wiring); SQLite's folder else."""
    root = session.info.get("library_root")
    if root is not None:
        return Path(root)
    bind = session.get_bind()
    database = getattr(bind.url, "database", None) if bind is not None else None
    if bind is not None and bind.url.get_backend_name() == "sqlite" and database:
        return Path(database).parent
    return Path()


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
