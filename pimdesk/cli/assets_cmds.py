"""Commands of the assets area: ingest, assets ..., rights ...

Thin: each command calls one service function and prints a table or JSON.
"""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING

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
from pimdesk.cli.display import count, outcome_counts

if TYPE_CHECKING:
    from pimdesk.assets.outcomes import IngestReport
    from pimdesk.assets.readers import HeadStart

EXIT_PROBLEMS = 3  # some files were problems; every other file was ingested


@click.command("ingest")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path, exists=False))
@json_option
@pass_app
@handle_errors
def ingest(app: AppContext, paths: tuple[Path, ...], as_json: bool) -> None:
    """Ingest files and folders once through the filename rules (what the watcher does).

    Exit code 3 when any file was a problem (the others are ingested all the same; see
    'pimdesk assets problems'), 1 when nothing could be done (for example no library).
    """
    from pimdesk.assets.readers import HeadStart
    from pimdesk.locations import is_library, library_root

    # Workers start on the first files while the catalog opens (half a second saved);
    # only on an existing library, so a mistyped --library writes nothing.
    root = library_root(app.library_path)
    with HeadStart(list(paths), root) if is_library(root) else nullcontext() as head:
        _ingest(app, paths, as_json, head)


def _ingest(
    app: AppContext, paths: tuple[Path, ...], as_json: bool, head: HeadStart | None
) -> None:
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
        report = ingest_paths(library, list(paths), progress=on_event, head_start=head)
    finally:
        if bar is not None:
            bar.render_finish()
    problems = len(report.problems)
    if as_json:
        print_json(report.to_dict())
    else:
        _print_ingest_report(report)
    if problems:
        if not as_json:
            click.echo(
                f"pimdesk: {count(problems, 'file')} could not be ingested "
                "(see 'pimdesk assets problems')",
                err=True,
            )
        raise click.exceptions.Exit(EXIT_PROBLEMS)


def _print_ingest_report(report: IngestReport) -> None:
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
    click.echo(outcome_counts(report.summary()) or "nothing to ingest")


def _asset_rows(items: list) -> list[dict]:
    rows = []
    for a in items:
        links = ", ".join(f"{k.sku or k.model}:{k.role}:{k.position}" for k in a.links)
        rows.append(
            {
                "id": a.id,
                "kind": a.kind,
                "title": a.title,
                "version": a.version,
                "approval": a.approval,
                "links": links or "-",
                "rights": a.rights_status,
                "inbox": a.inbox_reason or "",
            }
        )
    return rows


@click.group("assets")
def assets_group() -> None:
    """Photos, videos and documents: inspect, approve, link, restore versions."""


@assets_group.command("list")
@click.option("--unmatched", is_flag=True, help="Only files waiting in the Unmatched inbox.")
@click.option(
    "--problems",
    is_flag=True,
    help="Files that could not be ingested (same as 'assets problems').",
)
@click.option("--expiring", is_flag=True, help="Rights end soon.")
@click.option("--expired", is_flag=True, help="Rights have ended.")
@click.option("--unapproved", is_flag=True, help="No approved version yet.")
@click.option("--missing-source", is_flag=True, help="Source file deleted or moved away.")
@click.option("--role", help="Linked with this role (main, front, ...).")
@click.option("--tag", help="Carries this tag.")
@click.option("--sku", help="Shown by this product (its own and its model's), or model code.")
@click.option("--after", "after_id", type=int, default=0, help="Page: ids after this one.")
@click.option("--limit", type=click.IntRange(1, 10_000), default=200, show_default=True)
@json_option
@pass_app
@handle_errors
def list_cmd(
    app: AppContext,
    unmatched: bool,
    problems: bool,
    expiring: bool,
    expired: bool,
    unapproved: bool,
    missing_source: bool,
    role: str | None,
    tag: str | None,
    sku: str | None,
    after_id: int,
    limit: int,
    as_json: bool,
) -> None:
    """List assets (keyset paged with --after)."""
    from pimdesk.services import assets

    if problems:
        _print_problems(assets.problems(app.library), as_json)
        return
    items = assets.list_assets(
        app.library,
        unmatched=unmatched,
        problems=missing_source,
        expiring=expiring,
        expired=expired,
        unapproved=unapproved,
        role=role,
        tag=tag,
        sku=sku,
        after_id=after_id,
        limit=limit,
    )
    if as_json:
        print_json([a.to_dict() for a in items])
        return
    echo_table(
        _asset_rows(items),
        ["id", "kind", "title", "version", "approval", "links", "rights", "inbox"],
    )


@assets_group.command("show")
@click.argument("asset_id", type=int)
@json_option
@pass_app
@handle_errors
def show_cmd(app: AppContext, asset_id: int, as_json: bool) -> None:
    """One asset: links, versions (hash, size, pixels, EXIF, approval, thumbnail), rights."""
    from pimdesk.services import assets

    detail = assets.show_asset(app.library, asset_id)
    if as_json:
        print_json(detail.to_dict())
        return
    click.echo(f"asset {detail.id}: {detail.title} ({detail.kind})")
    if detail.inbox_reason:
        click.echo(f"  waiting in the inbox: {detail.inbox_reason}")
    for link in detail.links:
        click.echo(f"  linked: {link.sku or link.model} role={link.role} position={link.position}")
    r = detail.rights
    click.echo(
        f"  rights: {r.status}"
        + (f", expires {r.expires_at:%Y-%m-%d}" if r.expires_at else "")
        + (f", holder {r.holder}" if r.holder else "")
        + (f", licence {r.licence}" if r.licence else "")
    )
    if detail.alt_text:
        for locale, text in sorted(detail.alt_text.items()):
            click.echo(f"  alt[{locale}]: {text}")
    if detail.tags:
        click.echo(f"  tags: {', '.join(detail.tags)}")
    _print_versions(detail.versions)


def _camera(exif: dict) -> str:
    """ "Canon EOS 40D", not "Canon Canon EOS 40D": many models already start with the make."""
    make, model = str(exif.get("make") or "").strip(), str(exif.get("model") or "").strip()
    if make and model.lower().startswith(make.split()[0].lower()):
        return model
    return f"{make} {model}".strip()


def _print_versions(versions: list) -> None:
    rows = [
        {
            "version": v.number,
            "current": v.current,
            "approval": v.approval,
            "format": v.format,
            "pixels": f"{v.width}x{v.height}" if v.width else "",
            "size": v.size,
            "camera": _camera(v.exif),
            "sha256": v.sha256[:12],
            "source": v.source_path + (" (missing)" if v.source_missing else ""),
        }
        for v in versions
    ]
    echo_table(
        rows,
        [
            "version",
            "current",
            "approval",
            "format",
            "pixels",
            "size",
            "camera",
            "sha256",
            "source",
        ],
    )


@assets_group.command("versions")
@click.argument("asset_id", type=int)
@json_option
@pass_app
@handle_errors
def versions_cmd(app: AppContext, asset_id: int, as_json: bool) -> None:
    """Every version of an asset, oldest first."""
    from pimdesk.services import assets

    items = assets.versions(app.library, asset_id)
    if as_json:
        print_json([{"id": asset_id, **assets._jsonable(vars(v))} for v in items])
        return
    _print_versions(items)


@assets_group.command("restore")
@click.argument("asset_id", type=int)
@click.argument("version", type=int)
@pass_app
@handle_errors
def restore_cmd(app: AppContext, asset_id: int, version: int) -> None:
    """Make an older version current again (as a new, approved version)."""
    from pimdesk.services import assets

    restored = assets.restore_version(app.library, asset_id, version)
    click.echo(f"asset {asset_id}: version {version} restored as version {restored.number}")


@assets_group.command("approve")
@click.argument("asset_id", type=int)
@click.option("--version", type=int, help="Version number (default: the newest).")
@click.option("--reject", is_flag=True, help="Reject instead of approving.")
@click.option("--draft", is_flag=True, help="Return the version to draft.")
@pass_app
@handle_errors
def approve_cmd(
    app: AppContext, asset_id: int, version: int | None, reject: bool, draft: bool
) -> None:
    """Approve (or reject) a version; only approved versions are published."""
    from pimdesk.services import assets

    state = "rejected" if reject else "draft" if draft else "approved"
    info = assets.set_approval(app.library, asset_id, state, version=version)
    click.echo(f"asset {asset_id} version {info.number}: {info.approval}")


@assets_group.command("link")
@click.argument("asset_id", type=int)
@click.argument("sku")
@click.option("--role", default="main", show_default=True)
@click.option("--position", type=click.IntRange(1, None), help="Default: next free position.")
@click.option("--locale", help="Only for this locale.")
@pass_app
@handle_errors
def link_cmd(
    app: AppContext,
    asset_id: int,
    sku: str,
    role: str,
    position: int | None,
    locale: str | None,
) -> None:
    """Link an asset to a product with a role and position."""
    from pimdesk.services import assets

    link = assets.link_asset(app.library, asset_id, sku, role, position, locale)
    click.echo(f"asset {asset_id} linked to {link.sku} as {link.role} #{link.position}")


@assets_group.command("unlink")
@click.argument("asset_id", type=int)
@click.argument("sku", required=False)
@click.option("--role")
@click.option("--position", type=int)
@pass_app
@handle_errors
def unlink_cmd(
    app: AppContext, asset_id: int, sku: str | None, role: str | None, position: int | None
) -> None:
    """Remove an asset's links (all, or those for SKU/role/position)."""
    from pimdesk.services import assets

    removed = assets.unlink(app.library, asset_id, sku, role, position)
    click.echo(f"asset {asset_id}: {count(removed, 'link')} removed")


@assets_group.command("alt")
@click.argument("asset_id", type=int)
@click.argument("locale")
@click.argument("text")
@pass_app
@handle_errors
def alt_cmd(app: AppContext, asset_id: int, locale: str, text: str) -> None:
    """Set the alt text for one locale (an empty TEXT removes it)."""
    from pimdesk.services import assets

    assets.set_alt_text(app.library, asset_id, locale, text)
    click.echo(f"asset {asset_id}: alt text for {locale} saved")


@assets_group.command("tag")
@click.argument("asset_id", type=int)
@click.argument("tags", nargs=-1, required=True)
@click.option("--remove", is_flag=True, help="Remove these tags instead.")
@pass_app
@handle_errors
def tag_cmd(app: AppContext, asset_id: int, tags: tuple[str, ...], remove: bool) -> None:
    """Add (or --remove) free tags."""
    from pimdesk.services import assets

    if remove:
        names = assets.tag_asset(app.library, asset_id, remove=tags)
    else:
        names = assets.tag_asset(app.library, asset_id, add=tags)
    click.echo(f"asset {asset_id} tags: {', '.join(names) or '(none)'}")


@assets_group.command("rematch")
@json_option
@pass_app
@handle_errors
def rematch_cmd(app: AppContext, as_json: bool) -> None:
    """Run the filename rules again on the Unmatched inbox and link what now matches."""
    from pimdesk.services import assets

    report = assets.rematch(app.library)
    if as_json:
        print_json(report.to_dict())
        return
    for f in report.linked:
        click.echo(f"linked: asset {f.asset_id} -> {f.sku} {f.role} #{f.position}")
    click.echo(f"{len(report.linked)} linked, {len(report.waiting)} still waiting")


def _print_problems(items: list, as_json: bool, with_state: bool = False) -> None:
    if as_json:
        print_json([p.to_dict() for p in items])
        return
    rows = [
        {
            "id": p.id,
            "seen": f"{p.seen_at:%Y-%m-%d %H:%M}",
            "state": "resolved" if p.resolved else "open",
            "file": p.path,
            "reason": p.reason,  # last: shown whole
        }
        for p in items
    ]
    columns = (
        ["id", "seen", "state", "file", "reason"]
        if with_state
        else ["id", "seen", "file", "reason"]
    )
    echo_table(rows, columns)


@assets_group.command("problems")
@click.option("--all", "include_resolved", is_flag=True, help="Include resolved ones.")
@json_option
@pass_app
@handle_errors
def problems_cmd(app: AppContext, include_resolved: bool, as_json: bool) -> None:
    """Files that could not be ingested, with the reason (the files are left untouched)."""
    from pimdesk.services import assets

    found = assets.problems(app.library, include_resolved=include_resolved)
    _print_problems(found, as_json, with_state=include_resolved)


# -- rights ---------------------------------------------------------------------------------


def _parse_date(value: str | None, option: str) -> object:
    from pimdesk.assets.metadata import parse_date
    from pimdesk.services.rights import UNSET

    if value is None:
        return UNSET
    if value.strip().lower() in ("", "none", "clear"):
        return None
    parsed = parse_date(value)
    if parsed is None:
        raise click.BadParameter(f"{value!r} is not a date (use YYYY-MM-DD)", param_hint=option)
    return parsed


@click.group("rights")
def rights_group() -> None:
    """Usage rights and expiry of assets."""


@rights_group.command("set")
@click.argument("asset_id", type=int)
@click.option("--licence", "--license", "licence")
@click.option("--holder")
@click.option("--source")
@click.option("--channels", help="Comma-separated channel codes ('all' for every channel).")
@click.option("--valid-from", "valid_from", help="YYYY-MM-DD ('none' clears).")
@click.option("--expires", help="YYYY-MM-DD ('none' clears).")
@click.option("--notes")
@json_option
@pass_app
@handle_errors
def rights_set_cmd(
    app: AppContext,
    asset_id: int,
    licence: str | None,
    holder: str | None,
    source: str | None,
    channels: str | None,
    valid_from: str | None,
    expires: str | None,
    notes: str | None,
    as_json: bool,
) -> None:
    """Set an asset's rights; only the options given change."""
    from pimdesk.services import rights
    from pimdesk.services.rights import UNSET

    allowed: object = UNSET
    if channels is not None:
        allowed = None if channels.strip().lower() in ("", "all") else channels.split(",")
    info = rights.set_rights(
        app.library,
        asset_id,
        licence=UNSET if licence is None else licence,
        holder=UNSET if holder is None else holder,
        source=UNSET if source is None else source,
        allowed_channels=allowed,
        valid_from=_parse_date(valid_from, "--valid-from"),
        expires_at=_parse_date(expires, "--expires"),
        notes=UNSET if notes is None else notes,
    )
    if as_json:
        print_json(info.to_dict())
        return
    click.echo(f"asset {asset_id}: rights {info.status}")


@rights_group.command("expiring")
@click.option("--days", type=click.IntRange(0, None), help="Default: the library setting (30).")
@click.option("--expired", "include_expired", is_flag=True, help="Also list expired ones.")
@json_option
@pass_app
@handle_errors
def rights_expiring_cmd(
    app: AppContext, days: int | None, include_expired: bool, as_json: bool
) -> None:
    """Assets whose rights end soon (soonest first)."""
    from pimdesk.services import rights

    items = rights.expiring(app.library, days, include_expired=include_expired)
    if as_json:
        print_json([i.to_dict() for i in items])
        return
    echo_table(
        [
            {
                "id": i.asset_id,
                "title": i.title,
                "status": i.status,
                "expires": f"{i.expires_at:%Y-%m-%d}" if i.expires_at else "",
                "holder": i.holder,
            }
            for i in items
        ],
        ["id", "title", "status", "expires", "holder"],
    )


def register(cli: click.Group) -> None:
    """Add this area's commands to the main group."""
    cli.add_command(ingest)
    cli.add_command(assets_group)
    cli.add_command(rights_group)
