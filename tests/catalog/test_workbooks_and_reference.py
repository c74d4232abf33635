"""Workbooks typed by people (numbers, dates, booleans in cells), re-imports, reference data."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from pimdesk.errors import ImportFailed, NotFoundError, ValidationError
from pimdesk.library import Library
from pimdesk.services import products, reference
from pimdesk.services.imports import import_file

CATALOGS = Path(__file__).parent.parent / "data" / "catalogs"


def workbook(path: Path, rows: list[list[object]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def test_a_workbook_with_typed_cells(any_library: Library, tmp_path: Path) -> None:
    reference.create_attribute(any_library, "fragile", "boolean")
    path = workbook(
        tmp_path / "typed.xlsx",
        [
            ["sku", "name-en_US", "price-USD", "gtin", "release_date", "stock", "fragile"],
            ["A-1", "Kettle", 24.5, 6291041500213, dt.datetime(2024, 1, 2), 3, True],
            ["A-2", "Pot", 10, None, None, None, False],
        ],
    )
    report = import_file(any_library, path)
    assert report.created == 2
    kettle = products.get_product(any_library, "A-1")
    assert kettle.value("price") == [{"amount": "24.50", "currency": "USD"}]
    assert kettle.value("gtin") == "6291041500213"
    assert kettle.value("release_date") == "2024-01-02"
    assert kettle.value("stock") == 3
    assert kettle.value("fragile") is True
    assert products.get_product(any_library, "A-2").value("fragile") is False


def test_a_date_typed_into_a_price_cell_of_a_workbook(library: Library, tmp_path: Path) -> None:
    path = workbook(
        tmp_path / "bad.xlsx", [["sku", "price-USD"], ["A-1", dt.datetime(2024, 1, 31)]]
    )
    with pytest.raises(
        ImportFailed, match=r"row 2, column 'price-USD'.*'2024-01-31' is not a price"
    ):
        import_file(library, path)
    assert products.count_products(library) == 0


@pytest.mark.parametrize(
    "sample", ["shopify_apparel.csv", "shopify_jewelery.csv", "woocommerce_sample_products.csv"]
)
def test_importing_the_same_file_twice_changes_nothing(library: Library, sample: str) -> None:
    first = import_file(library, CATALOGS / sample)
    again = import_file(library, CATALOGS / sample)
    assert (again.created, again.updated, again.models_created, again.models_updated) == (
        0,
        0,
        0,
        0,
    )
    assert again.unchanged == first.created


def test_shopify_variant_without_option_value_is_rejected(library: Library, tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text(
        "Handle,Title,Option1 Name,Option1 Value,Variant SKU,Variant Price\n"
        "mug,Mug,Size,Small,MUG-S,5\n"
        "mug,,,,MUG-X,6\n",
        encoding="utf-8",
    )
    with pytest.raises(ImportFailed, match=r"row 3, column 'size'.*needs a value"):
        import_file(library, path)


def test_reference_data_rules(library: Library) -> None:
    with pytest.raises(ValidationError, match="cannot be an attribute code"):
        reference.create_attribute(library, "bad-code")
    with pytest.raises(ValidationError, match="cannot be an attribute code"):
        reference.create_attribute(library, "family")
    with pytest.raises(ValidationError, match="not an attribute type"):
        reference.create_attribute(library, "thing", "blob")
    with pytest.raises(ValidationError, match="already exists"):
        reference.create_attribute(library, "name")
    with pytest.raises(ValidationError, match="axes are simple selects"):
        reference.create_family_variant(library, "by_name", family="default", axes_level1=["brand"])
    with pytest.raises(NotFoundError):
        reference.create_family_variant(library, "x", family="nope", axes_level1=["size"])
    with pytest.raises(ValidationError, match="unknown or not-in-family"):
        reference.create_family(
            library, "f", attributes=["sku"], requirements={"ecommerce": ["name"]}
        )
    info = reference.set_family_requirements(
        library, "default", requirements={"ecommerce": ["sku", "name"]}, image_requirements={}
    )
    assert info.requirements == {"ecommerce": ["sku", "name"]}
    products.create_product(library, "K-1", values={"name-en_US": "Kettle"})
    assert products.get_product(library, "K-1").completeness[0].ratio == 100
    assert "en_US" in reference.list_locales(library)
    assert [c.code for c in reference.list_channels(library)] == ["ecommerce"]
