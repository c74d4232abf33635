"""Rules stored in the catalog and edited from the CLI: seeding, add/remove/move, test names."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from pimdesk.catalog import migrate
from pimdesk.catalog.db import make_engine
from pimdesk.catalog.models import FilenameRule, Product
from pimdesk.cli import cli
from pimdesk.errors import NotFoundError
from pimdesk.events import Change
from pimdesk.library import Library
from pimdesk.rules import DEFAULT_RULES, RuleError
from pimdesk.services import rules as rule_service


def add_products(library: Library, *skus: str) -> None:
    with library.session() as s:
        for sku in skus:
            s.add(Product(sku=sku))


def names(library: Library) -> list[str]:
    return [r.name for r in rule_service.list_rules(library)]


def test_new_library_has_the_default_rules(any_library: Library) -> None:
    assert names(any_library) == [spec.name for spec in DEFAULT_RULES]
    assert [r.position for r in rule_service.list_rules(any_library)] == list(
        range(1, len(DEFAULT_RULES) + 1)
    )


def test_add_move_remove_keep_the_order_and_emit_changes(any_library: Library) -> None:
    seen: list[Change] = []
    any_library.events.subscribe(seen.append)
    info = rule_service.add_rule(any_library, "studio", "{sku}__{role}.{ext}", position=1)
    assert info.position == 1 and names(any_library)[0] == "studio"
    rule_service.move_rule(any_library, "studio", 99)  # past the end: last
    assert names(any_library)[-1] == "studio"
    rule_service.remove_rule(any_library, "studio")
    assert "studio" not in names(any_library)
    assert [c.kind for c in seen] == ["rules", "rules", "rules"]


def test_invalid_regex_is_refused_when_saving_and_nothing_is_stored(any_library: Library) -> None:
    with pytest.raises(RuleError, match=r"rule 'broken'.*position 8"):
        rule_service.add_rule(any_library, "broken", "(?P<sku>[a-", "regex")
    assert "broken" not in names(any_library)


def test_duplicate_and_missing_names_are_clear_errors(any_library: Library) -> None:
    with pytest.raises(RuleError, match="exists"):
        rule_service.add_rule(any_library, "sku", "{sku}.{ext}")
    with pytest.raises(NotFoundError, match="'nope'"):
        rule_service.remove_rule(any_library, "nope")
    with pytest.raises(NotFoundError):
        rule_service.move_rule(any_library, "nope", 1)


def test_rule_options_are_checked_and_stored(any_library: Library) -> None:
    rule_service.add_rule(
        any_library, "drafts", "NEW_{sku}.{ext}", options={"unknown_sku": "create"}, position=1
    )
    stored = rule_service.list_rules(any_library)[0]
    assert stored.options == {"unknown_sku": "create"}
    with pytest.raises(RuleError, match="unknown_sku"):
        rule_service.add_rule(any_library, "bad", "{sku}.{ext}", options={"unknown_sku": "x"})


def test_test_names_uses_the_library_products(any_library: Library) -> None:
    add_products(any_library, "WB-750", "AB_12")
    results = rule_service.test_names(any_library, ["WB-750.jpg", "ab_12_back.png", "zz.gif"])
    assert [(r.sku, r.action) for r in results] == [
        ("WB-750", "link"),
        ("AB_12", "link"),
        ("zz", "inbox"),
    ]


def test_removing_every_rule_is_respected(library: Library) -> None:
    for name in names(library):
        rule_service.remove_rule(library, name)
    assert names(library) == []
    assert rule_service.test_names(library, ["WB-750.jpg"])[0].action == "inbox"


def test_library_upgraded_from_before_rules_gets_the_defaults(tmp_path: Path) -> None:
    """Seeded at load time (not in the migration): the first read of an upgraded library."""
    root = tmp_path / "old"
    root.mkdir()
    db = root / "catalog.sqlite"
    (root / "library.toml").write_text(f'[database]\nurl = "sqlite:///{db}"\n')
    engine = make_engine(f"sqlite:///{db}")
    migrate.upgrade(engine, "0002_search")
    engine.dispose()
    with Library.open(root) as lib:
        with lib.session() as s:
            assert s.scalars(select(FilenameRule)).all() == []
        assert names(lib) == [spec.name for spec in DEFAULT_RULES]


# -- CLI -------------------------------------------------------------------------------------


@pytest.fixture
def run(tmp_path: Path):
    runner = CliRunner()
    root = tmp_path / "lib"

    def invoke(*args: str, stdin: str | None = None):
        return runner.invoke(cli, ["--library", str(root), *args], input=stdin)

    assert invoke("init").exit_code == 0
    return invoke


def test_cli_rules_list_json(run) -> None:
    result = run("rules", "list", "--json")
    assert result.exit_code == 0
    rows = json.loads(result.output)
    assert rows[0] == {
        "position": 1,
        "name": "amazon",
        "pattern": "{sku}.{role_code}.{ext}",
        "kind": "template",
        "options": {},
        "enabled": True,
    }


def test_cli_rules_add_regex_error_is_one_line_exit_1(run) -> None:
    result = run("rules", "add", "bad", "/^(?<sku>.+/", "--regex")
    assert result.exit_code == 1
    assert "rule 'bad'" in result.stderr and "position" in result.stderr
    assert result.stderr.count("\n") == 1


def test_cli_rules_add_move_remove(run) -> None:
    assert (
        run(
            "rules",
            "add",
            "ak",
            r"/^(?<sku>\w+)-(?<role>\w+)\.jpg$/i",
            "--regex",
            "--unknown-sku",
            "create",
            "--strict",
            "--position",
            "2",
        ).exit_code
        == 0
    )
    rows = json.loads(run("rules", "list", "--json").output)
    assert rows[1]["name"] == "ak" and rows[1]["options"] == {
        "strict": True,
        "unknown_sku": "create",
    }
    assert run("rules", "move", "ak", "1").exit_code == 0
    assert json.loads(run("rules", "list", "--json").output)[0]["name"] == "ak"
    assert run("rules", "remove", "ak").exit_code == 0
    assert run("rules", "remove", "ak").exit_code == 1


def test_cli_rules_test_shows_rule_fields_and_why_others_failed(run) -> None:
    result = run("rules", "test", "AB_12_front.jpg")
    assert result.exit_code == 0
    assert "by rule 'sku_role': sku=AB_12 role=front position=1" in result.output
    assert "not 'sku_role_position': after '{sku}_{role}', expected '_'" in result.output


def test_cli_rules_test_reads_stdin_and_prints_json(run) -> None:
    result = run("rules", "test", "-", "--json", stdin="AB_12_front.jpg\nB0X.PT02.jpg\n\n")
    assert result.exit_code == 0
    rows = json.loads(result.output)
    assert [(r["name"], r["sku"], r["role"], r["position"]) for r in rows] == [
        ("AB_12_front.jpg", "AB_12", "front", 1),
        ("B0X.PT02.jpg", "B0X", "gallery", 2),
    ]
    assert rows[0]["tried"][0]["rule"] == "amazon"


def test_rule_set_options_strict_and_aliases(any_library: Library) -> None:
    assert rule_service.test_names(any_library, ["plain"])[0].action == "inbox"
    rule_service.set_options(any_library, {"strict": True, "role_aliases": {"pk": "packshot"}})
    assert rule_service.get_options(any_library) == {
        "strict": True,
        "role_aliases": {"pk": "packshot"},
    }
    plain, packshot = rule_service.test_names(any_library, ["plain", "X_pk.jpg"])
    assert plain.action == "problem"
    assert packshot.role == "packshot"
    with pytest.raises(RuleError, match="unknown_sku"):
        rule_service.set_options(any_library, {"unknown_sku": "never"})
    rule_service.set_options(any_library, {"strict": None})
    assert rule_service.get_options(any_library) == {"role_aliases": {"pk": "packshot"}}


def test_cli_rules_options(run) -> None:
    shown = run("rules", "options", "--strict", "--role-alias", "v=video", "--json")
    assert shown.exit_code == 0
    assert json.loads(shown.output) == {"strict": True, "role_aliases": {"v": "video"}}
    assert "strict: true" in run("rules", "options").output
    assert run("rules", "options", "--role-alias", "oops").exit_code == 2
