"""Usage rights and expiry: set them, ask for their status, list what expires soon.

Status is derived, never stored: ``valid``, ``expiring_soon`` (within the library setting
``rights.expiring_days``, default 30), ``expired`` or ``not_yet_valid``. An asset without
rights has no restriction (``valid``). Publishing never shows an expired asset
(:func:`pimdesk.assets.publishable.publishable_images`); since time passing writes
nothing, :func:`touch_expiry_changes` marks the products whose images expired or became
valid since a given moment, so the next publish withdraws or adds them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from pimdesk.assets import settings
from pimdesk.assets.metadata import EMBEDDED_SOURCE
from pimdesk.catalog.db import utcnow
from pimdesk.catalog.models import Asset, AssetRights, Channel
from pimdesk.catalog.revisions import touch_assets
from pimdesk.errors import NotFoundError, ValidationError
from pimdesk.events import Change

if TYPE_CHECKING:
    from pimdesk.library import Library

VALID = "valid"
EXPIRING_SOON = "expiring_soon"
EXPIRED = "expired"
NOT_YET_VALID = "not_yet_valid"


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()


@dataclass(frozen=True)
class RightsInfo:
    asset_id: int
    status: str
    licence: str | None = None
    holder: str | None = None
    source: str | None = None
    allowed_channels: list[str] | None = None
    valid_from: dt.datetime | None = None
    expires_at: dt.datetime | None = None
    notes: str | None = None
    title: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["id"] = self.asset_id
        for key in ("valid_from", "expires_at"):
            if data[key] is not None:
                data[key] = data[key].isoformat()
        return data


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def rights_status(
    rights: AssetRights | None, at: dt.datetime | None = None, expiring_days: int = 30
) -> str:
    """valid / expiring_soon / expired / not_yet_valid at ``at`` (default now)."""
    if rights is None:
        return VALID
    at = _aware(at or utcnow())
    if rights.valid_from is not None and at < _aware(rights.valid_from):
        return NOT_YET_VALID
    if rights.expires_at is not None:
        expires = _aware(rights.expires_at)
        if at >= expires:
            return EXPIRED
        if expires - at <= dt.timedelta(days=expiring_days):
            return EXPIRING_SOON
    return VALID


def expiring_days(session: Session) -> int:
    try:
        return int(settings.get(session, settings.EXPIRING_DAYS))
    except (TypeError, ValueError):
        return 30


def info(session: Session, asset: Asset, at: dt.datetime | None = None) -> RightsInfo:
    rights = asset.rights
    status = rights_status(rights, at, expiring_days(session))
    if rights is None:
        return RightsInfo(asset_id=asset.id, status=status, title=asset.title)
    return RightsInfo(
        asset_id=asset.id,
        status=status,
        licence=rights.licence,
        holder=rights.holder,
        source=rights.source,
        allowed_channels=list(rights.allowed_channels)
        if rights.allowed_channels is not None
        else None,
        valid_from=rights.valid_from,
        expires_at=rights.expires_at,
        notes=rights.notes,
        title=asset.title,
    )


def set_rights(
    library: Library,
    asset_id: int,
    *,
    licence: str | None = UNSET,
    holder: str | None = UNSET,
    source: str | None = UNSET,
    allowed_channels: Sequence[str] | None = UNSET,
    valid_from: dt.datetime | None = UNSET,
    expires_at: dt.datetime | None = UNSET,
    notes: str | None = UNSET,
) -> RightsInfo:
    """Change only the fields given (``None`` clears one); one transaction, one Change."""
    with library.session() as session:
        asset = session.get(Asset, asset_id)
        if asset is None:
            raise NotFoundError(f"no asset with id {asset_id}", hint="see 'pimdesk assets list'")
        rights = asset.rights
        if rights is None:
            rights = AssetRights()
            asset.rights = rights
        if allowed_channels is not UNSET and allowed_channels is not None:
            codes = [c.strip() for c in allowed_channels if c.strip()]
            known = set(session.scalars(select(Channel.code)))
            unknown = [c for c in codes if c not in known]
            if unknown:
                raise ValidationError(
                    f"unknown channel {unknown[0]!r}",
                    where="--channels",
                    hint=f"known channels: {', '.join(sorted(known)) or 'none'}",
                )
            allowed_channels = codes
        values = {
            "licence": licence,
            "holder": holder,
            "source": source,
            "allowed_channels": allowed_channels,
            "valid_from": _aware(valid_from) if isinstance(valid_from, dt.datetime) else valid_from,
            "expires_at": _aware(expires_at) if isinstance(expires_at, dt.datetime) else expires_at,
            "notes": notes,
        }
        edited = False
        for field, value in values.items():
            if value is not UNSET:
                edited = edited or getattr(rights, field) != value
                setattr(rights, field, value)
        if edited and source is UNSET and rights.source == EMBEDDED_SOURCE:
            # A person's edit: a re-shot photo's own IPTC/XMP no longer replaces these
            # rights (see assets.records: the outcome then says which rights apply).
            rights.source = f"{EMBEDDED_SOURCE}, edited"
        if (
            rights.valid_from is not None
            and rights.expires_at is not None
            and _aware(rights.expires_at) <= _aware(rights.valid_from)
        ):
            raise ValidationError(
                "the expiry date is not after the valid-from date",
                where=f"asset {asset_id}",
                hint="check --valid-from and --expires",
            )
        session.flush()
        product_ids = touch_assets(session, [asset_id])
        result = info(session, asset)
    library.emit(
        Change(kind="rights", asset_ids=frozenset([asset_id]), product_ids=frozenset(product_ids))
    )
    return result


def get_rights(library: Library, asset_id: int) -> RightsInfo:
    with library.session() as session:
        asset = session.get(Asset, asset_id)
        if asset is None:
            raise NotFoundError(f"no asset with id {asset_id}", hint="see 'pimdesk assets list'")
        return info(session, asset)


def expiring(
    library: Library, days: int | None = None, *, include_expired: bool = False
) -> list[RightsInfo]:
    """Assets whose rights end within ``days`` (default: the library setting), soonest
    first; with ``include_expired`` also those already expired."""
    now = utcnow()
    with library.session() as session:
        window = days if days is not None else expiring_days(session)
        end = now + dt.timedelta(days=window)
        condition = AssetRights.expires_at < end
        if not include_expired:
            condition = and_(condition, AssetRights.expires_at > now)
        rows = session.scalars(
            select(Asset)
            .join(AssetRights, AssetRights.asset_id == Asset.id)
            .where(AssetRights.expires_at.is_not(None), condition)
            .order_by(AssetRights.expires_at, Asset.id)
        ).all()
        return [info(session, asset) for asset in rows]


def touch_expiry_changes(library: Library, since: dt.datetime) -> set[int]:
    """Products whose images expired or became valid between ``since`` and now: their
    listings change by the clock alone, so mark them for republishing."""
    now = utcnow()
    since = _aware(since)
    with library.session() as session:
        asset_ids = list(
            session.scalars(
                select(AssetRights.asset_id).where(
                    or_(
                        and_(AssetRights.expires_at > since, AssetRights.expires_at <= now),
                        and_(AssetRights.valid_from > since, AssetRights.valid_from <= now),
                    )
                )
            )
        )
        product_ids = touch_assets(session, asset_ids)
    if asset_ids:
        library.emit(
            Change(
                kind="rights",
                asset_ids=frozenset(asset_ids),
                product_ids=frozenset(product_ids),
                detail="rights window passed",
            )
        )
    return product_ids
