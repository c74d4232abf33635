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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pimdesk.catalog.models import (
    Attribute,
    Family,
    PublishedListing,
    PublishRun,
    WithdrawnListing,
)
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
    WithdrawnRow,
    find_candidates,
    find_candidates_fast,
    published_rows_for,
    withdrawn_rows,
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
    # exporters with ``withdraws_in_feed``: withdrawn products whose withdrawal rows are
    # written in this run (product id -> its listing, ``enabled`` False), the ones whose row
    # goes because the product was deleted, the SKUs of products deleted while published
    # (no row can take them off), and the channel's withdrawal rows as stored
    drafts: dict[int, BuiltListing] = field(default_factory=dict)
    dropped: set[int] = field(default_factory=set)
    deleted: list[str] = field(default_factory=list)
    withdrawn: dict[int, WithdrawnRow] = field(default_factory=dict)

    @property
    def drafts_moved(self) -> bool:
        """Withdrawal rows to write again (product changed) or drop (product deleted)."""
        stale = any(self.withdrawn[pid].stale for pid in self.drafts if pid in self.withdrawn)
        return bool(self.dropped) or stale

    def close(self) -> None:
        self.store.rollback()
        self.store.close()


@dataclass
class Written:
    files: list[Path]
    remote_ids: dict[int, str]  # product id -> remote id, for every group rendered
    listed: int  # listings in the feed now
    warnings: list[str] = field(default_factory=list)
    drafted: dict[int, str] = field(default_factory=dict)  # withdrawal rows: id -> remote id


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
        drafting = bool(getattr(exporter, "withdraws_in_feed", False))
        withdrawn = withdrawn_rows(session, setup.id) if drafting else {}
        drafts: dict[int, BuiltListing] = {}
        dropped: set[int] = set()
        deleted: list[str] = []
        if drafting:
            # products withdrawn now, and (all of them on a full rebuild, else those changed
            # or deleted since) the ones whose withdrawal rows the feed already holds
            again = {row.product_id for row in candidates.withdraw}
            again |= {pid for pid, row in withdrawn.items() if full or row.stale}
            again -= set(built)  # live again: published as usual
            rebuilding |= again
            drafts = builder.build(again)
            dropped = again - set(drafts)
            deleted = sorted(r.sku for r in candidates.withdraw if r.product_id in dropped)
            touched |= again
        old_group: dict[int, str] = {}
        if not full:
            old_group = store.groups_of(touched)
            keys = set(old_group.values()) | {exporter.group_key(e.listing) for e in built.values()}
            keys |= {exporter.group_key(e.listing) for e in drafts.values()}
            siblings = {
                pid for members in store.members(keys).values() for pid in members
            } - touched
            if siblings:
                rebuilding |= siblings
                # a sibling with a withdrawal row stays withdrawn (had it come back, it
                # would have been a candidate and touched already)
                withdrawn_siblings = siblings & set(withdrawn)
                drafts.update(builder.build(withdrawn_siblings))
                built.update(builder.build(siblings - withdrawn_siblings))
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
        if drafting:  # blocked now, and on the channel until now: withdrawn by a row too
            for pid, entry in built.items():
                if entry.blocked and (pid in published or pid in withdrawn):
                    drafts[pid] = entry
        drafts = {
            pid: replace(entry, listing=replace(entry.listing, enabled=False))
            for pid, entry in drafts.items()
        }
        if not full and exporter.shaped:
            was, now = _shape_change(store, exporter, built, old_group, drafts)
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
        drafts=drafts,
        dropped=dropped,
        deleted=deleted,
        withdrawn=withdrawn,
    )


def _shape_change(
    store: PieceStore,
    exporter: Any,
    built: dict[int, BuiltListing],
    old_group: dict[int, str],
    drafts: dict[int, BuiltListing],
) -> tuple[int, int]:
    """The feed's shape as stored, and as it will be after this publish."""
    groups: dict[str, list[BuiltListing]] = {}
    for entry in sorted(built.values(), key=lambda e: e.sku):
        if not entry.blocked:
            groups.setdefault(exporter.group_key(entry.listing), []).append(entry)
    for key, members in draft_groups(exporter, drafts, set(groups)).items():
        groups[key] = members
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
    listed_before = prep.store.groups_of(prep.touched, listed=True)
    return before - len(listed_before) + len(feed)


def draft_groups(
    exporter: Any, drafts: dict[int, BuiltListing], live: set[str]
) -> dict[str, list[BuiltListing]]:
    """The groups written as withdrawal rows: withdrawn products (in SKU order) grouped,
    leaving out groups that still have a live listing (``live``: their keys); a withdrawn
    variant of a product still on sale is simply left out of it, as before."""
    groups: dict[str, list[BuiltListing]] = {}
    for entry in sorted(drafts.values(), key=lambda e: e.sku):
        key = exporter.group_key(entry.listing)
        if key not in live:
            groups.setdefault(key, []).append(entry)
    return groups


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
                for pid, entry in {**prep.built, **prep.drafts}.items()
                for image in entry.listing.images
            ],
        )
        # 1. the new structure of every group a changed product was or is in
        by_group: dict[str, list[BuiltListing]] = {}
        for entry in feed:  # in SKU order
            by_group.setdefault(exporter.group_key(entry.listing), []).append(entry)
        drafted = draft_groups(exporter, prep.drafts, set(by_group))
        by_group.update(drafted)
        affected = set(prep.old_group.values()) | set(by_group)
        old_rows = store.group_rows(affected)
        old_versions = store.versions_of(affected)
        plans: dict[str, GroupPlan] = {}
        listings: dict[str, list[Listing]] = {}
        gone_groups = []
        for key in sorted(affected):
            members = by_group.get(key)
            if not members:
                gone_groups.append(key)
                continue
            group_listings = [e.listing for e in members]
            plans[key], listings[key] = exporter.plan_group(group_listings), group_listings
        if getattr(exporter, "claims_stick", False):
            members_of = {key: [e.product_id for e in by_group[key]] for key in plans}
            with library.session() as session:
                plans.update(stick_claims(session, setup.id, plans, members_of, full=prep.full))
        structure = [
            (
                key,
                plan.order,
                plan.claim,
                [e.product_id for e in by_group[key]],
                [(i.version_id, i.filename, str(i.file)) for i in plan.images],
                plan.shape,
                key in drafted,
            )
            for key, plan in plans.items()
        ]
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
        drafted_keys = set(drafted)
        if cascade:
            drafted_keys |= store.draft_keys(cascade)
            rebuilt = _rebuild_groups(library, prep, store.members(cascade))
            for key in rebuilt.keys() & drafted_keys:  # withdrawal rows stay withdrawal rows
                rebuilt[key] = [replace(listing, enabled=False) for listing in rebuilt[key]]
            listings.update(rebuilt)
            for key in cascade:
                if key in listings:
                    plans[key] = exporter.plan_group(listings[key])
        # 5. render
        final = claims if prep.full else store.claims(plans)
        owned = store.owned({i.version_id for plan in plans.values() for i in plan.images})
        remote_ids: dict[int, str] = {}
        drafted_ids: dict[int, str] = {}
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
            target = drafted_ids if key in drafted_keys else remote_ids
            for sku, remote in piece.remote_ids.items():
                if sku in by_sku:
                    target[by_sku[sku]] = remote
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
        drafted=drafted_ids,
    )


def stick_claims(
    session: Session,
    channel_id: int,
    plans: Mapping[str, GroupPlan],
    members: Mapping[str, Sequence[int]],
    *,
    full: bool,
) -> dict[str, GroupPlan]:
    """Plans whose claim changes because claims stick (``IncrementalFeed.claims_stick``).

    A group one of whose products was published (or is kept as a withdrawal row) asks for
    the remote id it was published under, whatever its title says now: Shopify knows a
    product by its handle, and a new handle would make its importer create a second product.
    A group never published asks for its own claim, or ``-2``, ``-3``, ... if a published
    product holds that name (so a new product never takes over an existing one's handle).
    """
    claimed = {key: plan for key, plan in plans.items() if plan.claim}
    ids = sorted({pid for key in claimed for pid in members[key]})
    remote: dict[int, str] = {}
    for table in (PublishedListing, WithdrawnListing):
        query = select(table.product_id, table.remote_id).where(
            table.channel_id == channel_id, table.remote_id.is_not(None)
        )
        if full:  # one read of the channel beats 100 chunks
            remote.update((pid, r) for pid, r in session.execute(query) if r)
            continue
        for start in range(0, len(ids), 900):
            chunk = query.where(table.product_id.in_(ids[start : start + 900]))
            remote.update((pid, r) for pid, r in session.execute(chunk) if r)
    out: dict[str, GroupPlan] = {}
    fresh: dict[str, str] = {}
    for key, plan in claimed.items():
        held = [remote[pid] for pid in sorted(members[key]) if pid in remote]
        if held:
            if held[0] != plan.claim:
                out[key] = replace(plan, claim=held[0])
        else:
            fresh[key] = plan.claim
    taken = set(remote.values()) if full else set()
    counter = 1
    while fresh:
        names = set(fresh.values())
        if not full:
            taken = set()
            for table in (PublishedListing, WithdrawnListing):
                for start in range(0, len(names), 900):
                    chunk = sorted(names)[start : start + 900]
                    taken |= set(
                        session.scalars(
                            select(table.remote_id).where(
                                table.channel_id == channel_id, table.remote_id.in_(chunk)
                            )
                        )
                    )
        counter += 1
        for key, name in list(fresh.items()):
            if name in taken:
                fresh[key] = f"{plans[key].claim}-{counter}"
            else:
                del fresh[key]
                if name != plans[key].claim:
                    out[key] = replace(plans[key], claim=name)
    return out


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
