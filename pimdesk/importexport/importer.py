"""Apply neutral rows to the catalog: validate in Python, write in bulk, in one transaction.

Rows are validated against a preloaded snapshot (attributes, families, categories, the
SKUs of each chunk), then written with multi-row INSERTs/UPDATEs in chunks, so the cost
per product is one row in a bulk statement rather than an ORM flush and a few queries.
Product models are written before the products that need them; a product whose parent
appears later in the file waits until the end. A failed import (without ``skip_invalid``)
raises :class:`ImportFailed` and the caller's transaction rolls everything back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, func, literal, select, update
from sqlalchemy.orm import Session

from pimdesk.catalog import history as hist
from pimdesk.catalog import revisions, search, summary
from pimdesk.catalog.context import CatalogContext, load_context
from pimdesk.catalog.db import AwareDateTime, utcnow
from pimdesk.catalog.edits import resolve_cells
from pimdesk.catalog.models import (
    ALL_CHANNELS,
    ALL_LOCALES,
    Category,
    Product,
    ProductModel,
    Tag,
    ValueChange,
    product_category,
    product_model_category,
    product_tag,
)
from pimdesk.catalog.validation import validate_identifier
from pimdesk.catalog.values import get_value, merged, set_value
from pimdesk.catalog.variants import axis_key, describe, missing_axes, nearest_axis_values
from pimdesk.errors import PimdeskError, RowError, ValidationError, ValuesInvalid
from pimdesk.importexport.rows import NeutralRow, Parser, SchemaNeeds

CHUNK = 1000
MAX_ERRORS_KEPT = 1000
Progress = Callable[[int, int | None], None]


@dataclass
class ImportReport:
    """What an import did (or, with ``dry_run``, would do)."""

    source: str
    format: str
    dry_run: bool = False
    committed: bool = False
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    models_created: int = 0
    models_updated: int = 0
    rejected: int = 0
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    product_ids: set[int] = field(default_factory=set)
    created_attributes: list[str] = field(default_factory=list)
    rejects_path: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "format": self.format,
            "dry_run": self.dry_run,
            "committed": self.committed,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "models_created": self.models_created,
            "models_updated": self.models_updated,
            "rejected": self.rejected,
            "errors": [
                {"row": e.row, "column": e.column, "sku": e.identifier, "message": e.message}
                for e in self.errors
            ],
            "warnings": list(self.warnings),
            "created_attributes": list(self.created_attributes),
            "rejects_path": self.rejects_path,
        }


@dataclass
class _Model:
    id: int | None
    code: str
    parent: str | None
    family_variant_id: int
    values: dict[str, Any]
    is_new: bool
    changed: bool = False


class _RowRejected(Exception):
    """A row refused, with every reason found in it (one per bad column)."""

    def __init__(self, *errors: RowError):
        super().__init__("; ".join(map(str, errors)))
        self.errors = list(errors)


def apply_needs(session: Session, context: CatalogContext, needs: SchemaNeeds) -> list[str]:
    """Create the attributes, options, families, variants and categories a file implies."""
    from pimdesk.services import reference

    created: list[str] = []
    for code, (type_, labels, localizable, scopable, properties) in needs.attributes.items():
        if code not in context.attributes:
            reference.add_attribute(
                session,
                code,
                type_,
                labels=labels,
                localizable=localizable,
                scopable=scopable,
                properties=properties,
            )
            created.append(code)
    for attribute, options in needs.options.items():
        reference.add_options(session, attribute, options.items())
    default = context.families.get("default")
    for code, (attributes, requirements) in needs.families.items():
        if code in context.families:
            continue
        if requirements is None:
            requirements = dict(default.requirements) if default else {}
        base = list(default.attribute_codes) if default else []
        reference.add_family(
            session,
            code,
            attributes=list(dict.fromkeys([*base, *attributes])),
            requirements=requirements,
            image_requirements=dict(default.image_requirements) if default else {},
        )
    for code, (family, axes, attributes) in needs.family_variants.items():
        if code not in context.family_variants:
            reference.add_family_variant(
                session, code, family=family, axes_level1=axes, attributes_level1=attributes
            )
    known = set(session.scalars(select(Category.code)))
    for code, parent, label in needs.categories:
        if code not in known:
            reference.add_category(
                session, code, parent=parent, labels={context.default_locale: label}
            )
            known.add(code)
    session.flush()
    return created


class Importer:
    """Collects rows, writes them in chunks; one instance per import, inside one session."""

    def __init__(
        self,
        session: Session,
        context: CatalogContext,
        report: ImportReport,
        *,
        skip_invalid: bool,
        author: str = "import",
        progress: Progress | None = None,
    ):
        self.session = session
        self.context = context
        self.report = report
        self.skip_invalid = skip_invalid
        self.author = author
        self.progress = progress
        self.batch = hist.new_batch()
        self.now = utcnow()
        self.families = {code: f.id for code, f in context.families.items()}
        self.family_codes = {f.id: code for code, f in context.families.items()}
        self.variants = context.family_variants_by_id
        self.categories = dict(session.execute(select(Category.code, Category.id)).all())
        self.tags = dict(session.execute(select(Tag.name, Tag.id)).all())
        self.models: dict[str, _Model] = {}
        self.missing_models: set[str] = set()
        self.siblings: dict[str, dict[tuple[str, ...], str]] = {}
        self.seen_skus: dict[str, int] = {}
        self.seen_models: dict[str, int] = {}
        self.pending: list[NeutralRow] = []
        self.deferred: list[NeutralRow] = []
        self.rejected_rows: list[tuple[NeutralRow, list[RowError]]] = []
        self.model_ids_changed: set[int] = set()
        self.rows_done = 0
        self.current_links: dict[int, tuple[set[int], set[int]]] = {}
        self.existing_model_codes = set(session.scalars(select(ProductModel.code)))
        self.new_models: list[tuple[_Model, list[int] | None]] = []
        self._inherited_cache: dict[str, dict[str, Any]] = {}
        self.summarised: set[int] = set()  # products whose stored summaries are written
        self.indexed: set[int] = set()  # products whose search rows are written
        self.indexer: search.Indexer | None = None
        # a bulk load into an (almost) empty catalog builds the sort indexes once, at the end
        self.products_before = session.scalar(select(func.count()).select_from(Product)) or 0
        self.sort_indexes_dropped: bool | None = None  # None: not decided yet

    # -- errors -----------------------------------------------------------------------------

    def reject(self, row: NeutralRow, errors: list[RowError]) -> None:
        self.report.rejected += 1
        room = MAX_ERRORS_KEPT - len(self.report.errors)
        if room > 0:
            self.report.errors.extend(errors[:room])
        self.rejected_rows.append((row, errors))

    def _error(self, row: NeutralRow, column: str | None, message: str) -> _RowRejected:
        return _RowRejected(self._problem(row, column, message))

    def _problem(self, row: NeutralRow, column: str | None, message: str) -> RowError:
        return RowError(row.row, column, message, row.identifier or None)

    def _unknown_family(self, row: NeutralRow) -> RowError:
        """``no family 'kitchn'``, with the families there are (a typo is the usual cause)."""
        known = sorted(self.families)
        shown = ", ".join(known[:10]) + (f" (+{len(known) - 10} more)" if len(known) > 10 else "")
        return self._problem(
            row, "family", f"no family {row.family!r} (families: {shown or 'none yet'})"
        )

    def _from_validation(self, row: NeutralRow, exc: ValidationError) -> _RowRejected:
        found = exc.errors if isinstance(exc, ValuesInvalid) else [exc]
        errors = []
        for one in found:
            column = one.where or None
            if column and column.startswith("column "):
                column = column[len("column ") :].strip("'")
            message = f"{one.message} ({one.hint})" if one.hint else one.message
            errors.append(RowError(row.row, column, message, row.identifier or None))
        return _RowRejected(*errors)

    # -- models -----------------------------------------------------------------------------

    def model(self, code: str) -> _Model | None:
        """A model from this file or the catalog (cached)."""
        if code in self.models:
            return self.models[code]
        if code in self.missing_models or code not in self.existing_model_codes:
            return None
        row = self.session.execute(
            select(
                ProductModel.id,
                ProductModel.parent_id,
                ProductModel.family_variant_id,
                ProductModel.values,
            ).where(ProductModel.code == code)
        ).first()
        if row is None:
            self.missing_models.add(code)
            return None
        parent_code = None
        if row.parent_id is not None:
            parent_code = self.session.scalar(
                select(ProductModel.code).where(ProductModel.id == row.parent_id)
            )
        model = _Model(row.id, code, parent_code, row.family_variant_id, dict(row.values), False)
        self.models[code] = model
        return model

    def _chain(self, code: str | None) -> list[_Model]:
        chain: list[_Model] = []
        while code:
            model = self.model(code)
            if model is None:
                break
            chain.insert(0, model)
            code = model.parent
        return chain

    def _sibling_keys(
        self, parent: _Model, axes: tuple[str, ...], of_models: bool
    ) -> dict[tuple[str, ...], str]:
        key = f"{'m' if of_models else 'p'}:{parent.code}"
        if key not in self.siblings:
            keys: dict[tuple[str, ...], str] = {}
            if not parent.is_new and parent.id is not None:
                if of_models:
                    rows = self.session.execute(
                        select(ProductModel.code, ProductModel.values).where(
                            ProductModel.parent_id == parent.id
                        )
                    ).all()
                else:
                    rows = self.session.execute(
                        select(Product.sku, Product.values).where(Product.parent_id == parent.id)
                    ).all()
                chain_docs = [m.values for m in self._chain(parent.code)]
                for ident, values in rows:
                    keys[axis_key(nearest_axis_values([*chain_docs, values], axes), axes)] = ident
            self.siblings[key] = keys
        return self.siblings[key]

    def _check_axes(
        self,
        row: NeutralRow,
        chain: list[_Model],
        own: dict[str, Any],
        axes: tuple[str, ...],
        of_models: bool,
    ) -> None:
        resolved = nearest_axis_values([*(m.values for m in chain), own], axes)
        missing = missing_axes(resolved, axes)
        if missing:
            raise self._error(row, missing[0], f"the variant axis {missing[0]} needs a value")
        keys = self._sibling_keys(chain[-1], axes, of_models)
        key = axis_key(resolved, axes)
        other = keys.get(key)
        if other is not None and other != row.identifier:
            raise self._error(
                row,
                axes[0],
                f"{row.identifier} and {other} have the same variant axis values "
                f"({describe(key, axes)}) under {chain[-1].code}",
            )
        keys[key] = row.identifier

    def _inherited(self, chain: list[_Model]) -> dict[str, Any]:
        """What the variants of ``chain[-1]`` inherit (cached: models do not change later)."""
        key = chain[-1].code
        cached = self._inherited_cache.get(key)
        if cached is None:
            cached = merged([m.values for m in chain])
            self._inherited_cache[key] = cached
        return cached

    def _values(self, row: NeutralRow, existing: dict[str, Any]) -> dict[str, Any]:
        try:
            resolved = resolve_cells(self.context, row.cells, existing)
        except ValidationError as exc:
            raise self._from_validation(row, exc) from None
        doc = merged([existing]) if existing else {}
        attributes = self.context.attributes
        for (attribute, loc, ch), data in resolved:
            if attributes[attribute].type == "identifier":
                continue
            if data is None or not existing:
                if data is not None:  # the common case: a new value in a new document
                    doc.setdefault(attribute, {}).setdefault(ch or ALL_CHANNELS, {})[
                        loc or ALL_LOCALES
                    ] = data
                elif existing:
                    set_value(doc, attribute, None, loc, ch)
                continue
            set_value(doc, attribute, data, loc, ch)
        return doc

    def add_model(self, row: NeutralRow) -> None:
        try:
            code = validate_identifier(row.identifier, field=row.identifier_column)
        except ValidationError as exc:
            raise self._from_validation(row, exc) from None
        if code in self.seen_models:
            raise self._error(
                row,
                row.identifier_column,
                f"model {code} appears twice in the file (also on row {self.seen_models[code]})",
            )
        self.seen_models[code] = row.row
        existing = self.model(code)
        parent = None
        if row.parent:
            parent = self.model(row.parent)
            if parent is None:
                raise self._error(row, "parent", f"parent model {row.parent!r} does not exist")
            if parent.parent is not None:
                raise self._error(row, "parent", f"{row.parent} is a sub-model; at most two levels")
            fv_id = parent.family_variant_id
        elif existing is not None:
            fv_id = existing.family_variant_id
        else:
            if not row.family_variant:
                raise self._error(row, "family_variant", "a new root model needs a family_variant")
            fv = self.context.family_variants.get(row.family_variant)
            if fv is None:
                raise self._error(
                    row, "family_variant", f"no family variant {row.family_variant!r}"
                )
            fv_id = fv.id
        if (
            row.family_variant
            and self.context.family_variants.get(row.family_variant)
            and self.context.family_variants[row.family_variant].id != fv_id
        ):
            raise self._error(row, "family_variant", f"{code} belongs to another family variant")
        values = self._values(row, existing.values if existing else {})
        if parent is not None:
            fv = self.variants[fv_id]
            if fv.levels != 2:
                raise self._error(
                    row,
                    "parent",
                    f"family variant {fv.code} has one level: a model cannot sit under a model",
                )
            self._check_axes(row, [parent], values, fv.axes_level1, True)
        categories = self._category_ids(row) if row.categories is not None else None
        if existing is None:
            if parent is not None and parent.id is None:
                self.flush_models()
            model = _Model(None, code, parent.code if parent else None, fv_id, values, True, True)
            self.models[code] = model
            self.missing_models.discard(code)
            self.report.models_created += 1
            self.new_models.append((model, categories))
            if len(self.new_models) >= CHUNK:
                self.flush_models()
            return
        changes = hist.diff_values(existing.values, values)
        if changes:
            existing.values = values
            existing.changed = True
            self.session.execute(
                update(ProductModel)
                .where(ProductModel.id == existing.id)
                .values(values=values, updated_at=self.now)
            )
            hist.record(
                self.session,
                hist.change_rows(
                    "product_model",
                    existing.id or 0,
                    code,
                    changes,
                    author=self.author,
                    source="import",
                    batch=self.batch,
                    at=self.now,
                ),
            )
            self.model_ids_changed.add(existing.id or 0)
            self.report.models_updated += 1
        if categories is not None:
            model_id = existing.id or 0
            self.session.execute(
                delete(product_model_category).where(
                    product_model_category.c.product_model_id == model_id
                )
            )
            if categories:
                self.session.execute(
                    product_model_category.insert(),
                    [{"product_model_id": model_id, "category_id": c} for c in categories],
                )

    def flush_models(self) -> None:
        """Write the new models collected so far in one multi-row INSERT."""
        pending, self.new_models = self.new_models, []
        if not pending:
            return
        table = ProductModel.__table__
        ids = self._insert(
            table,
            table.c.code,
            [
                {
                    "code": model.code,
                    "family_variant_id": model.family_variant_id,
                    "parent_id": self.models[model.parent].id if model.parent else None,
                    "values": model.values,
                    "created_at": self.now,
                    "updated_at": self.now,
                }
                for model, _ in pending
            ],
            [model.code for model, _ in pending],
        )
        links: list[dict[str, int]] = []
        for model, categories in pending:
            model.id = ids[model.code]
            links.extend({"product_model_id": model.id, "category_id": c} for c in categories or [])
        self._record_created(table, "product_model", list(ids.values()))
        if links:
            self.session.execute(product_model_category.insert(), links)

    def _category_ids(self, row: NeutralRow) -> list[int]:
        ids = []
        for code in row.categories or []:
            category_id = self.categories.get(code)
            if category_id is None:
                raise self._error(row, "categories", f"no category {code!r}")
            ids.append(category_id)
        return list(dict.fromkeys(ids))

    def _tag_ids(self, row: NeutralRow) -> list[int]:
        ids = []
        for name in row.tags or []:
            name = name[:100]
            if name not in self.tags:
                self.tags[name] = self.session.execute(
                    Tag.__table__.insert().returning(Tag.__table__.c.id), [{"name": name}]
                ).scalar_one()
            ids.append(self.tags[name])
        return list(dict.fromkeys(ids))

    # -- products ---------------------------------------------------------------------------

    def add(self, row: NeutralRow) -> None:
        self.rows_done += 1
        if row.warnings:
            self.report.warnings.extend(row.warnings)
        if row.error is not None:
            self.reject(row, [row.error])
            return
        if row.kind == "model":
            if row.problems:
                self.reject(row, row.problems)
                return
            try:
                self.add_model(row)
            except _RowRejected as exc:
                self.reject(row, exc.errors)
            return
        if row.parent and self.model(row.parent) is None:
            self.deferred.append(row)
            return
        self.pending.append(row)
        if len(self.pending) >= CHUNK:
            self.flush()

    def finish(self) -> None:
        self.flush()
        deferred, self.deferred = self.deferred, []
        for row in deferred:
            self.pending.append(row)
            if len(self.pending) >= CHUNK:
                self.flush()
        self.flush()
        if self.model_ids_changed:
            touched = revisions.touch_models(self.session, self.model_ids_changed)
            self.report.product_ids |= touched
            # touch_products stored their summaries afresh, after every write of the file;
            # their index rows may hold a model's values from before its row was read
            self.summarised |= touched
            self.indexed -= touched

    def _summarise(
        self, written: list[tuple[int, dict[str, Any], list[_Model]]], updated: list[int]
    ) -> None:
        """Store the summaries and index rows of the products this chunk just wrote, from
        the values in hand (reading 100,000 documents back and decoding them again was a
        third of a large import). ``updated``: the ones that had rows to replace."""
        if not written or (self.report.errors and not self.skip_invalid):
            return  # nothing, or the import will fail and roll back anyway
        ids = [product_id for product_id, _, _ in written]
        model_ids = {m.id for _, _, chain in written for m in chain if m.id is not None}
        roles, model_roles = summary.approved_roles(self.session, ids, model_ids)
        subjects = []
        documents = []
        for product_id, data, chain in written:
            present = set(roles.get(product_id, ()))
            for model in chain:
                present |= model_roles.get(model.id or 0, set())
            subjects.append(
                summary.Subject(
                    product_id,
                    data["family_id"],
                    [*(m.values for m in chain), data["values"]],
                    present,
                    data["revision"],
                )
            )
            nearest_first = chain[::-1]
            documents.append(
                search.Document(
                    product_id,
                    data["sku"],
                    data["family_id"],
                    [data["values"], *(m.values for m in nearest_first)],
                    [m.code for m in nearest_first],
                )
            )
        completeness, labels = summary.summarise_subjects(self.context, subjects)
        if self.sort_indexes_dropped is None:  # the first chunk decides
            self.sort_indexes_dropped = (
                len(written) >= CHUNK
                and self.products_before < CHUNK
                and summary.drop_sort_indexes(self.session)
            )
        summary.write_summaries(self.session, completeness, labels, replace=updated)
        self.summarised.update(ids)
        if self.indexer is None:
            self.indexer = search.Indexer(self.session)
        self.indexer.index(documents)
        self.indexed.update(ids)

    def flush(self) -> None:
        self.flush_models()
        rows, self.pending = self.pending, []
        if not rows:
            return
        skus = []
        for row in rows:
            try:
                row.identifier = validate_identifier(row.identifier, field=row.identifier_column)
                skus.append(row.identifier)
            except ValidationError:
                pass
        existing = (
            {
                r.sku: r
                for r in self.session.execute(
                    select(
                        Product.id,
                        Product.sku,
                        Product.values,
                        Product.family_id,
                        Product.parent_id,
                        Product.enabled,
                        Product.revision,
                    ).where(Product.sku.in_(skus))
                )
            }
            if skus
            else {}
        )
        parent_codes = {}
        if any(r.parent_id for r in existing.values()):
            ids = {r.parent_id for r in existing.values() if r.parent_id}
            parent_codes = dict(
                self.session.execute(
                    select(ProductModel.id, ProductModel.code).where(ProductModel.id.in_(ids))
                ).all()
            )
        self.current_links = self._current_links([r.id for r in existing.values()])
        inserts: list[dict[str, Any]] = []
        insert_meta: list[
            tuple[NeutralRow, list[int] | None, list[int] | None, dict[str, Any], list[_Model]]
        ] = []
        written: list[tuple[int, dict[str, Any], list[_Model]]] = []
        updates: list[dict[str, Any]] = []
        links: list[tuple[int, list[int] | None, list[int] | None]] = []
        history_rows: list[dict[str, Any]] = []
        for row in rows:
            try:
                prepared = self._prepare(row, existing.get(row.identifier), parent_codes)
            except _RowRejected as exc:
                self.reject(row, exc.errors)
                continue
            kind, data, categories, tags, changes, chain = prepared
            if kind == "insert":
                inserts.append(data)
                insert_meta.append((row, categories, tags, data, chain))
            elif kind == "update":
                updates.append(data)
                written.append((data["id"], {**data, "sku": row.identifier}, chain))
                links.append((data["id"], categories, tags))
                history_rows.extend(
                    hist.change_rows(
                        "product",
                        data["id"],
                        row.identifier,
                        changes,
                        author=self.author,
                        source="import",
                        batch=self.batch,
                        at=self.now,
                    )
                )
                self.report.product_ids.add(data["id"])
            else:
                self.report.unchanged += 1
        if inserts:
            table = Product.__table__
            ids = self._insert(table, table.c.sku, inserts, [row["sku"] for row in inserts])
            for row, categories, tags, data, chain in insert_meta:
                product_id = ids[row.identifier]
                self.report.product_ids.add(product_id)
                links.append((product_id, categories, tags))
                written.append((product_id, data, chain))
            self.report.created += len(inserts)
            self._record_created(Product.__table__, "product", list(ids.values()))
        if updates:
            self.session.execute(update(Product), updates)
            self.report.updated += len(updates)
        self._write_links(links)
        if history_rows:
            hist.record(self.session, history_rows)
        self._summarise(written, [data["id"] for data in updates])
        if self.progress is not None:
            self.progress(self.rows_done, None)

    def _insert(
        self, table: Any, key: Any, rows: list[dict[str, Any]], keys: list[str]
    ) -> dict[str, int]:
        """Plain executemany (the drivers' fastest path), then read the new ids back by key.

        INSERT ... RETURNING over many rows makes SQLAlchemy build one huge statement that
        psycopg parses in Python; a second SELECT per chunk is much cheaper.
        """
        _executemany(self.session, table, rows)
        ids: dict[str, int] = {}
        for start in range(0, len(keys), 900):
            chunk = keys[start : start + 900]
            ids.update(
                {
                    k: i
                    for i, k in self.session.execute(select(table.c.id, key).where(key.in_(chunk)))
                }
            )
        return ids

    def _record_created(self, table: Any, entity_type: str, ids: list[int]) -> None:
        """One ``@created`` history entry per new row, written by the database itself."""
        if not ids:
            return
        changes = ValueChange.__table__
        identifier = table.c.sku if entity_type == "product" else table.c.code
        source = select(
            literal(entity_type),
            table.c.id,
            identifier,
            literal("@created"),
            literal(self.author),
            literal("import"),
            literal(self.batch),
            literal(self.now, AwareDateTime()),
        ).where(table.c.id.in_(ids))
        self.session.execute(
            changes.insert().from_select(
                [
                    "entity_type",
                    "entity_id",
                    "identifier",
                    "field",
                    "author",
                    "source",
                    "batch",
                    "changed_at",
                ],
                source,
            )
        )

    def _current_links(self, ids: list[int]) -> dict[int, tuple[set[int], set[int]]]:
        links: dict[int, tuple[set[int], set[int]]] = {i: (set(), set()) for i in ids}
        if not ids:
            return links
        for pid, cid in self.session.execute(
            select(product_category.c.product_id, product_category.c.category_id).where(
                product_category.c.product_id.in_(ids)
            )
        ):
            links[pid][0].add(cid)
        for pid, tid in self.session.execute(
            select(product_tag.c.product_id, product_tag.c.tag_id).where(
                product_tag.c.product_id.in_(ids)
            )
        ):
            links[pid][1].add(tid)
        return links

    def _write_links(self, links: list[tuple[int, list[int] | None, list[int] | None]]) -> None:
        replace_categories = [pid for pid, cats, _ in links if cats is not None]
        replace_tags = [pid for pid, _, tags in links if tags is not None]
        if replace_categories:
            self.session.execute(
                delete(product_category).where(
                    product_category.c.product_id.in_(replace_categories)
                )
            )
        if replace_tags:
            self.session.execute(
                delete(product_tag).where(product_tag.c.product_id.in_(replace_tags))
            )
        category_rows = [
            {"product_id": pid, "category_id": c} for pid, cats, _ in links for c in cats or []
        ]
        tag_rows = [{"product_id": pid, "tag_id": t} for pid, _, tags in links for t in tags or []]
        if category_rows:
            self.session.execute(product_category.insert(), category_rows)
        if tag_rows:
            self.session.execute(product_tag.insert(), tag_rows)

    def _prepare(
        self, row: NeutralRow, current: Any, parent_codes: dict[int, str]
    ) -> tuple[
        str,
        dict[str, Any],
        list[int] | None,
        list[int] | None,
        list[hist.FieldChange],
        list[_Model],
    ]:
        # every bad cell of the row is reported at once: checks add to ``problems`` and go on
        problems: list[RowError] = []
        sku = row.identifier
        try:
            sku = validate_identifier(row.identifier, field=row.identifier_column)
        except ValidationError as exc:
            problems.extend(self._from_validation(row, exc).errors)
        else:
            if sku in self.seen_skus:
                problems.append(
                    self._problem(
                        row,
                        row.identifier_column,
                        f"SKU {sku} appears twice in the file (also on row {self.seen_skus[sku]})",
                    )
                )
            else:
                self.seen_skus[sku] = row.row
        family_id = current.family_id if current is not None else None
        if row.family:
            family_id = self.families.get(row.family)
            if family_id is None:
                problems.append(self._unknown_family(row))
        parent_code = row.parent or (
            parent_codes.get(current.parent_id)
            if current is not None and current.parent_id
            else None
        )
        chain: list[_Model] = []
        if parent_code:
            chain = self._chain(parent_code)
            if not chain or chain[-1].code != parent_code:
                problems.append(
                    self._problem(row, "parent", f"parent model {parent_code!r} does not exist")
                )
                chain = []
            else:
                fv = self.variants[chain[0].family_variant_id]
                model_family = self.context.families[fv.family_code].id
                if row.family and family_id is not None and family_id != model_family:
                    problems.append(
                        self._problem(
                            row,
                            "family",
                            f"{sku} is a variant of {parent_code}, "
                            f"whose family is {fv.family_code}",
                        )
                    )
                family_id = model_family
        elif family_id is None:
            family_id = self.families.get("default")
        problems.extend(row.problems)  # the parser's (``enabled``), in the columns' usual order
        own = dict(current.values) if current is not None else {}
        if current is None:
            # empty cells only clear values; a new product has none to clear
            row.cells = [c for c in row.cells if c.raw != ""]
        values: dict[str, Any] | None = None
        try:
            values = self._values(row, own)
        except _RowRejected as exc:
            problems.extend(exc.errors)
        if chain and values is not None:
            # a variant keeps only what differs from what it inherits
            inherited = self._inherited(chain)
            for attribute, by_channel in list(values.items()):
                for ckey, by_locale in list(by_channel.items()):
                    for lkey, data in list(by_locale.items()):
                        if (
                            get_value(
                                own,
                                attribute,
                                None if lkey == "<all_locales>" else lkey,
                                None if ckey == "<all_channels>" else ckey,
                            )
                            is None
                            and inherited.get(attribute, {}).get(ckey, {}).get(lkey) == data
                        ):
                            del by_locale[lkey]
                    if not by_locale:
                        del by_channel[ckey]
                if not by_channel:
                    del values[attribute]
            fv = self.variants[chain[0].family_variant_id]
            if len(chain) == 1 and fv.levels == 2:
                problems.append(
                    self._problem(
                        row,
                        "parent",
                        f"{parent_code} is the root model of a two-level family; "
                        "attach the product to one of its sub-models",
                    )
                )
            elif not problems:  # the axes' sibling check records the row: only a good one
                axes = fv.axes_level1 if len(chain) == 1 else fv.axes_level2
                try:
                    self._check_axes(row, chain, values, axes, False)
                except _RowRejected as exc:
                    problems.extend(exc.errors)
        try:
            categories = self._category_ids(row) if row.categories is not None else None
        except _RowRejected as exc:
            problems.extend(exc.errors)
        if problems or values is None:
            raise _RowRejected(*problems)
        tags = self._tag_ids(row) if row.tags is not None else None
        parent_id = chain[-1].id if chain else None
        if current is None:
            enabled = True if row.enabled is None else row.enabled
            return (
                "insert",
                {
                    "sku": sku,
                    "family_id": family_id,
                    "parent_id": parent_id,
                    "enabled": enabled,
                    "values": values,
                    "revision": 1,
                    "created_at": self.now,
                    "updated_at": self.now,
                },
                categories,
                tags,
                [],
                chain,
            )
        changes = hist.diff_values(current.values, values)
        enabled = current.enabled if row.enabled is None else row.enabled
        if enabled != current.enabled:
            changes.append(hist.FieldChange("@enabled", None, None, current.enabled, enabled))
        if family_id != current.family_id:
            changes.append(
                hist.FieldChange(
                    "@family",
                    None,
                    None,
                    self.family_codes.get(current.family_id),
                    self.family_codes.get(family_id),
                )
            )
        if parent_id != current.parent_id:
            changes.append(
                hist.FieldChange(
                    "@parent", None, None, parent_codes.get(current.parent_id), parent_code
                )
            )
        old_categories, old_tags = self.current_links.get(current.id, (set(), set()))
        if categories is not None and set(categories) == old_categories:
            categories = None
        elif categories is not None:
            names = {v: k for k, v in self.categories.items()}
            changes.append(
                hist.FieldChange(
                    "@categories",
                    None,
                    None,
                    sorted(names.get(c, "") for c in old_categories),
                    sorted(names.get(c, "") for c in categories),
                )
            )
        if tags is not None and set(tags) == old_tags:
            tags = None
        elif tags is not None:
            names = {v: k for k, v in self.tags.items()}
            changes.append(
                hist.FieldChange(
                    "@tags",
                    None,
                    None,
                    sorted(names.get(t, "") for t in old_tags),
                    sorted(names.get(t, "") for t in tags),
                )
            )
        if not changes:
            return "same", {}, None, None, [], chain
        return (
            "update",
            {
                "id": current.id,
                "family_id": family_id,
                "parent_id": parent_id,
                "enabled": enabled,
                "values": values,
                "revision": current.revision + 1,
                "updated_at": self.now,
            },
            categories,
            tags,
            changes,
            chain,
        )


def _executemany(session: Session, table: Any, rows: list[dict[str, Any]]) -> None:
    """``session.execute(table.insert(), rows)``, storing exactly the same, but on SQLite
    through the driver with each column's own bind processor applied here: the same
    timestamp object in every row is converted once, not 200,000 times (0.3 s CPU of a
    100,000-product import, measured).

    Falls back to SQLAlchemy when a column with a Python-side default is left out (it
    would fill it in) or on other engines."""
    connection = session.connection()
    dialect = connection.dialect
    names = list(rows[0]) if rows else []
    defaulted = {c.name for c in table.c if c.default is not None}
    if dialect.name != "sqlite" or not rows or not defaulted <= set(names):
        session.execute(table.insert(), rows)
        return
    processors = [
        table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names
    ]
    cache: list[tuple[Any, Any]] = [(_NOTHING, None)] * len(names)

    def converted(row: dict[str, Any]) -> tuple[Any, ...]:
        out = []
        for i, name in enumerate(names):
            value = row[name]
            process = processors[i]
            if process is not None and value is not None:
                seen, result = cache[i]
                if seen is not value:  # identical objects (the import's "now") convert once
                    result = process(value)
                    cache[i] = (value, result)
                value = result
            out.append(value)
        return tuple(out)

    quote = dialect.identifier_preparer.quote
    statement = (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(n) for n in names)}) "
        f"VALUES ({', '.join('?' * len(names))})"
    )
    connection.exec_driver_sql(statement, [converted(row) for row in rows])


_NOTHING = object()


def run(
    session: Session,
    parser: Parser,
    report: ImportReport,
    *,
    skip_invalid: bool,
    create_attributes: bool,
    progress: Progress | None = None,
) -> Importer:
    """Prepare the schema, apply every row; raise ImportFailed (caller rolls back) on errors."""
    from pimdesk.errors import ImportFailed

    context = load_context(session)
    needs = parser.prepare(context, create_attributes=create_attributes)
    header_errors = parser.header_errors()
    if header_errors:
        report.errors.extend(header_errors)
        raise ImportFailed(report.source, header_errors)
    try:
        report.created_attributes = apply_needs(session, context, needs)
    except PimdeskError as exc:
        raise ImportFailed(report.source, [RowError(1, None, str(exc))]) from exc
    context = load_context(session)
    importer = Importer(session, context, report, skip_invalid=skip_invalid, progress=progress)
    for row in parser.rows(context):
        importer.add(row)
    header_errors = parser.header_errors()
    if header_errors:
        report.errors.extend(header_errors)
        raise ImportFailed(report.source, header_errors)
    importer.finish()
    report.warnings.extend(parser.warnings)
    if report.errors and not skip_invalid:
        failed = ImportFailed(report.source, report.errors)
        failed.rejected_rows = importer.rejected_rows  # type: ignore[attr-defined]
        failed.report = report  # type: ignore[attr-defined]  # the valid rows' counts too
        raise failed
    # most products were summarised and indexed chunk by chunk (Importer._summarise)
    search.reindex_products(session, report.product_ids - importer.indexed)
    summary.refresh_products(session, report.product_ids - importer.summarised)
    summary.refresh_models(session, {m.id for m in importer.models.values() if m.id})
    if importer.sort_indexes_dropped:
        summary.create_sort_indexes(session)
    return importer


__all__ = ["ImportReport", "Importer", "apply_needs", "run"]
