"""Commands for filename rules (``pimdesk rules ...``) and watched folders (``pimdesk watch``)."""

from __future__ import annotations

import contextlib
import json
import sys
from typing import Any

import click

from pimdesk.cli.common import AppContext, echo_table, handle_errors, json_option, pass_app
from pimdesk.cli.common import print_json as _print_json
from pimdesk.cli.display import count, outcome_counts
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
@click.option(
    "--strict", is_flag=True, default=None, help="An unknown SKU is a problem, not an inbox item."
)
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
        options["role_aliases"] = _alias_table(aliases)
    info = rule_service.add_rule(
        app.library,
        name,
        pattern,
        "regex" if is_regex else "template",
        options,
        position=position,
    )
    click.echo(f"added rule {info.name!r} at position {info.position}")


@rules.command("options")
@click.option(
    "--strict/--lenient",
    default=None,
    help="Files no rule places (unmatched or unknown SKU): problem / inbox.",
)
@click.option("--case-insensitive/--case-sensitive", default=None, help="SKU lookup.")
@click.option("--unknown-sku", type=click.Choice(["inbox", "create"]), default=None)
@click.option("--role-alias", "aliases", multiple=True, metavar="SPELLING=ROLE")
@click.option("--default-role", default=None, help="Role when a rule's pattern has none.")
@json_option
@pass_app
@handle_errors
def rules_options(
    app: AppContext,
    strict: bool | None,
    case_insensitive: bool | None,
    unknown_sku: str | None,
    aliases: tuple[str, ...],
    default_role: str | None,
    as_json: bool,
) -> None:
    """Show or change the rule set's options (every rule inherits them)."""
    from pimdesk.services import rules as rule_service

    changes: dict[str, Any] = {
        "strict": strict,
        "case_insensitive": case_insensitive,
        "unknown_sku": unknown_sku,
        "default_role": default_role,
    }
    changes = {k: v for k, v in changes.items() if v is not None}
    if aliases:
        current = rule_service.get_options(app.library).get("role_aliases", {})
        changes["role_aliases"] = {**current, **_alias_table(aliases)}
    options = (
        rule_service.set_options(app.library, changes)
        if changes
        else rule_service.get_options(app.library)
    )
    if as_json:
        _print_json(options)
        return
    if not options:
        click.echo(
            "rule set options: defaults (lenient, case-insensitive SKUs, unknown SKU -> inbox)"
        )
    for key, value in sorted(options.items()):
        click.echo(f"{key}: {json.dumps(value)}")


def _alias_table(aliases: tuple[str, ...]) -> dict[str, str]:
    table = {}
    for alias in aliases:
        spelling, sep, role = alias.partition("=")
        if not sep or not spelling or not role:
            raise click.BadParameter(f"{alias!r} is not SPELLING=ROLE", param_hint="--role-alias")
        table[spelling] = role
    return table


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
    lines: list[str] = []
    for result in results:
        lines.extend(_result_lines(result))
        if len(lines) > 5000:  # write in large pieces: 100,000 names print quickly
            click.echo("\n".join(lines))
            lines = []
    if lines:
        click.echo("\n".join(lines))


def _result_lines(result: MatchResult) -> list[str]:
    if result.matched:
        parts = [f"sku={result.sku}", f"role={result.role}", f"position={result.position_text}"]
        if result.locale:
            parts.append(f"locale={result.locale}")
        if result.ignored:
            parts.append(f"ignored={','.join(result.ignored)}")
        lines = [f"{result.path}: {result.action} by rule {result.rule!r}: {' '.join(parts)}"]
        if result.action != "link":
            lines.append(f"    {result.reason}")
    else:
        lines = [f"{result.path}: {result.action}: {result.reason}"]
    lines.extend(f"    not {a.rule!r}: {a.reason}" for a in result.tried)
    return lines


# -- watched folders -----------------------------------------------------------------------


@click.group(invoke_without_command=True)
@json_option
@pass_app
@click.pass_context
@handle_errors
def watch(ctx: click.Context, app: AppContext, as_json: bool) -> None:
    """Watch the folders of the watch list and ingest files as they arrive (until Ctrl+C).

    Subcommands manage the list: watch add PATH, watch list, watch remove PATH.
    """
    if ctx.invoked_subcommand is not None:
        return
    import signal
    import threading

    from pimdesk.services.watch import folders
    from pimdesk.watch import background_services
    from pimdesk.watch.watcher import FolderWatcher

    library = app.library
    library.acquire_instance_lock("pimdesk watch")
    if not folders(library):
        click.echo(
            "pimdesk: no watched folders yet; add one with 'pimdesk watch add PATH' "
            "(this watcher picks it up)",
            err=True,
        )
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    services = background_services(library)  # auto-publishing and friends
    watcher = FolderWatcher(library, on_event=_event_printer(as_json), services=services)
    # the photographer's proof that the drop went live: one line per auto-publish run
    unsubscribe = library.events.subscribe(_publish_printer(as_json))
    try:
        watcher.run_forever(stop)
    except KeyboardInterrupt:
        pass
    finally:
        unsubscribe()
        signal.signal(signal.SIGTERM, previous)
    click.echo("pimdesk: watcher stopped", err=True)


def _event_printer(as_json: bool):  # type: ignore[no-untyped-def]
    from pathlib import Path

    from pimdesk.watch.watcher import WatchEvent

    def show(event: WatchEvent) -> None:
        if as_json:
            data = {
                "kind": event.kind,
                "folder": event.folder,
                "path": event.path,
                "message": event.message,
                "outcome": event.outcome.to_dict() if event.outcome else None,
            }
            click.echo(json.dumps(data, ensure_ascii=False), nl=True)
            sys.stdout.flush()
            return
        if event.kind == "unchanged":
            return  # a scan's already-ingested files: the "scan" line counts them
        shown = event.path or ""
        if event.path and event.folder:
            with contextlib.suppress(ValueError):
                shown = Path(event.path).relative_to(event.folder).as_posix()
        if event.outcome is not None:
            o = event.outcome
            target = f" -> {o.sku} {o.role} {o.position}" if o.sku else ""
            asset = f" (asset {o.asset_id} v{o.version})" if o.asset_id else ""
            reason = f": {o.reason}" if o.reason and o.outcome != "new_asset" else ""
            line = f"{o.outcome:<11} {shown}{target}{asset}{reason}"
        elif shown:
            line = f"{event.kind:<11} {shown}: {event.message}"
        else:
            line = f"{event.kind:<11} {event.folder}: {event.message}"
        click.echo(line)
        sys.stdout.flush()

    return show


PUBLISH_NOTES_SHOWN = 5  # a full publish can warn about thousands of listings


def _publish_printer(as_json: bool):  # type: ignore[no-untyped-def]
    """Show each publish that wrote something (auto-publish runs on its own thread)."""
    from pimdesk.events import Change

    def show(change: Change) -> None:
        if change.kind != "publish":
            return
        wrote = bool(change.product_ids) or ", 0 withdrawn" not in change.detail
        if not wrote and not change.notes:
            return  # a run that found nothing to write is not news while watching
        for code in sorted(change.channel_codes):
            if as_json:
                data = {
                    "kind": "published",
                    "channel": code,
                    "message": change.detail,
                    "products": len(change.product_ids),
                    "warnings": list(change.notes),
                }
                click.echo(json.dumps(data, ensure_ascii=False))
                continue
            if wrote:
                click.echo(f"{'published':<11} {code}: {change.detail}")
            for note in change.notes[:PUBLISH_NOTES_SHOWN]:
                click.echo(f"{'warning':<11} {code}: {note}")
            more = len(change.notes) - PUBLISH_NOTES_SHOWN
            if more > 0:
                click.echo(
                    f"{'warning':<11} {code}: {count(more, 'more warning')} "
                    f"(pimdesk publish {code} --dry-run lists them)"
                )
        sys.stdout.flush()

    return show


@watch.command("add")
@click.argument("path", type=click.Path(path_type=str))
@click.option("--recursive/--no-recursive", default=True, help="Include subfolders (default).")
@click.option("--include", multiple=True, metavar="GLOB", help="Only these files (e.g. '*.jpg').")
@click.option("--exclude", multiple=True, metavar="GLOB", help="Leave these files out.")
@click.option("--polling", is_flag=True, help="Poll instead of OS events (network shares).")
@json_option
@pass_app
@handle_errors
def watch_add(
    app: AppContext,
    path: str,
    recursive: bool,
    include: tuple[str, ...],
    exclude: tuple[str, ...],
    polling: bool,
    as_json: bool,
) -> None:
    """Add PATH to the watch list and ingest what is already in it."""
    from pimdesk.cli.common import progress
    from pimdesk.services import watch as watch_service

    library = app.library
    info = watch_service.add_folder(
        library, path, recursive=recursive, include=include, exclude=exclude, polling=polling
    )
    with progress(None, "scanning") as advance:
        report = watch_service.reconcile(
            library, info, progress=lambda e: advance(1) if e.stage == "file" else None
        )
    if as_json:
        _print_json({"folder": info.to_json(), "scan": report.to_json()})
        return
    click.echo(f"watching {info.path}")
    summary = report.ingest.summary() if report.ingest else {}
    counts = outcome_counts(summary) or "no files yet"
    click.echo(f"scanned: {counts}")
    for skipped_path, reason in report.skipped:
        click.echo(f"skipped {skipped_path}: {reason}")
    if report.fresh:
        click.echo(
            f"{count(len(report.fresh), 'file')} still being written: 'pimdesk watch' ingests them"
        )


@watch.command("list")
@json_option
@pass_app
@handle_errors
def watch_list(app: AppContext, as_json: bool) -> None:
    """The watched folders with their state: watching, idle (no watcher runs) or offline."""
    from pimdesk.services import watch as watch_service

    found = watch_service.list_folders(app.library)
    if as_json:
        _print_json([f.to_json() for f in found])
        return
    echo_table(
        [
            {
                **f.to_json(),
                "include": " ".join(f.include),
                "exclude": " ".join(f.exclude),
                "last_scan": f.last_scan_at.strftime("%Y-%m-%d %H:%M:%S") if f.last_scan_at else "",
            }
            for f in found
        ],
        ["path", "state", "recursive", "polling", "include", "exclude", "last_scan"],
    )


@watch.command("remove")
@click.argument("path", type=click.Path(path_type=str))
@pass_app
@handle_errors
def watch_remove(app: AppContext, path: str) -> None:
    """Stop watching PATH (its assets stay in the library)."""
    from pimdesk.services import watch as watch_service

    info = watch_service.remove_folder(app.library, path)
    click.echo(f"no longer watching {info.path}")


def register(cli: click.Group) -> None:
    """Add this area's commands to the main group (and the watch section of `status`)."""
    import pimdesk.services.watch  # noqa: F401  (registers its status provider)

    cli.add_command(rules)
    cli.add_command(watch)
