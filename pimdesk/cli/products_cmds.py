"""Catalog-core commands: ``import``, ``export`` and
``products list|show|add|remove|set|history|undo``.

Registered from :mod:`pimdesk.cli.catalog_cmds` (the catalog area's module); kept in a file
of their own so the two catalog engineers' commands stay apart.
"""

from __future__ import annotations

import getpass
from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from pimdesk.cli.common import (
    AppContext,
    echo_table,
    fail,
    handle_errors,
    interactive,
    json_option,
    pass_app,
    print_json,
)
from pimdesk.cli.display import count, format_change, format_value, scoped_field
from pimdesk.errors import ImportFailed

if TYPE_CHECKING:
    from pimdesk.importexport.importer import ImportReport

SHOWN_ERRORS = 20  # a failed import lists this many reasons on the terminal


def _author() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return "cli"


class _Bar:
    """A progress bar on a terminal, nothing when piped; counts rows as they are applied."""

    def __init__(self, label: str):
        self.bar: Any = None
        self.label = label
        self.done = 0

    def __enter__(self) -> _Bar:
        if interactive():
            import sys

            self.bar = click.progressbar(length=0, label=self.label, file=sys.stderr, show_pos=True)
            self.bar.__enter__()
        return self

    def __call__(self, done: int, _total: int | None) -> None:
        if self.bar is not None:
            self.bar.update(done - self.done)
        self.done = done

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)


@click.command("import")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--format",
    "format_",
    type=click.Choice(["auto", "akeneo", "shopify", "woocommerce"]),
    default="auto",
    show_default=True,
    help="File format; auto recognises it from the header row.",
)
@click.option("--dry-run", is_flag=True, help="Report what would change; write nothing.")
@click.option("--skip-invalid", is_flag=True, help="Import the valid rows, list the rejects.")
@click.option(
    "--rejects",
    "rejects",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write rejected rows (plus an 'error' column) to this CSV.",
)
@click.option(
    "--create-attributes", is_flag=True, help="Create unknown columns as text attributes."
)
@json_option
@pass_app
@handle_errors
def import_command(
    app: AppContext,
    file: Path,
    format_: str,
    dry_run: bool,
    skip_invalid: bool,
    rejects: Path | None,
    create_attributes: bool,
    as_json: bool,
) -> None:
    """Import products from a CSV or XLSX file (Akeneo, Shopify or WooCommerce columns)."""
    from pimdesk.services.imports import import_file

    try:
        with _Bar(f"importing {file.name}") as bar:
            report = import_file(
                app.library,
                file,
                format=format_,
                dry_run=dry_run,
                skip_invalid=skip_invalid,
                create_attributes=create_attributes,
                rejects_path=rejects,
                progress=bar,
                author=_author(),
            )
    except ImportFailed as exc:
        # a dry run still says what the valid rows would do (what --skip-invalid imports)
        valid: ImportReport | None = getattr(exc, "report", None) if dry_run else None
        if as_json:
            print_json(
                {
                    **(_counts(valid) if valid is not None else {}),
                    "source": str(file),
                    "committed": False,
                    "errors": [
                        {
                            "row": e.row,
                            "column": e.column,
                            "sku": e.identifier,
                            "message": e.message,
                        }
                        for e in exc.errors
                    ],
                }
            )
        elif len(exc.errors) > 1:  # the summary line names only the first: list them all
            for error in exc.errors[:SHOWN_ERRORS]:
                click.echo(f"pimdesk: rejected: {error}", err=True)
            if len(exc.errors) > SHOWN_ERRORS:
                click.echo(
                    f"pimdesk: ... {len(exc.errors) - SHOWN_ERRORS} more "
                    "(--rejects FILE writes every rejected row with its reasons)",
                    err=True,
                )
        if valid is not None and not as_json:
            _echo_import_summary(valid, dry_run=True, note="the rejected rows fail the import")
        raise
    if as_json:
        print_json(report.as_dict())
        return
    for warning in report.warnings:
        click.echo(f"pimdesk: warning: {warning}", err=True)
    for error in report.errors:
        click.echo(f"pimdesk: rejected: {error}", err=True)
    _echo_import_summary(report, dry_run=dry_run)
    if report.rejects_path:
        click.echo(f"rejected rows written to {report.rejects_path}")


def _counts(report: ImportReport) -> dict[str, int]:
    """The counts of an import report, as the --json of a successful import names them."""
    keys = ("created", "updated", "unchanged", "models_created", "models_updated", "rejected")
    return {key: getattr(report, key) for key in keys}


def _echo_import_summary(report: ImportReport, *, dry_run: bool, note: str = "") -> None:
    """``akeneo: created 2 products and 1 model, updated ...``; in a dry run, "would"."""
    create, update = ("would create", "would update") if dry_run else ("created", "updated")
    extra = "; ".join(x for x in ("dry run: nothing written" if dry_run else "", note) if x)
    click.echo(
        f"{report.format}: {create} {count(report.created, 'product')} and "
        f"{count(report.models_created, 'model')}, {update} "
        f"{count(report.updated, 'product')} and {count(report.models_updated, 'model')}, "
        f"{report.unchanged} unchanged, {report.rejected} rejected"
        + (f" ({extra})" if extra else "")
    )


@click.command("export")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--force", is_flag=True, help="Replace the file if it exists.")
@json_option
@pass_app
@handle_errors
def export_command(app: AppContext, file: Path, force: bool, as_json: bool) -> None:
    """Export every product model and product (CSV, or XLSX for a .xlsx name)."""
    from pimdesk.services.exports import export_file

    with _Bar(f"exporting {file.name}") as bar:
        report = export_file(app.library, file, bar, overwrite=force)
    if as_json:
        print_json(report.as_dict())
        return
    click.echo(
        f"exported {count(report.products, 'product')} and {count(report.models, 'model')} "
        f"to {report.path}"
    )


@click.group("products")
def products_group() -> None:
    """List, show and edit products."""


@products_group.command("list")
@click.option("--family")
@click.option("--category")
@click.option("--parent", help="Only the variants of this product model.")
@click.option("--after", "after_sku", help="Start after this SKU (paging).")
@click.option("--limit", type=click.IntRange(1, 100_000), default=100, show_default=True)
@click.option("--models", is_flag=True, help="List product models instead of products.")
@json_option
@pass_app
@handle_errors
def list_command(
    app: AppContext,
    family: str | None,
    category: str | None,
    parent: str | None,
    after_sku: str | None,
    limit: int,
    models: bool,
    as_json: bool,
) -> None:
    """Products ordered by SKU."""
    from pimdesk.services import products

    if models:
        rows = products.list_models(app.library, after_code=after_sku, limit=limit, family=family)
    else:
        rows = products.list_products(
            app.library,
            after_sku=after_sku,
            limit=limit,
            family=family,
            category=category,
            parent=parent,
        )
    data = [
        {
            "sku": r.sku,
            "name": r.name,
            "family": r.family,
            "parent": r.parent_code,
            "enabled": r.enabled,
            "is_model": r.is_model,
            "updated_at": r.updated_at.isoformat(),
        }
        for r in rows
    ]
    if as_json:
        print_json(data)
        return
    echo_table(data, ["sku", "name", "family", "parent", "enabled"])


def detail_dict(detail: Any, outside: Mapping[str, str] | None = None) -> dict[str, Any]:
    """``outside``: channel code -> category tree root of the channels whose tree leaves the
    product out (its completeness rows say ``outside_categories``)."""
    outside = outside or {}
    return {
        "sku": detail.sku,
        "is_model": detail.is_model,
        "name": detail.name,
        "family": detail.family,
        "family_variant": detail.family_variant,
        "parent": detail.parent_code,
        "enabled": detail.enabled,
        "categories": list(detail.categories),
        "tags": list(detail.tags),
        "axes": list(detail.axes),
        "values": [asdict(v) for v in detail.values],
        "completeness": [
            {
                "channel": c.channel,
                "locale": c.locale,
                "ratio": c.ratio,
                "required": c.required,
                "filled": c.filled,
                "missing": list(c.missing),
                "outside_categories": c.channel in outside,
            }
            for c in detail.completeness
        ],
        "variants": [
            {"sku": v.sku, "is_model": v.is_model, "name": v.name} for v in detail.variants
        ],
        "variant_completeness": [
            {"channel": m.channel, "locale": m.locale, "complete": m.complete, "total": m.total}
            for m in detail.variant_completeness
        ],
        "revision": detail.revision,
    }


def channel_note(channel: str | None, used_by: tuple[str, ...]) -> str:
    """Where a scopable value goes: ``shop only``, or the shared value's channels."""
    if channel is not None:
        return f"{channel} only"
    if not used_by:
        return "shared; every channel has its own"
    return "shared: " + ", ".join(used_by)


@products_group.command("show")
@click.argument("sku")
@click.option("--locale", help="Locale of the displayed name.")
@json_option
@pass_app
@handle_errors
def show_command(app: AppContext, sku: str, locale: str | None, as_json: bool) -> None:
    """One product (or model): values, inheritance and completeness per channel/locale."""
    from pimdesk.services import assets, products, publishing

    detail = products.get_product(app.library, sku, locale)
    media = assets.product_media(app.library, detail.sku)
    outside = publishing.channels_outside(app.library, detail.sku)
    data = {**detail_dict(detail, outside), "media": [row.to_dict() for row in media]}
    if as_json:
        print_json(data)
        return
    kind = "model" if detail.is_model else "product"
    click.echo(f"{kind}   {detail.sku}  {detail.name or ''}")
    click.echo(
        f"family    {detail.family or '-'}"
        + (f" ({detail.family_variant})" if detail.family_variant else "")
    )
    if detail.parent_code:
        click.echo(f"parent    {detail.parent_code}")
    click.echo(f"enabled   {'yes' if detail.enabled else 'no'}")
    if detail.categories:
        click.echo(f"categories {', '.join(detail.categories)}")
    for value in detail.values:
        scope = "-".join(x for x in (value.locale, value.channel) if x)
        notes = [channel_note(value.channel, value.used_by)] if value.used_by is not None else []
        if value.inherited:
            notes.append(f"from {value.source}")
        origin = f"  ({'; '.join(notes)})" if notes else ""
        text = format_value(value.data)
        click.echo(f"  {value.attribute}{'-' + scope if scope else ''}: {text}{origin}")
    for c in detail.completeness:
        missing = f"  missing: {', '.join(c.missing)}" if c.missing else ""
        if c.channel in outside:  # complete or not, the channel does not list it
            missing += (
                f"  (outside the channel's categories: no category under "
                f"'{outside[c.channel]}', so {c.channel} does not list it)"
            )
        click.echo(f"complete  {c.channel}/{c.locale}: {c.ratio}%{missing}")
    for m in detail.variant_completeness:
        click.echo(f"variants  {m.channel}/{m.locale}: {m}")
    if detail.variants:
        click.echo("below     " + ", ".join(v.sku for v in detail.variants))
    for row in media:
        via = "" if row.linked_to == detail.sku else f", from {row.linked_to}"
        click.echo(
            f"media     {row.role} {row.position}: asset {row.id} {row.title} "
            f"(v{row.version} {row.approval}, rights {row.rights.replace('_', ' ')}{via})"
        )
    if not media:
        click.echo("media     none (drop photos named by the SKU into a watched folder)")


def _change_line(change: dict[str, Any]) -> str:
    """``name-en_US: (empty) -> Kettle`` for people."""
    field = scoped_field(change["field"], change["locale"], change["channel"])
    return f"{field}: {format_change(change['old'], change['new'])}"


def _edits(assignments: tuple[str, ...]) -> dict[str, str]:
    """``name-en_US=Kettle`` arguments as the edits the products service takes."""
    edits: dict[str, str] = {}
    for item in assignments:
        if "=" not in item:
            raise click.UsageError(f"{item!r} is not attribute=value")
        key, value = item.split("=", 1)
        edits[key.strip()] = value
    return edits


@products_group.command("add")
@click.argument("sku")
@click.argument("assignments", nargs=-1)
@click.option("--family", help="The product's family (default: the library's default family).")
@click.option("--model", "model", help="Make it a variant of this product model (its family).")
@json_option
@pass_app
@handle_errors
def add_command(
    app: AppContext,
    sku: str,
    assignments: tuple[str, ...],
    family: str | None,
    model: str | None,
    as_json: bool,
) -> None:
    """Create product SKU, with values given as field=value (as for products set).

    Files waiting in the Unmatched inbox for SKU are linked to it at once.

    \b
    pimdesk products add WB-750 name-en_US="Water bottle" price-USD=24
    pimdesk products add TEE-ORG-RED --model TEE-ORG color=red size=m
    """
    from pimdesk.catalog.seed import DEFAULT_FAMILY
    from pimdesk.services import assets, products

    if family is not None and model is not None:
        raise click.UsageError("a variant takes its model's family: give --family or --model")
    edits = _edits(assignments)
    products.create_product(
        app.library,
        sku,
        family=family if family is not None or model is not None else DEFAULT_FAMILY,
        parent=model,
        values=edits,
        author=_author(),
        source="cli",
    )
    detail = products.get_product(app.library, sku.strip())
    # creating the product rematched the inbox (as an import does): what it linked here
    linked = [
        row for row in assets.product_media(app.library, detail.sku) if row.linked_to == detail.sku
    ]
    if as_json:
        print_json({**detail_dict(detail), "linked": [row.to_dict() for row in linked]})
        return
    under = f", variant of {detail.parent_code}" if detail.parent_code else ""
    click.echo(
        f"created {detail.sku} (family {detail.family or '-'}{under}, "
        f"{count(len(edits), 'value')} set)"
    )
    if linked:
        click.echo(f"linked {count(len(linked), 'waiting file')} from the Unmatched inbox:")
        for row in linked:
            click.echo(f"  {row.role} {row.position}: asset {row.id} {row.title}")
    else:
        click.echo("no file was waiting for it in the Unmatched inbox")


@products_group.command("remove")
@click.argument("sku")
@click.option("--yes", is_flag=True, help="Remove without asking.")
@json_option
@pass_app
@handle_errors
def remove_command(app: AppContext, sku: str, yes: bool, as_json: bool) -> None:
    """Remove product SKU. Its photos stay in the library: those no other product shows
    wait in the Unmatched inbox again (the files are never touched); its history stays."""
    from pimdesk.services import assets, products

    detail = products.get_product(app.library, sku)
    if detail.is_model:
        fail(f"{detail.sku} is a product model; products remove removes products (variants)")
    media = [
        row for row in assets.product_media(app.library, detail.sku) if row.linked_to == detail.sku
    ]
    if not yes:
        photos = f" and unlink its {count(len(media), 'photo')}" if media else ""
        click.confirm(
            f"remove {detail.sku} ({detail.name or 'no name'}){photos}?", abort=True, err=True
        )
    released = products.delete_product(app.library, detail.sku)
    if as_json:
        print_json({"sku": detail.sku, "removed": True, "inbox": released})
        return
    click.echo(f"removed {detail.sku}")
    if released:
        verb = "wait" if len(released) > 1 else "waits"
        click.echo(
            f"{count(len(released), 'photo')} it alone showed {verb} in the Unmatched inbox "
            "again (the files are untouched)"
        )


@products_group.command("set")
@click.argument("sku")
@click.argument("assignments", nargs=-1, required=True)
@json_option
@pass_app
@handle_errors
def set_command(app: AppContext, sku: str, assignments: tuple[str, ...], as_json: bool) -> None:
    """Set values of product SKU, each as field=value.

    \b
    pimdesk products set WB-750 name-en_US="Kettle" price-USD=24
    pimdesk products set WB-750 weight=1.2 weight-unit=KILOGRAM
    """
    from pimdesk.services import products

    edits = _edits(assignments)
    result = products.set_values(app.library, sku, edits, author=_author(), source="cli")
    changes = [
        {"field": c.field, "locale": c.locale, "channel": c.channel, "old": c.old, "new": c.new}
        for c in result.changes
    ]
    if as_json:
        print_json({"sku": sku, "changes": changes})
        return
    if not changes:
        click.echo(f"{sku}: nothing changed")
    for c in changes:
        click.echo(f"{sku}: {_change_line(c)}")


@products_group.command("history")
@click.argument("sku")
@click.option("--limit", type=click.IntRange(1, 100_000), default=50, show_default=True)
@json_option
@pass_app
@handle_errors
def history_command(app: AppContext, sku: str, limit: int, as_json: bool) -> None:
    """Who changed what and when, newest first."""
    from pimdesk.services import products

    entries = products.history(app.library, sku, limit)
    data = [
        {
            "sku": e.identifier,
            "field": e.field,
            "locale": e.locale,
            "channel": e.channel,
            "old": e.old,
            "new": e.new,
            "author": e.author,
            "source": e.source,
            "batch": e.batch,
            "changed_at": e.changed_at.isoformat(),
        }
        for e in entries
    ]
    if as_json:
        print_json(data)
        return
    rows = [
        {
            **row,
            "field": scoped_field(row["field"], row["locale"], row["channel"]),
            "old": format_value(row["old"], 60),
            "new": format_value(row["new"], 60),
        }
        for row in data
    ]
    echo_table(rows, ["changed_at", "author", "source", "field", "old", "new"])


@products_group.command("undo")
@click.argument("sku")
@json_option
@pass_app
@handle_errors
def undo_command(app: AppContext, sku: str, as_json: bool) -> None:
    """Undo the last change made to a product."""
    from pimdesk.services import products

    result = products.undo_last_change(app.library, sku, author=_author(), source="cli")
    changes = [
        {"field": c.field, "locale": c.locale, "channel": c.channel, "old": c.old, "new": c.new}
        for c in result.changes
    ]
    if as_json:
        print_json({"sku": sku, "changes": changes})
        return
    for c in changes:
        click.echo(f"{sku}: {_change_line(c)}")


PRODUCT_COMMANDS = [import_command, export_command, products_group]
