"""Asset use-cases: list, inspect, versions, approval, alt text, tags, links, inbox, problems.

Both front ends call these; each write is one transaction that touches the products whose
listings can change and emits one Change after commit. Results are plain dataclasses.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session, selectinload

from pimdesk.assets import outcomes as oc
from pimdesk.assets.matching import load_matcher
from pimdesk.assets.publishable import current_version
from pimdesk.assets.records import ProductIndex, Writer
from pimdesk.assets.store import object_relpath, thumb_relpath
from pimdesk.catalog.db import utcnow
from pimdesk.catalog.models import (
    Asset,
    AssetLink,
    AssetRights,
    AssetVersion,
    IngestProblem,
    Product,
    ProductModel,
    Tag,
    asset_tag,
)
from pimdesk.catalog.revisions import touch_assets, touch_products
from pimdesk.errors import NotFoundError, ValidationError
from pimdesk.events import Change
from pimdesk.services import rights as rights_service

if TYPE_CHECKING:
    from pimdesk.library import Library

log = logging.getLogger(__name__)

APPROVAL_STATES = ("draft", "approved", "rejected")


# -- plain results --------------------------------------------------------------------------


@dataclass(frozen=True)
class LinkInfo:
    sku: str | None
    model: str | None
    role: str
    position: int
    locale: str | None
    origin: str


@dataclass(frozen=True)
class VersionInfo:
    number: int
    sha256: str
    size: int
    format: str
    width: int | None
    height: int | None
    color_profile: str | None
    exif: dict[str, Any]
    approval: str
    current: bool
    source_path: str
    source_missing: bool
    ingested_at: dt.datetime
    object_path: str
    thumbnail: str


@dataclass(frozen=True)
class AssetSummary:
    id: int
    kind: str
    title: str
    version: int | None  # current (newest approved) version, else the newest
    approval: str | None
    inbox_reason: str | None
    links: list[LinkInfo]
    rights_status: str
    expires_at: dt.datetime | None
    thumbnail: str | None
    source_missing: bool
    tags: list[str]

    def to_dict(self) -> dict[str, Any]:
        return _jsonable(asdict(self))


@dataclass(frozen=True)
class AssetDetail:
    id: int
    kind: str
    title: str
    inbox_reason: str | None
    links: list[LinkInfo]
    versions: list[VersionInfo]
    rights: rights_service.RightsInfo
    alt_text: dict[str, str]
    tags: list[str]
    metadata: dict[str, Any]
    created_at: dt.datetime

    def to_dict(self) -> dict[str, Any]:
        data = _jsonable(asdict(self))
        data["rights"] = self.rights.to_dict()
        return data


@dataclass(frozen=True)
class ProblemInfo:
    id: int
    path: str
    reason: str
    sha256: str | None
    seen_at: dt.datetime
    resolved: bool

    def to_dict(self) -> dict[str, Any]:
        return _jsonable(asdict(self))


@dataclass
class RematchReport:
    linked: list[oc.FileOutcome] = field(default_factory=list)
    waiting: list[oc.FileOutcome] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "linked": [f.to_dict() for f in self.linked],
            "waiting": [f.to_dict() for f in self.waiting],
        }


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    return value


# -- reading --------------------------------------------------------------------------------


def _links(asset: Asset, skus: dict[int, str], models: dict[int, str]) -> list[LinkInfo]:
    return [
        LinkInfo(
            sku=skus.get(link.product_id) if link.product_id else None,
            model=models.get(link.product_model_id) if link.product_model_id else None,
            role=link.role,
            position=link.position,
            locale=link.locale,
            origin=link.origin,
        )
        for link in sorted(asset.links, key=lambda k: (k.role, k.position, k.id))
    ]


def _names(session: Session, assets: Sequence[Asset]) -> tuple[dict[int, str], dict[int, str]]:
    product_ids = {k.product_id for a in assets for k in a.links if k.product_id}
    model_ids = {k.product_model_id for a in assets for k in a.links if k.product_model_id}
    skus: dict[int, str] = {}
    models: dict[int, str] = {}
    if product_ids:
        query = select(Product.id, Product.sku).where(Product.id.in_(product_ids))
        skus = {pid: sku for pid, sku in session.execute(query)}
    if model_ids:
        query = select(ProductModel.id, ProductModel.code).where(ProductModel.id.in_(model_ids))
        models = {mid: code for mid, code in session.execute(query)}
    return skus, models


def _shown_version(asset: Asset) -> AssetVersion | None:
    current = current_version(asset.versions)
    if current is not None:
        return current
    return max(asset.versions, key=lambda v: v.number) if asset.versions else None


def _summary(
    session: Session, library: Library, asset: Asset, names: tuple[dict[int, str], dict[int, str]]
) -> AssetSummary:
    version = _shown_version(asset)
    days = rights_service.expiring_days(session)
    return AssetSummary(
        id=asset.id,
        kind=asset.kind,
        title=asset.title,
        version=version.number if version else None,
        approval=version.approval if version else None,
        inbox_reason=asset.inbox_reason,
        links=_links(asset, *names),
        rights_status=rights_service.rights_status(asset.rights, None, days),
        expires_at=asset.rights.expires_at if asset.rights else None,
        thumbnail=str(library.root / thumb_relpath(version.sha256)) if version else None,
        source_missing=bool(version and version.source_missing),
        tags=sorted(t.name for t in asset.tags),
    )


def list_assets(
    library: Library,
    *,
    unmatched: bool = False,
    problems: bool = False,
    expiring: bool = False,
    expired: bool = False,
    unapproved: bool = False,
    role: str | None = None,
    tag: str | None = None,
    name: str | None = None,
    sku: str | None = None,
    after_id: int = 0,
    limit: int = 200,
) -> list[AssetSummary]:
    """A page of assets (keyset paging: pass the last id seen as ``after_id``).

    Filters combine: ``unmatched`` (waiting in the inbox), ``problems`` (a version whose
    source file went missing), ``expiring`` (rights end within the setting's days),
    ``expired``, ``unapproved`` (no approved version), ``role``, ``tag``, ``name`` (title
    contains), ``sku`` (what that product shows: its own links and its models'; a model code
    gives the model's). File-level problems (files that could not be ingested) are
    :func:`problems`.
    """
    with library.session() as session:
        query = _filtered(
            session,
            select(Asset).where(Asset.id > after_id),
            unmatched=unmatched,
            problems=problems,
            expiring=expiring,
            expired=expired,
            unapproved=unapproved,
            role=role,
            tag=tag,
            name=name,
            sku=sku,
        )
        query = (
            query.order_by(Asset.id)
            .limit(limit)
            .options(
                selectinload(Asset.versions),
                selectinload(Asset.links),
                selectinload(Asset.rights),
                selectinload(Asset.tags),
            )
        )
        assets = session.scalars(query).all()
        names = _names(session, assets)
        return [_summary(session, library, a, names) for a in assets]


def list_asset_ids(library: Library, **filters: Any) -> list[int]:
    """The ids of every asset :func:`list_assets` would list with these ``filters`` (the
    same keywords), in order.

    One narrow query: a grid over 100,000 assets knows its size (and the key of each of its
    pages) at once, and reads the summaries a page at a time as they are shown.
    """
    with library.session() as session:
        query = _filtered(session, select(Asset.id), **filters)
        return list(session.scalars(query.order_by(Asset.id)))


def _filtered(
    session: Session,
    query: Any,
    *,
    unmatched: bool = False,
    problems: bool = False,
    expiring: bool = False,
    expired: bool = False,
    unapproved: bool = False,
    role: str | None = None,
    tag: str | None = None,
    name: str | None = None,
    sku: str | None = None,
) -> Any:
    """``query`` (over ``Asset``) narrowed by the filters of :func:`list_assets`."""
    now = utcnow()
    if unmatched:
        query = query.where(Asset.inbox_reason.is_not(None))
    if problems:
        query = query.where(
            exists().where(AssetVersion.asset_id == Asset.id, AssetVersion.source_missing.is_(True))
        )
    if expiring or expired:
        days = rights_service.expiring_days(session)
        window = []
        if expiring:
            window.append(
                and_(
                    AssetRights.expires_at > now,
                    AssetRights.expires_at <= now + dt.timedelta(days=days),
                )
            )
        if expired:
            window.append(AssetRights.expires_at <= now)
        query = query.where(exists().where(AssetRights.asset_id == Asset.id, or_(*window)))
    if unapproved:
        query = query.where(
            ~exists().where(AssetVersion.asset_id == Asset.id, AssetVersion.approval == "approved")
        )
    if role:
        query = query.where(exists().where(AssetLink.asset_id == Asset.id, AssetLink.role == role))
    if tag:
        query = query.where(Asset.tags.any(Tag.name == tag))
    if name:
        query = query.where(func.lower(Asset.title).contains(name.lower(), autoescape=True))
    if sku:
        shown = _shown_by(session, sku)
        owners = [AssetLink.product_model_id.in_(list(shown.models))] if shown.models else []
        if shown.product_id is not None:
            owners.append(AssetLink.product_id == shown.product_id)
        query = query.where(exists().where(AssetLink.asset_id == Asset.id, or_(*owners)))
    return query


@dataclass(frozen=True)
class MediaRow:
    """One asset as a product shows it: through which link (its own, or its model's)."""

    id: int
    title: str
    kind: str
    role: str
    position: int
    linked_to: str  # the SKU or model code the link names
    version: int | None
    approval: str | None
    rights: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def product_media(library: Library, sku: str) -> list[MediaRow]:
    """The assets a product (or model) shows, main first, then by role and position."""
    with library.session() as session:
        shown = _shown_by(session, sku)
    codes = set(shown.models.values())
    rows = []
    for asset in list_assets(library, sku=sku, limit=10_000):
        for link in asset.links:
            if (shown.sku is not None and link.sku == shown.sku) or link.model in codes:
                rows.append(
                    MediaRow(
                        asset.id,
                        asset.title,
                        asset.kind,
                        link.role,
                        link.position,
                        link.sku or link.model or "",
                        asset.version,
                        asset.approval,
                        asset.rights_status,
                    )
                )
    return sorted(rows, key=lambda r: (r.role != "main", r.role, r.position, r.id))


@dataclass(frozen=True)
class _Shown:
    """A product (or none, for a model code) and the models whose images it shows."""

    product_id: int | None
    sku: str | None
    models: dict[int, str]  # id -> code, the nearest model first


def _shown_by(session: Session, sku: str) -> _Shown:
    """The product with this SKU (any case) and the models whose images it shows; or, for a
    model code, that model and its parent."""
    wanted = sku.strip().lower()
    product = session.scalars(select(Product).where(func.lower(Product.sku) == wanted)).first()
    model_id = product.parent_id if product is not None else None
    if product is None:
        model_id = session.scalar(
            select(ProductModel.id).where(func.lower(ProductModel.code) == wanted)
        )
        if model_id is None:
            raise NotFoundError(
                f"no product or product model {sku!r}",
                where=sku,
                hint="see 'pimdesk products list' (SKUs) or search for it: pimdesk search",
            )
    models: dict[int, str] = {}
    while model_id is not None and model_id not in models:
        code, parent_id = session.execute(
            select(ProductModel.code, ProductModel.parent_id).where(ProductModel.id == model_id)
        ).one()
        models[model_id] = code
        model_id = parent_id
    if product is None:
        return _Shown(None, None, models)
    return _Shown(product.id, product.sku, models)


def _get_asset(session: Session, asset_id: int) -> Asset:
    asset = session.get(Asset, asset_id)
    if asset is None:
        raise NotFoundError(f"no asset with id {asset_id}", hint="see 'pimdesk assets list'")
    return asset


def _version_info(library: Library, asset: Asset, version: AssetVersion) -> VersionInfo:
    current = current_version(asset.versions)
    return VersionInfo(
        number=version.number,
        sha256=version.sha256,
        size=version.size,
        format=version.format,
        width=version.width,
        height=version.height,
        color_profile=version.color_profile,
        exif=dict(version.exif or {}),
        approval=version.approval,
        current=current is not None and current.id == version.id,
        source_path=version.source_path,
        source_missing=version.source_missing,
        ingested_at=version.ingested_at,
        object_path=str(library.root / object_relpath(version.sha256, version.extension)),
        thumbnail=str(library.root / thumb_relpath(version.sha256)),
    )


def show_asset(library: Library, asset_id: int) -> AssetDetail:
    with library.session() as session:
        asset = _get_asset(session, asset_id)
        names = _names(session, [asset])
        return AssetDetail(
            id=asset.id,
            kind=asset.kind,
            title=asset.title,
            inbox_reason=asset.inbox_reason,
            links=_links(asset, *names),
            versions=[_version_info(library, asset, v) for v in asset.versions],
            rights=rights_service.info(session, asset),
            alt_text=dict(asset.alt_text or {}),
            tags=sorted(t.name for t in asset.tags),
            metadata=dict(asset.metadata_ or {}),
            created_at=asset.created_at,
        )


def versions(library: Library, asset_id: int) -> list[VersionInfo]:
    return show_asset(library, asset_id).versions


def problems(library: Library, *, include_resolved: bool = False) -> list[ProblemInfo]:
    """Files that could not be ingested, newest first, with the reason."""
    with library.session() as session:
        query = select(IngestProblem).order_by(IngestProblem.id.desc())
        if not include_resolved:
            query = query.where(IngestProblem.resolved.is_(False))
        return [
            ProblemInfo(p.id, p.path, p.reason, p.sha256, p.seen_at, p.resolved)
            for p in session.scalars(query)
        ]


# -- writing --------------------------------------------------------------------------------


def _commit_change(
    session: Session, asset_ids: set[int], extra: frozenset[int] | set[int] = frozenset()
) -> set[int]:
    """Touch the products that show these assets (and ``extra``); return their ids."""
    session.flush()
    product_ids = touch_assets(session, asset_ids)
    if extra - product_ids:
        product_ids |= touch_products(session, extra - product_ids)
    return product_ids


def _emit(library: Library, kind: str, asset_ids: set[int], product_ids: set[int]) -> None:
    library.emit(
        Change(kind=kind, asset_ids=frozenset(asset_ids), product_ids=frozenset(product_ids))
    )


def set_approval(
    library: Library, asset_id: int, state: str, *, version: int | None = None
) -> VersionInfo:
    """Approve, reject or return to draft one version (default: the newest)."""
    if state not in APPROVAL_STATES:
        raise ValidationError(
            f"unknown approval state {state!r}", hint=f"use one of {', '.join(APPROVAL_STATES)}"
        )
    with library.session() as session:
        asset = _get_asset(session, asset_id)
        target = _find_version(asset, version)
        target.approval = state
        products = _commit_change(session, {asset_id})
        result = _version_info(library, asset, target)
    _emit(library, "approval", {asset_id}, products)
    return result


def _find_version(asset: Asset, number: int | None) -> AssetVersion:
    if not asset.versions:
        raise NotFoundError(f"asset {asset.id} has no versions")
    if number is None:
        return max(asset.versions, key=lambda v: v.number)
    for v in asset.versions:
        if v.number == number:
            return v
    raise NotFoundError(
        f"asset {asset.id} has no version {number}",
        hint=f"versions: {', '.join(str(v.number) for v in asset.versions)}",
    )


def restore_version(library: Library, asset_id: int, number: int) -> VersionInfo:
    """Make an older version current again: its bytes become a new, approved version N+1
    (history is never rewritten; the newer versions stay)."""
    with library.session() as session:
        asset = _get_asset(session, asset_id)
        old = _find_version(asset, number)
        newest = max(v.number for v in asset.versions)
        restored = AssetVersion(
            number=newest + 1,
            sha256=old.sha256,
            size=old.size,
            format=old.format,
            extension=old.extension,
            width=old.width,
            height=old.height,
            color_profile=old.color_profile,
            exif=dict(old.exif or {}),
            source_path=old.source_path,
            source_mtime=old.source_mtime,
            source_missing=old.source_missing,
            approval="approved",
        )
        asset.versions.append(restored)
        products = _commit_change(session, {asset_id})
        result = _version_info(library, asset, restored)
    _emit(library, "approval", {asset_id}, products)
    return result


def set_alt_text(library: Library, asset_id: int, locale: str, text: str) -> dict[str, str]:
    """Alt text for one locale (empty text removes it)."""
    with library.session() as session:
        asset = _get_asset(session, asset_id)
        alt = dict(asset.alt_text or {})
        if text.strip():
            alt[locale] = text.strip()
        else:
            alt.pop(locale, None)
        asset.alt_text = alt
        products = _commit_change(session, {asset_id})
    _emit(library, "links", {asset_id}, products)
    return alt


def tag_asset(
    library: Library, asset_id: int, add: Sequence[str] = (), remove: Sequence[str] = ()
) -> list[str]:
    """Add and remove free tags (shared with products); returns the asset's tags."""
    with library.session() as session:
        asset = _get_asset(session, asset_id)
        current = {t.name: t for t in asset.tags}
        for name in (n.strip() for n in add):
            if not name or name in current:
                continue
            tag = session.scalars(select(Tag).where(Tag.name == name)).first()
            if tag is None:
                tag = Tag(name=name[:100])
                session.add(tag)
            asset.tags.append(tag)
            current[name] = tag
        for name in remove:
            if name in current:
                asset.tags.remove(current.pop(name))
        session.flush()
        names = sorted(t.name for t in asset.tags)
    library.emit(Change(kind="tags", asset_ids=frozenset([asset_id])))
    return names


def link_asset(
    library: Library,
    asset_id: int,
    sku: str,
    role: str = "main",
    position: int | None = None,
    locale: str | None = None,
) -> LinkInfo:
    """Link an asset to a product by hand (GUI drag and drop, CLI); leaves the inbox.

    Without a position the next free one for that role is used.
    """
    role = role.strip().lower()
    if not role:
        raise ValidationError("the role is empty", hint="for example main, front, detail")
    with library.session() as session:
        asset = _get_asset(session, asset_id)
        product = session.scalars(select(Product).where(Product.sku == sku)).first()
        if product is None:
            raise NotFoundError(f"no product with SKU {sku!r}", where="SKU")
        if position is None:
            highest = session.scalar(
                select(func.max(AssetLink.position)).where(
                    AssetLink.product_id == product.id, AssetLink.role == role
                )
            )
            position = (highest or 0) + 1
        if position < 1:
            raise ValidationError("the position must be 1 or more", where="--position")
        existing = next(
            (
                k
                for k in asset.links
                if k.product_id == product.id and k.role == role and k.position == position
            ),
            None,
        )
        if existing is None:
            asset.links.append(
                AssetLink(
                    product_id=product.id,
                    role=role,
                    position=position,
                    locale=locale,
                    origin="gui",
                )
            )
        asset.inbox_reason = None
        products = _commit_change(session, {asset_id}, {product.id})
    _emit(library, "links", {asset_id}, products)
    return LinkInfo(sku, None, role, position, locale, "gui")


def reorder_links(library: Library, sku: str, order: Sequence[tuple[int, str]]) -> int:
    """Number a product's own links 1..n per role in the order given ((asset id, role)
    pairs, as the GUI's image strip shows them after a drag). One transaction; returns
    how many links changed position. Links not named keep their place after the named ones.
    """
    with library.session() as session:
        product = session.scalars(select(Product).where(Product.sku == sku)).first()
        if product is None:
            raise NotFoundError(f"no product with SKU {sku!r}", where="SKU")
        links = session.scalars(select(AssetLink).where(AssetLink.product_id == product.id)).all()
        by_key = {(k.asset_id, k.role): k for k in links}
        ranked = [by_key[key] for key in order if key in by_key]
        ranked += sorted(
            (k for k in links if k not in ranked), key=lambda k: (k.role, k.position, k.id)
        )
        next_position: dict[str, int] = {}
        moved: set[int] = set()
        for link in ranked:
            position = next_position.get(link.role, 0) + 1
            next_position[link.role] = position
            if link.position != position:
                link.position = position
                moved.add(link.asset_id)
        if not moved:
            return 0
        products = _commit_change(session, moved, {product.id})
    _emit(library, "links", moved, products)
    return len(moved)


def unlink(
    library: Library,
    asset_id: int,
    sku: str | None = None,
    role: str | None = None,
    position: int | None = None,
) -> int:
    """Remove links (all, or those matching sku/role/position); returns how many went.

    An asset left without links goes back to the inbox ("unlinked by hand").
    """
    with library.session() as session:
        asset = _get_asset(session, asset_id)
        product_id = None
        if sku is not None:
            product_id = session.scalar(select(Product.id).where(Product.sku == sku))
            if product_id is None:
                raise NotFoundError(f"no product with SKU {sku!r}", where="SKU")
        affected = {k.product_id for k in asset.links if k.product_id}
        gone = [
            k
            for k in asset.links
            if (product_id is None or k.product_id == product_id)
            and (role is None or k.role == role)
            and (position is None or k.position == position)
        ]
        for link in gone:
            asset.links.remove(link)
        if not asset.links:
            asset.inbox_reason = "unlinked by hand"
        products = touch_products(session, affected)
    _emit(library, "links", {asset_id}, set(products))
    return len(gone)


def rematch(library: Library, asset_ids: Sequence[int] | None = None) -> RematchReport:
    """Run the filename rules again on the inbox (or the given assets) and link what now
    matches; the rest keep waiting with an up-to-date reason. One transaction."""
    report = RematchReport()
    with library.session() as session:
        query = select(Asset).where(Asset.inbox_reason.is_not(None)).order_by(Asset.id)
        if asset_ids is not None:
            query = query.where(Asset.id.in_(list(asset_ids)))
        waiting = session.scalars(query.options(selectinload(Asset.versions))).all()
        if not waiting:
            return report
        writer = Writer(session, load_matcher(session), ProductIndex.load(session))
        for asset in waiting:
            if not asset.versions:
                continue
            outcome = writer.rematch(asset)
            (report.waiting if outcome.outcome == oc.UNMATCHED else report.linked).append(outcome)
        writer.finish()
        report.linked = writer.completed(report.linked)
        report.waiting = writer.completed(report.waiting)
        product_ids = touch_assets(session, writer.asset_ids)
        product_ids |= touch_products(session, writer.product_ids - product_ids)
    if report.linked:
        _emit(library, "links", writer.asset_ids, product_ids)
    return report


def counts(library: Library) -> dict[str, int]:
    """Assets, inbox, problems, expiring (for status views)."""
    now = utcnow()
    with library.session() as session:
        days = rights_service.expiring_days(session)
        return {
            "assets": session.scalar(select(func.count(Asset.id))) or 0,
            "inbox": session.scalar(
                select(func.count(Asset.id)).where(Asset.inbox_reason.is_not(None))
            )
            or 0,
            "problems": session.scalar(
                select(func.count(IngestProblem.id)).where(IngestProblem.resolved.is_(False))
            )
            or 0,
            "expiring": session.scalar(
                select(func.count(AssetRights.asset_id)).where(
                    AssetRights.expires_at > now,
                    AssetRights.expires_at <= now + dt.timedelta(days=days),
                )
            )
            or 0,
            "expired": session.scalar(
                select(func.count(AssetRights.asset_id)).where(AssetRights.expires_at <= now)
            )
            or 0,
        }


def status(library: Library) -> dict[str, int]:
    """The assets section of ``pimdesk status`` (services.status.STATUS_PROVIDERS)."""
    return counts(library)


def search_assets(library: Library, text: str, limit: int) -> list[Any]:
    """Assets whose title (file name) or tag contains ``text``, or that are linked to the
    product or model whose SKU or code ``text`` is (a file in a SKU folder is titled
    ``back`` or ``IMG_0012``: searching the SKU must still find it). The SKU is compared
    as typed and in capitals, so the unique index answers at every keystroke."""
    from pimdesk.services.search import SearchResult

    needle = text.strip().lower()
    if not needle:
        return []
    codes = list(dict.fromkeys([text.strip(), text.strip().upper()]))
    with library.session() as session:
        by_title = _contains(session, Asset.title, needle)
        tagged = select(asset_tag.c.asset_id).join(Tag, Tag.id == asset_tag.c.tag_id)
        by_tag = Asset.id.in_(tagged.where(_contains(session, Tag.name, needle)))
        linked = select(AssetLink.asset_id).where(
            or_(
                AssetLink.product_id.in_(select(Product.id).where(Product.sku.in_(codes))),
                AssetLink.product_model_id.in_(
                    select(ProductModel.id).where(ProductModel.code.in_(codes))
                ),
            )
        )
        by_link = Asset.id.in_(linked)
        found = session.scalars(
            select(Asset)
            .where(or_(by_title, by_tag, by_link))
            .order_by(Asset.id)
            .limit(limit)
            .options(
                selectinload(Asset.versions),
                selectinload(Asset.links),
                selectinload(Asset.tags),
                selectinload(Asset.rights),
            )
        ).all()
        names = _names(session, found)
        results = []
        for asset in found:
            summary = _summary(session, library, asset, names)
            title_hit = needle in asset.title.lower()
            tag_hit = any(needle in tag.name.lower() for tag in asset.tags)
            matched = "title" if title_hit else "tag" if tag_hit else "link"
            results.append(
                SearchResult(
                    kind="asset",
                    id=asset.id,
                    title=asset.title,
                    score={"title": 1.0, "link": 0.8, "tag": 0.5}[matched],
                    matched=matched,
                    snippet=", ".join(f"{k.sku or k.model} {k.role}" for k in summary.links),
                    extra={
                        "thumbnail": summary.thumbnail,
                        "inbox": summary.inbox_reason,
                        "tags": summary.tags,
                    },
                )
            )
    return results


def _contains(session: Session, column: Any, needle: str) -> Any:
    """``column`` contains the lower-case ``needle``, ignoring case.

    SQLite's LIKE already ignores ASCII case and its ``lower()`` folds only ASCII, so there
    the plain LIKE matches exactly the same rows, about three times faster (search as you
    type scans every title); other databases compare lower-cased text.
    """
    bind = session.get_bind()
    if bind.dialect.name == "sqlite":
        return column.contains(needle, autoescape=True)
    return func.lower(column).contains(needle, autoescape=True)


# -- wiring ---------------------------------------------------------------------------------


def connect(library: Library) -> None:
    """Wiring for an opened library: sessions know the library folder (so publishing gets
    absolute object paths), and an import (or a product created one by one) that creates
    SKUs links the inbox files waiting for them."""
    library.sessions.configure(info={"library_root": library.root})

    def on_change(change: Change) -> None:
        created = change.kind == "values" and change.detail == "created"
        if change.kind != "import" and not created:
            return
        with library.session() as session:
            waiting = session.scalar(
                select(func.count(Asset.id)).where(Asset.inbox_reason.is_not(None))
            )
        if waiting:
            rematch(library)

    library.events.subscribe(on_change)
