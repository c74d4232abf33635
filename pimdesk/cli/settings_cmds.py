"""``pimdesk settings``: read and change the library-wide settings."""

from __future__ import annotations

import click

from pimdesk.cli.common import (
    AppContext,
    echo_table,
    handle_errors,
    json_option,
    pass_app,
    print_json,
)


@click.group(invoke_without_command=True)
@json_option
@click.pass_context
@handle_errors
def settings(ctx: click.Context, as_json: bool) -> None:
    """Library-wide settings: auto-approve ingested photos, expiring-soon days, history.

    Without a subcommand, lists them with their values and meaning; set changes one.

    \b
    Examples:
      pimdesk settings
      pimdesk settings set assets.auto_approve false
      pimdesk settings set rights.expiring_days 45
    """
    if ctx.invoked_subcommand is not None:
        return
    from pimdesk.services.settings import list_settings

    app = ctx.find_object(AppContext)
    assert app is not None
    rows = [s.to_dict() for s in list_settings(app.library)]
    if as_json:
        print_json(rows)
        return
    echo_table(rows, ["key", "value", "default", "help"])


@settings.command("set", context_settings={"ignore_unknown_options": True})
@click.argument("key")
@click.argument("value")
@json_option
@pass_app
@handle_errors
def set_(app: AppContext, key: str, value: str, as_json: bool) -> None:
    """Set KEY to VALUE (true/false, or a whole number)."""
    from pimdesk.services.settings import set_setting

    shown = set_setting(app.library, key, value)
    if as_json:
        print_json(shown.to_dict())
        return
    click.echo(f"{shown.key} = {str(shown.value).lower()}")


def register(cli: click.Group) -> None:
    """Add this area's commands to the main group."""
    cli.add_command(settings)
