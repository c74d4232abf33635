"""WooCommerce product CSV (the built-in exporter's columns) into neutral rows.

``variable`` rows become product models; ``variation`` rows become their variants (the
``Parent`` column holds the parent's SKU or ``id:<ID>``); everything else is a simple
product. The variation attributes that carry a value on some variation are the model's
axes (simple selects, created with their options, plus a family and family variant).
SKUs keep their case. Multi-value cells are comma-joined (``\\,`` is a literal comma),
category levels are joined with ``>``, and description newlines arrive as ``\\n``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from pimdesk.catalog.context import CatalogContext
from pimdesk.catalog.edits import Cell
from pimdesk.errors import RowError
from pimdesk.importexport.escaping import unescape_cell
from pimdesk.importexport.mapping import axis_attribute, cells_for, slug
from pimdesk.importexport.reading import Table
from pimdesk.importexport.rows import NeutralRow, SchemaNeeds
from pimdesk.importexport.shopify import IMAGE_URLS, VARIANT_LEVEL, image_needs

FIELDS = {
    "ID": "id",
    "Type": "type",
    "SKU": "sku",
    "GTIN, UPC, EAN, or ISBN": "gtin",
    "Name": "name",
    "Published": "published",
    "Short description": "short_description",
    "Description": "description",
    "Stock": "stock",
    "Sale price": "sale_price",
    "Regular price": "regular_price",
    "Categories": "categories",
    "Tags": "tags",
    "Images": "images",
    "Parent": "parent",
}
WEIGHT_UNITS = {"lbs": "POUND", "lb": "POUND", "kg": "KILOGRAM", "g": "GRAM", "oz": "OUNCE"}
_ATTRIBUTE = re.compile(r"^Attribute (\d+) (name|value\(s\))$")
_WEIGHT = re.compile(r"^Weight \((\w+)\)$")


def split_values(text: str) -> list[str]:
    """WooCommerce's comma list, where ``\\,`` is a comma inside a value."""
    parts = re.split(r"(?<!\\),", text)
    return [p.replace("\\,", ",").strip() for p in parts if p.strip()]


@dataclass
class _Line:
    number: int
    cells: list[str]
    data: dict[str, str]
    attributes: list[tuple[str, str]]  # (name, value(s))


class WooCommerceParser:
    name = "woocommerce"

    def __init__(self, table: Table):
        self.table = table
        self.headers = table.headers
        self.warnings: list[str] = []
        self._errors: list[RowError] = []
        self.index = {
            key: table.headers.index(h) for h, key in FIELDS.items() if h in table.headers
        }
        self.column = {key: h for h, key in FIELDS.items()}
        self.attribute_columns: dict[int, tuple[int | None, int | None]] = {}
        self.weight: tuple[int, str] | None = None
        known = set(FIELDS)
        for i, header in enumerate(table.headers):
            match = _ATTRIBUTE.match(header)
            if match:
                n = int(match.group(1))
                name_i, value_i = self.attribute_columns.get(n, (None, None))
                if match.group(2) == "name":
                    name_i = i
                else:
                    value_i = i
                self.attribute_columns[n] = (name_i, value_i)
                known.add(header)
            weight = _WEIGHT.match(header)
            if weight and weight.group(1).lower() in WEIGHT_UNITS:
                self.weight = (i, WEIGHT_UNITS[weight.group(1).lower()])
                known.add(header)
        ignored = [h for h in table.headers if h not in known]
        if ignored:
            self.warnings.append(f"{table.source}: columns not imported: {', '.join(ignored)}")
        self.lines: list[_Line] = []
        self.broken: list[NeutralRow] = []
        self.ids: dict[str, str] = {}
        self.axes: dict[str, list[tuple[str, str]]] = {}  # parent sku -> [(name, attribute)]
        self.parent_of: dict[int, str] = {}

    def header_errors(self) -> list[RowError]:
        return self._errors

    def _kind(self, line: _Line) -> str:
        types = {t.strip().lower() for t in line.data.get("type", "").split(",")}
        if "variable" in types:
            return "variable"
        if "variation" in types:
            return "variation"
        return "simple"

    def prepare(self, context: CatalogContext, *, create_attributes: bool) -> SchemaNeeds:
        needs = SchemaNeeds()
        if "type" not in self.index:
            self._errors.append(RowError(1, "Type", "the file has no Type column"))
            return needs
        image_needs(needs, context)
        locale = context.default_locale
        for number, cells, error in self.table.rows:
            if error is not None:
                self.broken.append(
                    NeutralRow(
                        number, "product", "", "SKU", error=error, source_rows=[(number, cells)]
                    )
                )
                continue
            data = {k: unescape_cell(cells[i]).strip() for k, i in self.index.items()}
            attributes = []
            for _n, (name_i, value_i) in sorted(self.attribute_columns.items()):
                name = cells[name_i].strip() if name_i is not None else ""
                value = cells[value_i].strip() if value_i is not None else ""
                if name:
                    attributes.append((name, value))
            line = _Line(number, cells, data, attributes)
            self.lines.append(line)
            if data.get("id") and data.get("sku"):
                self.ids[data["id"]] = data["sku"]
        variations: dict[str, list[_Line]] = {}
        for line in self.lines:
            if self._kind(line) == "variation":
                parent = self._parent(line.data.get("parent", ""))
                self.parent_of[line.number] = parent
                variations.setdefault(parent, []).append(line)
        for line in self.lines:
            kind = self._kind(line)
            for name, value in line.attributes:
                attribute = axis_attribute(context, name)
                if attribute not in context.attributes:
                    needs.attributes.setdefault(
                        attribute, ("simpleselect", {locale: name}, False, False, {})
                    )
                for item in split_values(value):
                    needs.option(attribute, slug(item), item, locale)
            if kind == "variable":
                sku = line.data.get("sku", "")
                children = variations.get(sku, [])
                used = [
                    name
                    for name, _ in line.attributes
                    if any(dict(c.attributes).get(name) for c in children)
                ] or [name for name, _ in line.attributes][:1]
                axes = [(name, axis_attribute(context, name)) for name in used]
                self.axes[sku] = axes
                if axes:
                    codes = [a for _, a in axes]
                    family = "woocommerce_" + "_".join(codes)
                    needs.families.setdefault(family, ([*codes, IMAGE_URLS], None))
                    needs.family_variants.setdefault(
                        f"{family}_by_{'_'.join(codes)}", (family, codes, VARIANT_LEVEL)
                    )
            for path in split_values(line.data.get("categories", "")):
                parent = None
                for level in [p.strip() for p in path.split(">") if p.strip()]:
                    code = slug(level) if parent is None else f"{parent}_{slug(level)}"
                    if all(code != c for c, _, _ in needs.categories):
                        needs.categories.append((code, parent, level))
                    parent = code
        return needs

    def _parent(self, reference: str) -> str:
        if reference.startswith("id:"):
            return self.ids.get(reference[3:].strip(), reference)
        return reference

    def _categories(self, text: str) -> list[str]:
        codes = []
        for path in split_values(text):
            code = None
            for level in [p.strip() for p in path.split(">") if p.strip()]:
                code = slug(level) if code is None else f"{code}_{slug(level)}"
            if code:
                codes.append(code)
        return codes

    def rows(self, context: CatalogContext) -> Iterator[NeutralRow]:
        yield from self.broken
        for line in self.lines:
            kind = self._kind(line)
            data = line.data
            sku = data.get("sku", "")
            row = NeutralRow(line.number, "model" if kind == "variable" else "product", sku, "SKU")
            row.source_rows = [(line.number, line.cells)]
            if not sku:
                derived = slug(data.get("name", "") or f"row-{line.number}", "-")
                row.identifier = derived
                row.warnings.append(
                    f"row {line.number}: SKU is empty; the product gets the SKU {derived!r} "
                    "from its name"
                )
            row.cells = self._cells(context, line, kind)
            if data.get("categories"):
                row.categories = self._categories(data["categories"])
            if kind == "variable":
                axes = self.axes.get(sku, [])
                if not axes:
                    row.error = RowError(
                        line.number,
                        "Attribute 1 name",
                        "a variable product needs at least one attribute to vary by",
                        sku,
                    )
                codes = [a for _, a in axes]
                family = "woocommerce_" + "_".join(codes)
                row.family_variant = f"{family}_by_{'_'.join(codes)}"
                yield row
                continue
            row.tags = split_values(data.get("tags", "")) if data.get("tags") else None
            published = data.get("published", "")
            if published:
                row.enabled = published in ("1", "2")
            if kind == "variation":
                row.parent = self.parent_of.get(line.number) or data.get("parent") or None
                if not row.parent:
                    row.error = RowError(line.number, "Parent", "a variation needs a Parent", sku)
            else:
                row.family = "default"
            yield row

    def _cells(self, context: CatalogContext, line: _Line, kind: str) -> list[Cell]:
        data = line.data
        col = self.column
        cells: list[Cell] = []
        for key, attribute in (
            ("name", "name"),
            ("short_description", "short_description"),
            ("description", "description"),
        ):
            if data.get(key):
                text = data[key].replace("\\n", "\n")
                cells += cells_for(context, attribute, text, col[key])
        currency = context.default_currency
        if data.get("regular_price"):
            cells += cells_for(
                context, "price", data["regular_price"], col["regular_price"], currency
            )
        if data.get("sale_price"):
            cells += cells_for(
                context, "sale_price", data["sale_price"], col["sale_price"], currency
            )
        if data.get("stock") and data["stock"].lower() != "parent":
            cells += cells_for(context, "stock", data["stock"], col["stock"])
        if data.get("gtin"):
            cells += cells_for(context, "gtin", data["gtin"], col["gtin"])
        if self.weight is not None:
            index, unit = self.weight
            amount = line.cells[index].strip()
            if amount:
                cells += cells_for(context, "weight", f"{amount} {unit}", self.headers[index])
        if data.get("images"):
            urls = "\n".join(split_values(data["images"]))
            cells += cells_for(context, IMAGE_URLS, urls, col["images"])
        axes = dict(self.axes.get(self.parent_of.get(line.number, ""), []))
        for name, value in line.attributes:
            attribute = axis_attribute(context, name)
            values = split_values(value)
            if not values or kind == "variable":
                continue
            if kind == "variation" and name not in axes:
                continue
            if len(values) > 1:
                self.warnings.append(
                    f"row {line.number}: {name} has several values ({value}); "
                    f"{values[0]!r} is kept as the product's {attribute}"
                )
            column = f"Attribute value(s) of {name}"
            cells += cells_for(context, attribute, values[0], column)
        return cells
