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
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import PurePath

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from pimdesk.catalog.db import SQLITE_BUSY_TIMEOUT_MS
from pimdesk.catalog.models import (
    AssetLink,
    AssetRights,
    AssetVersion,
    Category,
    Channel,
    ChannelTracking,
    Family,
    Product,
    ProductModel,
    PublishedListing,
    Setting,
    TrackingMark,
    WithdrawnListing,
    product_category,
    product_model_category,
)
from pimdesk.catalog.revisions import products_under_models, touch_assets
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


@dataclass(frozen=True)
class WithdrawnRow:
    """A product the channel's feed keeps as a withdrawal row (see ``WithdrawnListing``)."""

    product_id: int
    sku: str
    revision: int  # the product revision its row was written from
    remote_id: str | None
    current: int | None  # the product's revision now; None: deleted since

    @property
    def stale(self) -> bool:
        """Its row must be written again (the product changed) or dropped (deleted)."""
        return self.current is None or self.current > self.revision


def withdrawn_rows(session: Session, channel_id: int) -> dict[int, WithdrawnRow]:
    """The channel's withdrawal rows, with each product's revision now (one small join:
    only products withdrawn from a channel that keeps them are in the table)."""
    rows = session.execute(
        select(
            WithdrawnListing.product_id,
            WithdrawnListing.sku,
            WithdrawnListing.revision,
            WithdrawnListing.remote_id,
            Product.revision,
        )
        .outerjoin(Product, Product.id == WithdrawnListing.product_id)
        .where(WithdrawnListing.channel_id == channel_id)
    )
    return {
        pid: WithdrawnRow(pid, sku, rev, remote, current) for pid, sku, rev, remote, current in rows
    }


@dataclass
class Candidates:
    """The cheap part of tracking: what may need work, found without building listings."""

    live: dict[int, LiveProduct]
    published: dict[int, PublishedRow]
    changed: list[int] = field(default_factory=list)  # published, revision moved on
    never: list[int] = field(default_factory=list)  # live, never published
    withdraw: list[PublishedRow] = field(default_factory=list)
    # enabled products a channel limited to a category tree leaves out (no category under
    # it): never candidates, but the user is told (status, publish, products show)
    outside: list[LiveProduct] = field(default_factory=list)

    @property
    def up_to_date(self) -> int:
        return len(self.published) - len(self.changed) - len(self.withdraw)


def live_products(session: Session, setup: ChannelSetup) -> dict[int, LiveProduct]:
    """Enabled products that belong on the channel (its category tree, when it has one)."""
    return split_by_tree(session, setup)[0]


def split_by_tree(
    session: Session, setup: ChannelSetup
) -> tuple[dict[int, LiveProduct], list[LiveProduct]]:
    """The enabled products on the channel, and those its category tree leaves out (no
    category of theirs or of their models is under the tree's root), by SKU."""
    query = select(Product.id, Product.sku, Product.revision).where(Product.enabled.is_(True))
    rows = session.execute(query).all()
    live = {pid: LiveProduct(pid, sku, rev) for pid, sku, rev in rows}
    if setup.category_tree is None:
        return live, []
    in_tree = products_in_tree(session, setup.category_tree)
    outside = sorted((p for pid, p in live.items() if pid not in in_tree), key=lambda p: p.sku)
    return {pid: p for pid, p in live.items() if pid in in_tree}, outside


def products_in_tree(
    session: Session, root_code: str, ids: Sequence[int] | None = None
) -> set[int]:
    """Ids of the products (of ``ids`` only, when given) filed under the category tree
    rooted at ``root_code``, themselves or through their models."""
    tree = _tree_ids(session, root_code)
    own = select(product_category.c.product_id).where(product_category.c.category_id.in_(tree))
    if ids is not None:
        own = own.where(product_category.c.product_id.in_(ids))
    in_tree = set(session.scalars(own))
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
        under = select(Product.id).where(Product.parent_id.in_(models | children))
        if ids is not None:
            under = under.where(Product.id.in_(ids))
        in_tree |= set(session.scalars(under))
    return in_tree


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


def published_rows_for(
    session: Session, channel_id: int, ids: Sequence[int]
) -> dict[int, PublishedRow]:
    """The channel's published rows of these products (by primary key, in chunks)."""
    out: dict[int, PublishedRow] = {}
    for start in range(0, len(ids), 900):
        chunk = ids[start : start + 900]
        for pid, sku, rev, fp in session.execute(
            select(
                PublishedListing.product_id,
                PublishedListing.sku,
                PublishedListing.revision,
                PublishedListing.fingerprint,
            ).where(
                PublishedListing.channel_id == channel_id, PublishedListing.product_id.in_(chunk)
            )
        ):
            out[pid] = PublishedRow(pid, sku, rev, fp)
    return out


def find_candidates(session: Session, setup: ChannelSetup) -> Candidates:
    """Every product that may need publishing work, from revisions alone.

    Also leaves the channel's lookup state (see :func:`find_candidates_fast`) at this
    point, so the waiting list after a publish starts from there."""
    mark = current_mark(session) if setup.category_tree is None else None
    live, outside = split_by_tree(session, setup)
    published = published_rows(session, setup.id)
    result = Candidates(live, published, outside=outside)
    for pid, product in live.items():
        row = published.get(pid)
        if row is None:
            result.never.append(pid)
        elif product.revision > row.revision:
            result.changed.append(pid)
    result.withdraw = [row for pid, row in published.items() if pid not in live]
    if mark is not None:
        _save_state(session, setup.id, mark, _pending(result))
    return result


FULL_SCAN_AT = 5_000  # more dirty products than this: one scan beats per-id lookups


def find_candidates_fast(session: Session, setup: ChannelSetup) -> Candidates:
    """:func:`find_candidates` without loading the whole catalog: only the candidates (what
    the waiting list needs). ``live`` and ``published`` then hold the candidates alone.

    Reads the products changed (``product.changed_seq``) or marked (``tracking_mark``: a
    product or a published listing deleted) since this channel's last lookup left off, plus
    the ones that were not settled then (``channel_tracking.pending``), and looks each up by
    id: a handful of indexed reads after one edit, whatever the size of the catalog. The
    first lookup of a channel, or one after a very large change, compares every product
    with its published row once. Channels limited to a category tree take the full path
    (a category moved in the tree changes no product).

    Call it outside a writing transaction: the new state is saved in a transaction of its
    own, best effort (another writer holding SQLite's lock just leaves the older state,
    which stays correct, only less advanced).
    """
    if setup.category_tree is not None:
        return find_candidates(session, setup)
    mark = current_mark(session)  # first: whatever commits later is numbered above it
    state = session.execute(
        select(ChannelTracking.mark, ChannelTracking.pending).where(
            ChannelTracking.channel_id == setup.id
        )
    ).first()
    result: Candidates | None = None
    if state is not None and len(state.pending or []) <= FULL_SCAN_AT:
        dirty = dirty_since(session, int(state.mark), limit=FULL_SCAN_AT)
        if dirty is not None:
            dirty |= {int(pid) for pid in state.pending or []}
            if len(dirty) <= FULL_SCAN_AT:
                result = _classify(session, setup.id, dirty)
    if result is None:
        result = _scan_candidates(session, setup)
    pending = _pending(result)
    if state is None or int(state.mark) != mark or list(state.pending or []) != pending:
        _save_state(session, setup.id, mark, pending)
    return result


def _pending(result: Candidates) -> list[int]:
    return sorted({*result.never, *result.changed, *(row.product_id for row in result.withdraw)})


def current_mark(session: Session) -> int:
    """The highest change sequence number committed so far (products and marks)."""
    product = session.scalar(select(func.max(Product.changed_seq))) or 0
    marked = session.scalar(select(func.max(TrackingMark.seq))) or 0
    return int(max(product, marked))


def dirty_since(session: Session, mark: int, *, limit: int) -> set[int] | None:
    """Ids of products changed, deleted or unpublished after ``mark`` (None: more than
    ``limit``, the caller scans instead)."""
    ids = set(
        session.scalars(select(Product.id).where(Product.changed_seq > mark).limit(limit + 1))
    )
    ids |= set(
        session.scalars(
            select(TrackingMark.product_id).where(TrackingMark.seq > mark).limit(limit + 1)
        )
    )
    return None if len(ids) > limit else ids


def _classify(session: Session, channel_id: int, ids: set[int]) -> Candidates:
    """The candidates among ``ids``: looked up by primary key, never a scan."""
    live: dict[int, LiveProduct] = {}
    published: dict[int, PublishedRow] = {}
    result = Candidates(live, published)
    products: dict[int, tuple[str, int, bool]] = {}
    rows: dict[int, PublishedRow] = {}
    ordered = sorted(ids)
    for start in range(0, len(ordered), 900):
        chunk = ordered[start : start + 900]
        for pid, sku, rev, enabled in session.execute(
            select(Product.id, Product.sku, Product.revision, Product.enabled).where(
                Product.id.in_(chunk)
            )
        ):
            products[pid] = (sku, rev, bool(enabled))
        rows.update(published_rows_for(session, channel_id, chunk))
    for pid in ordered:
        product = products.get(pid)
        row = rows.get(pid)
        if product is not None and product[2]:
            if row is None:
                live[pid] = LiveProduct(pid, product[0], product[1])
                result.never.append(pid)
            elif product[1] > row.revision:
                live[pid] = LiveProduct(pid, product[0], product[1])
                published[pid] = row
                result.changed.append(pid)
        elif row is not None:
            result.withdraw.append(row)
    return result


def _save_state(session: Session, channel_id: int, mark: int, pending: list[int]) -> None:
    """Remember where this lookup left off, and drop marks every channel has passed."""
    engine = session.get_bind()
    sqlite = engine.dialect.name == "sqlite"
    values = {
        "channel_id": channel_id,
        "mark": mark,
        "pending": pending,
        "updated_at": dt.datetime.now(dt.UTC),
    }
    if sqlite:  # the dialect's own INSERT ... ON CONFLICT, imported for the engine in use
        from sqlalchemy.dialects.sqlite import insert as upsert_insert
    else:
        from sqlalchemy.dialects.postgresql import insert as upsert_insert
    statement = upsert_insert(ChannelTracking).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=[ChannelTracking.channel_id],
        set_={"mark": values["mark"], "pending": pending, "updated_at": values["updated_at"]},
        # never move back: a slower lookup must not undo a newer one (marks are pruned)
        where=ChannelTracking.mark <= mark,
    )
    try:
        with engine.connect() as connection:
            if sqlite:  # never wait behind a long import for a cache write
                connection.exec_driver_sql("PRAGMA busy_timeout=100")
            try:
                connection.execute(statement)
                passed = connection.scalar(select(func.min(ChannelTracking.mark)))
                if passed is not None:  # keep the newest: SQLite numbers on from it
                    newest = select(func.max(TrackingMark.seq)).scalar_subquery()
                    connection.execute(
                        delete(TrackingMark).where(
                            TrackingMark.seq <= passed, TrackingMark.seq < newest
                        )
                    )
                connection.commit()
            finally:
                connection.rollback()
                if sqlite:
                    connection.exec_driver_sql(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
                    connection.commit()
    except DBAPIError:
        pass  # the older state stays valid


def _scan_candidates(session: Session, setup: ChannelSetup) -> Candidates:
    """Every product compared with its published row: the first lookup of a channel."""
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
    """How many live products have a published listing (any revision): the channel's
    published rows less the ones waiting to be withdrawn (no join over the catalog)."""
    if setup.category_tree is not None:
        candidates = find_candidates(session, setup)
        return sum(1 for pid in candidates.published if pid in candidates.live)
    rows = int(
        session.scalar(
            select(func.count())
            .select_from(PublishedListing)
            .where(PublishedListing.channel_id == setup.id)
        )
        or 0
    )
    return rows - len(find_candidates_fast(session, setup).withdraw)


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


@dataclass(frozen=True)
class SmallImage:
    """A live listing showing an image under the size a product photo needs."""

    sku: str
    file: str  # the user's file name
    width: int
    height: int


def small_live_images(session: Session, channel_id: int, below: int) -> list[SmallImage]:
    """The channel's published listings that went out with an image under ``below`` px on
    its longest side (by the versions each listing recorded as used), by SKU.

    Starts from the small versions, usually few, so it reads a handful of rows whatever the
    size of the catalog; a channel with a minimum at or above ``below`` never has any."""
    small = {
        vid: (PurePath(path or "").name, int(w), int(h))
        for vid, path, w, h in session.execute(
            select(
                AssetVersion.id, AssetVersion.source_path, AssetVersion.width, AssetVersion.height
            ).where(AssetVersion.width < below, AssetVersion.height < below)
        )
    }
    if not small:
        return []
    assets = sorted(
        set(session.scalars(select(AssetVersion.asset_id).where(AssetVersion.id.in_(small))))
    )
    products: set[int] = set()
    models: set[int] = set()
    for start in range(0, len(assets), 900):
        chunk = assets[start : start + 900]
        for pid, mid in session.execute(
            select(AssetLink.product_id, AssetLink.product_model_id).where(
                AssetLink.asset_id.in_(chunk)
            )
        ):
            if pid is not None:
                products.add(pid)
            if mid is not None:
                models.add(mid)
    products |= products_under_models(session, models)
    out: list[SmallImage] = []
    ordered = sorted(products)
    for start in range(0, len(ordered), 900):
        for sku, versions in session.execute(
            select(PublishedListing.sku, PublishedListing.versions).where(
                PublishedListing.channel_id == channel_id,
                PublishedListing.product_id.in_(ordered[start : start + 900]),
            )
        ):
            for vid in versions or []:
                if vid in small:
                    out.append(SmallImage(sku, *small[vid]))
    return sorted(out, key=lambda image: (image.sku, image.file))


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


Signature = tuple[int, int, str]


def change_signature(session: Session) -> Signature:
    """A cheap fingerprint of everything that can put a listing in the waiting list.

    Every change a listing depends on bumps ``product.revision`` (see catalog.revisions), and
    creating or deleting a product changes the count, so (count, sum of revisions) differs
    after any such change, whichever process made it. One scan of the revision index.

    What a channel does with those products lives outside them: its settings (auto-publish
    turned on, the output folder), its field map, locale, currency and category tree, the
    families' per-channel requirements and the shape of the category tree. These rows are
    few, so the third part is a digest of them all: ``pimdesk channels set google
    auto_publish=true`` in another terminal changes it too.
    """
    count, total = session.execute(
        select(func.count(Product.id), func.coalesce(func.sum(Product.revision), 0))
    ).one()
    return int(count), int(total), _setup_digest(session)


def _setup_digest(session: Session) -> str:
    """A digest of the channel, family-requirement and category rows (all small tables)."""
    digest = hashlib.blake2b(digest_size=16)
    queries = (
        select(
            Channel.id,
            Channel.code,
            Channel.exporter,
            Channel.category_tree,
            Channel.locales,
            Channel.currencies,
            Channel.settings,
            Channel.field_map,
        ).order_by(Channel.id),
        select(Family.id, Family.requirements, Family.image_requirements).order_by(Family.id),
        select(Category.id, Category.code, Category.parent_id).order_by(Category.id),
    )
    for query in queries:
        for row in session.execute(query):
            digest.update(json.dumps(list(row), sort_keys=True, default=str).encode())
        digest.update(b"\x00")
    return digest.hexdigest()
