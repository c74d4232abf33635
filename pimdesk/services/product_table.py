"""The products table's questions: keyset pages in any column's order, filters, variants.

The window's products table lists simple products and product models (a model row expands
to its variants); with a completeness, waiting-to-publish or text filter it lists the
matching products themselves, variants included. Every page is one query ordered by
``(sort value, SKU or model code, kind)`` and continued after the last row's key, never by
OFFSET, in either direction. Sort values come from columns or from the summaries the catalog keeps
(``catalog.summary``: labels per locale, completeness per channel), so no page computes
completeness in Python unless a summary row is missing or older than its product.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    bindparam,
    case,
    exists,
    false,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session, aliased

from pimdesk.catalog.completeness import product_completeness
from pimdesk.catalog.context import CatalogContext, load_context
from pimdesk.catalog.db import AwareDateTime
from pimdesk.catalog.models import (
    Asset,
    AssetLink,
    AssetVersion,
    Category,
    Channel,
    Family,
    FamilyVariant,
    Product,
    ProductCompleteness,
    ProductLabel,
    ProductModel,
    ProductModelLabel,
    PublishedListing,
    product_category,
    product_model_category,
)
from pimdesk.catalog.summary import label_of, lowest_per_channel
from pimdesk.errors import ValidationError
from pimdesk.library import Library

PAGE = 200
SORTS = ("sku", "name", "family", "model", "enabled", "last_published")  # + completeness:<ch>
NEVER = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

# (sort value, SKU or model code, kind "m"/"p", id): rows with the same value in the sorted
# column follow the SKU, as a user expects; the id names the row
Key = tuple[Any, str, str, int]


@dataclass(frozen=True)
class TableFilter:
    """What the table is narrowed to (all optional)."""

    family: str | None = None
    category: str | None = None
    completeness: str | None = None  # "complete" | "incomplete"
    completeness_channel: str | None = None  # None: every channel
    waiting_channel: str | None = None  # waiting to (re)publish on this channel
    skus: tuple[str, ...] | None = None  # the search box's answer

    @property
    def flat(self) -> bool:
        """Filters about sellable products list products, not models with variants."""
        return bool(self.completeness or self.waiting_channel or self.skus is not None)


@dataclass(frozen=True)
class TableRow:
    """One row: a product, or a product model (``kind == "model"``) with its variants."""

    kind: str  # product | model
    id: int
    sku: str  # the model code for a model
    name: str
    family: str | None
    enabled: bool
    parent: str | None  # the model a variant belongs to (its direct parent)
    completeness: dict[str, int] = field(default_factory=dict)  # channel -> percent
    missing: dict[str, tuple[str, ...]] = field(default_factory=dict)
    complete_variants: dict[str, tuple[int, int]] = field(default_factory=dict)  # models
    last_published: dt.datetime | None = None
    thumbnail: Path | None = None
    waiting: tuple[str, ...] = ()
    variants: int = 0
    key: Key | None = None


@dataclass(frozen=True)
class TablePage:
    rows: list[TableRow]
    next_after: Key | None  # None: there is no more


# -- the query ------------------------------------------------------------------------------


def _channel_id(session: Session, code: str) -> int:
    channel_id = session.scalar(select(Channel.id).where(Channel.code == code))
    if channel_id is None:
        raise ValidationError(f"no channel {code!r}", where="channel")
    return int(channel_id)


def _variant_products(model: Any) -> ColumnElement[bool]:
    """Products below ``model`` (a ProductModel alias or column set), one or two levels."""
    sub = aliased(ProductModel)
    return Product.parent_id.in_(
        select(sub.id).where(or_(sub.id == model.id, sub.parent_id == model.id))
    )


def _product_sort(session: Session, sort: str, locale: str) -> tuple[Any, list[Any]]:
    """(sort value expression, outer joins) for the product arm."""
    if sort == "sku":
        return Product.sku, []
    if sort == "name":
        label = aliased(ProductLabel)
        join = (label, and_(label.product_id == Product.id, label.locale == locale))
        return func.coalesce(label.sort_key, ""), [join]
    if sort == "family":
        fam = aliased(Family)
        return func.coalesce(fam.code, ""), [(fam, fam.id == Product.family_id)]
    if sort == "model":
        parent = aliased(ProductModel)
        return func.coalesce(parent.code, ""), [(parent, parent.id == Product.parent_id)]
    if sort == "enabled":
        return case((Product.enabled.is_(True), 1), else_=0), []
    if sort == "last_published":
        newest = (
            select(func.max(PublishedListing.published_at))
            .where(PublishedListing.product_id == Product.id)
            .scalar_subquery()
        )
        return func.coalesce(newest, literal(NEVER, AwareDateTime())), []
    if sort.startswith("completeness:"):
        channel_id = _channel_id(session, sort.partition(":")[2])
        pc = aliased(ProductCompleteness)
        join = (pc, and_(pc.product_id == Product.id, pc.channel_id == channel_id))
        return func.coalesce(pc.ratio, -1), [join]
    raise ValidationError(f"cannot sort by {sort!r}", where="sort", hint=", ".join(SORTS))


def _model_sort(session: Session, sort: str, locale: str, model: Any) -> tuple[Any, list[Any]]:
    """(sort value expression, outer joins) for the model arm (root models)."""
    if sort in ("sku", "model"):
        return model.code, []
    if sort == "name":
        label = aliased(ProductModelLabel)
        join = (label, and_(label.product_model_id == model.id, label.locale == locale))
        return func.coalesce(label.sort_key, func.lower(model.code)), [join]
    if sort == "family":
        fv = aliased(FamilyVariant)
        fam = aliased(Family)
        code = select(fam.code).join(fv, fv.family_id == fam.id)
        return code.where(fv.id == model.family_variant_id).scalar_subquery(), []
    if sort == "enabled":
        return literal(1), []
    if sort == "last_published":
        newest = (
            select(func.max(PublishedListing.published_at))
            .join(Product, Product.id == PublishedListing.product_id)
            .where(_variant_products(model))
            .scalar_subquery()
        )
        return func.coalesce(newest, literal(NEVER, AwareDateTime())), []
    if sort.startswith("completeness:"):
        channel_id = _channel_id(session, sort.partition(":")[2])
        lowest = (
            select(func.min(ProductCompleteness.ratio))
            .join(Product, Product.id == ProductCompleteness.product_id)
            .where(ProductCompleteness.channel_id == channel_id, _variant_products(model))
            .scalar_subquery()
        )
        return func.coalesce(lowest, -1), []
    raise ValidationError(f"cannot sort by {sort!r}", where="sort", hint=", ".join(SORTS))


def _after(value: Any, code: Any, kind: str, after: Key | None, descending: bool) -> Any:
    """The keyset condition for one arm: rows after ``after`` in the order (value, code,
    kind), ``kind`` being a constant in the arm (codes are unique within a kind)."""
    if after is None:
        return None
    a_value, a_code, a_kind, _id = after
    if descending:
        tail = code <= a_code if kind < a_kind else code < a_code
        return or_(value < a_value, and_(value == a_value, tail))
    tail = code >= a_code if kind > a_kind else code > a_code
    return or_(value > a_value, and_(value == a_value, tail))


def _completeness_filter(session: Session, wanted: str, channel: str | None) -> ColumnElement[bool]:
    pc = aliased(ProductCompleteness)
    on = [pc.product_id == Product.id]
    if channel is not None:
        on.append(pc.channel_id == _channel_id(session, channel))
    incomplete = exists().where(*on, pc.ratio < 100)
    if wanted == "incomplete":
        return incomplete
    if wanted == "complete":
        return and_(exists().where(*on), ~incomplete)
    raise ValidationError(f"unknown completeness filter {wanted!r}", where="completeness")


def waiting_ids(session: Session, library: Library, channel: str) -> set[int]:
    """The products publishing tracking counts as waiting on ``channel`` (never published,
    or changed since their last publish); none for a channel without an exporter."""
    from pimdesk.channels import tracking
    from pimdesk.channels.listings import load_setup
    from pimdesk.channels.registry import registry_for

    exporter = session.scalar(select(Channel.exporter).where(Channel.code == channel))
    if not exporter:
        _channel_id(session, channel)  # unknown channel: say so
        return set()
    setup = load_setup(session, registry_for(library), channel)
    candidates = tracking.find_candidates_fast(session, setup)
    return set(candidates.changed) | set(candidates.never)


def _product_arm(
    session: Session,
    library: Library,
    filters: TableFilter,
    sort: str,
    locale: str,
    after: Key | None,
    descending: bool,
) -> Select[Any]:
    value, joins = _product_sort(session, sort, locale)
    query = select(
        literal("p").label("kind"),
        Product.id.label("id"),
        Product.sku.label("code"),
        value.label("sortval"),
    )
    query = query.select_from(Product)
    for target, on in joins:
        query = query.outerjoin(target, on)
    if not filters.flat:
        query = query.where(Product.parent_id.is_(None))
    if filters.family is not None:
        query = query.where(
            Product.family_id
            == select(Family.id).where(Family.code == filters.family).scalar_subquery()
        )
    if filters.category is not None:
        query = query.where(
            Product.id.in_(
                select(product_category.c.product_id)
                .join(Category, Category.id == product_category.c.category_id)
                .where(Category.code == filters.category)
            )
        )
    if filters.completeness is not None:
        query = query.where(
            _completeness_filter(session, filters.completeness, filters.completeness_channel)
        )
    if filters.waiting_channel is not None:
        ids = sorted(waiting_ids(session, library, filters.waiting_channel))
        if not ids:
            query = query.where(false())
        else:
            # inlined integers: a catalog-sized list must not hit the bound-parameter limits
            query = query.where(
                Product.id.in_(bindparam("waiting", ids, expanding=True, literal_execute=True))
            )
    if filters.skus is not None:
        query = query.where(Product.sku.in_(list(filters.skus)))
    condition = _after(value, Product.sku, "p", after, descending)
    if condition is not None:
        query = query.where(condition)
    return query


def _model_arm(
    session: Session,
    filters: TableFilter,
    sort: str,
    locale: str,
    after: Key | None,
    descending: bool,
) -> Select[Any]:
    model = aliased(ProductModel)
    value, joins = _model_sort(session, sort, locale, model)
    query = select(
        literal("m").label("kind"),
        model.id.label("id"),
        model.code.label("code"),
        value.label("sortval"),
    )
    query = query.select_from(model)
    for target, on in joins:
        query = query.outerjoin(target, on)
    query = query.where(model.parent_id.is_(None))
    if filters.family is not None:
        query = query.where(
            model.family_variant_id.in_(
                select(FamilyVariant.id)
                .join(Family, Family.id == FamilyVariant.family_id)
                .where(Family.code == filters.family)
            )
        )
    if filters.category is not None:
        query = query.where(
            model.id.in_(
                select(product_model_category.c.product_model_id)
                .join(Category, Category.id == product_model_category.c.category_id)
                .where(Category.code == filters.category)
            )
        )
    condition = _after(value, model.code, "m", after, descending)
    if condition is not None:
        query = query.where(condition)
    return query


def table_page(
    library: Library,
    *,
    after: Key | None = None,
    limit: int = PAGE,
    sort: str = "sku",
    descending: bool = False,
    filters: TableFilter | None = None,
    locale: str | None = None,
) -> TablePage:
    """One keyset page of the products table in the order of ``sort`` (a name of
    :data:`SORTS`, or ``completeness:<channel>``), after the key of the last row shown."""
    filters = filters or TableFilter()
    with library.session() as session:
        context = load_context(session)
        locale = locale or context.default_locale
        arms = [_product_arm(session, library, filters, sort, locale, after, descending)]
        if not filters.flat:
            arms.append(_model_arm(session, filters, sort, locale, after, descending))
        if len(arms) > 1:
            # each arm ordered and cut on its own (an index can serve it), then merged
            limited = []
            for arm in arms:
                cols = arm.selected_columns
                inner = [cols.sortval, cols.code]
                if descending:
                    inner = [c.desc() for c in inner]
                sub = arm.order_by(*inner).limit(limit).subquery()
                limited.append(select(sub.c.kind, sub.c.id, sub.c.code, sub.c.sortval))
            compound = union_all(*limited)
        else:
            compound = arms[0]
        columns = compound.selected_columns
        order = [columns.sortval, columns.code, columns.kind]
        if descending:
            order = [c.desc() for c in order]
        found = session.execute(compound.order_by(*order).limit(limit)).all()
        keys = {(kind, id_): (value, code, kind, id_) for kind, id_, code, value in found}
        rows = _rows(session, context, library, found, keys, locale)
    next_after = rows[-1].key if len(found) >= limit and rows else None
    return TablePage(rows, next_after)


# -- what each row shows --------------------------------------------------------------------


def _rows(
    session: Session,
    context: CatalogContext,
    library: Library,
    found: Sequence[Any],
    keys: dict[tuple[str, int], Key],
    locale: str,
) -> list[TableRow]:
    product_ids = [id_ for kind, id_, *_ in found if kind == "p"]
    model_ids = [id_ for kind, id_, *_ in found if kind == "m"]
    products = {r.id: r for r in product_rows(session, context, library, product_ids, locale)}
    models = {r.id: r for r in model_rows(session, context, library, model_ids, locale)}
    out = []
    for kind, id_, *_ in found:
        row = products.get(id_) if kind == "p" else models.get(id_)
        if row is not None:
            out.append(_with_key(row, keys[(kind, id_)]))
    return out


def _with_key(row: TableRow, key: Key) -> TableRow:
    from dataclasses import replace

    return replace(row, key=key)


def product_rows(
    session: Session,
    context: CatalogContext,
    library: Library,
    product_ids: Sequence[int],
    locale: str,
) -> list[TableRow]:
    """Rows for these products, in the order given."""
    from pimdesk.services import browse
    from pimdesk.services.products import _label, _model_documents

    if not product_ids:
        return []
    parent_model = aliased(ProductModel)
    found = session.execute(
        select(
            Product.id,
            Product.sku,
            Product.family_id,
            Product.enabled,
            parent_model.code,
            Product.parent_id,
            Product.values,
            Product.revision,
        )
        .outerjoin(parent_model, parent_model.id == Product.parent_id)
        .where(Product.id.in_(list(product_ids)))
    ).all()
    docs = _model_documents(session, {r.parent_id for r in found if r.parent_id is not None})
    channels = {c.id: c.code for c in context.channels.values()}
    summaries: dict[int, dict[str, tuple[int, tuple[str, ...], int]]] = {}
    for pid, channel_id, ratio, missing, revision in session.execute(
        select(
            ProductCompleteness.product_id,
            ProductCompleteness.channel_id,
            ProductCompleteness.ratio,
            ProductCompleteness.missing,
            ProductCompleteness.revision,
        ).where(ProductCompleteness.product_id.in_(list(product_ids)))
    ):
        if channel_id in channels:
            summaries.setdefault(pid, {})[channels[channel_id]] = (
                ratio,
                tuple(missing or ()),
                revision,
            )
    published = _last_published(session, list(product_ids))
    waiting = _waiting_on(session, context, {r.id: (r.revision, r.enabled) for r in found})
    thumbs = browse._main_thumbnails(session, list(product_ids))
    families = context.families_by_id
    rows: dict[int, TableRow] = {}
    for pid, sku, family_id, enabled, parent_code, parent_id, values, revision in found:
        family = families.get(family_id) if family_id is not None else None
        chain = [*docs.get(parent_id, []), values] if parent_id else [values]
        name = _label(chain, family.attribute_as_label if family else "name", locale) or ""
        ratios, missing = _completeness(session, context, pid, family, revision, summaries)
        sha = thumbs.get(pid)
        rows[pid] = TableRow(
            kind="product",
            id=pid,
            sku=sku,
            name=name,
            family=family.code if family else None,
            enabled=bool(enabled),
            parent=parent_code,
            completeness=ratios,
            missing=missing,
            last_published=published.get(pid),
            thumbnail=browse.thumbnail_path(library, sha) if sha else None,
            waiting=waiting.get(pid, ()),
        )
    return [rows[pid] for pid in product_ids if pid in rows]


def _completeness(
    session: Session,
    context: CatalogContext,
    product_id: int,
    family: Any,
    revision: int,
    summaries: dict[int, dict[str, tuple[int, tuple[str, ...], int]]],
) -> tuple[dict[str, int], dict[str, tuple[str, ...]]]:
    """From the stored summary; computed here only when it is missing or out of date."""
    if family is None:
        return {}, {}
    stored = summaries.get(product_id, {})
    fresh = all(code in stored and stored[code][2] == revision for code in context.channels)
    if fresh:
        return (
            {code: ratio for code, (ratio, _, _) in stored.items()},
            {code: missing for code, (_, missing, _) in stored.items()},
        )
    product = session.get(Product, product_id)
    if product is None:
        return {}, {}
    lowest = lowest_per_channel(product_completeness(session, context, product))
    return (
        {code: c.ratio for code, c in lowest.items()},
        {code: tuple(c.missing) for code, c in lowest.items()},
    )


def _last_published(session: Session, product_ids: list[int]) -> dict[int, dt.datetime]:
    if not product_ids:
        return {}
    return dict(
        session.execute(
            select(PublishedListing.product_id, func.max(PublishedListing.published_at))
            .where(PublishedListing.product_id.in_(product_ids))
            .group_by(PublishedListing.product_id)
        ).all()
    )


def _waiting_on(
    session: Session, context: CatalogContext, products: dict[int, tuple[int, bool]]
) -> dict[int, tuple[str, ...]]:
    """For display: the publishing channels each product changed on since it was
    published there (or was never published to), as tracking counts candidates."""
    publishing = {
        cid: code
        for cid, code in session.execute(
            select(Channel.id, Channel.code).where(Channel.exporter.is_not(None))
        )
    }
    if not publishing or not products:
        return {}
    seen: dict[tuple[int, int], int] = {
        (pid, cid): rev
        for pid, cid, rev in session.execute(
            select(
                PublishedListing.product_id,
                PublishedListing.channel_id,
                PublishedListing.revision,
            ).where(PublishedListing.product_id.in_(list(products)))
        )
    }
    out: dict[int, tuple[str, ...]] = {}
    for pid, (revision, enabled) in products.items():
        if not enabled:
            continue
        codes = tuple(
            code
            for cid, code in sorted(publishing.items(), key=lambda kv: kv[1])
            if (pid, cid) not in seen or revision > seen[(pid, cid)]
        )
        if codes:
            out[pid] = codes
    return out


def model_rows(
    session: Session,
    context: CatalogContext,
    library: Library,
    model_ids: Sequence[int],
    locale: str,
) -> list[TableRow]:
    """Rows for these (root) product models: label, family, variants and how many of them
    are complete per channel, newest publish of a variant, a picture."""
    from pimdesk.catalog.summary import model_chains
    from pimdesk.services import browse

    if not model_ids:
        return []
    chains = model_chains(session, model_ids)
    subs = dict(
        session.execute(
            select(ProductModel.id, ProductModel.parent_id).where(
                ProductModel.parent_id.in_(list(model_ids))
            )
        ).all()
    )
    root_of = {m: m for m in model_ids} | {sub: root for sub, root in subs.items()}
    variants: dict[int, list[int]] = {}
    for pid, parent_id in session.execute(
        select(Product.id, Product.parent_id)
        .where(Product.parent_id.in_(list(root_of)))
        .order_by(Product.sku)
    ):
        variants.setdefault(root_of[parent_id], []).append(pid)
    all_variants = [pid for ids in variants.values() for pid in ids]
    channels = {c.id: c.code for c in context.channels.values()}
    ratios: dict[int, dict[str, int]] = {}
    for pid, channel_id, ratio in session.execute(
        select(
            ProductCompleteness.product_id,
            ProductCompleteness.channel_id,
            ProductCompleteness.ratio,
        ).where(ProductCompleteness.product_id.in_(all_variants))
    ):
        if channel_id in channels:
            ratios.setdefault(pid, {})[channels[channel_id]] = ratio
    published = _last_published(session, all_variants)
    own_thumbs = _model_thumbnails(session, list(model_ids))
    variant_thumbs = browse._main_thumbnails(session, all_variants)
    variants_by_id = context.family_variants_by_id
    rows: dict[int, TableRow] = {}
    for model_id in model_ids:
        chain = chains.get(model_id) or []
        if not chain:
            continue
        fv = variants_by_id.get(chain[0].family_variant_id)
        family = context.families.get(fv.family_code) if fv else None
        name = label_of(
            [m.values for m in chain], family.attribute_as_label if family else "name", locale
        )
        ids = variants.get(model_id, [])
        lowest: dict[str, int] = {}
        done: dict[str, tuple[int, int]] = {}
        for code in context.channels:
            values = [ratios.get(pid, {}).get(code) for pid in ids]
            known = [v for v in values if v is not None]
            if known:
                lowest[code] = min(known)
                done[code] = (sum(1 for v in known if v >= 100), len(ids))
        times = [published[pid] for pid in ids if pid in published]
        sha = own_thumbs.get(model_id) or next(
            (variant_thumbs[pid] for pid in ids if pid in variant_thumbs), None
        )
        rows[model_id] = TableRow(
            kind="model",
            id=model_id,
            sku=chain[-1].code,
            name=name,
            family=family.code if family else None,
            enabled=True,
            parent=None,
            completeness=lowest,
            complete_variants=done,
            last_published=max(times) if times else None,
            thumbnail=browse.thumbnail_path(library, sha) if sha else None,
            variants=len(ids),
        )
    return [rows[m] for m in model_ids if m in rows]


def _model_thumbnails(session: Session, model_ids: list[int]) -> dict[int, str]:
    """model id -> sha256 of the newest version of its first linked image (main first)."""
    if not model_ids:
        return {}
    rows = session.execute(
        select(AssetLink.product_model_id, AssetLink.role, AssetLink.position, AssetVersion.sha256)
        .join(Asset, Asset.id == AssetLink.asset_id)
        .join(AssetVersion, AssetVersion.asset_id == Asset.id)
        .where(AssetLink.product_model_id.in_(model_ids), Asset.kind == "image")
        .order_by(AssetVersion.number)
    ).all()
    best: dict[int, tuple[int, int, str]] = {}
    for model_id, role, position, sha in rows:
        rank = (0 if role == "main" else 1, position or 0, sha)
        if model_id not in best or rank[:2] <= best[model_id][:2]:
            best[model_id] = rank
    return {mid: rank[2] for mid, rank in best.items()}


# -- variants and refreshed rows ------------------------------------------------------------


def model_variants(library: Library, code: str, *, locale: str | None = None) -> list[TableRow]:
    """The variants below a product model (through its sub-models too), by SKU."""
    with library.session() as session:
        context = load_context(session)
        model_id = session.scalar(select(ProductModel.id).where(ProductModel.code == code))
        if model_id is None:
            return []
        ids = list(
            session.scalars(
                select(Product.id)
                .where(
                    Product.parent_id.in_(
                        select(ProductModel.id).where(
                            or_(ProductModel.id == model_id, ProductModel.parent_id == model_id)
                        )
                    )
                )
                .order_by(Product.sku)
            )
        )
        return product_rows(session, context, library, ids, locale or context.default_locale)


def rows_for(
    library: Library,
    skus: Sequence[str] = (),
    model_codes: Sequence[str] = (),
    *,
    locale: str | None = None,
) -> list[TableRow]:
    """Fresh rows for products and models already shown (after an edit)."""
    with library.session() as session:
        context = load_context(session)
        locale = locale or context.default_locale
        ids = list(session.scalars(select(Product.id).where(Product.sku.in_(list(skus)))))
        mids = list(
            session.scalars(select(ProductModel.id).where(ProductModel.code.in_(list(model_codes))))
        )
        return [
            *product_rows(session, context, library, ids, locale),
            *model_rows(session, context, library, mids, locale),
        ]


def publishing_channels(library: Library) -> list[str]:
    """Channels that publish somewhere (an exporter set): the waiting filter's choices."""
    with library.session() as session:
        return list(
            session.scalars(
                select(Channel.code).where(Channel.exporter.is_not(None)).order_by(Channel.code)
            )
        )
