"""Shopify product CSV (reference sheet §1).

One file, ``products.csv`` (setting ``file_name``), UTF-8 without BOM, RFC 4180 with CRLF.
The header is one of Shopify's two sets, chosen by ``header_set`` (``legacy``: the 48
columns of Shopify's sample; ``new``: the 57 columns of the current help pages), never
mixed. Row model: a handle's first row carries the product fields, variant 1 and image 1;
each further variant is a row with only its option values and variant fields; each further
image is a row with only the handle and the image columns (as in the sheet's worked
example, image *k* rides on variant row *k* while there are variant rows).

**Formula injection policy**: this is a channel import file, and Shopify documents no
un-escaping, so a ``'`` prefix would become part of the title. We do not prefix; instead a
free-text value that starts with ``= + - @`` TAB CR or LF (and is not a number) blocks the
listing with an :class:`~pimdesk.channels.api.Issue` saying which field (§8).

Images are copied beside the CSV and referenced as ``base_url`` + file name; the user syncs
the folder to a public host so Shopify can download them. A product with no photo of its
own in pimdesk gets the image URLs it was imported with instead (field ``image_urls``,
default the ``image_urls`` attribute a Shopify/WooCommerce import fills, and
``variant_image_url`` per variant): external http(s) URLs are what Shopify's importer
downloads. As soon as the product has a photo in pimdesk, only its own photos are published
(never a mix, so a gallery never shows an old supplier picture beside the new photos).

**Handles**: the mapped ``handle`` field (default: the ``handle`` attribute a Shopify import
fills with the file's handle), else one made from the title. Once a product is published,
its handle sticks (``IncrementalFeed.claims_stick``): Shopify matches rows to products by
handle, so a renamed product keeps it instead of becoming a second product.

**Withdrawn products**: Shopify's importer never deletes, hides or archives a product that
is missing from the file, so leaving a withdrawn product out would leave it on sale. A
product that was on the channel and is withdrawn (disabled, blocked, out of the channel's
tree, its photos' rights expired) is written as its full rows under the same handle with
``Status`` draft and ``Published`` FALSE (full rows, because an overwriting import blanks the
values of columns left empty), on every publish until it is live again (the publishing
service passes its listing with ``enabled`` False; see ``IncrementalFeed.withdraws_in_feed``).
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
    formula_issues,
    grams,
    group_listings,
    integer,
    main_image,
    money,
    price_issues,
    slugify,
    text,
    text_list,
    truncate,
)
from pimdesk.channels.output import csv_bytes, csv_rows_bytes, url_for
from pimdesk.channels.pieces import unique_claim

LEGACY_HEADER: tuple[str, ...] = (
    "Handle", "Title", "Body (HTML)", "Vendor", "Product Category", "Type", "Tags", "Published",
    "Option1 Name", "Option1 Value", "Option2 Name", "Option2 Value", "Option3 Name",
    "Option3 Value", "Variant SKU", "Variant Grams", "Variant Inventory Tracker",
    "Variant Inventory Qty", "Variant Inventory Policy", "Variant Fulfillment Service",
    "Variant Price", "Variant Compare At Price", "Variant Requires Shipping", "Variant Taxable",
    "Variant Barcode", "Image Src", "Image Position", "Image Alt Text", "Gift Card", "SEO Title",
    "SEO Description", "Google Shopping / Google Product Category", "Google Shopping / Gender",
    "Google Shopping / Age Group", "Google Shopping / MPN", "Google Shopping / Condition",
    "Google Shopping / Custom Product", "Variant Image", "Variant Weight Unit",
    "Variant Tax Code", "Cost per item", "Included / United States", "Price / United States",
    "Compare At Price / United States", "Included / International", "Price / International",
    "Compare At Price / International", "Status",
)  # fmt: skip

NEW_HEADER: tuple[str, ...] = (
    "Title", "URL handle", "Description", "Vendor", "Product category", "Type", "Tags",
    "Published on online store", "Status", "SKU", "Barcode", "Option1 name", "Option1 value",
    "Option1 Linked To", "Option2 name", "Option2 value", "Option2 Linked To", "Option3 name",
    "Option3 value", "Option3 Linked To", "Price", "Compare-at price", "Cost per item",
    "Charge tax", "Tax code", "Unit price total measure", "Unit price total measure unit",
    "Unit price base measure", "Unit price base measure unit", "Inventory tracker",
    "Inventory quantity", "Continue selling when out of stock", "Weight value (grams)",
    "Weight unit for display", "Requires shipping", "Fulfillment service", "Product image URL",
    "Image position", "Image alt text", "Variant image URL", "Gift card", "SEO title",
    "SEO description", "Color (product.metafields.shopify.color-pattern)",
    "Google Shopping / Google product category", "Google Shopping / Gender",
    "Google Shopping / Age group", "Google Shopping / Manufacturer part number (MPN)",
    "Google Shopping / Ad group name", "Google Shopping / Ads labels",
    "Google Shopping / Condition", "Google Shopping / Custom product",
    "Google Shopping / Custom label 0", "Google Shopping / Custom label 1",
    "Google Shopping / Custom label 2", "Google Shopping / Custom label 3",
    "Google Shopping / Custom label 4",
)  # fmt: skip

# our row keys -> column name in each header set (columns not named stay blank)
_COLUMNS: dict[str, tuple[str, str]] = {
    "handle": ("Handle", "URL handle"),
    "title": ("Title", "Title"),
    "body": ("Body (HTML)", "Description"),
    "vendor": ("Vendor", "Vendor"),
    "product_category": ("Product Category", "Product category"),
    "type": ("Type", "Type"),
    "tags": ("Tags", "Tags"),
    "published": ("Published", "Published on online store"),
    "option1_name": ("Option1 Name", "Option1 name"),
    "option1_value": ("Option1 Value", "Option1 value"),
    "option2_name": ("Option2 Name", "Option2 name"),
    "option2_value": ("Option2 Value", "Option2 value"),
    "option3_name": ("Option3 Name", "Option3 name"),
    "option3_value": ("Option3 Value", "Option3 value"),
    "sku": ("Variant SKU", "SKU"),
    "grams": ("Variant Grams", "Weight value (grams)"),
    "inventory_tracker": ("Variant Inventory Tracker", "Inventory tracker"),
    "inventory_qty": ("Variant Inventory Qty", "Inventory quantity"),
    "inventory_policy": ("Variant Inventory Policy", "Continue selling when out of stock"),
    "fulfillment": ("Variant Fulfillment Service", "Fulfillment service"),
    "price": ("Variant Price", "Price"),
    "compare_at": ("Variant Compare At Price", "Compare-at price"),
    "requires_shipping": ("Variant Requires Shipping", "Requires shipping"),
    "taxable": ("Variant Taxable", "Charge tax"),
    "barcode": ("Variant Barcode", "Barcode"),
    "image_src": ("Image Src", "Product image URL"),
    "image_position": ("Image Position", "Image position"),
    "image_alt": ("Image Alt Text", "Image alt text"),
    "gift_card": ("Gift Card", "Gift card"),
    "seo_title": ("SEO Title", "SEO title"),
    "seo_description": ("SEO Description", "SEO description"),
    "google_category": (
        "Google Shopping / Google Product Category",
        "Google Shopping / Google product category",
    ),
    "gender": ("Google Shopping / Gender", "Google Shopping / Gender"),
    "age_group": ("Google Shopping / Age Group", "Google Shopping / Age group"),
    "mpn": ("Google Shopping / MPN", "Google Shopping / Manufacturer part number (MPN)"),
    "condition": ("Google Shopping / Condition", "Google Shopping / Condition"),
    "custom_product": ("Google Shopping / Custom Product", "Google Shopping / Custom product"),
    "variant_image": ("Variant Image", "Variant image URL"),
    "weight_unit": ("Variant Weight Unit", "Weight unit for display"),
    "tax_code": ("Variant Tax Code", "Tax code"),
    "cost": ("Cost per item", "Cost per item"),
    "status": ("Status", "Status"),
}

SEO_TITLE_LIMIT = 70
SEO_DESCRIPTION_LIMIT = 320
ALT_TEXT_LIMIT = 512
MAX_OPTIONS = 3
FILE_LIMIT = 15_000_000  # [2nd] in the reference sheet: warn, do not refuse
_DISPLAY_UNITS = {"gram": "g", "g": "g", "kilogram": "kg", "kg": "kg", "pound": "lb",
                  "lb": "lb", "ounce": "oz", "oz": "oz"}  # fmt: skip

FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec(
        "handle",
        "URL handle",
        "handle",
        help="Empty: made from the title, model code or SKU. Once published, a product keeps "
        "its handle.",
    ),
    FieldSpec("vendor", "Vendor", "brand"),
    FieldSpec("type", "Type", "product_type", help="Empty: the product's family."),
    FieldSpec("tags", "Tags", "@tags"),
    FieldSpec("product_category", "Product category (Shopify taxonomy path)", None),
    FieldSpec("price", "Price (regular)", "price", required=True),
    FieldSpec("sale_price", "Sale price", "sale_price"),
    FieldSpec("cost", "Cost per item", "cost"),
    FieldSpec("barcode", "Barcode", "gtin"),
    FieldSpec("weight", "Weight", "weight"),
    FieldSpec("stock", "Inventory quantity", "stock"),
    FieldSpec("seo_title", "SEO title", "seo_title", max_length=SEO_TITLE_LIMIT),
    FieldSpec("seo_description", "SEO description", "seo_description",
              max_length=SEO_DESCRIPTION_LIMIT),
    FieldSpec("google_product_category", "Google product category", "google_product_category"),
    FieldSpec("gender", "Google gender", "gender"),
    FieldSpec("age_group", "Google age group", "age_group"),
    FieldSpec("mpn", "MPN", "mpn"),
    FieldSpec("condition", "Google condition", "condition"),
    *IMAGE_URL_FIELDS,
)  # fmt: skip


def _bool(value: bool) -> str:
    return "TRUE" if value else "FALSE"


class ShopifyCsvExporter(FileExporter, IncrementalFeed):
    """Shopify product CSV; see the module docstring for the format and the policies."""

    name = "shopify_csv"
    label = "Shopify product CSV"
    description = "A products.csv for Shopify's importer, images beside it."
    rendition_profile = "shopify"
    settings_spec = (
        OUTPUT_SETTING,
        BASE_URL_SETTING,
        SettingSpec(
            "header_set",
            "Header set",
            "choice",
            default="legacy",
            choices=("legacy", "new"),
            help="legacy: the 48 columns of Shopify's sample; new: the 57 current columns.",
        ),
        SettingSpec("file_name", "File name", "text", default="products.csv"),
        SettingSpec(
            "continue_selling",
            "Continue selling when out of stock",
            "bool",
            default=False,
        ),
    )
    fields_spec = FIELDS
    # Shopify's importer never deletes or hides a product missing from the file: a
    # withdrawn product is written as its rows with Status draft (see the module docstring)
    withdraws_in_feed = True
    withdrawal_rows = "Status draft, Published FALSE"
    # Shopify matches rows to products by handle: a published handle never changes
    claims_stick = True

    # -- settings --------------------------------------------------------------------

    _header_set: tuple[object, str] | None = None
    _columns: tuple[str, dict[str, int]] | None = None

    @property
    def header_set(self) -> str:
        raw = self.settings.get("header_set")
        if self._header_set is not None and self._header_set[0] == raw:
            return self._header_set[1]  # asked for on every row: checked once
        value = str(raw or "legacy").strip().lower()
        if value not in ("legacy", "new"):
            from pimdesk.errors import ValidationError

            raise ValidationError(
                f"unknown header set {value!r}",
                where="setting 'header_set'",
                hint="use legacy or new",
            )
        self._header_set = (raw, value)
        return value

    @property
    def header(self) -> tuple[str, ...]:
        return LEGACY_HEADER if self.header_set == "legacy" else NEW_HEADER

    # -- validation ------------------------------------------------------------------

    def validate(self, listings: Sequence[Listing]) -> list[Issue]:
        issues: list[Issue] = []
        for group in group_listings(listings):
            if len(group.axis_codes) > MAX_OPTIONS:
                for listing in group.variants:
                    issues.append(
                        Issue(
                            listing.sku,
                            "axes",
                            f"Shopify allows {MAX_OPTIONS} options, this product has "
                            f"{len(group.axis_codes)} ({', '.join(group.axis_codes)})",
                        )
                    )
            seen: dict[tuple[str, ...], str] = {}
            for listing in group.variants:
                combo = tuple(listing.axes.get(c, "") for c in group.axis_codes)
                if combo in seen and not group.is_simple:
                    issues.append(
                        Issue(
                            listing.sku,
                            "axes",
                            f"same option values as {seen[combo]} "
                            f"({', '.join(combo) or 'none'}); Shopify needs unique combinations",
                        )
                    )
                seen.setdefault(combo, listing.sku)
                issues.extend(
                    self.memo.get(
                        "issues", listing, None, lambda i=listing: self._listing_issues(i)
                    )
                )
        return issues

    def _listing_issues(self, listing: Listing) -> list[Issue]:
        regular = money(self._get(listing, "price"), listing.currency)
        sale = money(self._get(listing, "sale_price"), listing.currency)
        issues: list[Issue] = []
        if regular is None:
            issues.append(Issue(listing.sku, "price", "no price; Shopify would sell it for 0.00"))
        issues.extend(price_issues(listing, regular, sale))
        free_text = {
            "title": listing.parent_title or listing.title,
            "description": listing.description,
            "vendor": text(self._get(listing, "vendor")),
            "type": text(self._get(listing, "type")),
            "tags": ", ".join(text_list(self._get(listing, "tags"))),
            "seo_title": text(self._get(listing, "seo_title")),
            "seo_description": text(self._get(listing, "seo_description")),
            "mpn": text(self._get(listing, "mpn")),
            **{f"axis {code}": value for code, value in listing.axes.items()},
            **{f"image {i.filename} alt text": i.alt_text for i in listing.images},
        }
        issues.extend(formula_issues(listing, free_text, "Shopify"))
        if len(free_text["vendor"]) == 1:
            issues.append(
                Issue(listing.sku, "vendor", "Shopify wants at least 2 characters", False)
            )
        for name, limit in (("seo_title", SEO_TITLE_LIMIT),
                            ("seo_description", SEO_DESCRIPTION_LIMIT)):  # fmt: skip
            if len(free_text[name]) > limit:
                issues.append(
                    Issue(listing.sku, name, f"longer than {limit} characters; cut", False)
                )
        issues.extend(self.image_name_issues(listing))
        return issues

    # -- rows ------------------------------------------------------------------------

    def _handle_base(self, group: ProductGroup) -> str:
        """The handle a group asks for, before it is made unique among groups."""
        mapped = text(self._get(group.first, "handle"))
        handle = slugify(mapped or group.title) or slugify(group.first.parent_code or "")
        return handle or slugify(group.first.sku) or "product"

    def _handle(self, group: ProductGroup, used: set[str]) -> str:
        return unique_claim(self._handle_base(group), used)

    def _variant_row(self, listing: Listing, group: ProductGroup, image_url: str) -> dict[str, str]:
        get = self._get
        regular = money(get(listing, "price"), listing.currency)
        sale = money(get(listing, "sale_price"), listing.currency)
        on_sale = sale is not None and regular is not None and Decimal(0) <= sale < regular
        weight_value = get(listing, "weight")
        weight = grams(weight_value)
        unit = "g"
        if isinstance(weight_value, dict):
            unit = _DISPLAY_UNITS.get(str(weight_value.get("unit", "")).lower(), "g")
        stock = integer(get(listing, "stock"))
        new = self.header_set == "new"
        continue_selling = bool(self.settings.get("continue_selling"))
        policy = "continue" if continue_selling else "deny"
        row = {
            "sku": listing.sku,
            "grams": "" if weight is None else str(int(weight.to_integral_value())),
            "inventory_tracker": "" if stock is None else "shopify",
            "inventory_qty": "" if stock is None else str(stock),
            "inventory_policy": policy.upper() if new else policy,
            "fulfillment": "manual",
            "price": "" if regular is None else decimal_text(sale if on_sale else regular),
            "compare_at": decimal_text(regular) if on_sale and regular is not None else "",
            "requires_shipping": _bool(True),
            "taxable": _bool(True),
            "barcode": text(get(listing, "barcode")).replace(" ", ""),
            "variant_image": image_url,
            "weight_unit": unit if weight is not None else "",
            "cost": "",
        }
        cost = money(get(listing, "cost"), listing.currency)
        if cost is not None:
            row["cost"] = decimal_text(cost)
        if group.is_simple:
            row["option1_value"] = "Default Title"
        else:
            for index, code in enumerate(group.axis_codes[:MAX_OPTIONS], start=1):
                row[f"option{index}_value"] = listing.axes.get(code, "")
        return row

    def _product_fields(self, group: ProductGroup, handle: str) -> dict[str, str]:
        first = group.first
        get = self._get
        new = self.header_set == "new"
        product_type = text(get(first, "type")) or (first.family or "")
        status = "active" if first.enabled else "draft"
        fields = {
            "title": group.title,
            "body": first.description,
            "vendor": text(get(first, "vendor")),
            "product_category": text(get(first, "product_category")),
            "type": product_type,
            "tags": ", ".join(text_list(get(first, "tags"))),
            "published": _bool(first.enabled),
            "gift_card": _bool(False),
            "seo_title": truncate(text(get(first, "seo_title")), SEO_TITLE_LIMIT),
            "seo_description": truncate(text(get(first, "seo_description")), SEO_DESCRIPTION_LIMIT),
            "google_category": text(get(first, "google_product_category")),
            "gender": text(get(first, "gender")),
            "age_group": text(get(first, "age_group")),
            "mpn": text(get(first, "mpn")),
            "condition": text(get(first, "condition")),
            "status": status.capitalize() if new else status,
        }
        if group.is_simple:
            fields["option1_name"] = "Title"
        else:
            for index, code in enumerate(group.axis_codes[:MAX_OPTIONS], start=1):
                fields[f"option{index}_name"] = axis_label(code)
        return fields

    def _key_to_col(self) -> dict[str, int]:
        header_set = self.header_set
        if self._columns is None or self._columns[0] != header_set:
            column = 0 if header_set == "legacy" else 1
            index = {name: i for i, name in enumerate(self.header)}
            self._columns = (
                header_set,
                {key: index[names[column]] for key, names in _COLUMNS.items()},
            )
        return self._columns[1]

    def rows(self, groups: Sequence[ProductGroup], urls: Mapping[int, str]) -> list[list[str]]:
        """The CSV rows of ``groups``; ``urls`` maps an image's version id to its URL."""
        key_to_col = self._key_to_col()
        rows: list[list[str]] = []
        used: set[str] = set()
        for group in groups:
            rows.extend(self._group_rows(group, self._handle(group, used), urls, key_to_col))
        return rows

    def _group_rows(
        self,
        group: ProductGroup,
        handle: str,
        urls: Mapping[int, str],
        key_to_col: Mapping[str, int],
    ) -> list[list[str]]:
        """The rows of one group under its (already unique) handle."""
        images = group.images()
        row_dicts: list[dict[str, str]] = []
        shape = (group.is_simple, tuple(group.axis_codes))
        # no photo of its own: the image URLs it came with (an import) are what Shopify gets
        external, variant_external = self.external_images(group)
        for number, listing in enumerate(group.variants):
            own = main_image(listing)
            url = urls.get(own.version_id, "") if own is not None else variant_external[number]
            values = dict(
                self.memo.get(
                    "variant",
                    listing,
                    (url, shape),
                    lambda i=listing, u=url, g=group: self._variant_row(i, g, u),
                )
            )
            if number == 0:
                values.update(
                    self.memo.get(
                        "product",
                        listing,
                        (handle, shape),
                        lambda h=handle, g=group: self._product_fields(g, h),
                    )
                )
            row_dicts.append(values)
        gallery = [(urls.get(i.version_id, ""), i.alt_text) for i in images]
        gallery += [(address, "") for address in external]
        for position, (address, alt_text) in enumerate(gallery, start=1):
            if position > len(row_dicts):
                row_dicts.append({})
            row_dicts[position - 1].update(
                {
                    "image_src": address,
                    "image_position": str(position),
                    "image_alt": truncate(alt_text, ALT_TEXT_LIMIT),
                }
            )
        rows: list[list[str]] = []
        width = len(self.header)
        handle_col = key_to_col["handle"]
        for values in row_dicts:
            row = [""] * width
            row[handle_col] = handle
            for key, value in values.items():
                row[key_to_col[key]] = value
            rows.append(row)
        return rows

    # -- incremental feed (IncrementalFeed) ------------------------------------------

    def plan_group(self, listings: Sequence[Listing]) -> GroupPlan:
        group = self.product_group(listings)
        return self.group_plan(group, claim=self._handle_base(group))

    def render_group(self, listings: Sequence[Listing], context: GroupContext) -> Piece:
        group = self.product_group(listings)
        key_to_col = self._key_to_col()
        rows = self._group_rows(group, context.claim, context.urls, key_to_col)
        sku_col = key_to_col["sku"]
        remote = {row[sku_col]: context.claim for row in rows if row[sku_col]}
        return Piece(csv_rows_bytes(rows, len(self.header)), remote)

    def feed_head(self, shape: int = 0) -> bytes:
        return csv_bytes(self.header, [])

    def feed_warnings(self, size: int) -> list[str]:
        return self._size_warnings(self.feed_name(), size)

    def _size_warnings(self, file_name: str, size: int) -> list[str]:
        if size <= FILE_LIMIT:
            return []
        return [
            f"{file_name} is {size / 1e6:.1f} MB; Shopify's importer is said to take "
            "15 MB at most: import it in parts or publish fewer products to this channel"
        ]

    # -- publish ---------------------------------------------------------------------

    def publish(
        self,
        listings: Sequence[Listing],
        withdrawn: Sequence[str],
        progress: Progress,
        cancel: CancelToken,
    ) -> PublishResult:
        result = PublishResult()
        header = self.header  # checks the setting before anything is written
        out = self.output_folder()
        base = self.base_url(out)
        ok = self.publishable(listings, result)
        groups = group_listings(ok)
        urls: dict[int, str] = {}
        total = len(groups)
        for done, group in enumerate(groups, start=1):
            self.check_cancel(cancel)
            for image in group.images():
                if image.version_id not in urls:
                    urls[image.version_id] = url_for(
                        base, out.image_name(image.filename, image.file)
                    )
            self.report(progress, done, total)
        rows = self.rows(groups, urls)
        file_name = str(self.settings.get("file_name") or "products.csv")
        data = csv_bytes(header, rows)
        result.warnings.extend(self._size_warnings(file_name, len(data)))
        out.add_document(file_name, data)
        self.check_cancel(cancel)
        result.files = out.commit(cancel)
        self.memo.rotate()
        legacy = self.header_set == "legacy"
        sku_col = header.index("Variant SKU" if legacy else "SKU")
        handle_col = header.index("Handle" if legacy else "URL handle")
        for row in rows:
            sku, handle = row[sku_col], row[handle_col]
            if sku:
                result.remote_ids[sku] = handle
        return result
