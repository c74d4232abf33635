"""Keep the stored table summaries true: completeness per (product, channel) and labels.

Every write that can change a product's completeness or label calls one of these in its own
transaction: :func:`refresh_products` (through ``revisions.touch_products`` for edits of
values and images, and directly where products are created or imported),
:func:`refresh_models` for a model's own label, :func:`refresh_families` when a family's
requirements change and :func:`refresh_all` when channels change or a library is upgraded.
The work is done in chunks of a few hundred products with a handful of queries each (values,
parents, approved image roles), so an import of thousands of products pays milliseconds per
hundred products, not per product.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from sqlalchemy import delete, insert, or_, select
from sqlalchemy.orm import Session

from pimdesk.catalog.completeness import Completeness, is_filled
from pimdesk.catalog.context import (
    AttributeInfo,
    CatalogContext,
    ChannelInfo,
    FamilyInfo,
    load_context,
)
from pimdesk.catalog.models import (
    AssetLink,
    AssetVersion,
    Family,
    Product,
    ProductCompleteness,
    ProductLabel,
    ProductModel,
    ProductModelLabel,
)
from pimdesk.catalog.values import layered, resolve

CHUNK = 400
SORT_KEY_CHARS = 255


def sort_key(label: str) -> str:
    """What the Name column sorts by: case-insensitive, cut to the indexed length."""
    return label.casefold()[:SORT_KEY_CHARS]


def label_of(docs: Sequence[Mapping[str, Any]], attribute: str, locale: str) -> str:
    """The label in ``locale`` from value documents, nearest (own) document last."""
    for doc in reversed(docs):
        value = resolve(doc, attribute, locale, None)
        if value not in (None, ""):
            return str(value)
    return ""


def lowest_per_channel(items: Iterable[Completeness]) -> dict[str, Completeness]:
    """channel -> the completeness of its least complete locale (what a badge shows)."""
    lowest: dict[str, Completeness] = {}
    for item in items:
        if item.channel not in lowest or item.ratio < lowest[item.channel].ratio:
            lowest[item.channel] = item
    return lowest


def model_chains(session: Session, model_ids: Iterable[int]) -> dict[int, list[ProductModel]]:
    """model id -> its chain of models, farthest first, itself last (two queries at most)."""
    wanted = set(model_ids)
    models: dict[int, ProductModel] = {}
    missing = wanted
    while missing:
        found = list(session.scalars(select(ProductModel).where(ProductModel.id.in_(missing))))
        models.update({m.id: m for m in found})
        missing = {m.parent_id for m in found if m.parent_id is not None} - set(models)
    chains: dict[int, list[ProductModel]] = {}
    for model_id in wanted:
        chain: list[ProductModel] = []
        current: int | None = model_id
        while current is not None and current in models:
            chain.insert(0, models[current])
            current = models[current].parent_id
        chains[model_id] = chain
    return chains


def approved_roles(
    session: Session, product_ids: Sequence[int], model_ids: Iterable[int]
) -> tuple[dict[int, set[str]], dict[int, set[str]]]:
    """(product id -> roles, model id -> roles) with at least one approved version."""
    products, models = list(product_ids), list(model_ids)
    if not products and not models:
        return {}, {}
    conditions = []
    if products:
        conditions.append(AssetLink.product_id.in_(products))
    if models:
        conditions.append(AssetLink.product_model_id.in_(models))
    rows = session.execute(
        select(AssetLink.product_id, AssetLink.product_model_id, AssetLink.role)
        .join(AssetVersion, AssetVersion.asset_id == AssetLink.asset_id)
        .where(or_(*conditions), AssetVersion.approval == "approved")
        .distinct()
    )
    by_product: dict[int, set[str]] = {}
    by_model: dict[int, set[str]] = {}
    for product_id, model_id, role in rows:
        if product_id is not None:
            by_product.setdefault(product_id, set()).add(role)
        if model_id is not None:
            by_model.setdefault(model_id, set()).add(role)
    return by_product, by_model


class Subject(NamedTuple):
    """One product as its summaries see it: whoever already holds its values (an import,
    which has just written them) passes them in instead of having them read back."""

    product_id: int
    family_id: int | None
    documents: Sequence[Mapping[str, Any]]  # farthest model first, the product's own last
    roles: frozenset[str] | set[str]  # approved image roles, its models' included
    revision: int


# (product_id, channel_id, ratio, missing as JSON text, revision)
CompletenessRow = tuple[int, int, int, str, int]
# (product_id, locale, name, sort_key)
LabelRow = tuple[int, str, str, str]


def summarise(
    session: Session, context: CatalogContext, product_ids: Sequence[int]
) -> tuple[list[CompletenessRow], list[LabelRow]]:
    """Completeness rows and label rows for these products, computed from the catalog."""
    rows = session.execute(
        select(
            Product.id, Product.family_id, Product.parent_id, Product.values, Product.revision
        ).where(Product.id.in_(list(product_ids)))
    ).all()
    chains = model_chains(session, {r[2] for r in rows if r[2] is not None})
    all_models = {m.id for chain in chains.values() for m in chain}
    roles, model_roles = approved_roles(session, [r[0] for r in rows], all_models)
    subjects = []
    for product_id, family_id, parent_id, values, revision in rows:
        chain = chains.get(parent_id, []) if parent_id is not None else []
        present = set(roles.get(product_id, set()))
        for model in chain:
            present |= model_roles.get(model.id, set())
        docs = [*(m.values for m in chain), values or {}]
        subjects.append(Subject(product_id, family_id, docs, present, revision))
    return summarise_subjects(context, subjects)


def summarise_subjects(
    context: CatalogContext, subjects: Iterable[Subject]
) -> tuple[list[CompletenessRow], list[LabelRow]]:
    """Completeness rows and label rows for products whose values are already at hand."""
    families = context.families_by_id
    channels = [c for c in context.channels.values() if c.locales]
    plans: dict[tuple[int, str], _Plan] = {}
    completeness: list[CompletenessRow] = []
    labels: list[LabelRow] = []
    missing_texts: dict[tuple[str, ...], str] = {}  # few distinct lists, many products
    for product_id, family_id, docs, roles, revision in subjects:
        family: FamilyInfo | None = families.get(family_id) if family_id is not None else None
        label = family.attribute_as_label if family else "name"
        for locale in context.locales:
            name = label_of(docs, label, locale)
            labels.append((product_id, locale, name, sort_key(name)))
        if family is None:
            continue
        resolved = layered(docs)
        for channel in channels:
            plan = plans.get((family.id, channel.code))
            if plan is None:
                plan = plans[(family.id, channel.code)] = _Plan(context, family, channel)
            ratio, missing = plan.lowest(resolved, roles)
            key = tuple(missing)
            missing_text = missing_texts.get(key)
            if missing_text is None:  # what SQLAlchemy's JSON type would write
                missing_text = missing_texts[key] = json.dumps(missing)
            completeness.append((product_id, channel.id, ratio, missing_text, revision))
    return completeness, labels


class _Plan:
    """A family's requirements on one channel, ready to check many products against.

    Gives what ``compute`` for each of the channel's locales and ``lowest_per_channel``
    give, but checks an attribute that is not localizable once per product instead of once
    per locale (the stored summaries of a large import are mostly this)."""

    def __init__(self, context: CatalogContext, family: FamilyInfo, channel: ChannelInfo):
        self.channel = channel
        self.attributes: list[tuple[str, AttributeInfo | None]] = []
        for code in family.requirements.get(channel.code, []):
            attribute = context.attributes.get(code)
            if attribute is None:
                continue
            # None: the identifier, which a product always has
            self.attributes.append((code, None if attribute.type == "identifier" else attribute))
        self.roles = list(family.image_requirements.get(channel.code, []))
        self.required = len(self.attributes) + len(self.roles)
        self.localizable = any(a is not None and a.localizable for _, a in self.attributes)

    def lowest(self, values: Mapping[str, Any], roles: Iterable[str]) -> tuple[int, list[str]]:
        """(ratio, missing) of the least complete locale (the first of equals)."""
        channel = self.channel
        shared: dict[str, bool] = {}
        best: tuple[int, list[str]] | None = None
        locales = channel.locales if self.localizable else channel.locales[:1]
        roles = set(roles)
        for locale in locales:
            filled = 0
            missing: list[str] = []
            for code, attribute in self.attributes:
                if attribute is None:
                    ok = True
                elif attribute.localizable:
                    ok = is_filled(attribute, values, channel, locale)
                else:
                    ok = shared.get(code)  # type: ignore[assignment]
                    if ok is None:
                        ok = shared[code] = is_filled(attribute, values, channel, locale)
                if ok:
                    filled += 1
                else:
                    missing.append(code)
            for role in self.roles:
                if role in roles:
                    filled += 1
                else:
                    missing.append(f"image:{role}")
            ratio = 100 if self.required == 0 else (100 * filled) // self.required
            if best is None or ratio < best[0]:
                best = (ratio, missing)
        assert best is not None  # channels without locales are left out
        return best


def write_summaries(
    session: Session,
    completeness: list[CompletenessRow],
    labels: list[LabelRow],
    *,
    replace: Sequence[int],
) -> None:
    """Store summary rows, first removing those of the products in ``replace`` (an import
    passes only the products it updated: the ones it created have none yet)."""
    if replace:
        for start in range(0, len(replace), CHUNK):
            chunk = list(replace[start : start + CHUNK])
            session.execute(
                delete(ProductCompleteness).where(ProductCompleteness.product_id.in_(chunk))
            )
            session.execute(delete(ProductLabel).where(ProductLabel.product_id.in_(chunk)))
    # Plain tuples through the driver's executemany: no per-row parameter processing in
    # SQLAlchemy (a 100,000-product import writes 300,000 of these rows)
    connection = session.connection()
    mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    for table, rows in (
        (_COMPLETENESS_COLUMNS, completeness),
        (_LABEL_COLUMNS, labels),
    ):
        if rows:
            name, columns = table
            holders = ", ".join([mark] * len(columns))
            connection.exec_driver_sql(
                f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({holders})", rows
            )


_COMPLETENESS_COLUMNS = (
    ProductCompleteness.__tablename__,
    ("product_id", "channel_id", "ratio", "missing", "revision"),
)
_LABEL_COLUMNS = (ProductLabel.__tablename__, ("product_id", "locale", "name", "sort_key"))
_SORT_INDEXES = (
    *ProductLabel.__table__.indexes,
    *ProductCompleteness.__table__.indexes,
)


def drop_sort_indexes(session: Session) -> bool:
    """Drop the label and completeness sort indexes inside the current SQLite transaction,
    so a bulk load into an empty catalog builds them once at the end
    (:func:`create_sort_indexes`) instead of inserting 300,000 keys in random order.

    Only on SQLite and only inside an open transaction (pysqlite runs DDL outside one in
    autocommit): a rollback then brings the indexes back with everything else. Not on
    PostgreSQL, where the drop would lock the tables against every reader until commit.
    Returns whether they were dropped."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return False
    if not getattr(connection.connection.dbapi_connection, "in_transaction", False):
        return False
    for index in _SORT_INDEXES:
        index.drop(connection)
    return True


def create_sort_indexes(session: Session) -> None:
    """Build the indexes :func:`drop_sort_indexes` dropped (same transaction)."""
    connection = session.connection()
    for index in _SORT_INDEXES:
        index.create(connection)


def refresh_products(
    session: Session, product_ids: Iterable[int], context: CatalogContext | None = None
) -> int:
    """Recompute the summaries of these products (in the caller's transaction)."""
    ids = sorted(set(product_ids))
    if not ids:
        return 0
    session.flush()
    context = context or load_context(session)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        completeness, labels = summarise(session, context, chunk)
        write_summaries(session, completeness, labels, replace=chunk)
    return len(ids)


def refresh_models(
    session: Session, model_ids: Iterable[int], context: CatalogContext | None = None
) -> int:
    """Recompute the labels of these product models."""
    ids = sorted(set(model_ids))
    if not ids:
        return 0
    session.flush()
    context = context or load_context(session)
    variants = context.family_variants_by_id
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        chains = model_chains(session, chunk)
        labels = []
        for model_id, chain in chains.items():
            if not chain:
                continue
            variant = variants.get(chain[0].family_variant_id)
            family = context.families.get(variant.family_code) if variant else None
            attribute = family.attribute_as_label if family else "name"
            for locale in context.locales:
                name = label_of([m.values for m in chain], attribute, locale)
                labels.append(
                    {
                        "product_model_id": model_id,
                        "locale": locale,
                        "name": name,
                        "sort_key": sort_key(name),
                    }
                )
        session.execute(
            delete(ProductModelLabel).where(ProductModelLabel.product_model_id.in_(chunk))
        )
        if labels:
            session.execute(insert(ProductModelLabel), labels)
    return len(ids)


def refresh_families(session: Session, family_codes: Iterable[str]) -> int:
    """Recompute every product of these families (their requirements changed)."""
    ids = session.scalars(
        select(Product.id)
        .join(Family, Family.id == Product.family_id)
        .where(Family.code.in_(list(family_codes)))
    )
    return refresh_products(session, list(ids))


def refresh_all(session: Session, progress: Callable[[int, int], None] | None = None) -> int:
    """Recompute every product and model (channels changed; a library upgraded)."""
    session.flush()
    context = load_context(session)
    product_ids = list(session.scalars(select(Product.id).order_by(Product.id)))
    total = len(product_ids)
    step = CHUNK * 10
    for start in range(0, total, step):
        refresh_products(session, product_ids[start : start + step], context)
        if progress is not None:
            progress(min(start + step, total), total)
    refresh_models(session, session.scalars(select(ProductModel.id)), context)
    return total
