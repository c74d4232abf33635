"""Validate one value for one attribute and return it in the stored (normalized) shape.

Stored shapes, the same as Akeneo's raw values so that exports and channels agree:

- identifier, text, textarea, gtin, simpleselect (option code), date (``YYYY-MM-DD``): str
- number: int when it has no decimals, else the decimal as a str (``"12.50"``)
- metric: ``{"amount": "350", "unit": "GRAM"}`` (amount a decimal str)
- price: ``[{"amount": "24.00", "currency": "USD"}, ...]`` sorted by currency
- boolean: bool; multiselect: list of option codes

Input may be what a spreadsheet cell holds (strings, numbers, dates) or already structured
data from the GUI. Every error is a :class:`ValidationError` whose ``where`` names the field.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from pimdesk.catalog.context import AttributeInfo
from pimdesk.catalog.gtin import normalize_gtin
from pimdesk.errors import ValidationError

# metric family -> unit code -> accepted spellings (lower case)
UNITS: dict[str, dict[str, tuple[str, ...]]] = {
    "Weight": {
        "MILLIGRAM": ("mg", "milligram", "milligrams"),
        "GRAM": ("g", "gr", "gram", "grams"),
        "KILOGRAM": ("kg", "kilogram", "kilograms", "kgs"),
        "OUNCE": ("oz", "ounce", "ounces"),
        "POUND": ("lb", "lbs", "pound", "pounds"),
    },
    "Length": {
        "MILLIMETER": ("mm", "millimeter", "millimetre"),
        "CENTIMETER": ("cm", "centimeter", "centimetre"),
        "METER": ("m", "meter", "metre"),
        "INCH": ("in", "inch", "inches", '"'),
    },
    "Volume": {
        "MILLILITER": ("ml", "milliliter", "millilitre"),
        "LITER": ("l", "liter", "litre", "liters", "litres"),
    },
}

TEXT_MAX_LENGTH = 255
TEXTAREA_MAX_LENGTH = 65_535
SKU_MAX_LENGTH = 255
_DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_TRUE = {"1", "true", "yes", "y", "on"}
_FALSE = {"0", "false", "no", "n", "off"}


def unit_code(metric_family: str, unit: object, *, field: str) -> str:
    """The canonical unit code for ``unit`` in the family, or ValidationError listing them."""
    units = UNITS.get(metric_family)
    if units is None:
        raise ValidationError(f"unknown metric family {metric_family!r}", where=field)
    known = _known_unit(metric_family, str(unit))
    if known is not None:
        return known
    raise ValidationError(
        f"unit {str(unit).strip()!r} is not a {metric_family} unit (use one of {', '.join(units)})",
        where=field,
    )


@functools.lru_cache(maxsize=512)
def _known_unit(metric_family: str, unit: str) -> str | None:
    units = UNITS.get(metric_family, {})
    text = unit.strip()
    if text.upper() in units:
        return text.upper()
    lowered = text.lower()
    for code, spellings in units.items():
        if lowered in spellings:
            return code
    return None


def validate_identifier(value: object, *, field: str = "sku") -> str:
    """A SKU: not empty, no path separators or control characters (it names files)."""
    if value is None:
        raise ValidationError("the identifier is empty", where=field)
    text = str(value).strip()
    if not text:
        raise ValidationError("the identifier is empty", where=field)
    if _CONTROL.search(text):
        raise ValidationError(f"identifier {text!r} contains a control character", where=field)
    if "/" in text or "\\" in text:
        raise ValidationError(
            f"identifier {text!r} contains a path separator ('/' or '\\')",
            where=field,
            hint="SKUs name files and folders; use '-' instead",
        )
    if text in {".", ".."}:
        raise ValidationError(f"identifier {text!r} is not allowed", where=field)
    if len(text) > SKU_MAX_LENGTH:
        raise ValidationError(
            f"identifier is {len(text)} characters long; the most is {SKU_MAX_LENGTH}", where=field
        )
    return text


def _decimal(value: object, *, field: str, what: str) -> Decimal:
    if type(value) is str:
        text = value.strip()
        if _DECIMAL.fullmatch(text):
            return Decimal(text)
        raise ValidationError(f"{text!r} is not a {what}", where=field, hint=_number_hint(text))
    if isinstance(value, (bool, dt.date, dt.datetime)):
        raise ValidationError(f"{value!s} is not a {what}", where=field)
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))
    else:
        text = str(value).strip()
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValidationError(f"{text!r} is not a {what}", where=field) from None
        if not _DECIMAL.fullmatch(text):
            raise ValidationError(f"{text!r} is not a {what}", where=field)
    if not number.is_finite():
        raise ValidationError(f"{value!r} is not a {what}", where=field)
    return number


_DECIMAL_COMMA = re.compile(r"[+-]?\d{1,3}(?:[.\s\u00a0\u202f]\d{3})*,\d+|[+-]?\d+,\d+")


def _number_hint(text: str) -> str:
    """What to type instead, for the spellings spreadsheets in many locales produce."""
    if re.fullmatch(r"[+-]?\d{1,3},\d{3}", text):  # 1,234: a decimal comma or thousands?
        return f"write {text.replace(',', '.')} or {text.replace(',', '')}, without a comma"
    if _DECIMAL_COMMA.fullmatch(text):
        fixed = re.sub(r"[.\s\u00a0\u202f]", "", text).replace(",", ".")
        return f"write numbers with a decimal point: {fixed}"
    if re.fullmatch(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?", text):
        return f"leave out the thousands separators: {text.replace(',', '')}"
    if re.search(r"\d", text) and re.search(r"[^\d.,+\-\s]", text):
        return "only the number goes in this column (no currency sign or unit)"
    return "write a number such as 12.50"


@functools.lru_cache(maxsize=256)
def _bound(value: str) -> Decimal:
    return Decimal(value)


@functools.lru_cache(maxsize=32)
def _quantum(decimals: int) -> Decimal:
    return Decimal(1).scaleb(-decimals)


def _check_range(number: Decimal, properties: Mapping[str, Any], *, field: str) -> None:
    low, high = properties.get("min"), properties.get("max")
    if low is not None and number < _bound(str(low)):
        raise ValidationError(f"{number} is below the minimum {low}", where=field)
    if high is not None and number > _bound(str(high)):
        raise ValidationError(f"{number} is above the maximum {high}", where=field)


def _check_decimals(number: Decimal, properties: Mapping[str, Any], *, field: str) -> Decimal:
    decimals = properties.get("decimals")
    if decimals is None:
        return number
    exponent = number.as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    if places > int(decimals) and number != number.quantize(_quantum(int(decimals))):
        if int(decimals) == 0:
            raise ValidationError(f"{number} must be a whole number", where=field)
        raise ValidationError(f"{number} has more than {decimals} decimals", where=field)
    return number


def _number(number: Decimal) -> int | str:
    if number == number.to_integral_value() and number.as_tuple().exponent == 0:
        return int(number)
    return format(number, "f")


def _text(attribute: AttributeInfo, value: object, *, field: str) -> str:
    text = str(value)
    default = TEXT_MAX_LENGTH if attribute.type == "text" else TEXTAREA_MAX_LENGTH
    limit = int(attribute.properties.get("max_length") or default)
    if len(text) > limit:
        raise ValidationError(
            f"is {len(text)} characters long; the most is {limit}",
            where=field,
            hint="shorten the text" if limit < TEXTAREA_MAX_LENGTH else None,
        )
    if attribute.type == "text" and ("\n" in text or "\r" in text):
        text = " ".join(text.split())
    pattern = attribute.properties.get("pattern")
    if pattern and not re.fullmatch(str(pattern), text):
        raise ValidationError(f"{text!r} does not match the pattern {pattern!r}", where=field)
    return text


def _option(attribute: AttributeInfo, value: object, *, field: str) -> str:
    text = str(value).strip()
    if text in attribute.options:
        return text
    lowered = text.lower()
    for code, labels in attribute.options.items():
        if code.lower() == lowered or any(
            str(label).lower() == lowered for label in labels.values()
        ):
            return code
    known = ", ".join(list(attribute.options)[:10]) or "none defined yet"
    raise ValidationError(f"{text!r} is not an option of {attribute.code} ({known})", where=field)


def _split_list(value: object) -> list[str]:
    if isinstance(value, (list, tuple, set)):
        return [str(v).strip() for v in value if str(v).strip()]
    return [part.strip() for part in str(value).split(",") if part.strip()]


def _price(
    attribute: AttributeInfo, value: object, currencies: Iterable[str], *, field: str
) -> list[dict[str, str]]:
    enabled = set(currencies)
    pairs: list[tuple[str, object]] = []
    if isinstance(value, Mapping) and "currency" in value:
        pairs.append((str(value["currency"]), value.get("amount")))
    elif isinstance(value, Mapping):
        pairs.extend((str(c), a) for c, a in value.items())
    elif isinstance(value, (list, tuple)):
        for item in value:
            if not isinstance(item, Mapping) or "currency" not in item:
                raise ValidationError(f"{item!r} is not a price", where=field)
            pairs.append((str(item["currency"]), item.get("amount")))
    else:
        # "24.00 USD, 20 EUR" or "24.00" (the only enabled currency)
        for part in str(value).split(","):
            bits = part.split()
            if len(bits) == 2:
                pairs.append((bits[1], bits[0]))
            elif len(bits) == 1 and len(enabled) == 1:
                pairs.append((next(iter(enabled)), bits[0]))
            else:
                raise ValidationError(
                    f"{part.strip()!r} is not a price (write it as '24.00 USD')", where=field
                )
    result: dict[str, str] = {}
    for currency, amount in pairs:
        code = currency.strip().upper()
        if code not in enabled:
            raise ValidationError(
                f"currency {currency!r} is not enabled (enabled: {', '.join(sorted(enabled))})",
                where=field,
            )
        if amount is None or (isinstance(amount, str) and not amount.strip()):
            continue
        result[code] = price_amount(attribute, amount, field=field)
    return [{"amount": result[c], "currency": c} for c in sorted(result)]


def price_amount(attribute: AttributeInfo, value: object, *, field: str) -> str:
    """One amount of a price, normalized to the attribute's decimals (the hot import path)."""
    decimals = attribute.properties.get("decimals")
    low = attribute.properties.get("min")
    if type(value) is str and decimals is not None and low in (None, 0):
        text = value.strip()
        if (
            _DECIMAL.fullmatch(text)
            and len(text.partition(".")[2]) <= int(decimals)
            and "max" not in attribute.properties
            and not (low == 0 and text.startswith("-"))
        ):
            return format(Decimal(text).quantize(_quantum(int(decimals))), "f")
    number = _decimal(value, field=field, what="price")
    _check_range(number, attribute.properties, field=field)
    number = _check_decimals(number, attribute.properties, field=field)
    decimals = attribute.properties.get("decimals")
    if decimals is not None:
        number = number.quantize(_quantum(int(decimals)))
    return format(number, "f")


def _metric(attribute: AttributeInfo, value: object, *, field: str) -> dict[str, Any] | None:
    family = str(attribute.properties.get("metric_family") or "Weight")
    if type(value) is dict or isinstance(value, Mapping):
        amount, unit = value.get("amount"), value.get("unit")
    elif isinstance(value, (list, tuple)) and len(value) == 2:
        amount, unit = value
    else:
        bits = str(value).split()
        if len(bits) == 2:
            amount, unit = bits
        elif len(bits) == 1:
            amount, unit = bits[0], None
        else:
            raise ValidationError(
                f"{value!r} is not a {family.lower()} (write it as '350 GRAM')", where=field
            )
    if unit is None or (type(unit) is str and not unit.strip()):
        raise ValidationError(
            f"{attribute.code} needs a unit (one of {', '.join(UNITS.get(family, {}))})",
            where=field,
        )
    code = unit_code(family, unit, field=field)
    if amount is None or (type(amount) is str and not amount.strip()):
        return {"amount": None, "unit": code}
    number = _decimal(amount, field=field, what="number")
    _check_range(number, attribute.properties, field=field)
    number = _check_decimals(number, attribute.properties, field=field)
    return {"amount": format(number, "f"), "unit": code}


def _date(value: object, *, field: str) -> str:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    if len(text) > 10 and text[10] in "T ":
        text = text[:10]
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise ValidationError(
            f"{text!r} is not a date (write it as YYYY-MM-DD)", where=field
        ) from None


def parse_boolean(value: object, *, field: str) -> bool:
    """A yes/no cell: 1/0, yes/no, true/false, y/n, on/off in any case, as the README says;
    the import's ``enabled`` column and boolean attributes share it so they agree."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValidationError(
        f"{value!r} is not yes or no",
        where=field,
        hint="write 1 or 0; yes/no and true/false work too",
    )


def is_empty(value: object) -> bool:
    if value is None:
        return True
    kind = type(value)
    if kind is str:
        return not value.strip()  # type: ignore[attr-defined]
    if kind is list or kind is dict:
        return not value
    return False


def validate_value(
    attribute: AttributeInfo,
    value: object,
    *,
    currencies: Iterable[str] = (),
    field: str | None = None,
) -> Any:
    """Return ``value`` in the stored shape for ``attribute``; None when it is empty.

    ``currencies`` are the enabled currency codes (prices in others are refused).
    """
    where = field or attribute.code
    if is_empty(value):
        return None
    kind = attribute.type
    if (
        kind == "text"
        and type(value) is str
        and attribute.properties.get("max_length")
        and (
            len(value) <= attribute.properties["max_length"]
            and "pattern" not in attribute.properties
            and "\n" not in value
            and "\r" not in value
        )
    ):
        return value  # the common case, checked without building anything
    if kind == "identifier":
        return validate_identifier(value, field=where)
    if kind in ("text", "textarea"):
        return _text(attribute, value, field=where)
    if kind == "number":
        number = _decimal(value, field=where, what="number")
        _check_range(number, attribute.properties, field=where)
        return _number(_check_decimals(number, attribute.properties, field=where))
    if kind == "metric":
        return _metric(attribute, value, field=where)
    if kind == "price":
        return _price(attribute, value, currencies, field=where) or None
    if kind == "boolean":
        return parse_boolean(value, field=where)
    if kind == "date":
        return _date(value, field=where)
    if kind == "simpleselect":
        return _option(attribute, value, field=where)
    if kind == "multiselect":
        codes: list[str] = []
        for item in _split_list(value):
            code = _option(attribute, item, field=where)
            if code not in codes:
                codes.append(code)
        return codes or None
    if kind == "gtin":
        return normalize_gtin(value, field=where)
    raise ValidationError(f"unknown attribute type {kind!r}", where=where)
