"""GS1 check digits for GTIN-8, GTIN-12 (UPC-A), GTIN-13 (EAN) and GTIN-14.

Weights 3, 1, 3, ... are anchored on the rightmost digit before the check digit, so a GTIN
left-padded with zeros keeps its check digit; GTINs are compared as 14-digit strings but kept
at their original length. Spreadsheets turn long digit strings into numbers such as
``3.65275E+11``: the digits are lost, so such a value is refused with a message saying so.
"""

from __future__ import annotations

import re

from pimdesk.errors import ValidationError

GTIN_LENGTHS = (8, 12, 13, 14)
_SEPARATORS = re.compile(r"[\s-]")
_SCIENTIFIC = re.compile(r"^[0-9]+(?:[.,][0-9]+)?[eE][+-]?[0-9]+$")


def check_digit(body: str) -> int:
    """The check digit for the digits of a GTIN without its last digit."""
    total = 0
    for position, char in enumerate(reversed(body)):
        total += int(char) * (3 if position % 2 == 0 else 1)
    return (10 - total % 10) % 10


def normalize_gtin(value: object, *, field: str = "gtin") -> str:
    """Return the GTIN as digits (separators removed) or raise ValidationError naming why."""
    text = _SEPARATORS.sub("", str(value))
    if _SCIENTIFIC.match(text):
        raise ValidationError(
            f"GTIN {value!r} was mangled by a spreadsheet into scientific notation; "
            "its digits are lost",
            where=field,
            hint="format the column as text and type the full number again",
        )
    if not text.isdigit() or not text.isascii():
        raise ValidationError(f"GTIN {value!r} must contain digits only", where=field)
    if len(text) not in GTIN_LENGTHS:
        raise ValidationError(
            f"GTIN {value!r} has {len(text)} digits; a GTIN has 8, 12, 13 or 14", where=field
        )
    if set(text) == {"0"}:
        raise ValidationError(
            f"GTIN {value!r} is all zeros, a placeholder rather than a real GTIN", where=field
        )
    expected = check_digit(text[:-1])
    if int(text[-1]) != expected:
        raise ValidationError(
            f"GTIN {value!r} has a wrong check digit (expected {expected})", where=field
        )
    return text


def is_valid_gtin(value: object) -> bool:
    try:
        normalize_gtin(value)
    except ValidationError:
        return False
    return True


def gtin14(value: str) -> str:
    """The comparison form: right-justified in 14 digits."""
    return value.rjust(14, "0")
