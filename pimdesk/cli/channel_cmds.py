"""Commands of the channel area: ``pimdesk channels ...`` and ``pimdesk publish``."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

import click

from pimdesk.cli.common import (
    AppContext,
    echo_table,
    handle_errors,
    interactive,
    json_option,
    pass_app,
    print_json,
)
from pimdesk.cli.display import name_list

if TYPE_CHECKING:
    from pimdesk.services import publishing


def _pairs(items: tuple[str, ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise click.UsageError(f"expected key=value, got {item!r}")
        out[key.strip()] = value
    return out


@click.group("channels")
def channels() -> None:
    """Sales channels: add, configure, map fields, inspect."""


@channels.command("add")
@click.argument("code")
@click.option("--exporter", "exporter", required=True, help="Exporter plugin name.")
@click.option("--label", default=None)
@click.option("--locale", default=None, help="Locale of the channel's listings (en_US).")
@click.option("--currency", default=None, help="Currency of the channel's prices (USD).")
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE", help="A channel setting.")
@json_option
@pass_app
@handle_errors
def add(
    app: AppContext,
    code: str,
    exporter: str,
    label: str | None,
    locale: str | None,
    currency: str | None,
    sets: tuple[str, ...],
    as_json: bool,
) -> None:
    """Add channel CODE publishing through EXPORTER."""
    from pimdesk.services import publishing  # imported when the command runs

    detail = publishing.add_channel(
        app.library,
        code,
        exporter=exporter,
        label=label,
        locale=locale,
        currency=currency,
        settings=_pairs(sets),
    )
    _show(detail, as_json)


@channels.command("set")
@click.argument("code")
@click.argument("pairs", nargs=-1, required=True, metavar="KEY=VALUE...")
@json_option
@pass_app
@handle_errors
def set_(app: AppContext, code: str, pairs: tuple[str, ...], as_json: bool) -> None:
    """Change settings of channel CODE (also label, locale, currency, exporter)."""
    from pimdesk.services import publishing  # imported when the command runs

    _show(publishing.set_channel(app.library, code, _pairs(pairs)), as_json)


@channels.command("list")
@json_option
@pass_app
@handle_errors
def list_(app: AppContext, as_json: bool) -> None:
    """Every channel, and exporter plugins that could not be loaded."""
    from pimdesk.services import publishing  # imported when the command runs

    rows, problems = publishing.list_channels(app.library)
    if as_json:
        print_json({"channels": [asdict(r) for r in rows], "plugin_problems": problems})
        return
    echo_table(
        [asdict(r) for r in rows],
        ["code", "label", "exporter", "locale", "currency", "auto_publish", "problem"],
    )
    for problem in problems:
        click.echo(f"warning: {problem}", err=True)


@channels.command("show")
@click.argument("code")
@json_option
@pass_app
@handle_errors
def show(app: AppContext, code: str, as_json: bool) -> None:
    """Settings, field map (with sources) and listing counts of channel CODE."""
    from pimdesk.services import publishing  # imported when the command runs

    _show(publishing.show_channel(app.library, code), as_json)


@channels.command("map")
@click.argument("code")
@click.argument("field")
@click.argument("source")
@json_option
@pass_app
@handle_errors
def map_(app: AppContext, code: str, field: str, source: str, as_json: bool) -> None:
    """Fill FIELD of channel CODE from SOURCE: an attribute code or @family, @category_path,
    @parent, @sku, @tags, @title; "" leaves it empty, @default restores the default."""
    from pimdesk.services import publishing  # imported when the command runs

    row = publishing.map_field(app.library, code, field, source)
    if as_json:
        print_json(asdict(row))
    else:
        click.echo(f"{code}: {row.field} <- {row.source or '(nothing)'} ({row.origin})")


def _show(detail: publishing.ChannelDetail, as_json: bool) -> None:
    if as_json:
        print_json(asdict(detail))
        return
    if detail.created_folder:
        click.echo(f"created the output folder {detail.created_folder}")
    click.echo(f"{detail.code}: {detail.label}")
    click.echo(f"  exporter: {detail.exporter or '-'}")
    click.echo(f"  locale: {', '.join(detail.locales)}  currency: {', '.join(detail.currencies)}")
    if detail.category_tree:
        click.echo(f"  category tree: {detail.category_tree}")
    if detail.problem:
        click.echo(f"  problem: {detail.problem}")
    if detail.settings:
        click.echo("  settings:")
        for key, value in sorted(detail.settings.items()):
            click.echo(f"    {key} = {value}")
    if detail.fields:
        click.echo("  fields:")
        for row in detail.fields:
            required = " (required)" if row.required else ""
            if row.source:
                source = f"{row.source} [{row.origin}]"
                source += f"; when empty: {row.fallback}" if row.fallback else ""
            elif row.fallback:  # the exporter fills it itself (a handle from the title)
                source = f"{row.fallback} [exporter]"
            else:
                source = f"(nothing) [{row.origin}]"
            click.echo(f"    {row.field}{required} <- {source}")
    if detail.unfilled_fields:
        click.echo(f"  nothing fills: {', '.join(detail.unfilled_fields)}")
    if detail.counts is not None:
        c = detail.counts
        click.echo(
            f"  listings: {c.published} published, {c.waiting} waiting, "
            f"{c.never_published} never published, {c.withdraw} to withdraw, {c.blocked} blocked"
            + (f", {c.outside} outside the channel's categories" if c.outside else "")
        )
        if c.outside_skus:
            click.echo(f"  outside the channel's categories: {name_list(c.outside_skus)}")


@click.command("publish")
@click.argument("channel", required=False)
@click.option(
    "--changed",
    "mode",
    flag_value="changed",
    default=True,
    help="Only if anything changed (default).",
)
@click.option("--all", "mode", flag_value="all", help="Rebuild and rewrite every listing.")
@click.option("--dry-run", is_flag=True, help="Validate and report; write nothing.")
@click.option(
    "--history",
    is_flag=True,
    help="Show the channel's publish runs instead (without CHANNEL: every channel's).",
)
@json_option
@pass_app
@handle_errors
def publish(
    app: AppContext, channel: str | None, mode: str, dry_run: bool, history: bool, as_json: bool
) -> None:
    """Publish CHANNEL's listings (or show its --history).

    With --history and no CHANNEL: the recent runs of every channel."""
    if history:
        from pimdesk.services import publishing  # imported when the command runs

        runs = publishing.publish_history(app.library, channel)
        if as_json:
            print_json({"runs": [asdict(r) for r in runs]})
        else:
            _history_lines(runs, every_channel=channel is None)
        return
    if channel is None:
        raise click.UsageError(
            "Missing argument 'CHANNEL' (or --history for every channel's recent runs)."
        )
    _publish(app, channel, mode, dry_run, as_json)


def _publish(app: AppContext, channel: str, mode: str, dry_run: bool, as_json: bool) -> None:
    from pimdesk.services import publishing  # imported when the command runs

    bar: Any = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if not interactive():
            return
        if bar is None:
            bar = click.progressbar(
                length=total, label=f"publishing {channel}", file=click.get_text_stream("stderr")
            )
            bar.__enter__()
        bar.update(done - bar.pos)

    try:
        report = publishing.publish_channel(
            app.library, channel, mode=mode, dry_run=dry_run, progress=progress
        )
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    if as_json:
        print_json(report.to_dict())
    else:
        _report_lines(report)
    if report.result == "failed":
        raise click.exceptions.Exit(1)


def _report_lines(report: publishing.PublishReport) -> None:
    """What a publish did, or with ``--dry-run`` what it would do, naming the SKUs."""
    publish_verb, withdraw_verb = (
        ("would publish", "would withdraw") if report.dry_run else ("published", "withdrew")
    )
    dry = " (dry run, nothing written)" if report.dry_run else ""
    click.echo(
        f"{report.channel}{dry}: {publish_verb} {len(report.published)} changed "
        f"({report.unchanged} unchanged), {withdraw_verb} {len(report.withdrawn)}, "
        f"blocked {len(report.blocked)} [{report.result}]"
    )
    for verb, skus in ((publish_verb, report.published), (withdraw_verb, report.withdrawn)):
        if skus:
            click.echo(f"  {verb} {len(skus)}: {name_list(skus)}")
    if report.withdrawal_rows:
        rows = report.withdrawal_rows
        how = f" ({report.withdrawal_how})" if report.withdrawal_how else ""
        click.echo(
            f"  {len(rows)} kept in the file as rows that take them off the shop{how}; "
            f"import it to apply: {name_list(rows)}"
        )
    for item in report.withdrawn_blocked:  # why a product leaves the channel
        click.echo(f"    {item.sku} is blocked now: {'; '.join(item.reasons)}")
    for item in report.blocked:
        click.echo(f"  blocked {item.sku}: {'; '.join(item.reasons)}")
    if report.outside:
        click.echo(
            f"  {len(report.outside)} outside the channel's categories (no category under its "
            f"tree, not listed): {name_list(report.outside)}"
        )
    for warning in report.warnings[:20]:
        click.echo(f"  warning: {warning}", err=True)
    for error in report.errors:
        click.echo(f"error: {error}", err=True)


def _history_lines(runs: list[publishing.RunInfo], *, every_channel: bool = False) -> None:
    """One line per run (newest first) saying what it did, with the SKUs it published,
    withdrew and left out; a run that had nothing to write says so. ``every_channel``:
    the runs of several channels, each line naming its channel."""
    if not runs:
        click.echo("no publish runs yet")
        return
    for run in runs:
        when = run.started_at.astimezone().strftime("%Y-%m-%d %H:%M:%S")
        if run.result == "nothing":
            what = "nothing to publish"
        else:
            what = (
                f"{run.result}: {run.published} published, {run.withdrawn} withdrawn, "
                f"{run.blocked} blocked"
            )
        channel = f" {run.channel}" if every_channel else ""
        click.echo(f"#{run.id} {when}{channel} {run.mode}: {what}")
        for label, skus in (
            ("published", run.products),
            ("withdrawn", run.withdrawn_skus),
            ("blocked", run.blocked_skus),
        ):
            if skus:
                click.echo(f"    {label}: {name_list(skus)}")
        for error in run.errors:
            click.echo(f"    error: {error}")


def register(cli: click.Group) -> None:
    """Add this area's commands to the main group."""
    cli.add_command(channels)
    cli.add_command(publish)
