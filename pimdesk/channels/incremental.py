"""The incremental publish path: listings built for the changed groups only, feed assembled
from stored pieces (for exporters that implement ``api.IncrementalFeed``).

:func:`prepare` finds what to rebuild and builds and validates it (nothing is written);
:func:`write` updates the stored pieces, renders the groups that changed (and those whose
unique claim or shared image URL moved because of them), streams every piece in feed order
into a temp file beside the feed and renames it into place, then commits the store. A full
publish (``--all``, or a store that cannot be trusted) takes the same path with every group
rebuilt, so both give the same bytes. The publishing service does the run bookkeeping.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pimdesk.catalog.models import Attribute, Family, PublishRun
from pimdesk.channels.api import (
    CancelToken,
    Exporter,
    GroupContext,
    GroupPlan,
    IncrementalFeed,
    Listing,
)
from pimdesk.channels.listings import BuiltListing, ChannelSetup, ListingBuilder
from pimdesk.channels.output import OutputError, OutputFolder, PublishCancelled, url_for
from pimdesk.channels.pieces import (
    FORMAT,
    PieceStore,
    StoredNames,
    config_key,
    stat_feed,
    store_path,
)
from pimdesk.channels.tracking import (
    Candidates,
    PublishedRow,
    find_candidates,
    find_candidates_fast,
    published_rows_for,
)
from pimdesk.channels.validation import validate_built
from pimdesk.renditions import naming
from pimdesk.renditions.cache import rendition_cache

if TYPE_CHECKING:
    from pimdesk.library import Library

Progress = Callable[[int, int], None]


@dataclass
class Prepared:
    """What :func:`prepare` found: the rebuilt listings and how to write them."""

    setup: ChannelSetup
    exporter: Any  # Exporter + IncrementalFeed
    store: PieceStore
    config: str  # the configuration key the store is written for
    full: bool
    note: str | None  # why a full rebuild was needed when one was not asked for
    candidates: Candidates
    built: dict[int, BuiltListing]
    published: dict[int, PublishedRow]
    old_group: dict[int, str]  # product id -> the group it was in (stored)
    touched: set[int]  # products whose membership is decided again in this run
    out: OutputFolder | None = None

    def close(self) -> None:
        self.store.rollback()
        self.store.close()


@dataclass
class Written:
    files: list[Path]
    remote_ids: dict[int, str]  # product id -> remote id, for every group rendered
    listed: int  # listings in the feed now
    warnings: list[str] = field(default_factory=list)


def _family_requirements(session: Session, code: str) -> dict[str, tuple[list[str], list[str]]]:
    out: dict[str, tuple[list[str], list[str]]] = {}
    for fcode, req, img in session.execute(
        select(Family.code, Family.requirements, Family.image_requirements)
    ):
        out[fcode] = (list((req or {}).get(code, [])), list((img or {}).get(code, [])))
    return out


def _feed_path(setup: ChannelSetup, exporter: IncrementalFeed) -> Path:
    return Path(str(setup.settings.get("output") or ".")).expanduser() / exporter.feed_name()


def _open_store(
    library: Library, session: Session, setup: ChannelSetup, exporter: Exporter
) -> tuple[PieceStore, str, str | None]:
    """The channel's store, its configuration key, and why it cannot be used (or None)."""
    assert isinstance(exporter, IncrementalFeed)
    path = store_path(library.root, setup.code)
    config = config_key(
        setup.config_hash,
        setup.exporter_name,
        f"{type(exporter).__module__}.{type(exporter).__qualname__}",
        exporter.piece_version,
    )
    last_run = session.scalar(
        select(func.max(PublishRun.id)).where(
            PublishRun.channel_id == setup.id, PublishRun.result.in_(("ok", "partial"))
        )
    )
    try:
        store = PieceStore(path)
        found = store.meta().get("format")
        if found is not None and found != FORMAT:  # another layout: start a new file
            store.close()
            PieceStore.discard(path)
            store = PieceStore(path)
            return store, config, f"the pieces store had format {found}, this version uses {FORMAT}"
        return store, config, store.problem(config, _feed_path(setup, exporter), last_run)
    except sqlite3.DatabaseError as exc:
        PieceStore.discard(path)
        return PieceStore(path), config, f"the pieces store could not be read ({exc})"


def prepare(
    library: Library,
    session: Session,
    setup: ChannelSetup,
    exporter: Exporter,
    *,
    mode: str,
    dry_run: bool,
    rebuild: str | None = None,
) -> Prepared:
    """Build and validate what this publish needs (see the module docstring). ``rebuild``:
    a reason to rebuild every piece whatever the store says."""
    assert isinstance(exporter, IncrementalFeed)
    exporter.begin_incremental()
    store, config, problem = _open_store(library, session, setup, exporter)
    if rebuild is not None:
        problem = rebuild
    out: OutputFolder | None = None
    if problem is None and mode != "all" and not dry_run:
        try:
            out = _output_folder(setup, exporter, keep=True)
        except OutputError:
            out = None  # the write reports it
        else:
            feed = out.previous.get(exporter.feed_name(), {})
            if feed.get("sha256") != store.meta().get("feed_sha256"):
                problem = "the output folder's manifest does not list the feed it assembled"
                out = None
    full = mode == "all" or problem is not None
    try:
        if full:
            candidates = find_candidates(session, setup)
            ids = list(candidates.live)
            names: naming.UniqueNames = naming.UniqueNames()
            rebuilding = set(ids)
        else:
            candidates = find_candidates_fast(session, setup)
            ids = sorted(set(candidates.changed) | set(candidates.never))
            rebuilding = set(ids)
            names = StoredNames(store, rebuilding)
        builder = ListingBuilder(session, setup, rendition_cache(library), names=names)
        built = builder.build(ids)
        touched = set(built) | {row.product_id for row in candidates.withdraw}
        old_group: dict[int, str] = {}
        if not full:
            old_group = store.groups_of(touched)
            keys = set(old_group.values()) | {exporter.group_key(e.listing) for e in built.values()}
            siblings = {
                pid for members in store.members(keys).values() for pid in members
            } - touched
            if siblings:
                rebuilding |= siblings
                built.update(builder.build(siblings))
                touched |= siblings
                old_group.update(store.groups_of(siblings))
        if built:
            attribute_types = dict(session.execute(select(Attribute.code, Attribute.type)).all())
            validate_built(
                setup,
                exporter,
                list(built.values()),
                attribute_types=attribute_types,
                family_requirements=_family_requirements(session, setup.code),
                session=session,
            )
        published = dict(candidates.published)
        if not full:
            missing = [pid for pid in built if pid not in published]
            published.update(published_rows_for(session, setup.id, missing))
        if not full and exporter.shaped:
            was, now = _shape_change(store, exporter, built, old_group)
            if was != now:  # every piece is laid out for the feed's shape: render them all
                store.close()
                return prepare(
                    library,
                    session,
                    setup,
                    exporter,
                    mode=mode,
                    dry_run=dry_run,
                    rebuild=f"the feed's layout changed (shape {was} -> {now})",
                )
    except BaseException:
        store.close()
        raise
    return Prepared(
        setup=setup,
        exporter=exporter,
        store=store,
        config=config,
        full=full,
        note=None if problem is None else f"{problem}: the whole feed was rebuilt",
        candidates=candidates,
        built=built,
        published=published,
        old_group=old_group,
        touched=touched,
        out=out,
    )


def _shape_change(
    store: PieceStore,
    exporter: Any,
    built: dict[int, BuiltListing],
    old_group: dict[int, str],
) -> tuple[int, int]:
    """The feed's shape as stored, and as it will be after this publish."""
    groups: dict[str, list[BuiltListing]] = {}
    for entry in sorted(built.values(), key=lambda e: e.sku):
        if not entry.blocked:
            groups.setdefault(exporter.group_key(entry.listing), []).append(entry)
    affected = set(old_group.values()) | set(groups)
    shapes = [exporter.plan_group([e.listing for e in g]).shape for g in groups.values()]
    was = int(store.meta().get("feed_shape", "0") or 0)
    return was, max([store.max_shape(affected), *shapes])


def discard_store(library: Library, code: str) -> None:
    """Remove a channel's stored pieces (the next publish rebuilds them)."""
    PieceStore.discard(store_path(library.root, code))


def _output_folder(setup: ChannelSetup, exporter: IncrementalFeed, *, keep: bool) -> OutputFolder:
    folder = exporter.image_folder()
    return OutputFolder(
        setup.settings.get("output"),
        setup.exporter_name,
        subfolders=[folder] if folder else [],
        keep_previous=keep,
    )


def listed_after(prep: Prepared, feed: Sequence[BuiltListing]) -> int:
    """How many listings the feed holds after this publish."""
    if prep.full:
        return len(feed)
    before = prep.store.count_members()
    return before - sum(1 for pid in prep.touched if pid in prep.old_group) + len(feed)


def write(
    library: Library,
    prep: Prepared,
    feed: Sequence[BuiltListing],
    *,
    run_id: int,
    progress: Progress,
    cancel: CancelToken,
) -> Written:
    """Update the store, render, assemble and write the feed; commit the store last."""
    store, exporter, setup = prep.store, prep.exporter, prep.setup
    base_folder = exporter.image_folder()
    listed = listed_after(prep, feed)
    store.begin()
    try:
        out = prep.out or _output_folder(setup, exporter, keep=not prep.full)
        base = exporter.base_url_for(out.root)
        if prep.full:
            store.reset()
        store.set_names(
            () if prep.full else prep.touched,  # a full rebuild starts from an empty store
            [
                (image.filename.casefold(), pid)
                for pid, entry in prep.built.items()
                for image in entry.listing.images
            ],
        )
        # 1. the new structure of every group a changed product was or is in
        by_group: dict[str, list[BuiltListing]] = {}
        for entry in feed:  # in SKU order
            by_group.setdefault(exporter.group_key(entry.listing), []).append(entry)
        affected = set(prep.old_group.values()) | set(by_group)
        old_rows = store.group_rows(affected)
        old_versions = store.versions_of(affected)
        plans: dict[str, GroupPlan] = {}
        listings: dict[str, list[Listing]] = {}
        gone_groups = []
        structure = []
        for key in sorted(affected):
            members = by_group.get(key)
            if not members:
                gone_groups.append(key)
                continue
            group_listings = [e.listing for e in members]
            plan = exporter.plan_group(group_listings)
            plans[key], listings[key] = plan, group_listings
            structure.append(
                (
                    key,
                    plan.order,
                    plan.claim,
                    [e.product_id for e in members],
                    [(i.version_id, i.filename, str(i.file)) for i in plan.images],
                    plan.shape,
                )
            )
        store.remove_groups(gone_groups)
        store.put_groups(structure)
        if prep.full:
            shape = max((plan.shape for plan in plans.values()), default=0)
        else:  # prepare() rebuilt everything if the shape was going to change
            shape = int(store.meta().get("feed_shape", "0") or 0)
        # 2. unique claims, in feed order, among the groups that can compete for them
        if prep.full:
            claims = store.resolve_all_claims()
        else:
            freed = [(order, claim) for order, _, claim in old_rows.values()]
            claims = store.reassign_claims(plans, freed)
        # 3. shared image versions: the first group in feed order publishes the file
        url_changed = _place_images(store, out, plans, old_versions, prep.full, base, base_folder)
        # 4. groups that did not change but whose claim or image URL did
        cascade = (set(claims) | store.users(url_changed)) - set(plans)
        if cascade:
            listings.update(_rebuild_groups(library, prep, store.members(cascade)))
            for key in cascade:
                if key in listings:
                    plans[key] = exporter.plan_group(listings[key])
        # 5. render
        final = claims if prep.full else store.claims(plans)
        owned = store.owned({i.version_id for plan in plans.values() for i in plan.images})
        remote_ids: dict[int, str] = {}
        total = len(plans)
        rendered: list[tuple[str, bytes]] = []
        for done, key in enumerate(sorted(plans), start=1):
            if cancel.cancelled:
                raise PublishCancelled("publish cancelled; the previous output is unchanged")
            plan = plans[key]
            claim = final.get(key, "")
            urls = {i.version_id: owned[i.version_id][2] for i in plan.images}
            piece = exporter.render_group(listings[key], GroupContext(claim, urls, shape))
            rendered.append((key, piece.data))
            by_sku = {listing.sku: listing.product_id for listing in listings[key]}
            for sku, remote in piece.remote_ids.items():
                if sku in by_sku:
                    remote_ids[by_sku[sku]] = remote
            if done % 500 == 0 or done == total:
                store.put_pieces(rendered)
                rendered = []
                progress(done, total)
        # 6. assemble: head, every stored piece in feed order, tail
        meta: dict[str, Any] = {}

        def assemble(handle: IO[bytes]) -> None:
            digest = hashlib.sha256()
            size = 0
            for block in _chunks(exporter.feed_head(shape), store, exporter.feed_tail()):
                digest.update(block)
                size += len(block)
                handle.write(block)
            meta.update(sha256=digest.hexdigest(), size=size)

        name = exporter.feed_name()
        out.add_document(name, assemble, meta)
        if cancel.cancelled:
            raise PublishCancelled("publish cancelled; the previous output is unchanged")
        files = out.commit(cancel)
        size, mtime_ns = stat_feed(out.path(name))
        store.set_meta(
            {
                "format": FORMAT,
                "config": prep.config,
                "feed_name": name,
                "feed_sha256": meta["sha256"],
                "feed_size": size,
                "feed_mtime_ns": mtime_ns,
                "feed_shape": shape,
                "run_id": run_id,
            }
        )
        store.commit()
    except BaseException:
        store.rollback()
        raise
    finally:
        store.close()
    return Written(
        files=files,
        remote_ids=remote_ids,
        listed=listed,
        warnings=exporter.feed_warnings(int(meta.get("size", 0))),
    )


def _chunks(head: bytes, store: PieceStore, tail: bytes) -> Any:
    if head:
        yield head
    yield from store.pieces()
    if tail:
        yield tail


def _place_images(
    store: PieceStore,
    out: OutputFolder,
    plans: dict[str, GroupPlan],
    old_versions: set[int],
    full: bool,
    base: str,
    folder: str,
) -> set[int]:
    """Register the image file of every version whose first user is new or re-rendered;
    returns the versions whose URL changed."""
    if full:
        changed: set[int] = set()
        for vid, key, wanted, source in list(store.all_first_users()):
            name = out.image_name(wanted, Path(source), folder=folder)
            store.set_owned(vid, key, name, url_for(base, name))
            changed.add(vid)
        return changed
    versions = old_versions | {i.version_id for plan in plans.values() for i in plan.images}
    before = store.owned(versions)
    now = store.first_users(versions)
    register: list[int] = []
    for vid in sorted(versions):
        old, new = before.get(vid), now.get(vid)
        if new is None:
            if old is not None:
                out.release(old[1])
                store.drop_owned(vid)
            continue
        if old is None or old[0] != new[0] or new[0] in plans:
            if old is not None:
                out.release(old[1])
            register.append(vid)
    changed = set()
    for vid in register:
        key, wanted, source = now[vid]
        name = out.image_name(wanted, Path(source), folder=folder)
        url = url_for(base, name)
        store.set_owned(vid, key, name, url)
        if before.get(vid, ("", "", ""))[2] != url:
            changed.add(vid)
    return changed


def _rebuild_groups(
    library: Library, prep: Prepared, members: dict[str, list[int]]
) -> dict[str, list[Listing]]:
    """Listings of groups that must be rendered again though none of their products changed
    (their claim or a shared image's URL moved)."""
    ids = {pid for pids in members.values() for pid in pids}
    rebuilding = set(prep.touched) | ids
    with library.session() as session:
        builder = ListingBuilder(
            session,
            prep.setup,
            rendition_cache(library),
            names=StoredNames(prep.store, rebuilding),
        )
        built = builder.build(ids)
    out: dict[str, list[Listing]] = {}
    for key, pids in members.items():
        group = sorted((built[p] for p in pids if p in built), key=lambda e: e.sku)
        if group:
            out[key] = [e.listing for e in group]
    return out
