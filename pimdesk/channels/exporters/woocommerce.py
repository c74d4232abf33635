"""WooCommerce product CSV, the built-in importer's format (reference sheet §2).

Columns are WooCommerce's default export columns in their exact order, then the dynamic
``Attribute N name / value(s) / visible / global / default`` groups. A simple product is one
``simple`` row; a product with variants is one ``variable`` parent row (SKU = the product
model code, every attribute value, all product images) followed by one ``variation`` row
per variant with ``Parent`` = the parent's SKU, its own SKU, prices, stock, weight and one
image. Booleans ``1``/``0``; ``Published`` 1 (enabled) or -1 (draft: WooCommerce's importer
keeps every product missing from the file, so a withdrawn product that was on the channel
is written as its rows with -1, same SKU, on every publish until it is live again; see
``IncrementalFeed.withdraws_in_feed``); multi-value cells joined with ``", "`` and a
literal comma written ``\\,``; description newlines written as the two characters ``\\n``;
``Images`` are comma-joined URLs (commas inside a URL are percent-encoded), the first
being the featured image. A product with no photo of its own in pimdesk gets the image URLs
it was imported with (fields ``image_urls`` / ``variant_image_url``), never mixed with its
own photos. The file starts with a UTF-8 BOM,
as WooCommerce's own exporter writes (setting ``bom``), and is RFC 4180 with CRLF.

**Formula injection policy**: WooCommerce's own exporter prefixes ``'`` to text cells that
start with ``= + - @`` TAB or CR, and its importer strips the prefix again before
``= + - @``; we do exactly the same, so the file is safe to open in a spreadsheet and
imports unchanged. Numbers (``-1``, ``24.00``) are never prefixed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from pimdesk.channels.api import (
    CancelToken,
    FieldSpec,
    GroupContext,
    GroupPlan,
    IncrementalFeed,
    Issue,
    Listing,
    Piece,
    Progress,
    PublishResult,
    SettingSpec,
)
from pimdesk.channels.exporters._base import FileExporter
from pimdesk.channels.exporters._common import (
    BASE_URL_SETTING,
    IMAGE_URL_FIELDS,
    OUTPUT_SETTING,
    ProductGroup,
    axis_label,
    decimal_text,
    grams,
    group_listings,
    gtin_digits,
    integer,
    main_image,
    money,
    price_issues,
    text,
    text_list,
    variant_title,
)
from pimdesk.channels.output import (
    OutputFolder,
    csv_bytes,
    csv_rows_bytes,
    url_for,
    woocommerce_cell,
)
from pimdesk.errors import ValidationError

GTIN_HEADER = "GTIN, UPC, EAN, or ISBN"
_UNITS_IN_GRAMS = {"kg": Decimal(1000), "g": Decimal(1), "lbs": Decimal("453.59237"),
                   "oz": Decimal("28.349523125")}  # fmt: skip


def base_columns(weight_unit: str = "kg", dimension_unit: str = "cm") -> tuple[str, ...]:
    """WooCommerce's default export columns, exact order (units from the store settings)."""
    return (
        "ID", "Type", "SKU", GTIN_HEADER, "Name", "Published", "Is featured?",
        "Visibility in catalog", "Short description", "Description", "Date sale price starts",
        "Date sale price ends", "Tax status", "Tax class", "In stock?", "Stock",
        "Low stock amount", "Backorders allowed?", "Sold individually?",
        f"Weight ({weight_unit})", f"Length ({dimension_unit})", f"Width ({dimension_unit})",
        f"Height ({dimension_unit})", "Allow customer reviews?", "Purchase note", "Sale price",
        "Regular price", "Categories", "Tags", "Shipping class", "Images", "Download limit",
        "Download expiry days", "Parent", "Grouped products", "Upsells", "Cross-sells",
        "External URL", "Button text", "Position",
    )  # fmt: skip


def attribute_columns(count: int) -> tuple[str, ...]:
    return tuple(
        f"Attribute {n} {part}"
        for n in range(1, count + 1)
        for part in ("name", "value(s)", "visible", "global", "default")
    )


def join_values(values: Sequence[str]) -> str:
    """WooCommerce's multi-value cell: ``", "``-joined, literal commas escaped as ``\\,``."""
    return ", ".join(v.replace(",", "\\,") for v in values if v)


FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("price", "Regular price", "price", required=True),
    FieldSpec("sale_price", "Sale price", "sale_price"),
    FieldSpec("gtin", "GTIN, UPC, EAN, or ISBN", "gtin"),
    FieldSpec("short_description", "Short description", "short_description"),
    FieldSpec("stock", "Stock", "stock"),
    FieldSpec("weight", "Weight", "weight"),
    FieldSpec("categories", "Categories", "@categories"),
    FieldSpec("tags", "Tags", "@tags"),
    *IMAGE_URL_FIELDS,
)  # fmt: skip


class WooCommerceCsvExporter(FileExporter, IncrementalFeed):
    """WooCommerce product CSV; see the module docstring."""

    name = "woocommerce_csv"
    label = "WooCommerce product CSV"
    description = "A products.csv for WooCommerce's product importer, images beside it."
    rendition_profile = "shopify"
    settings_spec = (
        OUTPUT_SETTING,
        BASE_URL_SETTING,
        SettingSpec(
            "weight_unit", "Store weight unit", "choice", default="kg",
            choices=("kg", "g", "lbs", "oz"),
        ),
        SettingSpec("dimension_unit", "Store dimension unit", "text", default="cm"),
        SettingSpec("bom", "Start the file with a BOM", "bool", default=True),
        SettingSpec("file_name", "File name", "text", default="products.csv"),
    )  # fmt: skip
    fields_spec = FIELDS
    # WooCommerce's importer never deletes or hides a product missing from the file: a
    # withdrawn product is written as its rows with Published -1 (draft)
    withdraws_in_feed = True
    withdrawal_rows = "Published -1 (draft)"

    @property
    def weight_unit(self) -> str:
        unit = str(self.settings.get("weight_unit") or "kg").strip()
        if unit not in _UNITS_IN_GRAMS:
            raise ValidationError(
                f"unknown weight unit {unit!r}",
                where="setting 'weight_unit'",
                hint="use kg, g, lbs or oz (the unit of your store)",
            )
        return unit

    # -- validation ------------------------------------------------------------------

    def validate(self, listings: Sequence[Listing]) -> list[Issue]:
        issues: list[Issue] = []
        skus = {listing.sku for listing in listings}
        for group in group_listings(listings):
            parent = group.first.parent_code
            if parent and not group.is_simple and parent in skus:
                for listing in group.variants:
                    issues.append(
                        Issue(
                            listing.sku,
                            "parent",
                            f"the product model code {parent!r} is also a product SKU; "
                            "WooCommerce SKUs must be unique",
                        )
                    )
            for listing in group.variants:
                regular = money(self._get(listing, "price"), listing.currency)
                sale = money(self._get(listing, "sale_price"), listing.currency)
                if regular is None:
                    issues.append(Issue(listing.sku, "price", "no regular price"))
                issues.extend(price_issues(listing, regular, sale))
                gtin = gtin_digits(self._get(listing, "gtin"))
                if gtin and not gtin.rstrip("Xx").isdigit():
                    issues.append(
                        Issue(listing.sku, "gtin", "WooCommerce accepts digits and hyphens only")
                    )
                issues.extend(self.image_name_issues(listing))
        return issues

    # -- rows ------------------------------------------------------------------------

    def _weight(self, listing: Listing) -> str:
        amount = grams(self._get(listing, "weight"))
        if amount is None:
            return ""
        value = (amount / _UNITS_IN_GRAMS[self.weight_unit]).quantize(Decimal("0.0001"))
        return format(value.normalize(), "f")

    def _prices(self, listing: Listing) -> tuple[str, str]:
        regular = money(self._get(listing, "price"), listing.currency)
        sale = money(self._get(listing, "sale_price"), listing.currency)
        regular_text = "" if regular is None else decimal_text(regular)
        on_sale = sale is not None and regular is not None and Decimal(0) <= sale < regular
        return (decimal_text(sale) if on_sale and sale is not None else "", regular_text)

    def _stock(self, listing: Listing) -> tuple[str, str]:
        stock = integer(self._get(listing, "stock"))
        if stock is None:
            return "1", ""
        return ("1" if stock > 0 else "0"), str(stock)

    def _common(self, listing: Listing) -> dict[str, str]:
        return {
            "Published": "1" if listing.enabled else "-1",
            "Is featured?": "0",
            "Visibility in catalog": "visible",
            "Tax status": "taxable",
            "Backorders allowed?": "0",
        }

    @staticmethod
    def _description(value: str) -> str:
        return value.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")

    def _product_level(self, listing: Listing) -> dict[str, str]:
        return {
            "Short description": self._description(text(self._get(listing, "short_description"))),
            "Description": self._description(listing.description),
            "Categories": join_values(text_list(self._get(listing, "categories"))),
            "Tags": join_values(text_list(self._get(listing, "tags"))),
            "Sold individually?": "0",
            "Allow customer reviews?": "1",
            "Position": "0",
        }

    def _sellable(self, listing: Listing) -> dict[str, str]:
        sale, regular = self._prices(listing)
        in_stock, stock = self._stock(listing)
        return {
            "SKU": listing.sku,
            GTIN_HEADER: gtin_digits(self._get(listing, "gtin")),
            "In stock?": in_stock,
            "Stock": stock,
            f"Weight ({self.weight_unit})": self._weight(listing),
            "Sale price": sale,
            "Regular price": regular,
        }

    def _header(self, width: int) -> tuple[str, ...]:
        """The columns for a feed whose largest variable product has ``width`` axes."""
        dimension = str(self.settings.get("dimension_unit") or "cm")
        return base_columns(self.weight_unit, dimension) + attribute_columns(width)

    def rows(
        self, groups: Sequence[ProductGroup], urls: Mapping[int, str]
    ) -> tuple[tuple[str, ...], list[list[str]]]:
        width = max((len(g.axis_codes) for g in groups if not g.is_simple), default=0)
        header = self._header(width)
        rows: list[list[str]] = []
        for group in groups:
            rows.extend(self._group_rows(group, header, urls))
        return header, rows

    def _group_rows(
        self, group: ProductGroup, header: Sequence[str], urls: Mapping[int, str]
    ) -> list[list[str]]:
        """The rows of one group (a simple row, or a variable parent and its variations)."""
        index = {name: i for i, name in enumerate(header)}
        rows: list[list[str]] = []

        def emit(values: dict[str, str]) -> None:
            row = [""] * len(header)
            for key, value in values.items():
                row[index[key]] = value
            rows.append(row)

        first = group.first
        own_images = group.images()
        # no photo of its own: the image URLs it came with (an import), commas encoded
        gallery, variant_external = self.external_images(group)
        external = [url.replace(",", "%2C") for url in gallery]
        if group.is_simple:
            images = [urls[i.version_id] for i in own_images if i.version_id in urls] + external
            emit(
                {
                    "Type": "simple",
                    "Name": first.title,
                    **self._common(first),
                    **self._product_level(first),
                    **self._sellable(first),
                    "Images": ", ".join(images),
                }
            )
            return rows
        parent_sku = first.parent_code or first.sku
        parent: dict[str, str] = {
            "Type": "variable",
            "SKU": parent_sku,
            "Name": group.title,
            **self._common(first),
            **self._product_level(first),
            "In stock?": "1" if any(self._stock(v)[0] == "1" for v in group.variants) else "0",
            "Images": ", ".join(
                [urls[i.version_id] for i in own_images if i.version_id in urls] + external
            ),
        }
        for n, code in enumerate(group.axis_codes, start=1):
            seen: list[str] = []
            for listing in group.variants:
                value = listing.axes.get(code, "")
                if value and value not in seen:
                    seen.append(value)
            parent[f"Attribute {n} name"] = axis_label(code)
            parent[f"Attribute {n} value(s)"] = join_values(seen)
            parent[f"Attribute {n} visible"] = "1"
            parent[f"Attribute {n} global"] = "1"
            parent[f"Attribute {n} default"] = first.axes.get(code, "")
        emit(parent)
        for number, listing in enumerate(group.variants):
            own = main_image(listing)
            image = urls.get(own.version_id, "") if own is not None else ""
            image = image or variant_external[number].replace(",", "%2C")
            variation: dict[str, str] = {
                "Type": "variation",
                "Name": variant_title(listing),
                **self._common(listing),
                **self._sellable(listing),
                "Images": image,
                "Parent": parent_sku,
            }
            for n, code in enumerate(group.axis_codes, start=1):
                variation[f"Attribute {n} name"] = axis_label(code)
                variation[f"Attribute {n} value(s)"] = join_values([listing.axes.get(code, "")])
                variation[f"Attribute {n} global"] = "1"
            emit(variation)
        return rows

    def _bom(self) -> bool:
        bom = self.settings.get("bom", True)
        return bom if isinstance(bom, bool) else str(bom).strip().lower() in ("1", "true", "yes")

    # -- incremental feed (IncrementalFeed) ------------------------------------------

    shaped = True  # the Attribute N columns follow the product with the most axes

    def plan_group(self, listings: Sequence[Listing]) -> GroupPlan:
        group = self.product_group(listings)
        return self.group_plan(group, shape=0 if group.is_simple else len(group.axis_codes))

    def render_group(self, listings: Sequence[Listing], context: GroupContext) -> Piece:
        group = self.product_group(listings)
        header = self._header(context.shape)
        rows = self._group_rows(group, header, context.urls)
        data = csv_rows_bytes(rows, len(header), escape=woocommerce_cell)
        return Piece(data, {listing.sku: listing.sku for listing in group.variants})

    def feed_head(self, shape: int = 0) -> bytes:
        return csv_bytes(self._header(shape), [], bom=self._bom())

    # -- publish ---------------------------------------------------------------------

    def publish(
        self,
        listings: Sequence[Listing],
        withdrawn: Sequence[str],
        progress: Progress,
        cancel: CancelToken,
    ) -> PublishResult:
        result = PublishResult()
        self.weight_unit  # noqa: B018 - checks the setting before anything is written
        out: OutputFolder = self.output_folder()
        base = self.base_url(out)
        groups = group_listings(self.publishable(listings, result))
        urls: dict[int, str] = {}
        for done, group in enumerate(groups, start=1):
            self.check_cancel(cancel)
            for image in group.images():
                if image.version_id not in urls:
                    urls[image.version_id] = url_for(
                        base, out.image_name(image.filename, image.file)
                    )
            for listing in group.variants:
                result.remote_ids[listing.sku] = listing.sku
            self.report(progress, done, len(groups))
        header, rows = self.rows(groups, urls)
        data = csv_bytes(header, rows, bom=self._bom(), escape=woocommerce_cell)
        out.add_document(str(self.settings.get("file_name") or "products.csv"), data)
        result.files = out.commit(cancel)
        return result
