"""The channel commands and publish from the command line: exit codes, --json shapes."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from pimdesk.cli import cli
from pimdesk.library import Library


def run(library: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--library", str(library), *args])
    return result.exit_code, result.stdout, result.stderr


def test_channels_and_publish_from_the_cli(tmp_path: Path) -> None:
    root = tmp_path / "lib"
    out = tmp_path / "out"
    out.mkdir()
    Library.open(root).close()
    base = "base_url=https://cdn.example.com/img/"
    code, _, err = run(root, "channels", "add", "shop", "--exporter", "shopify_csv",
                       "--set", f"output={out}", "--set", base)  # fmt: skip
    assert code == 0, err
    code, stdout, _ = run(root, "channels", "list", "--json")
    data = json.loads(stdout)
    assert {c["code"] for c in data["channels"]} >= {"shop", "ecommerce"}
    assert isinstance(data["plugin_problems"], list)
    code, stdout, _ = run(root, "channels", "map", "shop", "vendor", "@family", "--json")
    assert code == 0 and json.loads(stdout)["source"] == "@family"
    code, stdout, _ = run(root, "channels", "show", "shop", "--json")
    detail = json.loads(stdout)
    vendor = next(f for f in detail["fields"] if f["field"] == "vendor")
    assert vendor == {**vendor, "source": "@family", "origin": "mapped"}
    assert detail["counts"]["published"] == 0

    from pimdesk.services import products

    with Library.open(root) as lib:
        products.create_product(lib, "TOTE-1", values={"name-en_US": "Tote", "price-USD": "30"})
    code, stdout, err = run(root, "publish", "shop", "--json")
    assert code == 0, err
    report = json.loads(stdout)
    assert report["published"] == ["TOTE-1"] and report["result"] == "ok"
    assert "TOTE-1" in (out / "products.csv").read_text(encoding="utf-8")
    code, stdout, _ = run(root, "publish", "--history", "shop", "--json")
    runs = json.loads(stdout)["runs"]
    assert runs[0]["result"] == "ok" and runs[0]["products"] == ["TOTE-1"]


def test_cli_errors_are_one_line_and_exit_1(tmp_path: Path) -> None:
    root = tmp_path / "lib"
    Library.open(root).close()
    code, _, err = run(root, "channels", "add", "x", "--exporter", "no_such_exporter")
    assert code == 1 and "no exporter named 'no_such_exporter'" in err
    code, _, err = run(root, "channels", "add", "x", "--exporter", "shopify_csv",
                       "--set", f"output={tmp_path}", "--set", "base_url=../../etc")  # fmt: skip
    assert code == 1 and "leave the output folder" in err
    code, _, err = run(root, "publish", "nope")
    assert code == 1 and "no channel 'nope'" in err
    code, _, err = run(root, "channels", "set", "ecommerce", "novalue")
    assert code == 2


def test_status_shows_per_channel_counts(tmp_path: Path) -> None:
    root = tmp_path / "lib"
    out = tmp_path / "out"
    out.mkdir()
    from pimdesk.services import products, publishing

    with Library.open(root) as lib:
        publishing.add_channel(lib, "shop", exporter="shopify_csv", settings={"output": str(out)})
        products.create_product(lib, "A-1", values={"name-en_US": "A", "price-USD": "3"})
        products.create_product(lib, "B-1", values={"name-en_US": "B"})  # no price: blocked
        publishing.publish_channel(lib, "shop")
        products.set_values(lib, "A-1", {"name-en_US": "A2"})
    code, stdout, err = run(root, "status", "--json")
    assert code == 0, err
    section = json.loads(stdout)["publishing"]
    shop = next(c for c in section["channels"] if c["channel"] == "shop")
    assert (shop["published"], shop["waiting"], shop["blocked"]) == (0, 1, 1)
    assert shop["last_run"]["result"] == "partial"
    code, stdout, _ = run(root, "status")
    line = next(x for x in stdout.splitlines() if x.startswith("publish   shop "))
    assert line.startswith("publish   shop (shopify_csv): 0 published, 1 waiting")
    assert "1 blocked, auto-publish off, last run " in line and line.endswith(" partial")
    shown = stdout.replace("exporter=NAME output=FOLDER", "")  # the no-exporter command hint
    assert "None" not in shown and "[]" not in shown and "=" not in shown


def test_demo_channels_are_publish_ready_and_publish(tmp_path: Path) -> None:
    root = tmp_path / "lib"
    code, stdout, err = run(root, "demo")
    assert code == 0, err
    code, stdout, _ = run(root, "channels", "list", "--json")
    channels = {c["code"]: c for c in json.loads(stdout)["channels"]}
    assert channels["storefront"]["auto_publish"] and channels["shopify"]["auto_publish"]
    code, stdout, err = run(root, "publish", "storefront", "--json")
    assert code == 0, err
    report = json.loads(stdout)
    # until the demo has photos, products whose family requires a main image are blocked
    assert report["published"] or all(
        "image" in " ".join(b["reasons"]) for b in report["blocked"]
    ), report
    assert report["published"] or report["blocked"]


def test_the_readme_channel_example_works_on_first_use(tmp_path: Path) -> None:
    root = tmp_path / "lib"
    out = tmp_path / "x" / "shop1"  # does not exist yet
    Library.open(root).close()
    code, stdout, err = run(root, "channels", "add", "shop", "--exporter", "shopify_csv",
                            "--set", f"output={out}",
                            "--set", "base_url=https://cdn.example.com/img/")  # fmt: skip
    assert code == 0, err
    assert f"created the output folder {out}" in stdout and out.is_dir()
    from pimdesk.services import products

    with Library.open(root) as lib:
        products.create_product(lib, "TOTE-1", values={"name-en_US": "Tote", "price-USD": "30"})
    code, stdout, err = run(root, "publish", "shop", "--dry-run")
    assert code == 0, err
    code, stdout, err = run(root, "publish", "shop")
    assert code == 0, err
    assert "TOTE-1" in (out / "products.csv").read_text(encoding="utf-8")
    # the drive goes away: a dry run now says what the real publish would say
    for child in out.iterdir():
        child.unlink()
    out.rmdir()
    code, stdout, err = run(root, "publish", "shop", "--dry-run")
    assert code == 1 and "does not exist" in err and "[failed]" in stdout
    with Library.open(root) as lib:
        products.set_values(lib, "TOTE-1", {"name-en_US": "Tote bag"})
    code, _, err = run(root, "publish", "shop")
    assert code == 1 and "does not exist" in err and not out.exists()
