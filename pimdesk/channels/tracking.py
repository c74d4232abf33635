"""Change tracking: which listings of a channel are published, waiting, blocked or gone.

States per (channel, product):

- **published**: on the channel and unchanged since;
- **waiting to republish**: ``product.revision`` > the published revision *and* the
  listing's fingerprint differs (fingerprints are computed for those candidates only);
- **never published**: on the channel's product set but never published;
- **waiting to withdraw**: published, but now deleted, disabled or out of the channel's tree;
- **blocked**: fails validation, with the reasons.

Finding the candidates is one indexed query over ``product.revision`` against
``published_listing.revision``; nothing else is recomputed. The passing of an expiry date
changes no row, so :func:`check_expiry` (run when the watcher or GUI starts and hourly)
bumps the revision of products whose images' rights expired or became valid since the last
check.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from pimdesk.catalog.models import (
    AssetRights,
    Category,
    Product,
    ProductModel,
    PublishedListing,
    Setting,
    product_category,
    product_model_category,
)
from pimdesk.catalog.revisions import touch_assets
from pimdesk.channels.listings import ChannelSetup

EXPIRY_SETTING = "publishing.rights_checked_at"


@dataclass(frozen=True)
class LiveProduct:
    id: int
    sku: str
    revision: int


@dataclass(frozen=True)
class PublishedRow:
    product_id: int
    sku: str
    revision: int
    fingerprint: str


@dataclass
class Candidates:
    """The cheap part of tracking: what may need work, found without building listings."""

    live: dict[int, LiveProduct]
    published: dict[int, PublishedRow]
    changed: list[int] = field(default_factory=list)  # published, revision moved on
    never: list[int] = field(default_factory=list)  # live, never published
    withdraw: list[PublishedRow] = field(default_factory=list)

    @property
    def up_to_date(self) -> int:
        return len(self.published) - len(self.changed) - len(self.withdraw)


def live_products(session: Session, setup: ChannelSetup) -> dict[int, LiveProduct]:
    """Enabled products that belong on the channel (its category tree, when it has one)."""
    query = select(Product.id, Product.sku, Product.revision).where(Product.enabled.is_(True))
    rows = session.execute(query).all()
    live = {pid: LiveProduct(pid, sku, rev) for pid, sku, rev in rows}
    if setup.category_tree is None:
        return live
    tree = _tree_ids(session, setup.category_tree)
    in_tree = set(
        session.scalars(
            select(product_category.c.product_id).where(product_category.c.category_id.in_(tree))
        )
    )
    models = set(
        session.scalars(
            select(product_model_category.c.product_model_id).where(
                product_model_category.c.category_id.in_(tree)
            )
        )
    )
    if models:
        children = set(
            session.scalars(select(ProductModel.id).where(ProductModel.parent_id.in_(models)))
        )
        in_tree |= set(
            session.scalars(select(Product.id).where(Product.parent_id.in_(models | children)))
        )
    return {pid: p for pid, p in live.items() if pid in in_tree}


def _tree_ids(session: Session, root_code: str) -> set[int]:
    rows = session.execute(select(Category.id, Category.code, Category.parent_id)).all()
    ids = {cid for cid, code, _ in rows if code == root_code}
    grew = bool(ids)
    while grew:
        new = {cid for cid, _, parent in rows if parent in ids and cid not in ids}
        ids |= new
        grew = bool(new)
    return ids


def published_rows(session: Session, channel_id: int) -> dict[int, PublishedRow]:
    rows = session.execute(
        select(
            PublishedListing.product_id,
            PublishedListing.sku,
            PublishedListing.revision,
            PublishedListing.fingerprint,
        ).where(PublishedListing.channel_id == channel_id)
    )
    return {pid: PublishedRow(pid, sku, rev, fp) for pid, sku, rev, fp in rows}


def find_candidates(session: Session, setup: ChannelSetup) -> Candidates:
    """Every product that may need publishing work, from revisions alone."""
    live = live_products(session, setup)
    published = published_rows(session, setup.id)
    result = Candidates(live, published)
    for pid, product in live.items():
        row = published.get(pid)
        if row is None:
            result.never.append(pid)
        elif product.revision > row.revision:
            result.changed.append(pid)
    result.withdraw = [row for pid, row in published.items() if pid not in live]
    return result


def find_candidates_fast(session: Session, setup: ChannelSetup) -> Candidates:
    """:func:`find_candidates` without loading the whole catalog: two indexed queries that
    return only the candidates (what the waiting list needs). ``live`` and ``published``
    then hold the candidates alone. Channels limited to a category tree take the full path.
    """
    if setup.category_tree is not None:
        return find_candidates(session, setup)
    joined = and_(
        PublishedListing.product_id == Product.id, PublishedListing.channel_id == setup.id
    )
    live: dict[int, LiveProduct] = {}
    published: dict[int, PublishedRow] = {}
    result = Candidates(live, published)
    rows = session.execute(
        select(
            Product.id,
            Product.sku,
            Product.revision,
            PublishedListing.product_id,
            PublishedListing.sku,
            PublishedListing.revision,
            PublishedListing.fingerprint,
        )
        .outerjoin(PublishedListing, joined)
        .where(
            Product.enabled.is_(True),
            or_(
                PublishedListing.product_id.is_(None),
                Product.revision > PublishedListing.revision,
            ),
        )
    )
    for pid, sku, rev, published_id, psku, prev, fp in rows:
        live[pid] = LiveProduct(pid, sku, rev)
        if published_id is None:
            result.never.append(pid)
        else:
            published[pid] = PublishedRow(pid, psku, prev, fp)
            result.changed.append(pid)
    rows = session.execute(
        select(
            PublishedListing.product_id,
            PublishedListing.sku,
            PublishedListing.revision,
            PublishedListing.fingerprint,
        )
        .outerjoin(Product, Product.id == PublishedListing.product_id)
        .where(
            PublishedListing.channel_id == setup.id,
            or_(Product.id.is_(None), Product.enabled.is_(False)),
        )
    )
    result.withdraw = [PublishedRow(pid, sku, rev, fp) for pid, sku, rev, fp in rows]
    return result


def count_published_live(session: Session, setup: ChannelSetup) -> int:
    """How many live products have a published listing (any revision)."""
    if setup.category_tree is not None:
        candidates = find_candidates(session, setup)
        return sum(1 for pid in candidates.published if pid in candidates.live)
    return int(
        session.scalar(
            select(func.count())
            .select_from(PublishedListing)
            .join(Product, Product.id == PublishedListing.product_id)
            .where(PublishedListing.channel_id == setup.id, Product.enabled.is_(True))
        )
        or 0
    )


def changed_since_published(session: Session, setup: ChannelSetup) -> list[int]:
    """Published products whose revision moved on, as one indexed query (the hot path)."""
    return list(
        session.scalars(
            select(Product.id)
            .join(
                PublishedListing,
                and_(
                    PublishedListing.product_id == Product.id,
                    PublishedListing.channel_id == setup.id,
                ),
            )
            .where(Product.revision > PublishedListing.revision)
        )
    )


# -- the passing of time ------------------------------------------------------------------


def check_expiry(session: Session, now: dt.datetime | None = None) -> set[int]:
    """Touch the products whose images' rights expired or became valid since the last check.

    Returns the touched product ids (the caller commits and emits a ``rights`` change).
    """
    now = now or dt.datetime.now(dt.UTC)
    setting = session.get(Setting, EXPIRY_SETTING)
    last = None
    if setting is not None and setting.value:
        try:
            last = dt.datetime.fromisoformat(str(setting.value))
        except ValueError:
            last = None
    if last is None:
        last = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    crossed = or_(
        and_(AssetRights.expires_at > last, AssetRights.expires_at <= now),
        and_(AssetRights.valid_from > last, AssetRights.valid_from <= now),
    )
    asset_ids = set(session.scalars(select(AssetRights.asset_id).where(crossed)))
    touched = touch_assets(session, asset_ids) if asset_ids else set()
    if setting is None:
        session.add(Setting(key=EXPIRY_SETTING, value=now.isoformat()))
    else:
        setting.value = now.isoformat()
    return touched


def change_signature(session: Session) -> tuple[int, int]:
    """A cheap fingerprint of everything that can put a listing in the waiting list.

    Every change a listing depends on bumps ``product.revision`` (see catalog.revisions), and
    creating or deleting a product changes the count, so (count, sum of revisions) differs
    after any such change, whichever process made it. One scan of the revision index.
    """
    count, total = session.execute(
        select(func.count(Product.id), func.coalesce(func.sum(Product.revision), 0))
    ).one()
    return int(count), int(total)
