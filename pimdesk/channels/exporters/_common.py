"""What several built-in exporters need from a listing: fields, money, weights, groups.

Exporters read channel fields through :func:`field` so the field map decides what fills
them; when a listing carries no mapped value for a field (a listing built by hand, an older
publishing service), the field's ``default_source`` is resolved here the same way, so an
exporter never hard-codes an attribute code.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dc_field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from pimdesk.catalog.gtin import is_valid_gtin
from pimdesk.channels.api import FieldSpec, Issue, Listing, ListingImage, SettingSpec
from pimdesk.channels.output import FORMULA_TRIGGERS, starts_with_formula

OUTPUT_SETTING = SettingSpec(
    "output",
    "Output folder",
    "path",
    required=True,
    help="The folder the files go to (made when added or set).",
)
BASE_URL_SETTING = SettingSpec(
    "base_url",
    "Image base URL",
    "url",
    help="Public URL of the output folder (where you sync it to); image URL = base_url + file "
    "name. Empty: file:// URLs of the output folder, fine for a local look only.",
)


# --------------------------------------------------------------------------- fields


def spec_by_name(specs: Iterable[FieldSpec], name: str) -> FieldSpec | None:
    return next((s for s in specs if s.name == name), None)


def resolve_source(listing: Listing, source: str | None) -> Any:
    """The value a field-map source names: an attribute code or an ``@property``."""
    if not source:
        return None
    if source.startswith("@"):
        prop = source[1:]
        if prop == "family":
            return listing.family
        if prop == "sku":
            return listing.sku
        if prop == "parent":
            return listing.parent_code
        if prop == "title":
            return listing.title
        if prop == "category_path":
            return listing.categories[0] if listing.categories else None
        if prop == "categories":
            return list(listing.categories)
        if prop == "tags":
            return listing.values.get("tags") or listing.fields.get("tags")
        return None
    return listing.values.get(source)


def field(
    listing: Listing, specs: Iterable[FieldSpec] | Mapping[str, str | None], name: str
) -> Any:
    """A channel field: the mapped value if the listing has one, else its default source.

    ``specs`` is the exporter's ``fields_spec`` or, faster, :func:`sources` of it."""
    fields = listing.fields
    if name in fields:
        return fields[name]
    if isinstance(specs, Mapping):
        return resolve_source(listing, specs.get(name))
    spec = spec_by_name(specs, name)
    return resolve_source(listing, spec.default_source if spec else None)


def sources(specs: Iterable[FieldSpec]) -> dict[str, str | None]:
    """Field name -> default source, for :func:`field`."""
    return {spec.name: spec.default_source for spec in specs}


def text(value: Any) -> str:
    """A value as display text: lists joined with ``", "``, dicts by their amount/label."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, list | tuple | set):
        return ", ".join(text(v) for v in value if text(v))
    if isinstance(value, Mapping):
        for key in ("label", "amount", "value", "code"):
            if key in value:
                return text(value[key])
        return ""
    return str(value).strip()


def text_list(value: Any) -> list[str]:
    """Tags and other lists: a list value, or a comma-separated text."""
    if value is None:
        return []
    if isinstance(value, list | tuple | set):
        return [t for t in (text(v) for v in value) if t]
    return [t.strip() for t in str(value).split(",") if t.strip()]


# --------------------------------------------------------------------------- numbers


def money(value: Any, currency: str | None = None) -> Decimal | None:
    """A price as Decimal: ``"24.00"``, ``Decimal``, a number, ``{"amount": ..}`` or
    ``{"USD": ..}`` (the channel currency picked)."""
    if value is None or value == "":
        return None
    if isinstance(value, Mapping):
        if "amount" in value:
            return money(value["amount"])
        if currency and currency in value:
            return money(value[currency])
        return None
    if isinstance(value, list | tuple):
        for item in value:
            if isinstance(item, Mapping) and item.get("currency") in (currency, None):
                return money(item.get("amount"))
        return None
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return amount if amount.is_finite() else None


def decimal_text(amount: Decimal, places: int = 2) -> str:
    """A plain decimal with a dot and fixed places: ``24.00`` (never ``2.4E+1``)."""
    quantum = Decimal(1).scaleb(-places)
    return format(amount.quantize(quantum, rounding=ROUND_HALF_UP), "f")


_GRAMS_PER_UNIT = {
    "g": Decimal(1),
    "gram": Decimal(1),
    "kg": Decimal(1000),
    "kilogram": Decimal(1000),
    "mg": Decimal("0.001"),
    "milligram": Decimal("0.001"),
    "lb": Decimal("453.59237"),
    "pound": Decimal("453.59237"),
    "oz": Decimal("28.349523125"),
    "ounce": Decimal("28.349523125"),
    "t": Decimal(1_000_000),
    "ton": Decimal(1_000_000),
}


def grams(value: Any) -> Decimal | None:
    """A weight in grams: ``{"amount": "350", "unit": "GRAM"}``, or a bare number = grams."""
    if value is None or value == "":
        return None
    unit = "g"
    amount: Any = value
    if isinstance(value, Mapping):
        amount = value.get("amount")
        unit = str(value.get("unit") or "g")
    factor = _GRAMS_PER_UNIT.get(unit.strip().lower())
    if factor is None:
        return None
    number = money(amount)
    return None if number is None else number * factor


def integer(value: Any) -> int | None:
    number = money(value)
    return None if number is None else int(number.to_integral_value(rounding=ROUND_HALF_UP))


# --------------------------------------------------------------------------- text


def slugify(value: str) -> str:
    """Shopify's handle rule: ``a-z 0-9 -`` only (accents folded, everything else a dash)."""
    folded = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")


# the image URLs an import brought, published while a product has no photo in pimdesk
# (FileExporter.external_images)
IMAGE_URL_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("image_urls", "Image URLs (when the product has no photos)", "image_urls",
              help="Empty: none. http(s) URLs, one per line (a Shopify or WooCommerce "
              "import fills them); used only while the product has no photo in pimdesk."),
    FieldSpec("variant_image_url", "Variant image URL (when the product has no photos)",
              "variant_image_url", help="Empty: none."),
)  # fmt: skip


def external_urls(value: object) -> list[str]:
    """The http(s) URLs in a text of image URLs (one per line or space-separated, as an
    import stores them in ``image_urls``), in order, each once."""
    words = [text(v) for v in value] if isinstance(value, list | tuple) else text(value).split()
    return list(dict.fromkeys(w for w in words if w.lower().startswith(("http://", "https://"))))


def axis_label(code: str) -> str:
    """``color`` -> ``Color``, ``shoe_size`` -> ``Shoe size``."""
    words = code.replace("_", " ").replace("-", " ").strip()
    return words[:1].upper() + words[1:] if words else code


_TAGS = re.compile(r"<[^>]*>")
_BLOCK = re.compile(r"</?(p|div|br|li|ul|ol|h[1-6]|tr|table)\b[^>]*>", re.IGNORECASE)
_SCRIPT = re.compile(r"<(script|style)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)


def strip_html(value: str) -> str:
    """Plain text from HTML: scripts dropped, tags removed, entities decoded, spaces folded."""
    without_scripts = _SCRIPT.sub(" ", value)
    spaced = _BLOCK.sub(" ", without_scripts)
    plain = html.unescape(_TAGS.sub("", spaced))
    return re.sub(r"\s+", " ", plain).strip()


def truncate(value: str, limit: int) -> str:
    """At most ``limit`` characters, cut at a word boundary when one is near."""
    if len(value) <= limit:
        return value
    cut = value[: limit - 1]
    space = cut.rfind(" ")
    if space > limit * 0.7:
        cut = cut[:space]
    return cut.rstrip() + "…"


def variant_title(listing: Listing) -> str:
    """The product title naming the variant: ``Canvas Tote Bag - Natural``."""
    base = listing.parent_title or listing.title
    extra = [v for v in listing.axes.values() if v and v.lower() not in base.lower()]
    return f"{base} - {' / '.join(extra)}" if extra else base


def gtin_valid(code: str) -> bool:
    """GS1 check (reference sheet §7): digits only, 8/12/13/14 long, not all zeros."""
    return is_valid_gtin(code)


def gtin_digits(value: Any) -> str:
    return re.sub(r"[\s-]", "", text(value))


# --------------------------------------------------------------------------- groups


@dataclass
class ProductGroup:
    """The listings of one product model (or one simple product), in the order given."""

    key: str
    variants: list[Listing] = dc_field(default_factory=list)
    _images: list[ListingImage] | None = dc_field(default=None, repr=False, compare=False)

    @property
    def first(self) -> Listing:
        return self.variants[0]

    @property
    def is_simple(self) -> bool:
        return self.first.parent_code is None and not self.first.axes

    @property
    def title(self) -> str:
        return self.first.parent_title or self.first.title

    @property
    def axis_codes(self) -> list[str]:
        codes: list[str] = []
        for listing in self.variants:
            for code in listing.axes:
                if code not in codes:
                    codes.append(code)
        return codes

    def images(self) -> list[ListingImage]:
        """Every image of the product once (same asset version = same image), in gallery
        order: each variant's main image (variant order), then the other images."""
        if self._images is None:
            self._images = self._gallery()
        return self._images

    def _gallery(self) -> list[ListingImage]:
        seen: set[int] = set()
        result: list[ListingImage] = []
        mains = [main_image(listing) for listing in self.variants]
        others = [
            image
            for listing in self.variants
            for image in sorted(listing.images, key=lambda i: i.position)
        ]
        for image in [*mains, *others]:
            if image is not None and image.version_id not in seen:
                seen.add(image.version_id)
                result.append(image)
        return result


def group_key(listing: Listing) -> str:
    """The group of a listing: its product model, or the product itself."""
    return f"model:{listing.parent_code}" if listing.parent_code else f"sku:{listing.sku}"


def group_listings(listings: Sequence[Listing]) -> list[ProductGroup]:
    """Listings grouped by product model (``parent_code``), groups in first-seen order."""
    groups: dict[str, ProductGroup] = {}
    for listing in listings:
        key = group_key(listing)
        groups.setdefault(key, ProductGroup(key)).variants.append(listing)
    return list(groups.values())


def main_image(listing: Listing) -> ListingImage | None:
    images = sorted(listing.images, key=lambda i: i.position)
    for image in images:
        if image.role == "main":
            return image
    return images[0] if images else None


# --------------------------------------------------------------------------- checks


def formula_issues(listing: Listing, values: Mapping[str, Any], channel: str) -> list[Issue]:
    """Channel import files are not escaped (the importer would keep the ``'``); a free-text
    value that a spreadsheet would run as a formula blocks the listing instead (§8)."""
    issues: list[Issue] = []
    for name, value in values.items():
        if isinstance(value, str) and starts_with_formula(value, FORMULA_TRIGGERS):
            issues.append(
                Issue(
                    listing.sku,
                    name,
                    f"starts with {value[:1]!r}, which a spreadsheet opening the {channel} "
                    "file would run as a formula",
                    blocking=True,
                )
            )
    return issues


def price_issues(listing: Listing, regular: Decimal | None, sale: Decimal | None) -> list[Issue]:
    issues: list[Issue] = []
    if regular is not None and regular < 0:
        issues.append(Issue(listing.sku, "price", "is negative"))
    if sale is not None and regular is not None and sale >= regular:
        issues.append(
            Issue(
                listing.sku,
                "sale_price",
                f"{sale} is not below the regular price {regular}; it is left out",
                blocking=False,
            )
        )
    return issues
