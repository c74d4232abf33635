"""Every kind of bad input gets a message naming the row and column; nothing is written."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from pimdesk.cli import cli
from pimdesk.errors import ImportFailed, PimdeskError
from pimdesk.library import Library
from pimdesk.services import products, reference
from pimdesk.services.imports import import_file

CATALOGS = Path(__file__).parent.parent / "data" / "catalogs"
HEADER = "sku,family,name-en_US,price-USD,stock,gtin\n"


def write(tmp_path: Path, text: str, name: str = "in.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding=encoding, newline="")
    return path


@pytest.fixture
def shop(library: Library) -> Library:
    products.create_product(library, "KEEP-1", values={"name-en_US": "Existing"})
    return library


def assert_unchanged(library: Library) -> None:
    assert [r.sku for r in products.list_products(library)] == ["KEEP-1"]
    assert products.get_product(library, "KEEP-1").name == "Existing"


def fails(library: Library, path: Path, pattern: str, **kwargs: object) -> ImportFailed:
    with pytest.raises(ImportFailed, match=pattern) as info:
        import_file(library, path, **kwargs)  # type: ignore[arg-type]
    assert_unchanged(library)
    return info.value


CASES = {
    "unbalanced quotes": (
        HEADER + 'A-1,default,Kettle,5,1,\nA-2,default,"Broken kettle,5,1,\nA-3,default,Pot,5,1,\n',
        r"row 3, column 'name-en_US'.*never closed",
    ),
    "ragged row": (
        HEADER + "A-1,default,Kettle,5\n",
        r"row 2, column 'stock'.*4 cells but the header has 6",
    ),
    "unknown column": (
        "sku,colour_code\nA-1,red\n",
        r"row 1, column 'colour_code'.*unknown attribute",
    ),
    "text in a number": (
        HEADER + "A-1,default,Kettle,5,many,\n",
        r"row 2, column 'stock'.*'many' is not a number",
    ),
    "date in a price": (
        HEADER + "A-1,default,Kettle,2024-01-31,1,\n",
        r"row 2, column 'price-USD'.*not a price",
    ),
    "invalid GTIN": (
        HEADER + "A-1,default,Kettle,5,1,4006381333932\n",
        r"row 2, column 'gtin'.*check digit",
    ),
    "duplicate SKUs": (
        HEADER + "A-1,default,Kettle,5,1,\nA-1,default,Kettle again,5,1,\n",
        r"row 3, column 'sku'.*A-1 appears twice.*row 2",
    ),
    "path separator in SKU": (
        HEADER + "a/b,default,Kettle,5,1,\n",
        r"row 2, column 'sku'.*path separator",
    ),
    "control character in SKU": (
        HEADER + "a\x07b,default,Kettle,5,1,\n",
        r"row 2, column 'sku'.*control character",
    ),
    "unknown family": (
        HEADER + "A-1,nope,Kettle,5,1,\n",
        r"row 2, column 'family'.*no family 'nope'",
    ),
    "parent that does not exist": (
        "sku,parent,name-en_US\nA-1,GHOST,Kettle\n",
        r"row 2, column 'parent'.*'GHOST' does not exist",
    ),
    "1 MB cell": (
        HEADER + "A-1,default," + "x" * 1_048_576 + ",5,1,\n",
        r"row 2, column 'name-en_US'.*1048576 characters long; the most is 255",
    ),
    "localizable column without a locale": (
        "sku,name\nA-1,Kettle\n",
        r"row 1, column 'name'.*localizable",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_rows_are_reported_with_row_and_column(
    shop: Library, tmp_path: Path, case: str
) -> None:
    text, pattern = CASES[case]
    fails(shop, write(tmp_path, text), pattern)


def test_variant_axis_collision(apparel: Library, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "sku,parent,size,price-USD\nTEE-WHT-S,TEE-WHT,s,5\nTEE-WHT-S2,TEE-WHT,S,5\nTEE-BLK-X,TEE-BLK,m,5\n",
    )
    with pytest.raises(ImportFailed) as info:
        import_file(apparel, path)
    messages = [str(e) for e in info.value.errors]
    assert (
        "row 3, column 'size': TEE-WHT-S2 and TEE-WHT-S have the same variant axis values"
        in messages[0]
    )
    assert (
        "TEE-BLK-X and TEE-BLK-M" in messages[1]
    )  # collides with a variant already in the catalog
    assert products.count_products(apparel, parent="TEE-WHT") == 0


@pytest.mark.parametrize(
    ("name", "content", "pattern"),
    [
        ("empty.csv", b"", "the file is empty"),
        ("blank.csv", b"\n\n  \n", "the file is empty"),
        ("photo.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file"),
        ("fake.xlsx", b"sku,name\nA,b\n", r"not an Excel workbook"),
        ("broken.xlsx", b"PK\x03\x04 this is no zip at all", r"not an Excel workbook"),
        (
            "mixed.csv",
            b"sku,brand\nA-1,Caf\xc3\xa9\nA-2,Caf\x81\x9d\n",
            r"neither UTF-8 \(byte 0x81 at offset 27, line 3\)",
        ),
    ],
)
def test_unreadable_files_say_why(
    shop: Library, tmp_path: Path, name: str, content: bytes, pattern: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(PimdeskError, match=pattern):
        import_file(shop, path)
    assert_unchanged(shop)


def test_unrecognised_format_is_explained(shop: Library, tmp_path: Path) -> None:
    with pytest.raises(PimdeskError, match="cannot tell the file's format"):
        import_file(shop, write(tmp_path, "Artikel,Bezeichnung\n1,Topf\n"))
    # a Magento fixture has a sku column, so it reads as Akeneo and says what does not fit
    with pytest.raises(ImportFailed, match=r"column 'category'.*unknown attribute"):
        import_file(shop, CATALOGS / "magento_products_gear_watches.csv")


def test_encodings_bom_cp1252_and_delimiters(library: Library, tmp_path: Path) -> None:
    bom = tmp_path / "bom.csv"
    bom.write_bytes(b"\xef\xbb\xbfsku,brand\r\nA-1,Caf\xc3\xa9\r\nA-2,Na\xc3\xafve")
    assert import_file(library, bom).created == 2
    assert products.get_product(library, "A-1").value("brand") == "Café"
    latin = tmp_path / "latin.csv"
    latin.write_bytes("sku;brand\nB-1;Crème brûlée\n".encode("cp1252"))
    report = import_file(library, latin)
    assert report.created == 1
    assert any("Windows-1252" in w and "line 2" in w for w in report.warnings)
    assert products.get_product(library, "B-1").value("brand") == "Crème brûlée"
    tabs = write(tmp_path, "sku\tbrand\nC-1\tAcme, Inc.\n", "tabs.tsv")
    import_file(library, tabs)
    assert products.get_product(library, "C-1").value("brand") == "Acme, Inc."


def test_create_attributes_makes_unknown_columns_text_attributes(
    library: Library, tmp_path: Path
) -> None:
    path = write(tmp_path, "sku,care_label,fit-en_US\nA-1,Wash cold,Slim\n")
    report = import_file(library, path, create_attributes=True)
    assert sorted(report.created_attributes) == ["care_label", "fit"]
    fit = reference.get_attribute(library, "fit")
    assert fit.type == "text" and fit.localizable
    assert products.get_product(library, "A-1").value("care_label") == "Wash cold"


def test_akeneo_grammar_models_variants_and_every_column_kind(
    apparel: Library, tmp_path: Path
) -> None:
    reference.create_attribute(apparel, "features", "multiselect")
    reference.create_options(apparel, "features", [("organic", {}), ("vegan", {})])
    text = (
        "sku,code,family,family_variant,parent,categories,enabled,tags,name-en_US,name-de_DE,"
        "description-en_US-ecommerce,price-USD,price-EUR,weight,weight-unit,color,size,features\n"
        ',POLO,,shirts_by_color_size,,tops,,,Polo,Polohemd,Soft polo,,,,,,,"organic,vegan"\n'
        ",POLO-BLK,,,POLO,,,,,,,,,,,black,,\n"
        'POLO-BLK-S,,,,POLO-BLK,,0,"summer,new",,,,12.5,11,0.3,KILOGRAM,,s,\n'
    )
    report = import_file(apparel, write(tmp_path, text))
    assert (report.created, report.models_created) == (1, 2)
    polo = products.get_product(apparel, "POLO-BLK-S")
    assert polo.parent_code == "POLO-BLK" and not polo.enabled
    assert polo.tags == ("new", "summer")
    assert polo.value("name", "de_DE") == "Polohemd"
    assert polo.value("features") == ["organic", "vegan"]
    assert polo.value("weight") == {"amount": "0.3", "unit": "KILOGRAM"}
    assert polo.value("price") == [
        {"amount": "11.00", "currency": "EUR"},
        {"amount": "12.50", "currency": "USD"},
    ]
    assert products.get_product(apparel, "POLO").categories == ("tops",)
    # updating: an empty cell clears, missing columns are left alone, history records it
    update = write(
        tmp_path, "sku,price-EUR,weight,weight-unit\nPOLO-BLK-S,,0.4,KILOGRAM\n", "u.csv"
    )
    report = import_file(apparel, update)
    assert (report.created, report.updated) == (0, 1)
    polo = products.get_product(apparel, "POLO-BLK-S")
    assert polo.value("price") == [{"amount": "12.50", "currency": "USD"}]
    assert polo.value("features") == ["organic", "vegan"]
    fields = {e.field for e in products.history(apparel, "POLO-BLK-S")}
    assert {"price", "weight", "@created"} <= fields


def test_dry_run_reports_without_writing(shop: Library, tmp_path: Path) -> None:
    path = write(tmp_path, "sku,brand\nKEEP-1,Acme\nNEW-1,Acme\n")
    report = import_file(shop, path, dry_run=True)
    assert (report.created, report.updated, report.committed) == (1, 1, False)
    assert products.count_products(shop) == 1
    assert products.get_product(shop, "KEEP-1").value("brand") is None


def test_skip_invalid_imports_valid_rows_and_writes_escaped_rejects(
    shop: Library, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        HEADER
        + "A-1,default,Kettle,5,1,\n=cmd|' /C calc'!A0,default,Bad,5,1,\nA-3,default,Pot,x,1,\n",
    )
    rejects = tmp_path / "rejects.csv"
    report = import_file(shop, path, skip_invalid=True, rejects_path=rejects)
    assert (report.created, report.rejected) == (1, 1 + 1)
    assert [str(e)[:30] for e in report.errors] == [
        "row 3, column 'sku': identifie",
        "row 4, column 'price-USD': 'x'",
    ]
    rows = list(csv.reader(rejects.open(encoding="utf-8")))
    assert rows[0][-1] == "error"
    assert rows[1][0].startswith("'=cmd")  # formula neutralised for spreadsheets
    assert rows[2][-1].startswith("row 4, column 'price-USD'")
    assert products.count_products(shop) == 2


def test_progress_is_reported(shop: Library, tmp_path: Path) -> None:
    seen: list[int] = []
    lines = "".join(f"P-{n},Brand {n}\n" for n in range(2500))
    import_file(
        shop,
        write(tmp_path, "sku,brand\n" + lines),
        progress=lambda done, _total: seen.append(done),
    )
    assert seen and seen[-1] == 2500 and seen == sorted(seen)


def test_cli_exit_codes_and_json(tmp_path: Path) -> None:
    runner = CliRunner()
    lib = str(tmp_path / "lib")
    assert runner.invoke(cli, ["--library", lib, "init"]).exit_code == 0
    good = write(tmp_path, "sku,brand,price-USD\nA-1,Acme,5\n", "good.csv")
    result = runner.invoke(cli, ["--library", lib, "import", str(good), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["created"] == 1
    bad = write(tmp_path, "sku,stock\nA-2,lots\n", "bad.csv")
    result = runner.invoke(cli, ["--library", lib, "import", str(bad)])
    assert result.exit_code == 1
    assert "row 2, column 'stock'" in result.stderr and result.stderr.count("\n") == 1
    result = runner.invoke(cli, ["--library", lib, "import", str(good), "--format", "csv"])
    assert result.exit_code == 2
    result = runner.invoke(
        cli, ["--library", lib, "products", "set", "A-1", "brand=Acme Goods", "stock=3"]
    )
    assert result.exit_code == 0 and "brand" in result.output
    result = runner.invoke(cli, ["--library", lib, "products", "show", "A-1", "--json"])
    shown = json.loads(result.output)
    assert shown["sku"] == "A-1"
    assert shown["completeness"][0]["missing"] == ["name", "description", "image:main"]
    result = runner.invoke(cli, ["--library", lib, "products", "list", "--json"])
    assert [p["sku"] for p in json.loads(result.output)] == ["A-1"]
    result = runner.invoke(cli, ["--library", lib, "products", "undo", "A-1"])
    assert result.exit_code == 0
    history = json.loads(
        runner.invoke(cli, ["--library", lib, "products", "history", "A-1", "--json"]).output
    )
    assert history[0]["source"].startswith("undo") and history[0]["sku"] == "A-1"
    result = runner.invoke(cli, ["--library", lib, "products", "set", "A-1", "gtin=3.65275E+11"])
    assert result.exit_code == 1 and "scientific notation" in result.stderr
    out = tmp_path / "out.csv"
    assert runner.invoke(cli, ["--library", lib, "export", str(out)]).exit_code == 0
    result = runner.invoke(cli, ["--library", lib, "export", str(out)])
    assert result.exit_code == 1 and "already exists" in result.stderr
    assert (
        runner.invoke(cli, ["--library", lib, "export", str(out), "--force", "--json"]).exit_code
        == 0
    )


def test_a_failed_import_can_still_write_its_rejects(shop: Library, tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + "A-1,default,Kettle,5,1,\nA-2,default,Pot,5,lots,\n")
    rejects = tmp_path / "rejects.csv"
    with pytest.raises(ImportFailed):
        import_file(shop, path, rejects_path=rejects)
    assert_unchanged(shop)
    rows = list(csv.reader(rejects.open(encoding="utf-8")))
    assert rows[1][0] == "A-2" and "column 'stock'" in rows[1][-1]


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_cli_exits_1_with_one_line_naming_row_and_column(tmp_path: Path, case: str) -> None:
    text, pattern = CASES[case]
    path = write(tmp_path, text)
    lib = str(tmp_path / "lib")
    assert CliRunner().invoke(cli, ["--library", lib, "init"]).exit_code == 0
    result = CliRunner().invoke(cli, ["--library", lib, "import", str(path)])
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert re.search(pattern, result.stderr)
    listed = CliRunner().invoke(cli, ["--library", lib, "products", "list", "--json"])
    assert json.loads(listed.output) == []


def test_every_bad_column_of_a_row_is_named_at_once(shop: Library, tmp_path: Path) -> None:
    """A spreadsheet user fixes a row in one pass: all its bad cells are reported, with hints."""
    path = write(tmp_path, HEADER + 'A-1,default,Kettle,"12,50",lots,4006381333932\n')
    failed = fails(shop, path, r"row 2, column 'price-USD'.*and 2 more")
    assert [(e.row, e.column) for e in failed.errors] == [
        (2, "price-USD"),
        (2, "stock"),
        (2, "gtin"),
    ]
    assert "write numbers with a decimal point: 12.50" in failed.errors[0].message
    rejects = tmp_path / "rejects.csv"
    report = import_file(shop, path, skip_invalid=True, rejects_path=rejects)
    assert report.rejected == 1 and len(report.errors) == 3
    reason = list(csv.reader(rejects.open(encoding="utf-8")))[1][-1]
    assert all(f"column '{c}'" in reason for c in ("price-USD", "stock", "gtin"))


@pytest.mark.parametrize(
    ("typed", "hint"),
    [
        ("12,50", "write numbers with a decimal point: 12.50"),
        ("1.234,56", "write numbers with a decimal point: 1234.56"),
        ("1,234.50", "leave out the thousands separators: 1234.50"),
        ("1,234", "write 1.234 or 1234, without a comma"),
        ("$12", "no currency sign or unit"),
    ],
)
def test_numbers_in_spreadsheet_spellings_say_what_to_type(
    shop: Library, tmp_path: Path, typed: str, hint: str
) -> None:
    path = write(tmp_path, HEADER + f'A-1,default,Kettle,"{typed}",1,\n')
    failed = fails(shop, path, r"row 2, column 'price-USD'")
    assert hint in failed.errors[0].message


def test_the_cli_lists_every_reason_of_a_failed_import(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + 'A-1,default,Kettle,"9,99",lots,\nA-2,default,Pot,x,1,\n')
    lib = str(tmp_path / "lib")
    assert CliRunner().invoke(cli, ["--library", lib, "init"]).exit_code == 0
    result = CliRunner().invoke(cli, ["--library", lib, "import", str(path)])
    assert result.exit_code == 1
    rejected = [line for line in result.stderr.splitlines() if "rejected:" in line]
    assert len(rejected) == 3
    assert "row 2, column 'stock'" in rejected[1] and "row 3, column 'price-USD'" in rejected[2]
    assert result.stderr.splitlines()[-1].startswith("pimdesk: error:")


def test_products_set_names_every_bad_value(shop: Library) -> None:
    with pytest.raises(PimdeskError) as info:
        products.set_values(shop, "KEEP-1", {"price-USD": "3,5", "stock": "many"})
    message = str(info.value)
    assert "2 values are invalid" in message
    assert "price-USD" in message and "3.5" in message and "stock" in message
    assert_unchanged(shop)


def test_a_bad_enabled_and_an_unknown_family_in_one_row_are_both_named(
    shop: Library, tmp_path: Path
) -> None:
    """The review's file: row 3 has two bad cells; both are reported, with what to type, and
    the next row's own problems too (the enabled cell no longer hides the rest of its row)."""
    path = write(
        tmp_path,
        "sku,family,enabled,price-USD\n"
        "X-0,default,yes,1\n"
        "X-1,kitchn,maybe,12;50\n"
        "X-2,kitchn,No,\n"
        "X-3,default,sometimes,\n",
    )
    failed = fails(shop, path, r"row 3, column 'family': no family 'kitchn'.*and 4 more")
    assert [(e.row, e.column) for e in failed.errors] == [
        (3, "family"),
        (3, "enabled"),
        (3, "price-USD"),
        (4, "family"),
        (5, "enabled"),
    ]
    family, enabled = failed.errors[0], failed.errors[1]
    assert "(families: default" in family.message
    assert "'maybe' is not yes or no" in enabled.message and "write 1 or 0" in enabled.message
    assert all(e.identifier == "X-1" for e in failed.errors[:3])


@pytest.mark.parametrize(
    ("typed", "enabled"),
    [("yes", True), ("No", False), ("TRUE", True), ("0", False), ("y", True), ("off", False)],
)
def test_enabled_takes_the_same_yes_no_spellings_as_boolean_attributes(
    shop: Library, tmp_path: Path, typed: str, enabled: bool
) -> None:
    """README: a yes/no cell takes 1/0, yes/no, true/false, y/n, on/off in any case: the
    ``enabled`` column and boolean attributes read the same spellings."""
    reference.create_attribute(shop, "fragile", "boolean")
    path = write(tmp_path, f"sku,family,enabled,fragile\nB-1,default,{typed},{typed}\n")
    import_file(shop, path)
    product = products.get_product(shop, "B-1")
    assert product.enabled is enabled
    assert product.value("fragile") is enabled
