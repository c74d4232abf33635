"""The ``pimdesk`` command line: headless, scriptable, calling the same services as the GUI.

Each area registers its commands from its own module; this one only builds the group. The
modules are imported when one of their commands runs, not before: ``pimdesk --help`` and a
command's start never pay for the others' imports (SQLAlchemy, Pillow, watchdog, ...).
:data:`COMMANDS` says which module registers which command, and the one-line help that
``pimdesk --help`` lists for it; ``tests/test_cli_startup.py`` checks it against the modules.
Areas that register into other areas' lists at import (the publishing section of
``status``, auto-publish in ``watch``) are imported for the commands that read those lists
(:data:`HOOKS`).
"""

from __future__ import annotations

import gc
import importlib
from pathlib import Path
from typing import TYPE_CHECKING

import click

from pimdesk import __version__
from pimdesk.cli.common import AppContext, handle_errors, pass_app

if TYPE_CHECKING:
    from pimdesk.library import Library

# command -> (module under pimdesk.cli that registers it, the summary --help shows)
COMMANDS: dict[str, tuple[str, str]] = {
    "search": (
        "catalog_cmds",
        "Find products by SKU (exact first, then SKU starts), names and descriptions.",
    ),
    "status": ("catalog_cmds", "What the library holds and how complete it is per channel."),
    "backup": (
        "catalog_cmds",
        "Copy the catalog to DEST while it stays in use (SQLite online backup; pg_dump).",
    ),
    "check": ("catalog_cmds", "Check the catalog's integrity; exit 1 when anything is wrong."),
    "demo": (
        "catalog_cmds",
        "Fill the library with a demo shop: variants, two locales, storefront, Shopify, Google.",
    ),
    "import": (
        "catalog_cmds",
        "Import products from a CSV or XLSX file (Akeneo, Shopify or WooCommerce columns).",
    ),
    "export": (
        "catalog_cmds",
        "Export every product model and product (CSV, or XLSX for a .xlsx name).",
    ),
    "products": ("catalog_cmds", "List, show and edit products."),
    "ingest": (
        "assets_cmds",
        "Ingest files and folders once through the filename rules (what the watcher does).",
    ),
    "assets": (
        "assets_cmds",
        "Photos, videos and documents: inspect, approve, link, restore versions.",
    ),
    "rights": ("assets_cmds", "Usage rights and expiry of assets."),
    "settings": (
        "settings_cmds",
        "Library-wide settings: auto-approve ingested photos, expiring-soon days, history.",
    ),
    "channels": ("channel_cmds", "Sales channels: add, configure, map fields, inspect."),
    "publish": ("channel_cmds", "Publish CHANNEL's listings (or show its --history)."),
    "gui": (
        "gui_cmds",
        "Open the pimdesk window on the library (--library as for every command).",
    ),
    "rules": (
        "watch_cmds",
        "Filename rules: how a file's name says which product (and role) it belongs to.",
    ),
    "watch": (
        "watch_cmds",
        "Watch the folders of the watch list and ingest files as they arrive (until Ctrl+C).",
    ),
}


# Areas that hook into other areas' lists when imported (status sections, demo steps, the
# watcher's background services such as auto-publish): imported before these commands run.
HOOKS: dict[str, tuple[str, ...]] = {
    "status": ("pimdesk.services.publishing", "pimdesk.services.watch"),
    "demo": ("pimdesk.services.publishing",),
    "watch": ("pimdesk.services.publishing",),
    "gui": ("pimdesk.services.publishing", "pimdesk.services.watch"),
}


class LazyGroup(click.Group):
    """A group whose commands come from :data:`COMMANDS`, imported on first use."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._loaded: set[str] = set()

    def load(self, module: str) -> None:
        if module not in self._loaded:
            self._loaded.add(module)
            importlib.import_module(f"pimdesk.cli.{module}").register(self)

    def load_all(self) -> None:
        for module in dict.fromkeys(m for m, _ in COMMANDS.values()):
            self.load(module)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(self.commands) | set(COMMANDS))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            self.load(COMMANDS[cmd_name][0])
        for module in HOOKS.get(cmd_name, ()):
            importlib.import_module(module)
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """As click lists commands, from the summaries: no command module is imported."""
        names = self.list_commands(ctx)
        if not names:
            return
        limit = formatter.width - 6 - max(len(n) for n in names)
        rows = []
        for name in names:
            command = self.commands.get(name) or click.Command(name, help=COMMANDS[name][1])
            if not command.hidden:
                rows.append((name, command.get_short_help_str(limit)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
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
    library = app.create_library()
    click.echo(f"library ready at {library.root}")


def main() -> None:
    try:
        cli(prog_name="pimdesk")
    finally:
        # Python's exit runs a last garbage collection over every object still alive (the
        # ORM's, the libraries'): 50-80 ms after an ingest, for memory the process hands
        # back anyway. Frozen objects are skipped by it. Exit handlers, output streams and
        # everything freed by reference counting are finalized as usual; only objects in
        # reference cycles are left to the OS, and nothing here keeps a file open for
        # writing in one (files are written in ``with`` blocks, the catalog commits).
        gc.freeze()


def __getattr__(name: str) -> object:
    if name == "Library":  # kept importable from here, without importing it up front
        from pimdesk.library import Library

        return Library
    raise AttributeError(name)


__all__ = ["COMMANDS", "Library", "cli", "main"]
