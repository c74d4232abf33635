"""Google Merchant Center product feed: XML (RSS 2.0) and/or TSV (reference sheet §3).

One item per variant (per sellable product), ``item_group_id`` = the product model code for
variants. Setting ``format`` = ``xml`` (``products.xml``), ``tsv`` (``products.tsv``) or
``both``. The XML is built with lxml: root ``rss version="2.0"`` declaring
``xmlns:g="http://base.google.com/ns/1.0"``, attributes as ``g:`` elements, repeated
``g:additional_image_link`` elements; text is escaped by the builder and characters XML
cannot hold are dropped, so ``]]>``, ``<script>`` or control characters never break it.
The TSV has the English attribute names as its first row, TAB-separated UTF-8 without BOM,
no TAB, CR or LF inside a value, additional image links comma-joined.

Limits applied: id ≤ 50 (longer blocks the item), title ≤ 150 and description ≤ 5000 plain
text (HTML stripped; longer is cut with a warning), ≤ 10 additional images, brand/mpn ≤ 70,
color/size ≤ 100. Prices are ``30.00 USD``; availability comes from stock (no stock value =
not tracked = ``in_stock``). GTINs must pass the GS1 check (§7); an ISBN-10 is sent as its
ISBN-13; restricted and coupon ranges give a warning. ``identifier_exists`` is ``no`` when
there is no GTIN and not both brand and MPN. Image URLs are base_url + file name, ASCII,
``,`` encoded as ``%2C``.

**Formula injection policy**: the TSV is a channel import file and Google documents no
un-escaping, so we never prefix ``'``; when a TSV is written, a free-text value that starts
with a formula trigger blocks the item with an Issue. The XML needs no such rule.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from lxml import etree

from pimdesk.catalog.gtin import normalize_gtin
from pimdesk.channels.api import (
    CancelToken,
    FieldSpec,
    Issue,
    Listing,
    Progress,
    PublishResult,
    SettingSpec,
)
from pimdesk.channels.exporters._base import FileExporter
from pimdesk.channels.exporters._common import (
    BASE_URL_SETTING,
    OUTPUT_SETTING,
    decimal_text,
    formula_issues,
    gtin_digits,
    integer,
    main_image,
    money,
    price_issues,
    slugify,
    strip_html,
    text,
    truncate,
    variant_title,
)
from pimdesk.channels.output import OutputFolder, one_line, url_for, xml_text
from pimdesk.errors import PimdeskError, ValidationError

G_NS = "http://base.google.com/ns/1.0"
ID_LIMIT = 50
TITLE_LIMIT = 150
DESCRIPTION_LIMIT = 5000
URL_LIMIT = 2000
MAX_ADDITIONAL_IMAGES = 10
SHORT_LIMITS = {"brand": 70, "mpn": 70, "color": 100, "size": 100}
_GROUP_ID = re.compile(r"^[A-Za-z0-9_-]{1,50}$")

# TSV column order: the sheet's worked example first, then the optional extras.
COLUMNS: tuple[str, ...] = (
    "id", "title", "description", "link", "image_link", "additional_image_link",
    "availability", "price", "sale_price", "brand", "gtin", "mpn", "identifier_exists",
    "condition", "item_group_id", "color", "size", "gender", "age_group",
    "google_product_category",
)  # fmt: skip
REQUIRED = ("id", "title", "description", "link", "image_link", "availability", "price")

FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("price", "Price (regular)", "price", required=True),
    FieldSpec("sale_price", "Sale price", "sale_price"),
    FieldSpec("stock", "Stock (for availability)", "stock"),
    FieldSpec("brand", "Brand", "brand", max_length=70),
    FieldSpec("gtin", "GTIN", "gtin"),
    FieldSpec("mpn", "MPN", "mpn", max_length=70),
    FieldSpec("condition", "Condition", "condition", help="Empty: new."),
    FieldSpec("google_product_category", "Google product category", "google_product_category"),
    FieldSpec("color", "Color", "color", max_length=100),
    FieldSpec("size", "Size", "size", max_length=100),
    FieldSpec("gender", "Gender", "gender"),
    FieldSpec("age_group", "Age group", "age_group"),
    FieldSpec("link", "Landing page URL", None, help="Empty: made from link_template."),
    FieldSpec("handle", "Handle in the landing page URL", None, help="Empty: the title, slugged."),
)


class GoogleMerchantExporter(FileExporter):
    """Google Merchant Center feed; see the module docstring."""

    name = "google_merchant"
    label = "Google Merchant Center feed"
    description = "products.xml (RSS 2.0) and/or products.tsv for Merchant Center."
    rendition_profile = "google"
    min_image_size = 100
    max_images = 1 + MAX_ADDITIONAL_IMAGES
    settings_spec = (
        OUTPUT_SETTING,
        BASE_URL_SETTING,
        SettingSpec("format", "Format", "choice", default="xml", choices=("xml", "tsv", "both")),
        SettingSpec(
            "shop_url",
            "Shop URL",
            "url",
            required=True,
            help="Your web shop, e.g. https://shop.example.com (the landing pages' site).",
        ),
        SettingSpec(
            "link_template",
            "Landing page template",
            "text",
            default="{shop_url}/products/{handle}?variant={sku}",
            help="Placeholders: {shop_url} {handle} {sku} {parent}.",
        ),
        SettingSpec("feed_title", "Feed title", "text", default="Products"),
    )
    fields_spec = FIELDS

    # -- settings --------------------------------------------------------------------

    @property
    def formats(self) -> tuple[str, ...]:
        value = str(self.settings.get("format") or "xml").strip().lower()
        if value not in ("xml", "tsv", "both"):
            raise ValidationError(
                f"unknown format {value!r}", where="setting 'format'", hint="use xml, tsv or both"
            )
        return ("xml", "tsv") if value == "both" else (value,)

    @property
    def shop_url(self) -> str:
        return str(self.settings.get("shop_url") or "").strip().rstrip("/")

    def link(self, listing: Listing) -> str:
        mapped = text(self._get(listing, "link"))
        if mapped:
            return mapped
        template = str(self.settings.get("link_template") or "") or (
            "{shop_url}/products/{handle}?variant={sku}"
        )
        handle = slugify(
            text(self._get(listing, "handle")) or listing.parent_title or listing.title
        ) or slugify(listing.sku)
        try:
            return template.format(
                shop_url=self.shop_url,
                handle=handle,
                sku=_quote(listing.sku),
                parent=_quote(listing.parent_code or listing.sku),
            )
        except (KeyError, IndexError, ValueError) as exc:
            raise ValidationError(
                f"link_template {template!r} cannot be filled: {exc}",
                where="setting 'link_template'",
                hint="use only {shop_url} {handle} {sku} {parent}",
            ) from exc

    # -- items -----------------------------------------------------------------------

    def item(self, listing: Listing, image_urls: Sequence[str]) -> dict[str, Any]:
        """The attributes of one item; ``additional_image_link`` is a list."""
        get = self._get
        regular = money(get(listing, "price"), listing.currency)
        sale = money(get(listing, "sale_price"), listing.currency)
        stock = integer(get(listing, "stock"))
        gtin = isbn13(gtin_digits(get(listing, "gtin")))
        brand = truncate(text(get(listing, "brand")), SHORT_LIMITS["brand"])
        mpn = truncate(text(get(listing, "mpn")), SHORT_LIMITS["mpn"])
        values: dict[str, Any] = {
            "id": listing.sku,
            "title": truncate(variant_title(listing), TITLE_LIMIT),
            "description": truncate(strip_html(listing.description), DESCRIPTION_LIMIT),
            "link": self.link(listing),
            "image_link": image_urls[0] if image_urls else "",
            "additional_image_link": list(image_urls[1 : 1 + MAX_ADDITIONAL_IMAGES]),
            "availability": "out_of_stock" if stock is not None and stock <= 0 else "in_stock",
            "price": _price(regular, listing.currency),
            "sale_price": (
                _price(sale, listing.currency)
                if sale is not None and regular is not None and Decimal(0) <= sale < regular
                else ""
            ),
            "brand": brand,
            "gtin": gtin,
            "mpn": mpn,
            "identifier_exists": "" if gtin or (brand and mpn) else "no",
            "condition": text(get(listing, "condition")).lower() or "new",
            "item_group_id": listing.parent_code or "",
            "color": truncate(text(get(listing, "color")), SHORT_LIMITS["color"]),
            "size": truncate(text(get(listing, "size")), SHORT_LIMITS["size"]),
            "gender": text(get(listing, "gender")),
            "age_group": text(get(listing, "age_group")),
            "google_product_category": text(get(listing, "google_product_category")),
        }
        return values

    # -- validation ------------------------------------------------------------------

    def validate(self, listings: Sequence[Listing]) -> list[Issue]:
        issues: list[Issue] = []
        base = str(self.settings.get("base_url") or "")
        http_images = base.lower().startswith(("http://", "https://"))
        seen: dict[str, str] = {}
        tsv = "tsv" in self.formats
        for listing in listings:
            sku = listing.sku
            if len(sku) > ID_LIMIT:
                issues.append(Issue(sku, "id", f"longer than {ID_LIMIT} characters"))
            if sku in seen:
                issues.append(Issue(sku, "id", "appears twice; ids must be unique"))
            seen[sku] = sku
            if not strip_html(listing.description):
                issues.append(Issue(sku, "description", "is empty; Google requires one"))
            if len(strip_html(listing.description)) > DESCRIPTION_LIMIT:
                issues.append(
                    Issue(sku, "description", f"longer than {DESCRIPTION_LIMIT}; cut", False)
                )
            if len(variant_title(listing)) > TITLE_LIMIT:
                issues.append(Issue(sku, "title", f"longer than {TITLE_LIMIT}; cut", False))
            if main_image(listing) is None:
                issues.append(Issue(sku, "image_link", "no image; Google requires one"))
            elif not http_images:
                issues.append(
                    Issue(
                        sku,
                        "image_link",
                        "base_url is not an http(s) URL; Google cannot fetch the images",
                    )
                )
            if not self.shop_url.lower().startswith(("http://", "https://")):
                issues.append(
                    Issue(sku, "link", "shop_url is not set to an http(s) URL; no landing page")
                )
            else:
                try:
                    link = self.link(listing)
                except PimdeskError as exc:
                    issues.append(Issue(sku, "link", exc.message))
                else:
                    if len(link) > URL_LIMIT:
                        issues.append(Issue(sku, "link", f"longer than {URL_LIMIT} characters"))
            regular = money(self._get(listing, "price"), listing.currency)
            sale = money(self._get(listing, "sale_price"), listing.currency)
            if regular is None:
                issues.append(Issue(sku, "price", "no price; Google requires one"))
            issues.extend(price_issues(listing, regular, sale))
            issues.extend(self._gtin_issues(listing))
            if listing.parent_code and not _GROUP_ID.match(listing.parent_code):
                issues.append(
                    Issue(
                        sku,
                        "item_group_id",
                        f"{listing.parent_code!r} must be 1-50 letters, digits, _ or -",
                    )
                )
            for name, limit in SHORT_LIMITS.items():
                if len(text(self._get(listing, name))) > limit:
                    issues.append(Issue(sku, name, f"longer than {limit}; cut", False))
            if len(listing.images) > 1 + MAX_ADDITIONAL_IMAGES:
                issues.append(
                    Issue(
                        sku,
                        "additional_image_link",
                        f"{len(listing.images) - 1} extra images; the first "
                        f"{MAX_ADDITIONAL_IMAGES} are sent",
                        False,
                    )
                )
            if tsv:
                free = {
                    "title": variant_title(listing),
                    "description": strip_html(listing.description),
                    "brand": text(self._get(listing, "brand")),
                    "mpn": text(self._get(listing, "mpn")),
                    "color": text(self._get(listing, "color")),
                    "size": text(self._get(listing, "size")),
                }
                issues.extend(formula_issues(listing, free, "Google TSV"))
            issues.extend(self.image_name_issues(listing))
        return issues

    def _gtin_issues(self, listing: Listing) -> list[Issue]:
        raw = self._get(listing, "gtin")
        if raw in (None, ""):
            return []
        try:
            digits = normalize_gtin(isbn13(gtin_digits(raw)))
        except PimdeskError as exc:
            return [Issue(listing.sku, "gtin", exc.message)]
        if len(digits) == 13 and (digits.startswith(("02", "04", "2"))):
            return [Issue(listing.sku, "gtin", "is in a restricted (in-store) range", False)]
        if len(digits) == 13 and digits.startswith(("05", "98", "99")):
            return [Issue(listing.sku, "gtin", "is in a coupon range", False)]
        return []

    # -- writing ---------------------------------------------------------------------

    def xml_bytes(self, items: Sequence[dict[str, Any]]) -> bytes:
        rss = etree.Element("rss", nsmap={"g": G_NS})
        rss.set("version", "2.0")
        channel = etree.SubElement(rss, "channel")
        etree.SubElement(channel, "title").text = xml_text(
            self.settings.get("feed_title") or "Products"
        )
        etree.SubElement(channel, "link").text = xml_text(self.shop_url)
        etree.SubElement(channel, "description").text = xml_text(
            f"{self.settings.get('feed_title') or 'Products'} feed by pimdesk"
        )
        for values in items:
            item = etree.SubElement(channel, "item")
            for name in COLUMNS:
                value = values.get(name)
                for one in value if isinstance(value, list) else [value]:
                    if one:
                        etree.SubElement(item, f"{{{G_NS}}}{name}").text = xml_text(one)
        return etree.tostring(rss, xml_declaration=True, encoding="UTF-8", pretty_print=True)

    def tsv_bytes(self, items: Sequence[dict[str, Any]]) -> bytes:
        columns = [c for c in COLUMNS if c in REQUIRED or any(values.get(c) for values in items)]
        lines = ["\t".join(columns)]
        for values in items:
            cells = []
            for name in columns:
                value = values.get(name)
                if isinstance(value, list):
                    value = ",".join(value)
                cells.append(one_line(value))
            lines.append("\t".join(cells))
        return ("\n".join(lines) + "\n").encode("utf-8")

    def publish(
        self,
        listings: Sequence[Listing],
        withdrawn: Sequence[str],
        progress: Progress,
        cancel: CancelToken,
    ) -> PublishResult:
        result = PublishResult()
        formats = self.formats
        out: OutputFolder = self.output_folder()
        base = self.base_url(out)
        ok = self.publishable(listings, result)
        items: list[dict[str, Any]] = []
        for done, listing in enumerate(ok, start=1):
            self.check_cancel(cancel)
            ordered = sorted(listing.images, key=lambda i: i.position)
            main = main_image(listing)
            if main is not None:
                ordered = [main, *[i for i in ordered if i is not main]]
            urls = [url_for(base, out.image_name(i.filename, i.file)) for i in ordered]
            items.append(self.item(listing, urls))
            result.remote_ids[listing.sku] = listing.sku
            self.report(progress, done, len(ok))
        if "xml" in formats:
            out.add_document("products.xml", self.xml_bytes(items))
        if "tsv" in formats:
            out.add_document("products.tsv", self.tsv_bytes(items))
        result.files = out.commit(cancel)
        return result


def isbn13(code: str) -> str:
    """An ISBN-10 (valid check character) as the ISBN-13 Google wants; anything else as is.

    A 10-character code is never a GTIN, so the conversion is unambiguous. (UPC-E is not
    expanded: its 8 digits cannot be told apart from an EAN-8.)"""
    if len(code) != 10 or not code[:9].isdigit() or code[9] not in "0123456789Xx":
        return code
    total = sum((10 - i) * int(c) for i, c in enumerate(code[:9]))
    check = 10 if code[9] in "Xx" else int(code[9])
    if (total + check) % 11:
        return code
    body = "978" + code[:9]
    weights = sum(int(c) * (3 if i % 2 else 1) for i, c in enumerate(body))
    return body + str((10 - weights % 10) % 10)


def _price(amount: Decimal | None, currency: str) -> str:
    return "" if amount is None else f"{decimal_text(amount)} {currency.upper()}"


def _quote(value: str) -> str:
    from urllib.parse import quote

    return quote(value, safe="-._~")
