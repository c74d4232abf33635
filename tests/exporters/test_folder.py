"""The folder export: JSON for tools, an OWASP-escaped CSV for people, and the images."""

from __future__ import annotations

import csv
import io
import json

from pimdesk.channels.exporters.folder import FolderExporter

from .conftest import CDATA_END, NASTY, SCRIPT


def test_json_csv_and_images(listings, out_dir, run) -> None:
    run(FolderExporter({"output": str(out_dir)}), [*listings.tote(), listings.simple()])
    data = json.loads((out_dir / "products.json").read_text("utf-8"))
    skus = [p["sku"] for p in data["products"]]
    assert skus == ["TOTE-NAT", "TOTE-BLK", "MUG-1"]
    nat = data["products"][0]
    assert nat["parent"] == "TOTE" and nat["axes"] == {"color": "Natural"}
    assert nat["values"]["gtin"] == "6291041500213"
    assert [i["file"] for i in nat["images"]] == [
        "images/tote-natural.jpg",
        "images/tote-detail.jpg",
    ]
    for product in data["products"]:
        for image in product["images"]:
            assert (out_dir / image["file"]).is_file()
    raw = (out_dir / "products.csv").read_bytes()
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8"), newline="")))
    assert [r["sku"] for r in rows] == skus
    assert rows[0]["weight"] == "350 GRAM"
    assert rows[0]["price"] == "30.00"
    assert all(line.startswith(b'"') for line in raw.split(b"\r\n") if line)


def test_people_facing_csv_gets_the_owasp_treatment(listings, out_dir, run) -> None:
    evil = listings.simple(
        "EVIL-1",
        NASTY,
        description=f'he said "hi"\r\n{SCRIPT}{CDATA_END}',
        values={"price": "-5", "material": "@SUM(1+1)", "note": '=1+2";=1+2'},
    )
    run(FolderExporter({"output": str(out_dir), "base_url": "https://x.example/f"}), [evil])
    raw = (out_dir / "products.csv").read_bytes()
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8"), newline="")))
    assert rows[0]["title"] == "'" + NASTY
    assert rows[0]["material"] == "'@SUM(1+1)"
    assert rows[0]["price"] == "-5"  # a number stays a number
    assert rows[0]["description"] == f'he said "hi"\r\n{SCRIPT}{CDATA_END}'
    assert b'"\'=1+2"";=1+2"' in raw  # the sheet's OWASP example
    assert rows[0]["images"] == "https://x.example/f/images/evil-1-main.jpg"
    data = json.loads((out_dir / "products.json").read_text("utf-8"))
    assert data["products"][0]["title"] == NASTY  # JSON keeps the value as it is
