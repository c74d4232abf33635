"""The ``pimdesk`` command line: headless, scriptable, calling the same services as the GUI.

Each area registers its commands from its own module; this one only builds the group.
"""

from __future__ import annotations

from pathlib import Path

import click

from pimdesk import __version__
from pimdesk.cli.common import AppContext, handle_errors, pass_app
from pimdesk.library import Library


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--library",
    "library_path",
    type=click.Path(path_type=Path, file_okay=False),
    envvar="PIMDESK_LIBRARY",
    help="Library folder (default: $PIMDESK_LIBRARY or the per-user data folder).",
)
@click.version_option(__version__, prog_name="pimdesk")
@click.pass_context
def cli(ctx: click.Context, library_path: Path | None) -> None:
    """pimdesk: product facts and product media in one catalog, published to every channel."""
    app = AppContext(library_path)
    ctx.obj = app
    ctx.call_on_close(app.close)


@cli.command()
@pass_app
@handle_errors
def init(app: AppContext) -> None:
    """Create the library (or upgrade an existing one) and say where it is."""
    library = app.library
    click.echo(f"library ready at {library.root}")


def _register() -> None:
    from pimdesk.cli import assets_cmds, catalog_cmds, channel_cmds, gui_cmds

    for module in (catalog_cmds, assets_cmds, channel_cmds, gui_cmds):
        module.register(cli)
    from pimdesk.cli import watch_cmds

    watch_cmds.register(cli)


_register()


def main() -> None:
    cli(prog_name="pimdesk")


__all__ = ["Library", "cli", "main"]
