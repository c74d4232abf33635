"""Published file names: sanitised for every filesystem and unique within a publish."""

from __future__ import annotations

import pytest

from pimdesk.errors import ValidationError
from pimdesk.renditions.naming import (
    MAX_NAME,
    UniqueNames,
    check_template,
    fill_template,
    role_code,
)


def test_fields_are_sanitised_and_cannot_build_a_path() -> None:
    name = fill_template(
        "{sku}-{role}.{ext}", {"sku": "../../etc/pass wd", "role": "main", "ext": "jpg"}
    )
    assert "/" not in name and "\\" not in name and not name.startswith(".")
    assert fill_template("{sku}.{ext}", {"sku": "a\\b:c*?", "ext": "png"}) == "a_b_c_.png"
    assert fill_template("{sku}.{ext}", {"sku": ".hidden", "ext": "jpg"}) == "hidden.jpg"


def test_reserved_device_names_and_length() -> None:
    assert fill_template("{sku}.{ext}", {"sku": "CON", "ext": "jpg"}) == "_CON.jpg"
    assert fill_template("{sku}.{ext}", {"sku": "nul", "ext": "jpg"}) == "_nul.jpg"
    long = fill_template("{sku}.{ext}", {"sku": "é" * 300, "ext": "jpg"})
    assert len(long.encode()) <= MAX_NAME and long.endswith(".jpg")


def test_unique_names_are_case_insensitive() -> None:
    names = UniqueNames()
    assert [names.take(n) for n in ("a.jpg", "A.jpg", "a.jpg", "b.jpg")] == [
        "a.jpg",
        "A-2.jpg",
        "a-3.jpg",
        "b.jpg",
    ]


@pytest.mark.parametrize(
    "template",
    ["../{sku}.{ext}", "sub/{sku}.{ext}", "{sku}\\x.{ext}", "{sku}.jpg", "{sku}.{bad}.{ext}", ""],
)
def test_templates_that_escape_or_lack_ext_are_refused(template: str) -> None:
    with pytest.raises(ValidationError):
        check_template(template)


def test_amazon_role_codes() -> None:
    assert role_code("main", 0) == "MAIN"
    assert role_code("swatch", 0) == "SWCH"
    assert role_code("detail", 1) == "PT01"
    assert role_code("lifestyle", 12) == "PT12"
