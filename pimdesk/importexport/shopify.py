"""Shopify product CSV (legacy and new header sets) into neutral rows.

Rows sharing a handle are one product: a lone "Default Title" variant makes a simple
product; otherwise the handle becomes a product model whose variants differ by the option
columns (simple-select axes, created with their options and a family + family variant for
the handle's option set). Extra image rows add image URLs (kept as data, never fetched).
The handle itself is kept in the ``handle`` attribute (on the simple product, or on the
model its variants inherit it from): the Shopify exporter publishes under it, so a round
trip updates the same Shopify products instead of creating new ones.
An empty variant SKU gets one derived from the handle and option values, with a warning.
Prices follow the reference sheet: with a compare-at price, that is ``price`` and the
variant price is ``sale_price``; otherwise the variant price is ``price``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from pimdesk.catalog.context import CatalogContext
from pimdesk.catalog.edits import Cell
from pimdesk.errors import RowError
from pimdesk.importexport.escaping import unescape_cell
from pimdesk.importexport.mapping import axis_attribute, cells_for, slug
from pimdesk.importexport.reading import Table
from pimdesk.importexport.rows import NeutralRow, SchemaNeeds

LEGACY = {
    "Handle": "handle",
    "Title": "title",
    "Body (HTML)": "body",
    "Vendor": "vendor",
    "Type": "type",
    "Tags": "tags",
    "Published": "published",
    "Status": "status",
    "Variant SKU": "sku",
    "Variant Grams": "grams",
    "Variant Inventory Qty": "qty",
    "Variant Price": "price",
    "Variant Compare At Price": "compare",
    "Variant Barcode": "barcode",
    "Image Src": "image",
    "Variant Image": "variant_image",
    "SEO Title": "seo_title",
    "SEO Description": "seo_description",
}
NEW = {
    "URL handle": "handle",
    "Title": "title",
    "Description": "body",
    "Vendor": "vendor",
    "Type": "type",
    "Tags": "tags",
    "Published on online store": "published",
    "Status": "status",
    "SKU": "sku",
    "Weight value (grams)": "grams",
    "Inventory quantity": "qty",
    "Price": "price",
    "Compare-at price": "compare",
    "Barcode": "barcode",
    "Product image URL": "image",
    "Variant image URL": "variant_image",
    "SEO title": "seo_title",
    "SEO description": "seo_description",
}
for n in (1, 2, 3):
    LEGACY[f"Option{n} Name"] = f"option{n}_name"
    LEGACY[f"Option{n} Value"] = f"option{n}_value"
    NEW[f"Option{n} name"] = f"option{n}_name"
    NEW[f"Option{n} value"] = f"option{n}_value"

IMAGE_URLS = "image_urls"
HANDLE = "handle"
VARIANT_IMAGE = "variant_image_url"
VARIANT_LEVEL = ["price", "sale_price", "weight", "gtin", "stock", VARIANT_IMAGE]
_VARIANT_FIELDS = ("sku", "price", "compare", "barcode", "grams", "qty")


@dataclass
class _Line:
    number: int
    cells: list[str]
    data: dict[str, str]


@dataclass
class _Handle:
    handle: str
    first: _Line
    variants: list[_Line] = field(default_factory=list)
    images: list[str] = field(default_factory=list)
    lines: list[_Line] = field(default_factory=list)
    option_names: list[str] = field(default_factory=list)

    @property
    def simple(self) -> bool:
        if len(self.variants) != 1:
            return False
        values = [self.variants[0].data.get(f"option{n}_value", "") for n in (1, 2, 3)]
        names = [n for n in self.option_names if n]
        return not names or (names == ["Title"] and values[0] in ("Default Title", ""))


def image_needs(needs: SchemaNeeds, context: CatalogContext) -> None:
    needs.attributes.setdefault(
        IMAGE_URLS,
        ("textarea", {context.default_locale: "Image URLs"}, False, False, {}),
    )
    needs.attributes.setdefault(
        VARIANT_IMAGE,
        ("text", {context.default_locale: "Variant image URL"}, False, False, {"max_length": 2000}),
    )


class ShopifyParser:
    name = "shopify"

    def __init__(self, table: Table):
        self.table = table
        self.headers = table.headers
        self.warnings: list[str] = []
        names = set(table.headers)
        self.mapping = NEW if "URL handle" in names else LEGACY
        self.index = {key: table.headers.index(h) for h, key in self.mapping.items() if h in names}
        ignored = [h for h in table.headers if h not in self.mapping]
        if ignored:
            self.warnings.append(f"{table.source}: columns not imported: {', '.join(ignored)}")
        self.column = {key: h for h, key in self.mapping.items()}
        self.handles: list[_Handle] = []
        self.broken: list[NeutralRow] = []
        self.axes: dict[str, list[str]] = {}  # handle -> axis attribute codes
        self._errors: list[RowError] = []

    def header_errors(self) -> list[RowError]:
        return self._errors

    def _read(self) -> None:
        by_handle: dict[str, _Handle] = {}
        for number, cells, error in self.table.rows:
            if error is not None:
                self.broken.append(
                    NeutralRow(
                        number,
                        "product",
                        "",
                        self.column["handle"],
                        error=error,
                        source_rows=[(number, cells)],
                    )
                )
                continue
            data = {key: unescape_cell(cells[i]).strip() for key, i in self.index.items()}
            line = _Line(number, cells, data)
            handle = data.get("handle", "")
            if not handle:
                self.broken.append(
                    NeutralRow(
                        number,
                        "product",
                        "",
                        self.column["handle"],
                        error=RowError(number, self.column["handle"], "the handle is empty"),
                        source_rows=[(number, cells)],
                    )
                )
                continue
            group = by_handle.get(handle)
            if group is None:
                group = _Handle(handle, line)
                group.option_names = [data.get(f"option{n}_name", "") for n in (1, 2, 3)]
                by_handle[handle] = group
                self.handles.append(group)
            group.lines.append(line)
            is_variant = any(data.get(k) for k in _VARIANT_FIELDS) or any(
                data.get(f"option{n}_value") for n in (1, 2, 3)
            )
            if is_variant or line is group.first:
                group.variants.append(line)
            if data.get("image"):
                group.images.append(data["image"])

    def prepare(self, context: CatalogContext, *, create_attributes: bool) -> SchemaNeeds:
        if "handle" not in self.index:
            self._errors.append(RowError(1, "Handle", "the file has no Handle / URL handle column"))
            return SchemaNeeds()
        self._read()
        needs = SchemaNeeds()
        image_needs(needs, context)
        locale = context.default_locale
        needs.attributes.setdefault(
            HANDLE, ("text", {locale: "Shopify handle"}, False, False, {"max_length": 255})
        )
        for group in self.handles:
            if group.simple:
                continue
            names = [n for n in group.option_names if n]
            axes = [axis_attribute(context, name) for name in names]
            self.axes[group.handle] = axes
            for name, axis in zip(names, axes, strict=True):
                if axis not in context.attributes:
                    needs.attributes[axis] = ("simpleselect", {locale: name}, False, False, {})
            for line in group.variants:
                for n, axis in enumerate(axes, start=1):
                    value = line.data.get(f"option{n}_value", "")
                    if value and not _known_option(context, axis, value):
                        needs.option(axis, slug(value), value, locale)
            family = "shopify_" + "_".join(axes)
            needs.families.setdefault(family, ([*axes, HANDLE, IMAGE_URLS, VARIANT_IMAGE], None))
            needs.family_variants.setdefault(
                f"{family}_by_{'_'.join(axes)}" if len(family) < 60 else family + "_v",
                (family, axes, VARIANT_LEVEL),
            )
        return needs

    # -- rows ---------------------------------------------------------------------------------

    def rows(self, context: CatalogContext) -> Iterator[NeutralRow]:
        yield from self.broken
        for group in self.handles:
            if group.simple:
                yield self._simple(context, group)
            else:
                yield from self._model(context, group)

    def _product_cells(self, context: CatalogContext, data: dict[str, str]) -> list[Cell]:
        cells: list[Cell] = []
        col = self.column
        for key, attribute in (
            ("title", "name"),
            ("body", "description"),
            ("vendor", "brand"),
            ("type", "product_type"),
            ("seo_title", "seo_title"),
            ("seo_description", "seo_description"),
        ):
            if data.get(key):
                cells += cells_for(context, attribute, data[key], col[key])
        return cells

    def _variant_cells(self, context: CatalogContext, data: dict[str, str]) -> list[Cell]:
        col = self.column
        cells: list[Cell] = []
        currency = context.default_currency
        price, compare = data.get("price", ""), data.get("compare", "")
        if compare and price:
            cells += cells_for(context, "price", compare, col["compare"], currency)
            cells += cells_for(context, "sale_price", price, col["price"], currency)
        elif price:
            cells += cells_for(context, "price", price, col["price"], currency)
        elif compare:
            cells += cells_for(context, "price", compare, col["compare"], currency)
        if data.get("grams"):
            cells += cells_for(context, "weight", f"{data['grams']} GRAM", col["grams"])
        if data.get("qty"):
            cells += cells_for(context, "stock", data["qty"], col["qty"])
        if data.get("barcode"):
            cells += cells_for(context, "gtin", data["barcode"], col["barcode"])
        if data.get("variant_image"):
            cells += cells_for(context, VARIANT_IMAGE, data["variant_image"], col["variant_image"])
        return cells

    def _enabled(self, data: dict[str, str]) -> bool | None:
        status = data.get("status", "").lower()
        if status:
            return status == "active"
        published = data.get("published", "").lower()
        if published:
            return published in ("true", "1", "yes")
        return None

    def _images(self, context: CatalogContext, group: _Handle) -> list[Cell]:
        if not group.images:
            return []
        urls = "\n".join(dict.fromkeys(group.images))
        return cells_for(context, IMAGE_URLS, urls, self.column["image"])

    def _simple(self, context: CatalogContext, group: _Handle) -> NeutralRow:
        line = group.variants[0]
        data = {**line.data}
        sku = data.get("sku", "")
        row = NeutralRow(line.number, "product", sku or group.handle, self.column["sku"])
        if not sku:
            row.warnings.append(
                f"row {line.number}: {self.column['sku']} is empty; "
                f"the product gets the SKU {group.handle!r} from its handle"
            )
        row.family = "default"
        row.cells = [
            *self._product_cells(context, group.first.data),
            *cells_for(context, HANDLE, group.handle, self.column["handle"]),
            *self._variant_cells(context, data),
            *self._images(context, group),
        ]
        row.tags = [t.strip() for t in group.first.data.get("tags", "").split(",") if t.strip()]
        row.enabled = self._enabled(group.first.data)
        row.source_rows = [(li.number, li.cells) for li in group.lines]
        return row

    def _model(self, context: CatalogContext, group: _Handle) -> Iterator[NeutralRow]:
        axes = self.axes[group.handle]
        family = "shopify_" + "_".join(axes)
        variant_code = f"{family}_by_{'_'.join(axes)}" if len(family) < 60 else family + "_v"
        model = NeutralRow(group.first.number, "model", group.handle, self.column["handle"])
        model.family_variant = variant_code
        model.cells = [
            *self._product_cells(context, group.first.data),
            *cells_for(context, HANDLE, group.handle, self.column["handle"]),
            *self._images(context, group),
        ]
        model.source_rows = [(group.first.number, group.first.cells)]
        yield model
        tags = [t.strip() for t in group.first.data.get("tags", "").split(",") if t.strip()]
        enabled = self._enabled(group.first.data)
        for line in group.variants:
            data = line.data
            values = [data.get(f"option{n}_value", "") for n in range(1, len(axes) + 1)]
            sku = data.get("sku", "")
            if not sku:
                sku = "-".join([group.handle, *(slug(v, "-") for v in values if v)])
            row = NeutralRow(line.number, "product", sku, self.column["sku"])
            if not data.get("sku"):
                row.warnings.append(
                    f"row {line.number}: {self.column['sku']} is empty; the variant gets the SKU "
                    f"{sku!r} from its handle and option values"
                )
            row.parent = group.handle
            row.cells = [
                *(
                    Cell(
                        cells_for(context, axis, value, "")[0].key,
                        value,
                        self.column.get(f"option{n}_value", f"Option{n} Value"),
                    )
                    for n, (axis, value) in enumerate(zip(axes, values, strict=True), start=1)
                    if axis in context.attributes
                ),
                *self._variant_cells(context, data),
            ]
            row.tags = tags
            row.enabled = enabled
            row.source_rows = [(line.number, line.cells)]
            yield row


def _known_option(context: CatalogContext, attribute: str, value: str) -> bool:
    info = context.attributes.get(attribute)
    if info is None:
        return False
    lowered = value.lower()
    return (
        any(
            code.lower() == lowered
            or any(str(label).lower() == lowered for label in labels.values())
            for code, labels in info.options.items()
        )
        or slug(value) in info.options
    )
