"""Products and product models: the API the CLI, the GUI and publishing call.

Reads return plain frozen dataclasses; writes validate every edit (errors name the
attribute), record field-level history under one batch, bump revisions, refresh the search
index in the same transaction and emit one :class:`Change` after commit. Listing pages by
key (the SKU), never by OFFSET, so a large catalog scrolls at the same speed at any depth.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, aliased

from pimdesk.catalog import history as hist
from pimdesk.catalog import revisions, search, summary
from pimdesk.catalog.completeness import (
    Completeness,
    ModelCompleteness,
    ancestry,
    model_completeness,
    product_completeness,
)
from pimdesk.catalog.context import CatalogContext, load_context
from pimdesk.catalog.edits import Cell, resolve_cells
from pimdesk.catalog.models import (
    Asset,
    AssetLink,
    Category,
    Family,
    FamilyVariant,
    Product,
    ProductModel,
    Tag,
    ValueChange,
    product_category,
)
from pimdesk.catalog.validation import validate_identifier
from pimdesk.catalog.values import iter_values, merged, resolve, set_value
from pimdesk.catalog.variants import (
    axes_for_product,
    axes_for_submodel,
    axis_key,
    describe,
    missing_axes,
)
from pimdesk.errors import NotFoundError, PimdeskError, ValidationError
from pimdesk.events import Change
from pimdesk.importexport.columns import ColumnKey, UnknownAttributeError, parse_column
from pimdesk.library import Library

DEFAULT_PAGE = 100


# -- plain data returned to front ends ------------------------------------------------------


@dataclass(frozen=True)
class ProductRow:
    """One line of the products table."""

    id: int
    sku: str  # the model code for a model row
    name: str | None
    family: str | None
    enabled: bool
    parent_code: str | None
    is_model: bool
    updated_at: dt.datetime


@dataclass(frozen=True)
class ValueView:
    attribute: str
    locale: str | None
    channel: str | None
    data: Any
    inherited: bool  # True when the value comes from a parent model
    source: str  # SKU or model code that holds it
    # a scopable attribute's value: the channels that publish it (a channel's own value: that
    # channel; the shared value, ``channel`` None: every channel without its own); None for
    # an attribute that is not scopable (every channel publishes it)
    used_by: tuple[str, ...] | None = None


@dataclass(frozen=True)
class ProductDetail:
    id: int
    sku: str  # the model code for a model
    is_model: bool
    name: str | None
    family: str | None
    family_variant: str | None
    parent_code: str | None
    enabled: bool
    values: tuple[ValueView, ...]
    categories: tuple[str, ...]
    tags: tuple[str, ...]
    axes: tuple[str, ...]  # the axes this entity is distinguished by among its siblings
    completeness: tuple[Completeness, ...]  # products: per channel and locale
    variants: tuple[ProductRow, ...] = ()  # models: sub-models and products below
    variant_completeness: tuple[ModelCompleteness, ...] = ()  # models: "x of y complete"
    revision: int = 0
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None

    def value(self, attribute: str, locale: str | None = None, channel: str | None = None) -> Any:
        doc: dict[str, Any] = {}
        for v in self.values:
            set_value(doc, v.attribute, v.data, v.locale, v.channel)
        return resolve(doc, attribute, locale, channel)


@dataclass(frozen=True)
class ValueEdit:
    """One edit: set (attribute, locale, channel) to data (None or '' removes it)."""

    attribute: str
    data: Any
    locale: str | None = None
    channel: str | None = None
    part: str = "value"  # "unit" for a metric's unit, a currency code for one price


@dataclass(frozen=True)
class EditResult:
    id: int
    sku: str
    batch: str | None
    changes: tuple[hist.FieldChange, ...] = field(default_factory=tuple)


Edits = Mapping[str, Any] | Iterable[ValueEdit]


# -- listing --------------------------------------------------------------------------------


def _filtered(
    query: Select[Any],
    *,
    family: str | None,
    category: str | None,
    enabled: bool | None,
    parent: str | None,
) -> Select[Any]:
    if family is not None:
        query = query.where(
            Product.family_id == select(Family.id).where(Family.code == family).scalar_subquery()
        )
    if category is not None:
        query = query.where(
            Product.id.in_(
                select(product_category.c.product_id)
                .join(Category, Category.id == product_category.c.category_id)
                .where(Category.code == category)
            )
        )
    if enabled is not None:
        query = query.where(Product.enabled == enabled)
    if parent is not None:
        parents = select(ProductModel.id).where(ProductModel.code == parent)
        sub = select(ProductModel.id).where(ProductModel.parent_id.in_(parents))
        query = query.where(Product.parent_id.in_(parents.union(sub)))
    return query


def list_products(
    library: Library,
    *,
    after_sku: str | None = None,
    limit: int = DEFAULT_PAGE,
    family: str | None = None,
    category: str | None = None,
    enabled: bool | None = None,
    parent: str | None = None,
    locale: str | None = None,
    skus: Sequence[str] | None = None,
) -> list[ProductRow]:
    """A page of products ordered by SKU, starting after ``after_sku`` (keyset paging).

    ``skus`` narrows the page to those products (the GUI refreshes edited rows with it).
    """
    parent_model = aliased(ProductModel)
    query = (
        select(
            Product.id,
            Product.sku,
            Family.code,
            Family.attribute_as_label,
            Product.enabled,
            parent_model.code,
            Product.parent_id,
            Product.updated_at,
            Product.values,
        )
        .outerjoin(Family, Family.id == Product.family_id)
        .outerjoin(parent_model, parent_model.id == Product.parent_id)
        .order_by(Product.sku)
        .limit(limit)
    )
    if after_sku is not None:
        query = query.where(Product.sku > after_sku)
    if skus is not None:
        query = query.where(Product.sku.in_(list(skus)))
    query = _filtered(query, family=family, category=category, enabled=enabled, parent=parent)
    with library.session() as session:
        ctx_locale = locale or _default_locale(session)
        rows = session.execute(query).all()
        model_docs = _model_documents(session, {r[6] for r in rows if r[6] is not None})
        result = []
        for id_, sku, fam, label_attr, on, parent_code, parent_id, updated, values in rows:
            docs = [*model_docs.get(parent_id, []), values] if parent_id else [values]
            name = _label(docs, label_attr or "name", ctx_locale)
            result.append(ProductRow(id_, sku, name, fam, on, parent_code, False, updated))
        return result


def count_products(
    library: Library,
    *,
    family: str | None = None,
    category: str | None = None,
    enabled: bool | None = None,
    parent: str | None = None,
) -> int:
    query = _filtered(
        select(func.count(Product.id)),
        family=family,
        category=category,
        enabled=enabled,
        parent=parent,
    )
    with library.session() as session:
        return int(session.scalar(query) or 0)


def list_models(
    library: Library,
    *,
    after_code: str | None = None,
    limit: int = DEFAULT_PAGE,
    family: str | None = None,
    locale: str | None = None,
) -> list[ProductRow]:
    """A page of product models ordered by code (keyset paging)."""
    parent_model = aliased(ProductModel)
    query = (
        select(
            ProductModel.id,
            ProductModel.code,
            Family.code,
            Family.attribute_as_label,
            parent_model.code,
            ProductModel.parent_id,
            ProductModel.updated_at,
            ProductModel.values,
        )
        .join(FamilyVariant, FamilyVariant.id == ProductModel.family_variant_id)
        .join(Family, Family.id == FamilyVariant.family_id)
        .outerjoin(parent_model, parent_model.id == ProductModel.parent_id)
        .order_by(ProductModel.code)
        .limit(limit)
    )
    if after_code is not None:
        query = query.where(ProductModel.code > after_code)
    if family is not None:
        query = query.where(Family.code == family)
    with library.session() as session:
        ctx_locale = locale or _default_locale(session)
        rows = session.execute(query).all()
        model_docs = _model_documents(session, {r[5] for r in rows if r[5] is not None})
        return [
            ProductRow(
                id_,
                code,
                _label(
                    [*model_docs.get(pid, []), values] if pid else [values],
                    attr or "name",
                    ctx_locale,
                ),
                fam,
                True,
                parent_code,
                True,
                updated,
            )
            for id_, code, fam, attr, parent_code, pid, updated, values in rows
        ]


def _default_locale(session: Session) -> str:
    from pimdesk.catalog.models import Channel

    channel = session.scalars(select(Channel).order_by(Channel.id)).first()
    if channel is not None and channel.locales:
        return str(channel.locales[0])
    return "en_US"


def _model_documents(session: Session, model_ids: set[int]) -> dict[int, list[dict[str, Any]]]:
    """For each model id: its value documents farthest ancestor first (itself last)."""
    if not model_ids:
        return {}
    rows = {
        m.id: (m.parent_id, m.values)
        for m in session.execute(
            select(ProductModel.id, ProductModel.parent_id, ProductModel.values).where(
                ProductModel.id.in_(model_ids)
            )
        )
    }
    parents = {p for p, _ in rows.values() if p is not None and p not in rows}
    if parents:
        for m in session.execute(
            select(ProductModel.id, ProductModel.parent_id, ProductModel.values).where(
                ProductModel.id.in_(parents)
            )
        ):
            rows[m.id] = (m.parent_id, m.values)
    result = {}
    for model_id in model_ids:
        chain = []
        current: int | None = model_id
        while current is not None and current in rows:
            parent_id, values = rows[current]
            chain.insert(0, values)
            current = parent_id
        result[model_id] = chain
    return result


def _label(docs: Sequence[Mapping[str, Any]], attribute: str, locale: str) -> str | None:
    for doc in reversed(docs):
        value = resolve(doc, attribute, locale, None)
        if value not in (None, ""):
            return str(value)
    return None


# -- one product ----------------------------------------------------------------------------


def _find(session: Session, identifier: str) -> Product | ProductModel:
    product = session.scalars(select(Product).where(Product.sku == identifier)).first()
    if product is not None:
        return product
    model = session.scalars(select(ProductModel).where(ProductModel.code == identifier)).first()
    if model is not None:
        return model
    raise NotFoundError(f"no product or product model {identifier!r}", where="sku")


def _find_product(session: Session, sku: str) -> Product:
    product = session.scalars(select(Product).where(Product.sku == sku)).first()
    if product is None:
        raise NotFoundError(f"no product {sku!r}", where="sku")
    return product


def _value_views(
    context: CatalogContext,
    chain: Sequence[ProductModel],
    own: Mapping[str, Any],
    own_code: str,
) -> tuple[ValueView, ...]:
    views: dict[tuple[str, str | None, str | None], ValueView] = {}
    for model in chain:
        for attribute, loc, ch, data in iter_values(model.values):
            views[(attribute, loc, ch)] = ValueView(attribute, loc, ch, data, True, model.code)
    for attribute, loc, ch, data in iter_values(own):
        views[(attribute, loc, ch)] = ValueView(attribute, loc, ch, data, False, own_code)
    for key, view in views.items():
        info = context.attributes.get(view.attribute)
        if info is None or not info.scopable:
            continue
        if view.channel is not None:
            used_by: tuple[str, ...] = (view.channel,)
        else:  # the shared value: what every channel without its own publishes
            used_by = tuple(
                c for c in context.channels if (view.attribute, view.locale, c) not in views
            )
        views[key] = replace(view, used_by=used_by)
    return tuple(
        sorted(views.values(), key=lambda v: (v.attribute, v.locale or "", v.channel or ""))
    )


def get_product(library: Library, sku: str, locale: str | None = None) -> ProductDetail:
    """Everything about one product (or, given a model code, one product model)."""
    with library.session() as session:
        context = load_context(session)
        entity = _find(session, sku)
        label_locale = locale or context.default_locale
        if isinstance(entity, Product):
            chain = ancestry(session, entity.parent_id)
            family = context.families_by_id.get(entity.family_id or -1)
            variant = None
            axes: tuple[str, ...] = ()
            if chain:
                fv = context.family_variants_by_id.get(chain[0].family_variant_id)
                variant = fv.code if fv else None
                if fv is not None:
                    try:
                        axes = axes_for_product(fv, len(chain) == 1)
                    except ValidationError:
                        axes = ()
            docs = [*(m.values for m in chain), entity.values]
            return ProductDetail(
                id=entity.id,
                sku=entity.sku,
                is_model=False,
                name=_label(docs, family.attribute_as_label if family else "name", label_locale),
                family=family.code if family else None,
                family_variant=variant,
                parent_code=chain[-1].code if chain else None,
                enabled=entity.enabled,
                values=_value_views(context, chain, entity.values, entity.sku),
                categories=tuple(sorted(c.code for c in entity.categories)),
                tags=tuple(sorted(t.name for t in entity.tags)),
                axes=axes,
                completeness=tuple(product_completeness(session, context, entity)),
                revision=entity.revision,
                created_at=entity.created_at,
                updated_at=entity.updated_at,
            )
        model = entity
        chain = ancestry(session, model.parent_id)
        fv = context.family_variants_by_id[model.family_variant_id]
        family = context.families[fv.family_code]
        docs = [*(m.values for m in chain), model.values]
        sub_models = list(
            session.scalars(
                select(ProductModel)
                .where(ProductModel.parent_id == model.id)
                .order_by(ProductModel.code)
            )
        )
        products = list(
            session.scalars(
                select(Product)
                .where(Product.parent_id.in_([model.id, *(m.id for m in sub_models)]))
                .order_by(Product.sku)
            )
        )
        rows = [
            ProductRow(
                m.id,
                m.code,
                _label([*docs, m.values], family.attribute_as_label, label_locale),
                family.code,
                True,
                model.code,
                True,
                m.updated_at,
            )
            for m in sub_models
        ]
        codes = {model.id: model.code, **{m.id: m.code for m in sub_models}}
        for p in products:
            parent_docs = (
                docs
                if p.parent_id == model.id
                else [*docs, next(m.values for m in sub_models if m.id == p.parent_id)]
            )
            rows.append(
                ProductRow(
                    p.id,
                    p.sku,
                    _label([*parent_docs, p.values], family.attribute_as_label, label_locale),
                    family.code,
                    p.enabled,
                    codes.get(p.parent_id or -1),
                    False,
                    p.updated_at,
                )
            )
        return ProductDetail(
            id=model.id,
            sku=model.code,
            is_model=True,
            name=_label(docs, family.attribute_as_label, label_locale),
            family=family.code,
            family_variant=fv.code,
            parent_code=chain[-1].code if chain else None,
            enabled=True,
            values=_value_views(context, chain, model.values, model.code),
            categories=tuple(sorted(c.code for c in model.categories)),
            tags=(),
            axes=fv.axes_level1 if chain else (),
            completeness=(),
            variants=tuple(rows),
            variant_completeness=tuple(model_completeness(session, context, model)),
            created_at=model.created_at,
            updated_at=model.updated_at,
        )


# -- writing values -------------------------------------------------------------------------


def edit_cells(context: CatalogContext, edits: Edits) -> list[Cell]:
    """Parse edits given as {"name-en_US": "..."} or ValueEdit objects into cells."""
    cells: list[Cell] = []
    if isinstance(edits, Mapping):
        for column, raw in edits.items():
            try:
                key = parse_column(str(column), context)
            except UnknownAttributeError as exc:
                raise unknown_attribute(context, exc.attribute, str(column)) from None
            cells.append(Cell(key, raw, str(column)))
        return cells
    for edit in edits:
        if edit.attribute not in context.attributes:
            raise unknown_attribute(context, edit.attribute, edit.attribute)
        from pimdesk.importexport.columns import column_name

        name = column_name(edit.attribute, edit.locale, edit.channel, edit.part)
        key = parse_column(name, context)
        cells.append(
            Cell(ColumnKey(key.attribute, key.locale, key.channel, key.part), edit.data, name)
        )
    return cells


def unknown_attribute(context: CatalogContext, code: str, given: str) -> ValidationError:
    """Editing a product cannot create an attribute (an import can): say the close codes and
    where new attributes come from, not an option the editing command does not have."""
    close = difflib.get_close_matches(code, list(context.attributes), n=3, cutoff=0.7)
    guess = f"did you mean {' or '.join(repr(c) for c in close)}? " if close else ""
    return ValidationError(
        f"unknown attribute {code!r}",
        where=given,
        hint=guess + "new attributes come from: pimdesk import FILE --create-attributes",
    )


def _parent_is_root(session: Session, parent_id: int) -> bool:
    parent = session.get(ProductModel, parent_id)
    return parent is not None and parent.parent_id is None


def check_axes_unique(
    session: Session,
    context: CatalogContext,
    entity: Product | ProductModel,
    own: Mapping[str, Any],
) -> None:
    """Variant axis values must be set and unique among the entity's siblings."""
    if entity.parent_id is None:
        return
    chain = ancestry(session, entity.parent_id)
    if not chain:
        return
    fv = context.family_variants_by_id[chain[0].family_variant_id]
    identifier = entity.sku if isinstance(entity, Product) else entity.code
    if isinstance(entity, Product):
        axes = axes_for_product(fv, len(chain) == 1)
        siblings: list[tuple[str, dict[str, Any]]] = [
            (p.sku, p.values)
            for p in session.scalars(
                select(Product).where(
                    Product.parent_id == entity.parent_id, Product.id != entity.id
                )
            )
        ]
    else:
        axes = axes_for_submodel(fv)
        siblings = [
            (m.code, m.values)
            for m in session.scalars(
                select(ProductModel).where(
                    ProductModel.parent_id == entity.parent_id, ProductModel.id != entity.id
                )
            )
        ]
    resolved = merged([*(m.values for m in chain), own])
    missing = missing_axes(resolved, axes)
    if missing:
        raise ValidationError(
            f"{identifier} needs a value for the variant axis {', '.join(missing)}",
            where=missing[0],
        )
    key = axis_key(resolved, axes)
    for other, values in siblings:
        if axis_key(merged([*(m.values for m in chain), values]), axes) == key:
            raise ValidationError(
                f"{identifier} and {other} have the same variant axis values "
                f"({describe(key, axes)}) under {chain[-1].code}",
                where=axes[0],
                hint="axis values must be unique among the variants of a model",
            )


def set_values(
    library: Library,
    sku: str,
    edits: Edits,
    *,
    author: str = "user",
    source: str = "gui",
) -> EditResult:
    """Validate and apply value edits to one product (or product model, by its code)."""
    with library.session() as session:
        context = load_context(session)
        entity = _find(session, sku)
        cells = edit_cells(context, edits)
        # a variant setting one currency of an inherited price keeps the others: parts of
        # a value are merged with what the product shows, not only with what it owns
        shown = entity.values
        if entity.parent_id is not None:
            chain = ancestry(session, entity.parent_id)
            shown = merged([*(m.values for m in chain), entity.values])
        resolved = resolve_cells(context, cells, shown)
        new_values = merged([entity.values])
        for (attribute, loc, ch), data in resolved:
            if context.attributes[attribute].type == "identifier":
                raise ValidationError(
                    "the SKU is not a value; rename the product instead", where=attribute
                )
            set_value(new_values, attribute, data, loc, ch)
        changes = hist.diff_values(entity.values, new_values)
        if not changes:
            return EditResult(entity.id, sku, None, ())
        check_axes_unique(session, context, entity, new_values)
        batch = hist.new_batch()
        is_model = isinstance(entity, ProductModel)
        entity.values = new_values
        entity.updated_at = hist.utcnow()
        session.flush()
        hist.record(
            session,
            hist.change_rows(
                "product_model" if is_model else "product",
                entity.id,
                sku,
                changes,
                author=author,
                source=source,
                batch=batch,
            ),
        )
        touched = (
            revisions.touch_models(session, [entity.id])
            if is_model
            else revisions.touch_products(session, [entity.id])
        )
        search.reindex_products(session, touched)
        result = EditResult(entity.id, sku, batch, tuple(changes))
    library.emit(Change(kind="values", product_ids=frozenset(touched)))
    return result


# -- creating and deleting ------------------------------------------------------------------


def _family_id(session: Session, code: str | None) -> int | None:
    if code is None:
        return None
    family_id = session.scalars(select(Family.id).where(Family.code == code)).first()
    if family_id is None:
        known = ", ".join(session.scalars(select(Family.code).order_by(Family.code)))
        raise NotFoundError(
            f"no family {code!r}", where="family", hint=f"the families are: {known or 'none'}"
        )
    return family_id


def _categories(session: Session, codes: Iterable[str]) -> list[Category]:
    wanted = list(dict.fromkeys(codes))
    if not wanted:
        return []
    found = {c.code: c for c in session.scalars(select(Category).where(Category.code.in_(wanted)))}
    unknown = [c for c in wanted if c not in found]
    if unknown:
        raise NotFoundError(f"no category {unknown[0]!r}", where="categories")
    return [found[c] for c in wanted]


def _tags(session: Session, names: Iterable[str]) -> list[Tag]:
    result = []
    for name in dict.fromkeys(n.strip() for n in names if n.strip()):
        tag = session.scalars(select(Tag).where(Tag.name == name)).first()
        if tag is None:
            tag = Tag(name=name)
            session.add(tag)
        result.append(tag)
    return result


def create_product(
    library: Library,
    sku: str,
    *,
    family: str | None = "default",
    parent: str | None = None,
    values: Edits | None = None,
    categories: Sequence[str] = (),
    tags: Sequence[str] = (),
    enabled: bool = True,
    author: str = "user",
    source: str = "gui",
) -> int:
    """Create a product (a variant when ``parent`` names a model); return its id."""
    sku = validate_identifier(sku)
    with library.session() as session:
        context = load_context(session)
        if session.scalars(select(Product.id).where(Product.sku == sku)).first():
            raise ValidationError(
                f"product {sku!r} already exists",
                where="sku",
                hint=f"change it with: pimdesk products set {sku} field=value",
            )
        if session.scalars(select(ProductModel.id).where(ProductModel.code == sku)).first():
            # the filename rules and `products show` look a code up as a SKU or a model code
            raise ValidationError(
                f"{sku!r} is the code of a product model",
                where="sku",
                hint=f"give the product a SKU of its own; a variant goes under it with model {sku}",
            )
        parent_row = None
        if parent is not None:
            parent_row = session.scalars(
                select(ProductModel).where(ProductModel.code == parent)
            ).first()
            if parent_row is None:
                raise NotFoundError(
                    f"parent model {parent!r} does not exist",
                    where="parent",
                    hint="pimdesk products list --models lists the product models",
                )
            fv = context.family_variants_by_id[parent_row.family_variant_id]
            family = fv.family_code
        doc: dict[str, Any] = {}
        for (attribute, loc, ch), data in resolve_cells(
            context, edit_cells(context, values or {}), {}
        ):
            if context.attributes[attribute].type == "identifier":
                raise ValidationError(
                    "the SKU is not a value; it is the product's own identifier", where=attribute
                )
            set_value(doc, attribute, data, loc, ch)
        product = Product(
            sku=sku,
            family_id=_family_id(session, family),
            parent_id=parent_row.id if parent_row else None,
            enabled=enabled,
            values=doc,
        )
        product.categories = _categories(session, categories)
        product.tags = _tags(session, tags)
        session.add(product)
        session.flush()
        check_axes_unique(session, context, product, doc)
        changes = [hist.FieldChange("@created", None, None, None, sku), *hist.diff_values({}, doc)]
        hist.record(
            session,
            hist.change_rows(
                "product",
                product.id,
                sku,
                changes,
                author=author,
                source=source,
                batch=hist.new_batch(),
            ),
        )
        search.reindex_products(session, [product.id])
        summary.refresh_products(session, [product.id], context)
        product_id = product.id
    # "created": the assets side links the inbox files waiting for this SKU (as after import)
    library.emit(Change(kind="values", product_ids=frozenset({product_id}), detail="created"))
    return product_id


def create_product_model(
    library: Library,
    code: str,
    *,
    family_variant: str | None = None,
    parent: str | None = None,
    values: Edits | None = None,
    categories: Sequence[str] = (),
    author: str = "user",
    source: str = "gui",
) -> int:
    """Create a root model (give ``family_variant``) or a sub-model (give ``parent``)."""
    code = validate_identifier(code, field="code")
    with library.session() as session:
        context = load_context(session)
        if session.scalars(select(ProductModel.id).where(ProductModel.code == code)).first():
            raise ValidationError(f"product model {code!r} already exists", where="code")
        parent_row = None
        if parent is not None:
            parent_row = session.scalars(
                select(ProductModel).where(ProductModel.code == parent)
            ).first()
            if parent_row is None:
                raise NotFoundError(f"parent model {parent!r} does not exist", where="parent")
            if parent_row.parent_id is not None:
                raise ValidationError(
                    f"{parent} is already a sub-model; at most two levels", where="parent"
                )
            fv_id = parent_row.family_variant_id
        else:
            if family_variant is None or family_variant not in context.family_variants:
                raise NotFoundError(f"no family variant {family_variant!r}", where="family_variant")
            fv_id = context.family_variants[family_variant].id
        doc: dict[str, Any] = {}
        for (attribute, loc, ch), data in resolve_cells(
            context, edit_cells(context, values or {}), {}
        ):
            set_value(doc, attribute, data, loc, ch)
        model = ProductModel(
            code=code,
            family_variant_id=fv_id,
            parent_id=parent_row.id if parent_row else None,
            values=doc,
        )
        model.categories = _categories(session, categories)
        session.add(model)
        session.flush()
        if parent_row is not None:
            axes_for_submodel(context.family_variants_by_id[fv_id])
            check_axes_unique(session, context, model, doc)
        changes = [hist.FieldChange("@created", None, None, None, code), *hist.diff_values({}, doc)]
        hist.record(
            session,
            hist.change_rows(
                "product_model",
                model.id,
                code,
                changes,
                author=author,
                source=source,
                batch=hist.new_batch(),
            ),
        )
        model_id = model.id
        summary.refresh_models(session, [model_id], context)
    library.emit(Change(kind="values", detail=f"model {code}"))
    return model_id


def delete_product(library: Library, sku: str) -> list[int]:
    """Delete a product (its history stays, keyed by the SKU it had).

    Its photos stay in the library (the files are never touched): those no other product
    or model shows go back to the Unmatched inbox, so they are not lost from sight, and a
    product created again with that SKU links them again. Returns their asset ids."""
    with library.session() as session:
        product = _find_product(session, sku)
        product_id = product.id
        linked = set(
            session.scalars(select(AssetLink.asset_id).where(AssetLink.product_id == product_id))
        )
        shown_elsewhere = set(
            session.scalars(
                select(AssetLink.asset_id).where(
                    AssetLink.asset_id.in_(linked),
                    (AssetLink.product_id != product_id) | AssetLink.product_id.is_(None),
                )
            )
        )
        released = sorted(linked - shown_elsewhere)
        for asset in session.scalars(select(Asset).where(Asset.id.in_(released))):
            asset.inbox_reason = f"its product {product.sku} was removed"
        session.delete(product)
        session.flush()
        search.reindex_products(session, [product_id])
    library.emit(
        Change(
            kind="values",
            product_ids=frozenset({product_id}),
            asset_ids=frozenset(released),
            detail="deleted",
        )
    )
    return released


def set_enabled(
    library: Library, sku: str, enabled: bool, *, author: str = "user", source: str = "gui"
) -> None:
    with library.session() as session:
        product = _find_product(session, sku)
        if product.enabled == enabled:
            return
        hist.record(
            session,
            hist.change_rows(
                "product",
                product.id,
                sku,
                [hist.FieldChange("@enabled", None, None, product.enabled, enabled)],
                author=author,
                source=source,
                batch=hist.new_batch(),
            ),
        )
        product.enabled = enabled
        session.flush()
        revisions.touch_products(session, [product.id])
        product_id = product.id
    library.emit(Change(kind="values", product_ids=frozenset({product_id})))


# -- history and undo -----------------------------------------------------------------------


def history(library: Library, sku: str, limit: int | None = None) -> list[hist.HistoryEntry]:
    """The field-level changes of a product or model, newest first."""
    with library.session() as session:
        entity = _find(session, sku)
        kind = "product_model" if isinstance(entity, ProductModel) else "product"
        return hist.entries(session, kind, entity.id, limit)


def undo_last_change(
    library: Library, sku: str, *, author: str = "user", source: str = "gui"
) -> EditResult:
    """Revert the last change still in effect on a product; the undo is itself recorded.

    Successive undos walk further back (see ``history.last_batch``).
    """
    with library.session() as session:
        context = load_context(session)
        entity = _find(session, sku)
        is_model = isinstance(entity, ProductModel)
        kind = "product_model" if is_model else "product"
        batch_rows: list[ValueChange] = hist.last_batch(session, kind, entity.id)
        if not batch_rows:
            raise PimdeskError(f"{sku} has no change to undo", where="history")
        if any(r.field == "@created" for r in batch_rows):
            raise PimdeskError(
                f"the last change created {sku}; there is nothing earlier to go back to",
                where="history",
                hint="delete the product instead",
            )
        values = merged([entity.values])
        changes: list[hist.FieldChange] = []
        for row in reversed(batch_rows):
            if row.field == "@enabled" and isinstance(entity, Product):
                changes.append(hist.FieldChange("@enabled", None, None, entity.enabled, row.old))
                entity.enabled = bool(row.old)
            elif row.field.startswith("@"):
                continue
            else:
                set_value(values, row.field, row.old, row.locale, row.channel)
        changes.extend(hist.diff_values(entity.values, values))
        if values != entity.values:
            check_axes_unique(session, context, entity, values)
            entity.values = values
        entity.updated_at = hist.utcnow()
        batch = hist.undo_batch(hist.batch_key(batch_rows[0]))
        hist.record(
            session,
            hist.change_rows(
                kind,
                entity.id,
                sku,
                changes,
                author=author,
                source=f"undo:{source}"[:50],
                batch=batch,
            ),
        )
        session.flush()
        touched = (
            revisions.touch_models(session, [entity.id])
            if is_model
            else revisions.touch_products(session, [entity.id])
        )
        search.reindex_products(session, touched)
        result = EditResult(entity.id, sku, batch, tuple(changes))
    library.emit(Change(kind="values", product_ids=frozenset(touched), detail="undo"))
    return result


def purge_history(library: Library) -> int:
    """Delete history older than the retention setting; return how many changes went."""
    with library.session() as session:
        return hist.purge(session)


def set_history_retention(library: Library, days: int) -> None:
    with library.session() as session:
        hist.set_retention_days(session, days)
