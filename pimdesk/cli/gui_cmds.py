"""``pimdesk gui``: open the window. Qt is imported inside the command only, so every
other command runs on machines (servers, CI) without a display or the Qt libraries."""

from __future__ import annotations

import click

from pimdesk.cli.common import AppContext, pass_app


@click.command()
@click.option(
    "--scheme",
    type=click.Choice(["system", "light", "dark"]),
    default="system",
    show_default=True,
    help="Colour scheme of the window.",
)
@pass_app
def gui(app: AppContext, scheme: str) -> None:
    """Open the pimdesk window on the library (--library as for every command)."""
    try:
        from pimdesk.gui.app import run
    except ImportError as exc:  # Qt libraries missing on this machine
        raise click.ClickException(
            f"the window needs Qt for Python (PySide6) and its system libraries: {exc}"
        ) from exc
    raise SystemExit(run(app.library_path, scheme=scheme))


def register(cli: click.Group) -> None:
    """Add this area's commands to the main group."""
    cli.add_command(gui)
