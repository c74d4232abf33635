"""The one question publishing asks the asset side: which images of this product may go out.

Owned by the assets work; the publishing work only calls :func:`publishable_images`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

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
    return publishable_images_many(session, [product_id], channel_code, at)[product_id]


def publishable_images_many(
    session: Session,
    product_ids: list[int] | set[int],
    channel_code: str,
    at: dt.datetime | None = None,
) -> dict[int, list[PublishableImage]]:
    """:func:`publishable_images` for many products at once (same rules, same order), in a
    handful of queries instead of several per product: what publishing 100,000 listings
    needs. Added by the publishing work; keep the two in step."""
    at = _aware(at or dt.datetime.now(dt.UTC))
    ids = sorted(set(product_ids))
    result: dict[int, list[PublishableImage]] = {pid: [] for pid in ids}
    if not ids:
        return result
    parents: dict[int, int | None] = {}
    for chunk in _chunks(ids):
        parents.update(
            session.execute(
                select(Product.id, Product.parent_id).where(Product.id.in_(chunk))
            ).all()
        )
    model_parent: dict[int, int | None] = {}
    wanted = {m for m in parents.values() if m is not None}
    while wanted:
        rows = session.execute(
            select(ProductModel.id, ProductModel.parent_id).where(
                ProductModel.id.in_(sorted(wanted))
            )
        ).all()
        model_parent.update(rows)
        wanted = {p for _, p in rows if p is not None} - set(model_parent)
    levels_of: dict[int, dict[int, int]] = {}
    for pid, parent in parents.items():
        levels: dict[int, int] = {}
        model_id, depth = parent, 1
        while model_id is not None and model_id not in levels and depth <= 3:
            levels[model_id] = depth
            model_id = model_parent.get(model_id)
            depth += 1
        levels_of[pid] = levels
    link_cols = (
        AssetLink.id,
        AssetLink.asset_id,
        AssetLink.product_id,
        AssetLink.product_model_id,
        AssetLink.role,
        AssetLink.position,
    )
    links = []
    for chunk in _chunks(ids):
        links.extend(
            session.execute(
                select(*link_cols)
                .join(Asset, Asset.id == AssetLink.asset_id)
                .where(AssetLink.product_id.in_(chunk), Asset.kind == "image")
            ).all()
        )
    model_ids = sorted(model_parent)
    for chunk in _chunks(model_ids):
        links.extend(
            session.execute(
                select(*link_cols)
                .join(Asset, Asset.id == AssetLink.asset_id)
                .where(AssetLink.product_model_id.in_(chunk), Asset.kind == "image")
            ).all()
        )
    asset_ids = sorted({link.asset_id for link in links})
    versions: dict[int, AssetVersion] = {}
    rights: dict[int, AssetRights] = {}
    alt: dict[int, dict[str, str]] = {}
    for chunk in _chunks(asset_ids):
        for version in session.scalars(
            select(AssetVersion).where(
                AssetVersion.asset_id.in_(chunk), AssetVersion.approval == "approved"
            )
        ):
            best = versions.get(version.asset_id)
            if best is None or version.number > best.number:
                versions[version.asset_id] = version
        for row in session.scalars(select(AssetRights).where(AssetRights.asset_id.in_(chunk))):
            rights[row.asset_id] = row
        alt.update(
            session.execute(select(Asset.id, Asset.alt_text).where(Asset.id.in_(chunk))).all()
        )
    by_product: dict[int, list] = {pid: [] for pid in ids}
    by_model: dict[int, list] = {}
    for link in links:
        if link.product_id is not None:
            by_product.setdefault(link.product_id, []).append(link)
        elif link.product_model_id is not None:
            by_model.setdefault(link.product_model_id, []).append(link)
    root = library_root(session)
    for pid in ids:
        levels = levels_of.get(pid, {})
        candidates = list(by_product.get(pid, []))
        for model_id in levels:
            candidates.extend(by_model.get(model_id, []))

        def level(link: Any, pid: int = pid, levels: dict[int, int] = levels) -> int:
            return 0 if link.product_id == pid else levels.get(link.product_model_id or 0, 9)

        candidates.sort(key=lambda k: (level(k), role_sort_key(k.role), k.position, k.id))
        taken: set[tuple[str, int]] = set()
        seen_assets: set[int] = set()
        images: list[PublishableImage] = []
        for link in candidates:
            slot = (link.role, link.position)
            if slot in taken or link.asset_id in seen_assets:
                continue
            version = versions.get(link.asset_id)
            asset_rights = rights.get(link.asset_id)
            if version is None or not rights_allow(asset_rights, channel_code, at):
                continue
            taken.add(slot)
            seen_assets.add(link.asset_id)
            images.append(
                PublishableImage(
                    asset_id=link.asset_id,
                    version_id=version.id,
                    sha256=version.sha256,
                    object_path=root / object_relpath(version.sha256, version.extension),
                    role=link.role,
                    position=link.position,
                    width=version.width,
                    height=version.height,
                    alt_text=dict(alt.get(link.asset_id) or {}),
                    expires_at=asset_rights.expires_at if asset_rights else None,
                )
            )
        images.sort(key=lambda i: (role_sort_key(i.role), i.position, i.asset_id))
        result[pid] = images
    return result


def _chunks(ids: list[int], size: int = 900) -> list[list[int]]:
    return [ids[start : start + size] for start in range(0, len(ids), size)]


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
