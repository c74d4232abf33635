"""GTIN check digits and per-type value validation: what a user typing values would hit."""

from __future__ import annotations

import datetime as dt

import pytest

from pimdesk.catalog.context import AttributeInfo
from pimdesk.catalog.gtin import check_digit, gtin14, is_valid_gtin, normalize_gtin
from pimdesk.catalog.validation import validate_identifier, validate_value
from pimdesk.errors import ValidationError

VALID = [
    "4006381333931",
    "036000291452",
    "96385074",
    "10614141000415",
    "6291041500213",
    "6291041500220",
]


@pytest.mark.parametrize("gtin", VALID)
def test_reference_vectors_are_valid(gtin: str) -> None:
    assert normalize_gtin(gtin) == gtin
    assert gtin14(gtin)[-1] == gtin[-1]


def test_gs1_worked_example() -> None:
    assert check_digit("629104150021") == 3


@pytest.mark.parametrize(
    ("gtin", "message"),
    [
        ("4006381333932", "wrong check digit"),
        ("12345", "has 5 digits"),
        ("00000000000000", "all zeros"),
        ("3.65275E+11", "scientific notation"),
        ("ABC", "digits only"),
    ],
)
def test_invalid_gtins_say_why(gtin: str, message: str) -> None:
    assert not is_valid_gtin(gtin)
    with pytest.raises(ValidationError, match=message) as info:
        normalize_gtin(gtin, field="gtin")
    assert info.value.where == "gtin"


def attr(code: str, type_: str, **properties: object) -> AttributeInfo:
    options = properties.pop("options", {})
    return AttributeInfo(code, type_, properties=dict(properties), options=options)  # type: ignore[arg-type]


def test_text_limits_and_pattern() -> None:
    name = attr("name", "text", max_length=10)
    assert validate_value(name, "Kettle") == "Kettle"
    with pytest.raises(ValidationError, match="11 characters long; the most is 10") as info:
        validate_value(name, "x" * 11)
    assert info.value.where == "name"
    mpn = attr("mpn", "text", pattern=r"[A-Z]{2}-\d+")
    assert validate_value(mpn, "AB-12") == "AB-12"
    with pytest.raises(ValidationError, match="pattern"):
        validate_value(mpn, "ab12")
    with pytest.raises(ValidationError, match="65535"):
        validate_value(attr("description", "textarea"), "x" * 1_048_576)


def test_numbers_respect_min_max_and_decimals() -> None:
    stock = attr("stock", "number", decimals=0, min=0)
    assert validate_value(stock, "12") == 12
    with pytest.raises(ValidationError, match="not a number"):
        validate_value(stock, "twelve")
    with pytest.raises(ValidationError, match="whole number"):
        validate_value(stock, "1.5")
    with pytest.raises(ValidationError, match="below the minimum"):
        validate_value(stock, "-1")
    assert validate_value(attr("ratio", "number", max=2), "1.25") == "1.25"


def test_metric_needs_a_known_unit() -> None:
    weight = attr("weight", "metric", metric_family="Weight")
    assert validate_value(weight, {"amount": "350", "unit": "g"}) == {
        "amount": "350",
        "unit": "GRAM",
    }
    assert validate_value(weight, "1.5 KILOGRAM") == {"amount": "1.5", "unit": "KILOGRAM"}
    assert validate_value(weight, ("2", "lbs")) == {"amount": "2", "unit": "POUND"}
    with pytest.raises(ValidationError, match="needs a unit"):
        validate_value(weight, "350")
    with pytest.raises(ValidationError, match="not a Weight unit"):
        validate_value(weight, "350 METER")
    length = attr("length", "metric", metric_family="Length")
    assert validate_value(length, "3 in") == {"amount": "3", "unit": "INCH"}
    volume = attr("volume", "metric", metric_family="Volume")
    assert validate_value(volume, "1 l") == {"amount": "1", "unit": "LITER"}


def test_prices_per_enabled_currency() -> None:
    price = attr("price", "price", decimals=2, min=0)
    assert validate_value(price, {"USD": "24", "EUR": "20.5"}, currencies=["USD", "EUR"]) == [
        {"amount": "20.50", "currency": "EUR"},
        {"amount": "24.00", "currency": "USD"},
    ]
    assert validate_value(price, "24.00", currencies=["USD"]) == [
        {"amount": "24.00", "currency": "USD"}
    ]
    with pytest.raises(ValidationError, match="not enabled"):
        validate_value(price, {"GBP": "3"}, currencies=["USD"])
    with pytest.raises(ValidationError, match="not a price"):
        validate_value(price, {"USD": "2024-01-31"}, currencies=["USD"])
    with pytest.raises(ValidationError, match="not a price"):
        validate_value(price, {"USD": dt.date(2024, 1, 31)}, currencies=["USD"])
    with pytest.raises(ValidationError, match="more than 2 decimals"):
        validate_value(price, {"USD": "1.234"}, currencies=["USD"])


def test_boolean_date_and_selects() -> None:
    assert validate_value(attr("b", "boolean"), "1") is True
    assert validate_value(attr("b", "boolean"), "no") is False
    with pytest.raises(ValidationError, match="yes/no"):
        validate_value(attr("b", "boolean"), "maybe")
    assert validate_value(attr("d", "date"), "2024-02-29") == "2024-02-29"
    assert validate_value(attr("d", "date"), dt.datetime(2024, 1, 2, 3, 4)) == "2024-01-02"
    with pytest.raises(ValidationError, match="not a date"):
        validate_value(attr("d", "date"), "31/01/2024")
    color = attr("color", "simpleselect", options={"black": {"en_US": "Black"}, "red": {}})
    assert validate_value(color, "Black") == "black"
    assert validate_value(color, "RED") == "red"
    with pytest.raises(ValidationError, match="'green' is not an option of color"):
        validate_value(color, "green")
    tags = attr("features", "multiselect", options={"a": {}, "b": {}})
    assert validate_value(tags, "a, b, a") == ["a", "b"]
    assert validate_value(attr("gtin", "gtin"), "6291041500213") == "6291041500213"


@pytest.mark.parametrize("bad", ["a/b", "a\\b", "tab\tsku", "nul\x00", "", "   ", ".."])
def test_skus_with_path_separators_or_control_characters_are_refused(bad: str) -> None:
    with pytest.raises(ValidationError):
        validate_identifier(bad)
