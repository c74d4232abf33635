"""Commands of the assets area: ingest, assets ..., rights ...

Thin: each command calls one service function and prints a table or JSON.
"""

from __future__ import annotations

from pathlib import Path

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


@click.command("ingest")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path, exists=False))
@json_option
@pass_app
@handle_errors
def ingest(app: AppContext, paths: tuple[Path, ...], as_json: bool) -> None:
    """Ingest files and folders once through the filename rules (what the watcher does)."""
    from pimdesk.services.ingest import IngestEvent, ingest_paths

    library = app.library
    bar = None
    if interactive() and not as_json:
        bar = click.progressbar(length=1, label="ingesting", file=click.get_text_stream("stderr"))

    def on_event(event: IngestEvent) -> None:
        if bar is None:
            return
        if event.stage == "scan":
            bar.length = max(1, event.total)
        elif event.stage == "file":
            bar.update(event.done - bar.pos)

    try:
        report = ingest_paths(library, list(paths), progress=on_event)
    finally:
        if bar is not None:
            bar.render_finish()
    if as_json:
        print_json(report.to_dict())
        return
    rows = [
        {
            "outcome": f.outcome,
            "asset": f.asset_id,
            "version": f.version,
            "sku": f.sku,
            "role": f.role,
            "file": f.path,
            "reason": f.reason,
        }
        for f in report.files
    ]
    echo_table(rows, ["outcome", "asset", "version", "sku", "role", "file", "reason"])
    summary = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in report.summary().items() if n)
    click.echo(summary or "nothing to ingest")


def register(cli: click.Group) -> None:
    """Add this area's commands to the main group."""
    cli.add_command(ingest)
