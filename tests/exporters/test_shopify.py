"""Shopify product CSV against reference sheet §1."""

from __future__ import annotations

import csv
import dataclasses
import io
import re
from pathlib import Path

import pytest

from pimdesk.channels.exporters.shopify import LEGACY_HEADER, NEW_HEADER, ShopifyCsvExporter
from pimdesk.errors import PimdeskError

from .conftest import NASTY, SCRIPT

BASE = "https://cdn.example.com/"

LEGACY_TEXT = (
    "Handle,Title,Body (HTML),Vendor,Product Category,Type,Tags,Published,Option1 Name,"
    "Option1 Value,Option2 Name,Option2 Value,Option3 Name,Option3 Value,Variant SKU,"
    "Variant Grams,Variant Inventory Tracker,Variant Inventory Qty,Variant Inventory Policy,"
    "Variant Fulfillment Service,Variant Price,Variant Compare At Price,"
    "Variant Requires Shipping,Variant Taxable,Variant Barcode,Image Src,Image Position,"
    "Image Alt Text,Gift Card,SEO Title,SEO Description,"
    "Google Shopping / Google Product Category,Google Shopping / Gender,"
    "Google Shopping / Age Group,Google Shopping / MPN,Google Shopping / Condition,"
    "Google Shopping / Custom Product,Variant Image,Variant Weight Unit,Variant Tax Code,"
    "Cost per item,Included / United States,Price / United States,"
    "Compare At Price / United States,Included / International,Price / International,"
    "Compare At Price / International,Status"
)

# The sheet's worked example, column -> values of its three rows.
WORKED_EXAMPLE = """\
Handle,Title,Body (HTML),Vendor,Type,Tags,Published,Option1 Name,Option1 Value,Variant SKU,Variant Grams,Variant Inventory Tracker,Variant Inventory Qty,Variant Inventory Policy,Variant Fulfillment Service,Variant Price,Variant Compare At Price,Variant Requires Shipping,Variant Taxable,Variant Barcode,Image Src,Image Position,Image Alt Text,Variant Image,Variant Weight Unit,Status
canvas-tote,Canvas Tote Bag,<p>Heavy cotton canvas tote.</p>,Acme Goods,Bags,"tote, canvas",TRUE,Color,Natural,TOTE-NAT,350,shopify,10,deny,manual,24.00,30.00,TRUE,TRUE,6291041500213,https://cdn.example.com/tote-natural.jpg,1,Canvas tote in natural,https://cdn.example.com/tote-natural.jpg,g,active
canvas-tote,,,,,,,,Black,TOTE-BLK,350,shopify,0,deny,manual,24.00,30.00,TRUE,TRUE,6291041500220,https://cdn.example.com/tote-black.jpg,2,Canvas tote in black,https://cdn.example.com/tote-black.jpg,g,
canvas-tote,,,,,,,,,,,,,,,,,,,,https://cdn.example.com/tote-detail.jpg,3,Stitching detail,,,
"""  # noqa: E501


def read(path: Path) -> tuple[list[str], list[dict[str, str]], bytes]:
    raw = path.read_bytes()
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8"), newline="")))
    header = rows[0]
    for row in rows:
        assert len(row) == len(header)
    return header, [dict(zip(header, r, strict=True)) for r in rows[1:]], raw


def exporter(out: Path, **settings: str) -> ShopifyCsvExporter:
    return ShopifyCsvExporter({"output": str(out), "base_url": BASE, **settings})


def test_header_sets_have_the_documented_columns() -> None:
    assert tuple(LEGACY_TEXT.split(",")) == LEGACY_HEADER
    assert len(LEGACY_HEADER) == 48
    assert len(NEW_HEADER) == 57
    assert NEW_HEADER[:3] == ("Title", "URL handle", "Description")
    assert NEW_HEADER[-1] == "Google Shopping / Custom label 4"
    assert not set(LEGACY_HEADER) & {"URL handle", "Description", "Product image URL"}


def test_tote_matches_the_worked_example(listings, out_dir, run) -> None:
    result = run(exporter(out_dir), listings.tote())
    header, rows, raw = read(out_dir / "products.csv")
    assert header == list(LEGACY_HEADER)
    assert not raw.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in raw
    expected = list(csv.DictReader(io.StringIO(WORKED_EXAMPLE)))
    assert len(rows) == len(expected) == 3
    for got, want in zip(rows, expected, strict=True):
        for column, value in want.items():
            assert got[column] == value, column
        # every column the example leaves out is empty (or a product-level default)
        extra = {c: v for c, v in got.items() if c not in want and v}
        assert set(extra) <= {"Gift Card"}
    assert rows[0]["Gift Card"] == "FALSE"
    assert result.remote_ids == {"TOTE-NAT": "canvas-tote", "TOTE-BLK": "canvas-tote"}
    # the images are beside the feed, under the names the URLs use
    for name in ("tote-natural.jpg", "tote-black.jpg", "tote-detail.jpg"):
        assert (out_dir / name).is_file()


def test_checks_from_the_sheet_hold(listings, out_dir, run) -> None:
    mug = listings.simple()
    run(exporter(out_dir), [*listings.tote(), mug])
    _, rows, _ = read(out_dir / "products.csv")
    handles = [r["Handle"] for r in rows]
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", h) for h in handles)
    # contiguous handles, title only on each handle's first row
    seen: list[str] = []
    for index, handle in enumerate(handles):
        if handle not in seen:
            seen.append(handle)
            assert rows[index]["Title"]
        else:
            assert handles[index - 1] == handle
            assert rows[index]["Title"] == ""
    for row in rows:
        for column in ("Published", "Variant Requires Shipping", "Variant Taxable", "Gift Card"):
            assert row[column] in ("", "TRUE", "FALSE")
        for column in ("Variant Price", "Variant Compare At Price"):
            assert row[column] == "" or re.fullmatch(r"\d+\.\d{2}", row[column])
        assert row["Variant Barcode"] == "" or row["Variant Barcode"].isdigit()
    simple = [r for r in rows if r["Handle"] == "enamel-mug"]
    assert len(simple) == 1
    assert simple[0]["Option1 Name"] == "Title"
    assert simple[0]["Option1 Value"] == "Default Title"
    assert simple[0]["Variant Grams"] == "400"
    assert simple[0]["Variant Weight Unit"] == "kg"
    assert simple[0]["Variant Price"] == "12.50"
    assert simple[0]["Variant Compare At Price"] == ""
    assert simple[0]["Google Shopping / MPN"] == "MUG-ENAMEL-1"
    assert simple[0]["Type"] == "kitchen"  # no product_type: the family
    positions = [int(r["Image Position"]) for r in rows if r["Handle"] == "canvas-tote"]
    assert positions == [1, 2, 3]


def test_new_header_set_is_never_mixed(listings, out_dir, run) -> None:
    run(exporter(out_dir, header_set="new"), listings.tote())
    header, rows, _ = read(out_dir / "products.csv")
    assert header == list(NEW_HEADER)
    assert rows[0]["URL handle"] == "canvas-tote"
    assert rows[0]["Price"] == "24.00"
    assert rows[0]["Compare-at price"] == "30.00"
    assert rows[0]["Weight value (grams)"] == "350"
    assert rows[0]["Continue selling when out of stock"] == "DENY"
    assert rows[0]["Product image URL"] == BASE + "tote-natural.jpg"
    assert rows[2]["Image position"] == "3"
    assert rows[0]["Status"] == "Active"


def test_unknown_header_set_is_refused_before_writing(listings, out_dir, run) -> None:
    with pytest.raises(PimdeskError, match="header_set"):
        run(exporter(out_dir, header_set="v3"), listings.tote())
    assert list(out_dir.iterdir()) == []


def test_seo_limits_and_option_names(listings, out_dir, run) -> None:
    long = listings.simple(
        values={"price": "5", "seo_title": "x" * 90, "seo_description": "word " * 100}
    )
    issues = exporter(out_dir).validate([long])
    assert {i.field for i in issues if not i.blocking} >= {"seo_title", "seo_description"}
    run(exporter(out_dir), [long])
    _, rows, _ = read(out_dir / "products.csv")
    assert len(rows[0]["SEO Title"]) <= 70
    assert len(rows[0]["SEO Description"]) <= 320
    assert rows[0]["Variant Price"] == "5.00"


def test_too_many_options_and_repeated_combinations_are_blocked(listings, out_dir) -> None:
    tote = listings.tote()
    twin = dataclasses.replace(tote[1], sku="TOTE-NAT2", axes={"color": "Natural"})
    issues = exporter(out_dir).validate([*tote, twin])
    assert [(i.sku, i.field) for i in issues if i.blocking] == [("TOTE-NAT2", "axes")]
    four = [
        dataclasses.replace(t, axes={"a": "1", "b": "2", "c": "3", "d": str(n)})
        for n, t in enumerate(tote)
    ]
    assert {i.sku for i in exporter(out_dir).validate(four) if i.field == "axes"} == {
        "TOTE-NAT",
        "TOTE-BLK",
    }


def test_missing_price_blocks_only_that_product(listings, out_dir, run) -> None:
    bad = listings.simple("BAD-1", "No Price", values={"brand": "Acme"})
    good = listings.simple("MUG-2", "Good Mug")
    result = run(exporter(out_dir), [bad, good])
    _, rows, _ = read(out_dir / "products.csv")
    assert [r["Variant SKU"] for r in rows] == ["MUG-2"]
    assert any("BAD-1: price" in w for w in result.warnings)


def test_formula_text_is_not_prefixed_but_blocked(listings, out_dir, run) -> None:
    """Shopify keeps a leading ' as part of the title, so we refuse the listing instead."""
    evil = listings.simple("EVIL-1", NASTY)
    fine = listings.simple("NUM-1", "-42", values={"price": "-0", "brand": "Acme"}, images=[])
    issues = exporter(out_dir).validate([evil, fine])
    assert any(i.sku == "EVIL-1" and i.field == "title" and i.blocking for i in issues)
    assert not any(i.sku == "NUM-1" and i.field == "title" for i in issues)  # a number
    run(exporter(out_dir), [evil, fine])
    raw = (out_dir / "products.csv").read_text("utf-8")
    assert "calc" not in raw
    assert "'-42" not in raw and "-42" in raw


def test_quotes_newlines_and_markup_survive_rfc4180(listings, out_dir, run) -> None:
    text = 'Say "hi",\r\nthen\nleave ' + SCRIPT + " ]]>"
    odd = listings.simple("ODD-1", 'The "Best", Mug', description=text)
    run(exporter(out_dir), [odd])
    _, rows, raw = read(out_dir / "products.csv")
    assert rows[0]["Title"] == 'The "Best", Mug'
    assert rows[0]["Body (HTML)"] == text
    assert b'"The ""Best"", Mug"' in raw


def test_handles_are_unique_and_slugged(listings, out_dir, run) -> None:
    a = listings.simple("A-1", "Crème Brûlée Set!")
    b = listings.simple("B-1", "Crème  brûlée   set")
    run(exporter(out_dir), [a, b])
    _, rows, _ = read(out_dir / "products.csv")
    assert [r["Handle"] for r in rows] == ["creme-brulee-set", "creme-brulee-set-2"]


def test_colliding_image_names_are_made_unique(listings, out_dir, run) -> None:
    a = listings.simple("A-1", "First")
    b = listings.simple("B-1", "Second")
    same = dataclasses.replace(b.images[0], filename=a.images[0].filename)
    b = dataclasses.replace(b, images=[same])
    run(exporter(out_dir), [a, b])
    _, rows, _ = read(out_dir / "products.csv")
    urls = [r["Image Src"] for r in rows]
    assert urls == [BASE + "a-1-main.jpg", BASE + "a-1-main-2.jpg"]
    assert (out_dir / "a-1-main.jpg").read_bytes() == a.images[0].file.read_bytes()
    assert (out_dir / "a-1-main-2.jpg").read_bytes() == b.images[0].file.read_bytes()


def test_a_republish_reflects_changed_listings_only(listings, out_dir, run) -> None:
    """Unchanged Listing objects reuse their rows (ListingMemo); a changed one is redone."""
    tote, mug = listings.tote(), listings.simple()
    first = exporter(out_dir)
    run(first, [*tote, mug])
    memo_hits = first.memo.get("variant", tote[0], ("x",), lambda: "fresh")
    assert memo_hits == "fresh"  # a different key is computed, never guessed
    cheaper = dataclasses.replace(mug, values={**mug.values, "price": "9.00"})
    run(exporter(out_dir), [*tote, cheaper])
    _, rows, _ = read(out_dir / "products.csv")
    assert [r["Variant Price"] for r in rows if r["Variant SKU"]] == ["24.00", "24.00", "9.00"]
    run(exporter(out_dir, header_set="new"), [*tote, cheaper])
    header, rows, _ = read(out_dir / "products.csv")
    assert header == list(NEW_HEADER)
    assert [r["Price"] for r in rows if r["SKU"]] == ["24.00", "24.00", "9.00"]
