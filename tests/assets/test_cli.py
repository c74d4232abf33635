"""The assets CLI end to end: every command runs, says what it did, and --json carries ids."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from pimdesk.cli import cli
from pimdesk.library import Library


def test_every_assets_command(library: Library, shoot: Path, place, add_products) -> None:
    add_products(library, "WB-750", "WB-751")
    place("products/mg01-bk-0.jpg", "WB-750_main_1.jpg")
    place("products/mg02-bk-0.jpg", "stray.jpg")
    runner = CliRunner()
    base = ["--library", str(library.root)]

    def run(*args: str, code: int = 0) -> str:
        result = runner.invoke(cli, [*base, *args])
        assert result.exit_code == code, (args, result.output)
        return result.output

    assert "1 new asset, 1 unmatched" in run("ingest", str(shoot))
    place("products/wg01-bk-0.jpg", "WB-750_main_1.jpg")
    assert "1 new version" in run("ingest", str(shoot / "WB-750_main_1.jpg"))
    listed = json.loads(run("assets", "list", "--json"))
    main_id = next(a["id"] for a in listed if a["links"])
    stray_id = next(a["id"] for a in listed if a["inbox_reason"])
    assert [a["id"] for a in json.loads(run("assets", "list", "--unmatched", "--json"))] == [
        stray_id
    ]
    assert "WB-750 role=main position=1" in run("assets", "show", str(main_id))
    versions = json.loads(run("assets", "versions", str(main_id), "--json"))
    assert [(v["number"], v["current"]) for v in versions] == [(1, False), (2, True)]
    assert all(v["id"] == main_id for v in versions)
    assert "version 2: rejected" in run("assets", "approve", str(main_id), "--reject")
    assert "restored as version 3" in run("assets", "restore", str(main_id), "1")
    assert "version 3: approved" in run("assets", "approve", str(main_id), "--version", "3")
    assert "linked to WB-751 as detail #1" in run(
        "assets", "link", str(stray_id), "WB-751", "--role", "detail"
    )
    assert "alt text for de_DE saved" in run("assets", "alt", str(main_id), "de_DE", "Uhr")
    assert "hero" in run("assets", "tag", str(main_id), "hero", "sale")
    assert "hero" not in run("assets", "tag", str(main_id), "hero", "--remove")
    assert "1 link removed" in run("assets", "unlink", str(stray_id), "WB-751")
    rematch = json.loads(run("assets", "rematch", "--json"))
    assert rematch["linked"] == [] and len(rematch["waiting"]) == 1
    assert "rights expired" in run("rights", "set", str(main_id), "--expires", "2001-01-01")
    assert str(main_id) in run("rights", "expiring", "--expired")
    assert json.loads(run("assets", "list", "--expired", "--json"))[0]["id"] == main_id
    assert "no problems" not in run("assets", "problems")
    run("assets", "restore", str(main_id), "9", code=1)
    run("assets", "approve", "999", code=1)
    run("rights", "set", str(main_id), "--channels", "nowhere", code=1)
    run("assets", "link", str(main_id), "NOPE", code=1)


def test_ingest_exits_3_when_a_file_is_a_problem_and_still_ingests_the_rest(
    library: Library, shoot: Path, place, add_products
) -> None:
    add_products(library, "WB-750")
    place("products/mg01-bk-0.jpg", "WB-750_main_1.jpg")
    place("corrupt/pillow_truncated_jpeg.jpg", "WB-750_back_1.jpg")
    runner = CliRunner()
    base = ["--library", str(library.root)]
    plain = runner.invoke(cli, [*base, "ingest", str(shoot)])
    assert plain.exit_code == 3, plain.output
    assert "1 new asset, 1 problem" in plain.stdout
    assert "1 file could not be ingested (see 'pimdesk assets problems')" in plain.stderr
    listed = json.loads(runner.invoke(cli, [*base, "assets", "list", "--json"]).output)
    assert [a["links"][0]["role"] for a in listed] == ["main"]  # the good photo went in

    as_json = runner.invoke(cli, [*base, "ingest", "--json", str(shoot)])
    assert as_json.exit_code == 3
    report = json.loads(as_json.stdout)  # the same shape as without problems
    assert set(report) == {"summary", "asset_ids", "product_ids", "files"}
    assert report["summary"]["problem"] == 1 and report["summary"]["identical"] == 1
    assert as_json.stderr == ""

    (shoot / "WB-750_back_1.jpg").unlink()
    clean = runner.invoke(cli, [*base, "ingest", str(shoot)])
    assert clean.exit_code == 0, clean.output


def test_ingest_help_names_its_exit_codes() -> None:
    shown = CliRunner().invoke(cli, ["ingest", "--help"])
    assert "Exit code 3 when any file was a problem" in shown.output


def test_the_camera_column_does_not_repeat_the_make() -> None:
    from pimdesk.cli.assets_cmds import _camera

    assert _camera({"make": "Canon", "model": "Canon EOS 40D"}) == "Canon EOS 40D"
    assert _camera({"make": "NIKON CORPORATION", "model": "NIKON D70"}) == "NIKON D70"
    assert _camera({"make": "Apple", "model": "iPhone 12"}) == "Apple iPhone 12"
    assert _camera({"model": "X100"}) == "X100" and _camera({}) == ""


def test_problems_show_the_whole_reason_and_with_all_their_state(
    library: Library, shoot: Path
) -> None:
    bad = shoot / "WB-750_main_1.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe0" + b"not really a jpeg " * 20)
    runner = CliRunner()
    base = ["--library", str(library.root)]
    runner.invoke(cli, [*base, "ingest", str(shoot)])
    [problem] = json.loads(runner.invoke(cli, [*base, "assets", "problems", "--json"]).output)
    table = runner.invoke(cli, [*base, "assets", "problems"]).output.splitlines()
    assert table[1].endswith(problem["reason"])  # not cut: it says what is wrong
    bad.unlink()
    runner.invoke(cli, [*base, "ingest", str(shoot)])  # the file is gone: resolved
    shown = runner.invoke(cli, [*base, "assets", "problems", "--all"]).output.splitlines()
    assert shown[0].split()[:4] == ["ID", "SEEN", "STATE", "FILE"]
    assert " resolved " in shown[1]


def test_assets_list_sku_shows_what_a_product_shows_its_models_images_included(
    tmp_path: Path,
) -> None:
    from pimdesk.services.demo import load_demo

    root = tmp_path / "demo"
    with Library.open(root) as library:
        load_demo(library)
    runner = CliRunner()

    def listed(sku: str) -> list[str]:
        result = runner.invoke(cli, ["--library", str(root), "assets", "list", "--sku", sku])
        assert result.exit_code == 0, result.output
        return sorted(line.split()[2] for line in result.output.splitlines()[1:])

    # A T-shirt size shows its colour model's photo and the T-shirt model's lifestyle photo.
    assert listed("tee-org-bla-m") == ["TEE-ORG-BLA_main_1", "TEE-ORG_lifestyle_1"]
    assert listed("TEE-ORG") == ["TEE-ORG_lifestyle_1"]  # a model code: the model's own
    assert listed("BP-ROLL-20") == ["BP-ROLL-20_main_1"]
    unknown = runner.invoke(cli, ["--library", str(root), "assets", "list", "--sku", "NOPE-1"])
    assert unknown.exit_code == 1
    assert "no product or product model 'NOPE-1'" in unknown.output
    # products show lists the same media, saying which come from a model.
    shown = runner.invoke(cli, ["--library", str(root), "products", "show", "TEE-ORG-BLA-M"])
    media = [line for line in shown.output.splitlines() if line.startswith("media")]
    # (asset ids depend on the order the demo's workers finished in)
    assert [line.split(": asset ")[0] for line in media] == [
        "media     main 1",
        "media     lifestyle 1",
    ]
    assert media[0].endswith("TEE-ORG-BLA_main_1 (v1 approved, rights valid, from TEE-ORG-BLA)")
    assert media[1].endswith("TEE-ORG_lifestyle_1 (v1 approved, rights valid, from TEE-ORG)")
    data = json.loads(
        runner.invoke(
            cli, ["--library", str(root), "products", "show", "TEE-ORG-BLA-M", "--json"]
        ).output
    )
    assert [(m["title"], m["role"], m["linked_to"]) for m in data["media"]] == [
        ("TEE-ORG-BLA_main_1", "main", "TEE-ORG-BLA"),
        ("TEE-ORG_lifestyle_1", "lifestyle", "TEE-ORG"),
    ]
    assert all(isinstance(m["id"], int) for m in data["media"])
