"""Akeneo's column grammar: ``<attr>[-<locale>][-<channel>][-<currency>|-unit]``.

Examples: ``name-en_US``, ``description-en_US`` (shared by every channel),
``description-en_US-ecommerce`` (that channel's own, which wins there),
``seo_title-en_US-print``, ``price-USD``, ``weight`` + ``weight-unit``. The same grammar
names fields in ``pimdesk products set SKU name-en_US=...`` and in error messages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pimdesk.catalog.context import CatalogContext
from pimdesk.errors import ValidationError

# Columns that are product properties rather than attribute values.
PROPERTY_COLUMNS = (
    "code",
    "family",
    "family_variant",
    "parent",
    "categories",
    "enabled",
    "groups",
    "tags",
)
VALUE_PART = "value"
UNIT_PART = "unit"
_CODE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_LOCALE = re.compile(r"^[a-z]{2,3}_[A-Z]{2}$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")


@dataclass(frozen=True)
class ColumnKey:
    """What one column (or one ``set`` argument) addresses."""

    attribute: str
    locale: str | None = None
    channel: str | None = None
    part: str = VALUE_PART  # "value", "unit" (metric) or a currency code (price)

    @property
    def slot(self) -> tuple[str, str | None, str | None]:
        return (self.attribute, self.locale, self.channel)


class UnknownAttributeError(ValidationError):
    """A column names an attribute the catalog does not have."""

    def __init__(self, column: str, attribute: str):
        super().__init__(
            f"unknown attribute {attribute!r}",
            where=f"column {column!r}",
            hint="create the attribute first, or import with --create-attributes",
        )
        self.column = column
        self.attribute = attribute


def valid_code(code: str) -> bool:
    return bool(_CODE.match(code))


def column_name(
    attribute: str, locale: str | None = None, channel: str | None = None, part: str = VALUE_PART
) -> str:
    bits = [attribute]
    if locale:
        bits.append(locale)
    if channel:
        bits.append(channel)
    if part != VALUE_PART:
        bits.append(part)
    return "-".join(bits)


def guess_scope(column: str, context: CatalogContext) -> tuple[bool, bool]:
    """(localizable, scopable) for an attribute created from an unknown column."""
    tokens = column.split("-")[1:]
    localizable = any(t in context.locales or _LOCALE.match(t) for t in tokens)
    scopable = any(t in context.channels for t in tokens)
    return localizable, scopable


def parse_column(column: str, context: CatalogContext) -> ColumnKey:
    """Parse a header; ValidationError naming the column when it does not fit the attribute."""
    where = f"column {column!r}"
    tokens = column.strip().split("-")
    code = tokens[0]
    attribute = context.attributes.get(code)
    if attribute is None:
        if not valid_code(code):
            raise ValidationError(f"{column!r} is not a valid column name", where=where)
        raise UnknownAttributeError(column, code)
    locale = channel = None
    part = VALUE_PART
    for token in tokens[1:]:
        if attribute.type == "metric" and token == UNIT_PART and part == VALUE_PART:
            part = UNIT_PART
        elif attribute.type == "price" and _CURRENCY.match(token) and part == VALUE_PART:
            if token not in context.currencies:
                raise ValidationError(
                    f"currency {token} is not enabled in this catalog", where=where
                )
            part = token
        elif locale is None and channel is None and (token in context.locales):
            locale = token
        elif channel is None and token in context.channels:
            channel = token
        elif _LOCALE.match(token):
            raise ValidationError(f"locale {token} is not enabled in this catalog", where=where)
        else:
            raise ValidationError(
                f"{token!r} is not a locale, channel"
                + (", currency" if attribute.type == "price" else "")
                + (" or 'unit'" if attribute.type == "metric" else "")
                + f" of attribute {code}",
                where=where,
            )
    if attribute.localizable and locale is None:
        raise ValidationError(
            f"{code} is localizable: name the locale, e.g. "
            f"{column_name(code, context.default_locale)}",
            where=where,
        )
    if not attribute.localizable and locale is not None:
        raise ValidationError(f"{code} is not localizable: drop the locale", where=where)
    # a scopable attribute without a channel is its shared value (every channel without its
    # own value sees it): ``description-en_US`` is "the description"
    if not attribute.scopable and channel is not None:
        raise ValidationError(f"{code} is not scopable: drop the channel", where=where)
    return ColumnKey(code, locale, channel, part)
