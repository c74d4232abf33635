"""Commands of the catalog area: search, status, backup, check, demo (and import/export,
products, added by the catalog-core work). Each command is a function of its own,
registered from :func:`register`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from pimdesk.cli.common import (
    AppContext,
    echo_table,
    fail,
    handle_errors,
    json_option,
    pass_app,
    print_json,
)
from pimdesk.cli.display import count

if TYPE_CHECKING:
    from pimdesk.library import Library


@click.command("search")
@click.argument("text")
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
@json_option
@pass_app
@handle_errors
def search_command(app: AppContext, text: str, limit: int, as_json: bool) -> None:
    """Find products by SKU (exact first, then SKU starts), names and descriptions."""
    from pimdesk.services.search import search

    results = search(app.library, text, limit=limit)
    if as_json:
        print_json([r.to_dict() for r in results])
        return
    if not results:
        click.echo("nothing found", err=True)
        return
    echo_table(
        (
            {
                "sku": r.sku if r.kind == "product" else f"{r.kind}:{r.id}",
                "name": r.title,
                "match": r.snippet or r.matched,
            }
            for r in results
        ),
        ["sku", "name", "match"],
    )


@click.command("status")
@json_option
@pass_app
@handle_errors
def status_command(app: AppContext, as_json: bool) -> None:
    """What the library holds and how complete it is per channel."""
    from pimdesk.services.status import library_status

    status = library_status(app.library)
    if as_json:
        print_json(status)
        return
    _echo_status(status, app.library)


def _echo_status(status: dict[str, Any], library: Library) -> None:
    from pimdesk.cli.status_display import section_lines

    catalog = status.get("catalog", {})
    click.echo(f"library   {catalog.get('library')} ({catalog.get('database')})")
    click.echo(
        f"products  {catalog.get('products', 0)} "
        f"({count(catalog.get('variants', 0), 'variant')} under "
        f"{count(catalog.get('models', 0), 'model')}), "
        f"{count(catalog.get('families', 0), 'family', 'families')}"
    )
    click.echo(f"locales   {', '.join(catalog.get('locales', [])) or '-'}")
    click.echo(f"currency  {', '.join(catalog.get('currencies', [])) or '-'}")
    for channel in catalog.get("channels", []):
        click.echo(
            f"channel   {channel['code']} ({channel.get('exporter') or 'no exporter'}): "
            f"{', '.join(channel['locales'])} / {', '.join(channel['currencies'])}"
        )
    for item in catalog.get("completeness", []):
        click.echo(
            f"complete  {item['channel']}: {item['complete']} of "
            f"{count(item['total'], 'product')}"
            + "".join(f"; {loc['locale']} {loc['complete']}" for loc in item.get("locales", []))
        )
    for section, data in status.items():
        if section == "catalog":
            continue
        for line in section_lines(section, data, library):
            click.echo(line)


@click.command("backup")
@click.argument("dest", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--overwrite", is_flag=True, help="Replace DEST if it exists.")
@json_option
@pass_app
@handle_errors
def backup_command(app: AppContext, dest: Path, overwrite: bool, as_json: bool) -> None:
    """Copy the catalog to DEST while it stays in use (SQLite online backup; pg_dump)."""
    from pimdesk.services.maintenance import backup

    result = backup(app.library, dest, overwrite=overwrite)
    if as_json:
        print_json(result.to_dict())
    else:
        click.echo(f"backed up the catalog to {result.path} ({result.bytes} bytes)")


@click.command("check")
@click.option("--repair", is_flag=True, help="Rebuild the search index if it is off.")
@json_option
@pass_app
@handle_errors
def check_command(app: AppContext, repair: bool, as_json: bool) -> None:
    """Check the catalog's integrity; exit 1 when anything is wrong."""
    from pimdesk.services.maintenance import check, rebuild_search_index

    findings = check(app.library)
    repaired = 0
    if repair and any(f.check == "search_index" for f in findings):
        repaired = rebuild_search_index(app.library)
        findings = check(app.library)
    if as_json:
        print_json(
            {"ok": not findings, "repaired": repaired, "findings": [f.to_dict() for f in findings]}
        )
    else:
        if repaired:
            click.echo(f"rebuilt the search index ({count(repaired, 'product')})")
        for finding in findings:
            click.echo(str(finding))
        if not findings:
            click.echo("catalog ok")
    if findings:
        fail(
            f"{count(len(findings), 'problem')} found in the catalog"
            + ("" if as_json else " (above)")
        )


@click.command("demo")
@json_option
@pass_app
@handle_errors
def demo_command(app: AppContext, as_json: bool) -> None:
    """Fill the library with a demo shop: variants, two locales, storefront, Shopify, Google."""
    from pimdesk.services.demo import load_demo

    report = load_demo(app.create_library())
    if as_json:
        print_json(report.to_dict())
        return
    if report.already:
        click.echo("the demo is already in this library; nothing was added")
        return
    for step in report.steps:
        click.echo(f"{step['step']}: {step['summary']}")
    click.echo(f"demo ready in {app.library.root}")
    click.echo(_demo_next_steps(app))


def _demo_next_steps(app: AppContext) -> str:
    """The loop a new user came to see, spelled out with this library's own paths."""
    import os

    root = app.library.root
    explicit = app.library_path is not None and not os.environ.get("PIMDESK_LIBRARY")
    cmd = f"pimdesk --library {root}" if explicit else "pimdesk"
    return (
        "\nnext, see a photo go live by itself:\n"
        f"  {cmd} publish storefront      then open {root / 'exports/storefront/index.html'}\n"
        f"  mkdir -p ~/shots && {cmd} watch add ~/shots && {cmd} watch\n"
        "  copy any JPEG into ~/shots as TOTE-NAT_main_1.jpg: the storefront and the Shopify\n"
        f"  CSV ({root / 'exports/shopify/products.csv'}) pick it up within seconds"
    )


SEARCH_COMMANDS = [search_command, status_command, backup_command, check_command, demo_command]


def register(cli: click.Group) -> None:
    """Add this area's commands to the main group."""
    for command in SEARCH_COMMANDS:
        cli.add_command(command)
    from pimdesk.cli.products_cmds import PRODUCT_COMMANDS

    for command in PRODUCT_COMMANDS:
        cli.add_command(command)
