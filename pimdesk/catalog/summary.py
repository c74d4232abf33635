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

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import delete, insert, or_, select
from sqlalchemy.orm import Session

from pimdesk.catalog.completeness import Completeness, compute
from pimdesk.catalog.context import CatalogContext, FamilyInfo, load_context
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


def _approved_roles(
    session: Session, product_ids: Sequence[int], model_ids: Iterable[int]
) -> tuple[dict[int, set[str]], dict[int, set[str]]]:
    """(product id -> roles, model id -> roles) with at least one approved version."""
    models = list(model_ids)
    condition = AssetLink.product_id.in_(list(product_ids))
    if models:
        condition = or_(condition, AssetLink.product_model_id.in_(models))
    rows = session.execute(
        select(AssetLink.product_id, AssetLink.product_model_id, AssetLink.role)
        .join(AssetVersion, AssetVersion.asset_id == AssetLink.asset_id)
        .where(condition, AssetVersion.approval == "approved")
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


def summarise(
    session: Session, context: CatalogContext, product_ids: Sequence[int]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Completeness rows and label rows for these products, computed from the catalog."""
    rows = session.execute(
        select(
            Product.id, Product.family_id, Product.parent_id, Product.values, Product.revision
        ).where(Product.id.in_(list(product_ids)))
    ).all()
    chains = model_chains(session, {r[2] for r in rows if r[2] is not None})
    all_models = {m.id for chain in chains.values() for m in chain}
    roles, model_roles = _approved_roles(session, [r[0] for r in rows], all_models)
    families = context.families_by_id
    completeness: list[dict[str, Any]] = []
    labels: list[dict[str, Any]] = []
    for product_id, family_id, parent_id, values, revision in rows:
        chain = chains.get(parent_id, []) if parent_id is not None else []
        docs = [*(m.values for m in chain), values or {}]
        family: FamilyInfo | None = families.get(family_id) if family_id is not None else None
        for locale in context.locales:
            name = label_of(docs, family.attribute_as_label if family else "name", locale)
            labels.append(
                {
                    "product_id": product_id,
                    "locale": locale,
                    "name": name,
                    "sort_key": sort_key(name),
                }
            )
        if family is None:
            continue
        resolved = layered(docs)
        present = set(roles.get(product_id, set()))
        for model in chain:
            present |= model_roles.get(model.id, set())
        items = [
            compute(context, family, resolved, channel, locale, present)
            for channel in context.channels.values()
            for locale in channel.locales
        ]
        for code, item in lowest_per_channel(items).items():
            completeness.append(
                {
                    "product_id": product_id,
                    "channel_id": context.channels[code].id,
                    "ratio": item.ratio,
                    "missing": list(item.missing),
                    "revision": revision,
                }
            )
    return completeness, labels


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
        session.execute(
            delete(ProductCompleteness).where(ProductCompleteness.product_id.in_(chunk))
        )
        session.execute(delete(ProductLabel).where(ProductLabel.product_id.in_(chunk)))
        # Core inserts (not ORM bulk): plain rows, no identity map; half the cost at 100k
        if completeness:
            session.execute(insert(ProductCompleteness.__table__), completeness)
        if labels:
            session.execute(insert(ProductLabel.__table__), labels)
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
