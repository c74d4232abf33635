"""Commands for filename rules (``pimdesk rules ...``) and watched folders (``pimdesk watch``)."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from pimdesk.cli.common import AppContext, echo_table, handle_errors, json_option, pass_app
from pimdesk.cli.common import print_json as _print_json
from pimdesk.rules import MatchResult


@click.group()
def rules() -> None:
    """Filename rules: how a file's name says which product (and role) it belongs to."""


@rules.command("list")
@json_option
@pass_app
@handle_errors
def rules_list(app: AppContext, as_json: bool) -> None:
    """The rules in order; the first that matches a file wins."""
    from pimdesk.services import rules as rule_service

    found = rule_service.list_rules(app.library)
    if as_json:
        _print_json([r.to_json() for r in found])
        return
    echo_table(
        [{**r.to_json(), "options": json.dumps(r.options) if r.options else ""} for r in found],
        ["position", "name", "kind", "pattern", "options"],
    )


@rules.command("add")
@click.argument("name")
@click.argument("pattern")
@click.option("--regex", "is_regex", is_flag=True, help="PATTERN is a regular expression.")
@click.option(
    "--case-insensitive/--case-sensitive",
    default=None,
    help="Look the SKU up ignoring case (default: as the rule set says, which is yes).",
)
@click.option("--strict", is_flag=True, default=None, help="An unknown SKU is a problem.")
@click.option("--unknown-sku", type=click.Choice(["inbox", "create"]), default=None)
@click.option("--role-alias", "aliases", multiple=True, metavar="SPELLING=ROLE")
@click.option("--default-role", default=None, help="Role when the pattern has none.")
@click.option("--position", type=click.IntRange(min=1), default=None, help="1 = tried first.")
@pass_app
@handle_errors
def rules_add(
    app: AppContext,
    name: str,
    pattern: str,
    is_regex: bool,
    case_insensitive: bool | None,
    strict: bool | None,
    unknown_sku: str | None,
    aliases: tuple[str, ...],
    default_role: str | None,
    position: int | None,
) -> None:
    """Add a rule NAME with PATTERN, e.g. '{sku}_{role}_{position}.{ext}'.

    Template fields: {sku} {role} {position} {locale} {ext} {role_code} {any} {ignore}.
    With --regex: named groups (?P<sku>...) or Akeneo's /^(?<sku>...)$/i.
    """
    from pimdesk.services import rules as rule_service

    options: dict[str, Any] = {}
    if case_insensitive is not None:
        options["case_insensitive"] = case_insensitive
    if strict:
        options["strict"] = True
    if unknown_sku:
        options["unknown_sku"] = unknown_sku
    if default_role:
        options["default_role"] = default_role
    if aliases:
        table = {}
        for alias in aliases:
            spelling, sep, role = alias.partition("=")
            if not sep or not spelling or not role:
                raise click.BadParameter(
                    f"{alias!r} is not SPELLING=ROLE", param_hint="--role-alias"
                )
            table[spelling] = role
        options["role_aliases"] = table
    info = rule_service.add_rule(
        app.library,
        name,
        pattern,
        "regex" if is_regex else "template",
        options,
        position=position,
    )
    click.echo(f"added rule {info.name!r} at position {info.position}")


@rules.command("remove")
@click.argument("name")
@pass_app
@handle_errors
def rules_remove(app: AppContext, name: str) -> None:
    """Remove the rule NAME."""
    from pimdesk.services import rules as rule_service

    rule_service.remove_rule(app.library, name)
    click.echo(f"removed rule {name!r}")


@rules.command("move")
@click.argument("name")
@click.argument("position", type=click.IntRange(min=1))
@pass_app
@handle_errors
def rules_move(app: AppContext, name: str, position: int) -> None:
    """Move the rule NAME to POSITION (1 = tried first)."""
    from pimdesk.services import rules as rule_service

    info = rule_service.move_rule(app.library, name, position)
    click.echo(f"moved rule {info.name!r} to position {info.position}")


@rules.command("test")
@click.argument("names", nargs=-1, required=True)
@json_option
@pass_app
@handle_errors
def rules_test(app: AppContext, names: tuple[str, ...], as_json: bool) -> None:
    """Show what the rules do with each NAME (a path relative to the watched folder), without
    ingesting anything. '-' reads names from standard input, one per line."""
    from pimdesk.services import rules as rule_service

    expanded: list[str] = []
    for name in names:
        if name == "-":
            expanded.extend(line.rstrip("\r\n") for line in sys.stdin if line.strip())
        else:
            expanded.append(name)
    results = rule_service.test_names(app.library, expanded)
    if as_json:
        _print_json([r.to_json() for r in results])
        return
    for result in results:
        _echo_result(result)


def _echo_result(result: MatchResult) -> None:
    if result.matched:
        parts = [f"sku={result.sku}", f"role={result.role}", f"position={result.position}"]
        if result.locale:
            parts.append(f"locale={result.locale}")
        if result.ignored:
            parts.append(f"ignored={','.join(result.ignored)}")
        click.echo(f"{result.path}: {result.action} by rule {result.rule!r}: {' '.join(parts)}")
        if result.action != "link":
            click.echo(f"    {result.reason}")
    else:
        click.echo(f"{result.path}: {result.action}: {result.reason}")
    for attempt in result.tried:
        click.echo(f"    not {attempt.rule!r}: {attempt.reason}")


def register(cli: click.Group) -> None:
    """Add this area's commands to the main group."""
    cli.add_command(rules)
