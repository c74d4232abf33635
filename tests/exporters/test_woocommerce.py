"""WooCommerce product CSV against reference sheet §2."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from pimdesk.channels.exporters.woocommerce import WooCommerceCsvExporter, base_columns

from .conftest import NASTY

BASE = "https://cdn.example.com/"

WORKED_EXAMPLE = """\
ID,Type,SKU,"GTIN, UPC, EAN, or ISBN",Name,Published,Is featured?,Visibility in catalog,Description,Tax status,In stock?,Stock,Backorders allowed?,Weight (kg),Sale price,Regular price,Categories,Tags,Images,Parent,Attribute 1 name,Attribute 1 value(s),Attribute 1 visible,Attribute 1 global,Attribute 1 default
,variable,TOTE,,Canvas Tote Bag,1,0,visible,<p>Heavy cotton canvas tote.</p>,taxable,1,,0,,,,Bags,"tote, canvas","https://cdn.example.com/tote-natural.jpg, https://cdn.example.com/tote-black.jpg, https://cdn.example.com/tote-detail.jpg",,Color,"Natural, Black",1,1,Natural
,variation,TOTE-NAT,6291041500213,Canvas Tote Bag - Natural,1,0,visible,,taxable,1,10,0,0.35,24.00,30.00,,,https://cdn.example.com/tote-natural.jpg,TOTE,Color,Natural,,1,
,variation,TOTE-BLK,6291041500220,Canvas Tote Bag - Black,1,0,visible,,taxable,0,0,0,0.35,24.00,30.00,,,https://cdn.example.com/tote-black.jpg,TOTE,Color,Black,,1,
"""  # noqa: E501


def exporter(out: Path, **settings: str) -> WooCommerceCsvExporter:
    return WooCommerceCsvExporter({"output": str(out), "base_url": BASE, **settings})


def read(path: Path) -> tuple[list[str], list[dict[str, str]], bytes]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw[3:].decode("utf-8"), newline="")))
    for row in rows:
        assert len(row) == len(rows[0])
    return rows[0], [dict(zip(rows[0], r, strict=True)) for r in rows[1:]], raw


def test_tote_matches_the_worked_example(listings, out_dir, run) -> None:
    run(exporter(out_dir), listings.tote())
    header, rows, raw = read(out_dir / "products.csv")
    assert tuple(header[:40]) == base_columns("kg", "cm")
    assert header[40:] == [
        "Attribute 1 name", "Attribute 1 value(s)", "Attribute 1 visible",
        "Attribute 1 global", "Attribute 1 default",
    ]  # fmt: skip
    assert b'"GTIN, UPC, EAN, or ISBN"' in raw.split(b"\r\n")[0]
    expected = list(csv.DictReader(io.StringIO(WORKED_EXAMPLE)))
    assert len(rows) == 3
    for got, want in zip(rows, expected, strict=True):
        for column, value in want.items():
            assert got[column] == value, column


def test_sheet_checks(listings, out_dir, run) -> None:
    run(exporter(out_dir), [*listings.tote(), listings.simple()])
    _, rows, _ = read(out_dir / "products.csv")
    parents: dict[str, dict[str, str]] = {}
    skus = [r["SKU"] for r in rows]
    assert len(set(skus)) == len(skus)
    for row in rows:
        assert row["Published"] in {"-1", "0", "1", "2"}
        if row["Type"] == "variable":
            parents[row["SKU"]] = row
        if row["Type"] == "variation":
            parent = parents[row["Parent"]]  # a parent earlier in the file
            allowed = parent["Attribute 1 value(s)"].split(", ")
            assert row["Attribute 1 value(s)"] in allowed
        for url in re.split(r"(?<!\\),\s*", row["Images"]) if row["Images"] else []:
            assert url.startswith("https://")
        if row["Sale price"]:
            assert float(row["Sale price"]) < float(row["Regular price"])
    simple = rows[-1]
    assert simple["Type"] == "simple"
    assert simple["Weight (kg)"] == "0.4"
    assert simple["Regular price"] == "12.50"
    assert simple["Images"] == BASE + "mug-1-main.jpg"


def test_formula_cells_get_the_woocommerce_prefix(listings, out_dir, run) -> None:
    evil = listings.simple(
        "EVIL-1",
        NASTY,
        description="+1 line\nsecond",
        values={"price": "5", "tags": ["@home", "-42", "x,y"], "stock": -3},
    )
    run(exporter(out_dir), [evil])
    _, rows, _ = read(out_dir / "products.csv")
    row = rows[0]
    assert row["Name"] == "'" + NASTY
    assert row["Description"] == "'+1 line\\nsecond"
    assert row["Tags"] == "'@home, -42, x\\,y"
    assert row["Stock"] == "-3"  # numbers are never prefixed
    assert row["Published"] == "1"


def test_weight_unit_setting_and_no_bom(listings, out_dir, run) -> None:
    run(exporter(out_dir, weight_unit="g", bom="false"), [listings.simple()])
    raw = (out_dir / "products.csv").read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    row = next(csv.DictReader(io.StringIO(raw.decode("utf-8"))))
    assert row["Weight (g)"] == "400"


def test_parent_code_clashing_with_a_sku_is_blocked(listings, out_dir) -> None:
    tote = listings.tote()
    clash = listings.simple("TOTE", "Another tote")
    issues = exporter(out_dir).validate([*tote, clash])
    assert {i.sku for i in issues if i.field == "parent"} == {"TOTE-NAT", "TOTE-BLK"}
