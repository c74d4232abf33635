"""Channels and publishing: the use-cases the CLI, the watcher and the GUI share.

``publish_channel`` validates first (required fields, limits, GTINs, image sizes, white
backgrounds), renders, then lets the exporter write every live listing (feeds are full
replacements; each file atomically). Blocked products are left out and reported, the rest
publish; products that left the channel are withdrawn. Each run is logged in
``publish_run`` and the state of each (channel, product) in ``published_listing``.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, insert, select, update

from pimdesk.catalog import summary as table_summary
from pimdesk.catalog.models import (
    Attribute,
    Channel,
    Family,
    Product,
    PublishedListing,
    PublishRun,
    WithdrawnListing,
)
from pimdesk.channels import incremental, mapping
from pimdesk.channels.api import (
    CancelToken,
    Exporter,
    PublishResult,
    SettingSpec,
    supports_pieces,
)
from pimdesk.channels.listing_cache import forget, listing_cache
from pimdesk.channels.listings import (
    COMMON_SETTINGS,
    BuiltListing,
    ChannelSetup,
    ListingBuilder,
    as_bool,
    load_setup,
    setup_from_channel,
)
from pimdesk.channels.output import OutputError, check_base_url, check_output_folder
from pimdesk.channels.output_location import resolve_output
from pimdesk.channels.registry import registry_for
from pimdesk.channels.tracking import (
    Candidates,
    SmallImage,
    check_expiry,
    count_published_live,
    find_candidates,
    find_candidates_fast,
    products_in_tree,
    small_live_images,
)
from pimdesk.channels.validation import SMALL_IMAGE_PX, validate_built
from pimdesk.errors import NotFoundError, PimdeskError, ValidationError
from pimdesk.events import Change
from pimdesk.renditions import naming
from pimdesk.renditions.cache import rendition_cache
from pimdesk.renditions.profiles import get_profile

if TYPE_CHECKING:
    from pimdesk.library import Library

Progress = Callable[[int, int], None]
MODES = ("changed", "all")
RUN_HISTORY_LIMIT = 50


class PublishError(PimdeskError):
    """A publish that could not write its output; the previous output is unchanged."""


class _PiecesBroken(Exception):
    """An incremental publish failed inside the stored pieces, not in the catalog or the
    output folder: the caller rebuilds the whole feed."""


# -- plain data returned to the front ends ------------------------------------------------


@dataclass(frozen=True)
class ChannelCounts:
    published: int
    waiting: int
    never_published: int
    withdraw: int
    blocked: int
    # enabled products the channel's category tree leaves out (no category under it)
    outside: int = 0
    outside_skus: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ChannelSummary:
    code: str
    label: str
    exporter: str | None
    locale: str | None
    currency: str | None
    auto_publish: bool
    problem: str | None  # why the channel cannot publish (no exporter, broken plugin)


@dataclass(frozen=True)
class FieldRow:
    field: str
    label: str
    source: str | None
    origin: str
    required: bool
    fallback: str | None = None  # what the exporter writes when the source is empty


@dataclass(frozen=True)
class ChannelDetail:
    code: str
    label: str
    exporter: str | None
    locales: list[str]
    currencies: list[str]
    category_tree: str | None
    settings: dict[str, Any]
    settings_spec: list[dict[str, Any]]
    fields: list[FieldRow]
    unfilled_fields: list[str]
    counts: ChannelCounts | None
    problem: str | None
    created_folder: str | None = None  # the output folder add/set just made


@dataclass(frozen=True)
class BlockedListing:
    sku: str
    reasons: list[str]


@dataclass(frozen=True)
class ListingState:
    sku: str
    product_id: int
    state: str  # published | waiting | never_published | withdraw | blocked
    # why it is blocked; a published product that is blocked now is "withdraw" with reasons
    reasons: list[str] = field(default_factory=list)
    published: bool = False  # a listing of it is live on the channel


@dataclass
class PublishReport:
    channel: str
    mode: str
    dry_run: bool
    result: str  # ok | partial | failed | nothing
    run_id: int | None = None
    published: list[str] = field(default_factory=list)  # new or changed listings written
    unchanged: int = 0
    withdrawn: list[str] = field(default_factory=list)
    blocked: list[BlockedListing] = field(default_factory=list)  # left out, not on the channel
    # published before, failing validation now: withdrawn (also in ``withdrawn``), with why
    withdrawn_blocked: list[BlockedListing] = field(default_factory=list)
    # withdrawn products the feed keeps as rows taking them off the shop (channels whose
    # importer keeps what a file leaves out: Shopify, WooCommerce), and how those rows read
    withdrawal_rows: list[str] = field(default_factory=list)
    withdrawal_how: str = ""
    files: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # e.g. why the whole feed was rebuilt
    # enabled products left out because the channel's category tree does not hold them
    outside: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class RunInfo:
    id: int
    channel: str
    mode: str
    result: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    published: int
    withdrawn: int
    blocked: int
    products: list[str]
    versions: list[int]
    errors: list[str]
    notes: list[str] = field(default_factory=list)
    withdrawn_skus: list[str] = field(default_factory=list)  # taken off the channel
    blocked_skus: list[str] = field(default_factory=list)  # left out, failing validation


# -- channels -----------------------------------------------------------------------------


def _channel(session: Any, code: str) -> Channel:
    channel = session.scalar(select(Channel).where(Channel.code == code))
    if channel is None:
        raise NotFoundError(f"no channel {code!r}", where=code, hint="see 'pimdesk channels list'")
    return channel


def parse_setting(spec: SettingSpec | None, key: str, raw: Any) -> Any:
    """One ``key=value`` from the CLI or a form, checked and typed by the exporter's spec."""
    if key in ("auto_publish", "upscale_small"):
        return as_bool(raw)
    if key == "rendition_profile":
        return get_profile(str(raw)).name if raw else None
    if key == "image_name_template":
        naming.check_template(str(raw))
        return str(raw)
    if spec is None:
        return raw
    text = str(raw).strip() if raw is not None else ""
    where = f"setting {key!r}"
    if spec.type == "bool":
        if text.lower() not in {"1", "0", "true", "false", "yes", "no", "on", "off"}:
            raise ValidationError(f"{text!r} is not true or false", where=where)
        return as_bool(text)
    if spec.type == "int":
        try:
            return int(text)
        except ValueError:
            raise ValidationError(f"{text!r} is not a whole number", where=where) from None
    if spec.type == "choice":
        if text not in spec.choices:
            raise ValidationError(
                f"{text!r} is not allowed", where=where, hint=f"choose {', '.join(spec.choices)}"
            )
        return text
    if spec.type == "path":
        if not text:
            return None
        path = Path(text).expanduser()
        return str(path.resolve() if not path.is_absolute() else path)
    if spec.type == "url" or key == "base_url":
        return check_base_url(text, setting=key) if text else ""
    if "template" in key and text:
        naming.check_template(text)
    return text


def _apply_settings(
    exporter: type[Exporter], current: dict[str, Any], changes: Mapping[str, Any]
) -> dict[str, Any]:
    specs = {spec.key: spec for spec in exporter.settings_spec}
    result = dict(current)
    for key, raw in changes.items():
        if key not in specs and key not in COMMON_SETTINGS:
            known = ", ".join([*specs, *COMMON_SETTINGS])
            raise ValidationError(
                f"the {exporter.name} exporter has no setting {key!r}",
                where=f"setting {key!r}",
                hint=f"its settings: {known}",
            )
        value = parse_setting(specs.get(key), key, raw)
        if value is None or value == "":
            result.pop(key, None)
        else:
            result[key] = value
    return result


def _check_required(exporter: type[Exporter], settings: dict[str, Any], code: str) -> None:
    for spec in exporter.settings_spec:
        if spec.required and settings.get(spec.key) in (None, ""):
            raise ValidationError(
                f"the {exporter.name} exporter needs the setting {spec.key!r} ({spec.label})",
                where=f"channel {code!r}",
                hint=f"add --set {spec.key}=...",
            )


def _make_output_folder(settings: Mapping[str, Any], given: Mapping[str, Any]) -> str | None:
    """Create the ``output`` folder (parents too) the user has just named, if it is missing.

    Only the user's explicit ``channels add`` / ``channels set output=...`` creates it: a
    publish to a folder that vanished later (an unmounted drive) must fail, not recreate it.
    """
    if "output" not in given or not str(settings.get("output") or "").strip():
        return None
    path = Path(str(settings["output"])).expanduser()
    if path.exists():
        return None
    try:
        path.mkdir(parents=True)
    except OSError as exc:
        raise ValidationError(
            f"cannot create the output folder {path}: {exc.strerror or exc}",
            where="setting 'output'",
            hint="choose a folder you can write to",
        ) from exc
    return str(path)


def add_channel(
    library: Library,
    code: str,
    *,
    exporter: str,
    label: str | None = None,
    locale: str | None = None,
    currency: str | None = None,
    settings: Mapping[str, Any] | None = None,
) -> ChannelDetail:
    """Create a channel publishing through ``exporter``, with checked settings."""
    if not code or not all(c.isalnum() or c in "_-" for c in code):
        raise ValidationError(
            "a channel code uses letters, digits, '_' and '-' only", where=f"channel {code!r}"
        )
    cls = registry_for(library).get(exporter)
    with library.session() as s:
        if s.scalar(select(Channel.id).where(Channel.code == code)) is not None:
            raise ValidationError(
                "a channel with this code exists",
                where=f"channel {code!r}",
                hint="use 'pimdesk channels set' to change it",
            )
        defaults = {
            spec.key: spec.default for spec in cls.settings_spec if spec.default is not None
        }
        values = _apply_settings(cls, defaults, settings or {})
        _check_required(cls, values, code)
        created = _make_output_folder(values, settings or {})
        default_locale = s.scalar(select(Channel.locales).where(Channel.code == "ecommerce"))
        channel = Channel(
            code=code,
            label=label or cls.label,
            locales=[locale] if locale else list(default_locale or ["en_US"]),
            currencies=[currency] if currency else ["USD"],
            exporter=exporter,
            settings=values,
            field_map={},
        )
        s.add(channel)
        table_summary.refresh_all(s)  # completeness on the new channel
    library.emit(Change("channel", channel_codes=frozenset({code})))
    return replace(show_channel(library, code, with_counts=False), created_folder=created)


SPECIAL_KEYS = ("label", "locale", "currency", "exporter", "category_tree")


def set_channel(library: Library, code: str, changes: Mapping[str, Any]) -> ChannelDetail:
    """Change settings (and ``label``, ``locale``, ``currency``, ``exporter``,
    ``category_tree``) of a channel; the exporter's settings_spec checks every value."""
    registry = registry_for(library)
    created = None
    with library.session() as s:
        channel = _channel(s, code)
        special = {k: v for k, v in changes.items() if k in SPECIAL_KEYS}
        rest = {k: v for k, v in changes.items() if k not in SPECIAL_KEYS}
        if "exporter" in special:
            registry.get(str(special["exporter"]))
            channel.exporter = str(special["exporter"])
        if "label" in special:
            channel.label = str(special["label"])
        if "locale" in special:
            channel.locales = [str(special["locale"])]
        if "currency" in special:
            channel.currencies = [str(special["currency"]).upper()]
        if "category_tree" in special:
            channel.category_tree = str(special["category_tree"]) or None
        if "locale" in special or "currency" in special:
            table_summary.refresh_all(s)  # completeness follows the channel's locale and currency
        if rest:
            if not channel.exporter:
                raise ValidationError(
                    "the channel has no exporter",
                    where=f"channel {code!r}",
                    hint="set exporter=NAME",
                )
            cls = registry.get(channel.exporter)
            channel.settings = _apply_settings(cls, dict(channel.settings or {}), rest)
            created = _make_output_folder(channel.settings, rest)
    forget(library, code)
    library.emit(Change("channel", channel_codes=frozenset({code})))
    return replace(show_channel(library, code, with_counts=False), created_folder=created)


def map_field(library: Library, code: str, field_name: str, source: str) -> FieldRow:
    """Point one channel field at an attribute or a property (``""`` leaves it unfilled,
    ``@default`` returns to the exporter's default)."""
    registry = registry_for(library)
    with library.session() as s:
        channel = _channel(s, code)
        if not channel.exporter:
            raise ValidationError("the channel has no exporter", where=f"channel {code!r}")
        cls = registry.get(channel.exporter)
        spec = mapping.check_field(cls.fields_spec, field_name, channel.exporter)
        attributes = set(s.scalars(select(Attribute.code)))
        field_map = dict(channel.field_map or {})
        if source == "@default":
            field_map.pop(field_name, None)
        else:
            mapping.check_source(source, attributes, field=field_name)
            field_map[field_name] = source
        channel.field_map = field_map
        row = next(
            r for r in mapping.describe_map(cls.fields_spec, field_map) if r.name == spec.name
        )
    forget(library, code)
    library.emit(Change("channel", channel_codes=frozenset({code})))
    return FieldRow(row.name, row.label, row.source, row.origin, row.required, row.fallback)


def list_channels(library: Library) -> tuple[list[ChannelSummary], list[str]]:
    """Every channel, and the exporter plugins that failed to load (as readable lines)."""
    registry = registry_for(library)
    out = []
    with library.session() as s:
        for channel in s.scalars(select(Channel).order_by(Channel.code)):
            problem = None
            if not channel.exporter:
                problem = "no exporter"
            elif channel.exporter not in registry:
                try:
                    registry.get(channel.exporter)
                except PimdeskError as exc:
                    problem = exc.message
            out.append(
                ChannelSummary(
                    code=channel.code,
                    label=channel.label,
                    exporter=channel.exporter,
                    locale=(channel.locales or [None])[0],
                    currency=(channel.currencies or [None])[0],
                    auto_publish=as_bool((channel.settings or {}).get("auto_publish")),
                    problem=problem,
                )
            )
    return out, [str(p) for p in registry.problems]


def show_channel(library: Library, code: str, *, with_counts: bool = True) -> ChannelDetail:
    registry = registry_for(library)
    with library.session() as s:
        channel = _channel(s, code)
        attributes = set(s.scalars(select(Attribute.code)))
        problem = None
        specs: list[dict[str, Any]] = []
        rows: list[FieldRow] = []
        unfilled: list[str] = []
        if not channel.exporter:
            problem = "no exporter"
        else:
            try:
                cls = registry.get(channel.exporter)
            except PimdeskError as exc:
                problem = exc.message
            else:
                specs = [asdict(spec) for spec in cls.settings_spec]
                rows = [
                    FieldRow(r.name, r.label, r.source, r.origin, r.required, r.fallback)
                    for r in mapping.describe_map(cls.fields_spec, channel.field_map or {})
                ]
                unfilled = mapping.unfilled_sources(
                    cls.fields_spec, channel.field_map or {}, attributes
                )
        detail = ChannelDetail(
            code=channel.code,
            label=channel.label,
            exporter=channel.exporter,
            locales=list(channel.locales or []),
            currencies=list(channel.currencies or []),
            category_tree=channel.category_tree,
            settings=resolve_output(channel.settings or {}, library.root),  # shown whole
            settings_spec=specs,
            fields=rows,
            unfilled_fields=unfilled,
            counts=None,
            problem=problem,
        )
    if with_counts and problem is None:
        counts = channel_counts(library, code)
        detail = ChannelDetail(**{**asdict(detail), "fields": rows, "counts": counts})
    return detail


# -- tracking -----------------------------------------------------------------------------


@dataclass
class _Plan:
    setup: ChannelSetup
    candidates: Candidates
    entries: dict[int, BuiltListing]  # every live product's listing (cached or built)
    rebuilt: set[int]


def _family_requirements(session: Any, channel_code: str) -> dict[str, tuple[list[str], list[str]]]:
    out: dict[str, tuple[list[str], list[str]]] = {}
    for code, req, img in session.execute(
        select(Family.code, Family.requirements, Family.image_requirements)
    ):
        out[code] = (
            list((req or {}).get(channel_code, [])),
            list((img or {}).get(channel_code, [])),
        )
    return out


def _plan(
    library: Library,
    session: Any,
    setup: ChannelSetup,
    *,
    build: str,  # "all" | "live" (every live product, cache used) | "candidates"
    at: dt.datetime | None = None,
) -> _Plan:
    if build == "candidates":
        candidates = find_candidates_fast(session, setup)
        wanted = set(candidates.changed) | set(candidates.never)
        reuse: dict[int, BuiltListing] = {}
    else:
        candidates = find_candidates(session, setup)
        cache = listing_cache(library, setup.code, setup.config_hash)
        wanted = set()
        reuse = {}
        for pid, product in candidates.live.items():
            entry = None if build == "all" else cache.valid(pid, product.revision)
            if entry is None:
                wanted.add(pid)
            else:
                reuse[pid] = entry
    names = naming.UniqueNames()
    for entry in sorted(reuse.values(), key=lambda e: e.sku):
        for image in entry.listing.images:
            names.take(image.filename)
    builder = ListingBuilder(session, setup, rendition_cache(library), at=at, names=names)
    built = builder.build(wanted)
    if built:
        attribute_types = dict(session.execute(select(Attribute.code, Attribute.type)).all())
        validate_built(
            setup,
            setup.exporter(),
            list(built.values()),
            attribute_types=attribute_types,
            family_requirements=_family_requirements(session, setup.code),
            session=session,
        )
    entries = {**reuse, **built}
    if build != "candidates":
        cache.entries = {pid: entries[pid] for pid in candidates.live if pid in entries}
    return _Plan(setup, candidates, entries, set(built))


def listing_states(library: Library, code: str) -> list[ListingState]:
    """Waiting, never-published, to-withdraw and blocked listings (fingerprints computed
    only for products whose revision moved on since their last publish)."""
    registry = registry_for(library)
    with library.session() as s:
        setup = load_setup(s, registry, code)
        plan = _plan(library, s, setup, build="candidates")
    return _states(plan)


def _states(plan: _Plan) -> list[ListingState]:
    out: list[ListingState] = []
    published = plan.candidates.published
    for pid, entry in sorted(plan.entries.items(), key=lambda kv: kv[1].sku):
        if entry.blocked:
            # published before: the next publish takes it off the channel (to withdraw)
            state = "withdraw" if pid in published else "blocked"
            out.append(ListingState(entry.sku, pid, state, _reasons(entry), pid in published))
        elif pid not in published:
            out.append(ListingState(entry.sku, pid, "never_published"))
        elif published[pid].fingerprint != entry.fingerprint:
            out.append(ListingState(entry.sku, pid, "waiting", published=True))
    for row in plan.candidates.withdraw:
        out.append(ListingState(row.sku, row.product_id, "withdraw", published=True))
    return out


def channel_counts(library: Library, code: str) -> ChannelCounts:
    registry = registry_for(library)
    with library.session() as s:
        plan = _plan(library, s, load_setup(s, registry, code), build="candidates")
    states = _states(plan)
    outside = [p.sku for p in plan.candidates.outside]
    by_state: dict[str, int] = {}
    for state in states:
        by_state[state.state] = by_state.get(state.state, 0) + 1
    registry = registry_for(library)
    with library.session() as s:
        setup = load_setup(s, registry, code)
        published_live = count_published_live(s, setup)
    # waiting listings and live ones to withdraw because they are blocked now (the only
    # withdrawals with reasons) are not "published" now
    published = published_live - sum(
        1 for st in states if st.state == "waiting" or (st.state == "withdraw" and st.reasons)
    )
    return ChannelCounts(
        published=published,
        waiting=by_state.get("waiting", 0),
        never_published=by_state.get("never_published", 0),
        withdraw=by_state.get("withdraw", 0),
        blocked=by_state.get("blocked", 0),
        outside=len(outside),
        outside_skus=outside,
    )


def small_images(library: Library, code: str) -> list[SmallImage]:
    """The channel's live listings showing an image under ``SMALL_IMAGE_PX`` on its longest
    side (only channels without a minimum take such images; validation warns as they go)."""
    with library.session() as s:
        channel_id = _channel(s, code).id
        return small_live_images(s, channel_id, SMALL_IMAGE_PX)


def channels_outside(library: Library, sku: str) -> dict[str, str]:
    """The channels whose category tree leaves product ``sku`` out, each with its tree's
    root: it is never listed there, however complete (``products show`` says so)."""
    with library.session() as s:
        pid = s.scalar(select(Product.id).where(Product.sku == sku))
        if pid is None:
            return {}
        rows = s.execute(
            select(Channel.code, Channel.category_tree).where(Channel.category_tree.is_not(None))
        ).all()
        return {
            code: tree
            for code, tree in rows
            if tree and pid not in products_in_tree(s, tree, [pid])
        }


def check_rights_expiry(library: Library, now: dt.datetime | None = None) -> set[int]:
    """Bump the products whose images' rights expired or started since the last check."""
    with library.session() as s:
        touched = check_expiry(s, now)
    if touched:
        library.emit(Change("rights", product_ids=frozenset(touched), detail="expiry check"))
    return touched


# -- publishing ---------------------------------------------------------------------------

_LOCKS: weakref.WeakKeyDictionary[Any, dict[str, threading.Lock]] = weakref.WeakKeyDictionary()
_LOCKS_GUARD = threading.Lock()


@contextmanager
def _process_lock(library: Library, code: str) -> Iterator[None]:
    """One publish of a channel at a time across processes (the watcher and a CLI run): an
    OS file lock, released by the kernel if the process is killed."""
    import fcntl

    folder = library.root / "cache" / "locks"
    folder.mkdir(parents=True, exist_ok=True)
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in code)
    with open(folder / f"publish-{safe}.lock", "a+", encoding="utf-8") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _channel_lock(library: Library, code: str) -> threading.Lock:
    with _LOCKS_GUARD:
        return _LOCKS.setdefault(library, {}).setdefault(code, threading.Lock())


def publish_channel(
    library: Library,
    code: str,
    *,
    mode: str = "changed",
    dry_run: bool = False,
    progress: Progress | None = None,
    cancel: CancelToken | None = None,
    run_mode: str | None = None,
    persist_cache: bool = True,
) -> PublishReport:
    """Publish channel ``code``: ``changed`` writes the feed when anything is waiting,
    ``all`` rebuilds every listing and always writes. See the module docstring.

    ``persist_cache=False`` keeps the listing cache in memory only (a long-running process
    saves it when it stops, see :func:`save_listing_caches`)."""
    if mode not in MODES:
        raise ValidationError(f"unknown publish mode {mode!r}", hint="use changed or all")
    with _channel_lock(library, code), _process_lock(library, code):
        return _publish(
            library, code, mode, dry_run, progress, cancel, run_mode or mode, persist_cache
        )


def save_listing_caches(library: Library) -> None:
    """Write the in-memory listing caches of every channel to disk (watcher/GUI shutdown)."""
    from pimdesk.channels.listing_cache import save_all

    save_all(library)


@dataclass
class _Outcome:
    """What a publish found: the listings for the feed, which of them changed, what goes."""

    feed: list[BuiltListing]
    changed: list[BuiltListing]
    gone: list[Any]
    stale: list[BuiltListing]  # revision moved, fingerprint did not


def _outcome(
    report: PublishReport,
    entries: Sequence[BuiltListing],
    published: Mapping[int, Any],
    withdraw: Sequence[Any],
) -> _Outcome:
    """Fill ``report`` (published, unchanged, withdrawn, blocked, warnings) from the built
    ``entries`` and the published rows."""
    live_entries = sorted(entries, key=lambda e: e.sku)
    feed = [e for e in live_entries if not e.blocked]
    # a product counts once: blocked, or withdrawn when it was on the channel until now
    report.blocked = [
        BlockedListing(e.sku, _reasons(e))
        for e in live_entries
        if e.blocked and e.product_id not in published
    ]
    report.withdrawn_blocked = [
        BlockedListing(e.sku, _reasons(e))
        for e in live_entries
        if e.blocked and e.product_id in published
    ]
    for entry in live_entries:
        report.warnings.extend(str(i) for i in entry.issues if not i.blocking)
    changed = [
        e
        for e in feed
        if e.product_id not in published or published[e.product_id].fingerprint != e.fingerprint
    ]
    report.published = [e.sku for e in changed]
    report.unchanged = len(feed) - len(changed)
    blocked_ids = {e.product_id for e in live_entries if e.blocked}
    gone = list(withdraw) + [published[pid] for pid in blocked_ids if pid in published]
    report.withdrawn = sorted(row.sku for row in gone)
    if report.blocked or report.withdrawn_blocked:
        report.result = "partial"
    changed_ids = {e.product_id for e in changed}
    stale = [
        e
        for e in feed
        if e.product_id in published
        and e.product_id not in changed_ids
        and published[e.product_id].revision != e.revision
    ]
    return _Outcome(feed, changed, gone, stale)


def _reasons(entry: BuiltListing) -> list[str]:
    return [f"{i.field}: {i.message}" for i in entry.issues if i.blocking]


def _blocked_details(report: PublishReport) -> dict[str, Any]:
    """The blocked products of a run, with their reasons, as the run's details keep them."""
    return {
        key: [{"sku": b.sku, "reasons": b.reasons} for b in items][:1000]
        for key, items in (
            ("blocked", report.blocked),
            ("withdrawn_blocked", report.withdrawn_blocked),
        )
    }


def _dry_run_checks(setup: ChannelSetup, report: PublishReport) -> None:
    """The same output-folder problems the real publish would meet, not "ok"."""
    if any(spec.key == "output" for spec in setup.exporter_cls.settings_spec):
        try:
            check_output_folder(setup.settings.get("output"))
        except OutputError as exc:
            report.result = "failed"
            report.errors.append(str(exc))


def _start_run(library: Library, channel_id: int, run_mode: str) -> int:
    with library.session() as s:
        # a run still "running" here was killed: say so in the history
        s.execute(
            update(PublishRun)
            .where(PublishRun.channel_id == channel_id, PublishRun.result == "running")
            .values(result="interrupted")
        )
        run = PublishRun(channel_id=channel_id, mode=run_mode, result="running")
        s.add(run)
        s.flush()
        return int(run.id)


def _failed(
    library: Library,
    code: str,
    run_id: int,
    report: PublishReport,
    feed: Sequence[BuiltListing],
    exc: BaseException,
    started: float,
) -> PublishError:
    """Log a run that failed while writing; the error to raise."""
    message = str(exc) if isinstance(exc, PimdeskError) else f"{type(exc).__name__}: {exc}"
    report.result = "failed"
    report.errors.append(message)
    _finish_run(library, run_id, report, feed, [])
    report.seconds = time.perf_counter() - started
    if isinstance(exc, PimdeskError):
        return PublishError(
            f"publishing {code} failed, the previous output is unchanged: {exc.message}",
            where=exc.where,
            hint=exc.hint,
        )
    return PublishError(
        f"publishing {code} failed, the previous output is unchanged: {message}",
        hint="this looks like a bug in the exporter; the run is in 'pimdesk publish --history'",
    )


def _publish(
    library: Library,
    code: str,
    mode: str,
    dry_run: bool,
    progress: Progress | None,
    cancel: CancelToken | None,
    run_mode: str,
    persist_cache: bool = True,
    rebuild_note: str | None = None,
) -> PublishReport:
    started = time.perf_counter()
    registry = registry_for(library)
    with library.session() as s:
        setup = load_setup(s, registry, code)
        exporter = setup.exporter()
        if supports_pieces(exporter):
            try:
                prep = incremental.prepare(
                    library, s, setup, exporter, mode=mode, dry_run=dry_run, rebuild=rebuild_note
                )
            except sqlite3.Error as exc:  # the store's own file, not the catalog
                incremental.discard_store(library, code)
                prep = incremental.prepare(
                    library,
                    s,
                    setup,
                    exporter,
                    mode=mode,
                    dry_run=dry_run,
                    rebuild=f"the pieces store could not be read ({exc})",
                )
        else:
            plan = _plan(library, s, setup, build="all" if mode == "all" else "live")
    if supports_pieces(exporter):
        try:
            return _publish_pieces(
                library, prep, mode, dry_run, progress, cancel, run_mode, started
            )
        except _PiecesBroken as broken:
            # the stored pieces did not hold together (a bug or a damaged file that still
            # opened): that run is logged as failed; rebuild everything from the catalog
            incremental.discard_store(library, code)
            return _publish(
                library,
                code,
                mode,
                dry_run,
                progress,
                cancel,
                run_mode,
                persist_cache,
                rebuild_note=f"the stored pieces were inconsistent ({broken})",
            )
    candidates = plan.candidates
    report = PublishReport(channel=code, mode=mode, dry_run=dry_run, result="ok")
    report.outside = [p.sku for p in candidates.outside]
    live_entries = [plan.entries[pid] for pid in candidates.live if pid in plan.entries]
    outcome = _outcome(report, live_entries, candidates.published, candidates.withdraw)
    feed, changed, gone = outcome.feed, outcome.changed, outcome.gone
    if dry_run:
        _dry_run_checks(setup, report)
        report.seconds = time.perf_counter() - started
        return report
    if mode == "changed" and not changed and not gone:
        return _nothing_to_write(library, code, setup.id, outcome.stale, run_mode, report, started)

    run_id = _start_run(library, setup.id, run_mode)
    report.run_id = run_id
    try:
        result = exporter.publish(
            [e.listing for e in feed],
            report.withdrawn,
            progress or (lambda _d, _t: None),
            cancel or CancelToken(),
        )
    except Exception as exc:
        raise _failed(library, code, run_id, report, feed, exc, started) from exc
    report.files = [str(p) for p in result.files]
    report.warnings.extend(result.warnings)
    _record(library, setup.id, run_id, feed, gone, result)
    _finish_run(library, run_id, report, feed, changed)
    if persist_cache:
        listing_cache(library, code, setup.config_hash).save()
    report.seconds = time.perf_counter() - started
    _emit_published(library, code, changed, gone, report)
    return report


def _nothing_to_write(
    library: Library,
    code: str,
    channel_id: int,
    stale: Sequence[BuiltListing],
    run_mode: str,
    report: PublishReport,
    started: float,
) -> PublishReport:
    """End a ``--changed`` run that found nothing to write (both publish paths)."""
    if stale:
        _refresh_revisions(library, channel_id, stale)
    report.result = "nothing" if not report.blocked else "partial"
    _record_nothing(library, channel_id, run_mode, report)
    report.seconds = time.perf_counter() - started
    if report.warnings:
        _emit_published(library, code, [], [], report)
    return report


def _emit_published(
    library: Library,
    code: str,
    changed: Sequence[BuiltListing],
    gone: Sequence[Any],
    report: PublishReport,
) -> None:
    """One Change per run that wrote something, or that has warnings to tell (a run that
    wrote nothing because the only change was a photo the channel leaves out)."""
    blocked = len(report.blocked)
    library.emit(
        Change(
            "publish",
            product_ids=frozenset(e.product_id for e in changed),
            channel_codes=frozenset({code}),
            detail=f"{len(changed)} published, {len(gone)} withdrawn"
            + (f", {blocked} blocked" if blocked else ""),
            notes=tuple(report.warnings),
        )
    )


def _publish_pieces(
    library: Library,
    prep: incremental.Prepared,
    mode: str,
    dry_run: bool,
    progress: Progress | None,
    cancel: CancelToken | None,
    run_mode: str,
    started: float,
) -> PublishReport:
    """The incremental path (exporters implementing ``api.IncrementalFeed``): only the groups
    a change touches are built, validated and rendered; the feed is assembled from stored
    pieces. ``--all`` and a store that cannot be trusted rebuild every piece."""
    setup = prep.setup
    code = setup.code
    report = PublishReport(channel=code, mode=mode, dry_run=dry_run, result="ok")
    report.outside = [p.sku for p in prep.candidates.outside]
    try:
        outcome = _outcome(
            report, list(prep.built.values()), prep.published, prep.candidates.withdraw
        )
        feed, changed, gone = outcome.feed, outcome.changed, outcome.gone
        report.unchanged = incremental.listed_after(prep, feed) - len(changed)
        if dry_run:
            _dry_run_checks(setup, report)
            report.seconds = time.perf_counter() - started
            return report
        quiet = not changed and not gone and not prep.drafts_moved
        if mode == "changed" and not prep.full and quiet:
            return _nothing_to_write(
                library, code, setup.id, outcome.stale, run_mode, report, started
            )
        if prep.note:
            report.notes.append(prep.note)
        run_id = _start_run(library, setup.id, run_mode)
        report.run_id = run_id
        try:
            written = incremental.write(
                library,
                prep,
                feed,
                run_id=run_id,
                progress=progress or (lambda _d, _t: None),
                cancel=cancel or CancelToken(),
            )
        except Exception as exc:
            error = _failed(library, code, run_id, report, feed, exc, started)
            # the store's own SQLite errors, or a lookup in it that found nothing: rebuild;
            # anything else (the output folder, the disk, an exporter's bug) is a failure
            if prep.full or not isinstance(exc, sqlite3.Error | LookupError):
                raise error from exc
            raise _PiecesBroken(f"{type(exc).__name__}: {exc}") from exc
    finally:
        prep.close()
    report.files = [str(p) for p in written.files]
    report.warnings.extend(written.warnings)
    remote = {
        e.sku: written.remote_ids[e.product_id] for e in feed if e.product_id in written.remote_ids
    }
    _record(
        library,
        setup.id,
        run_id,
        feed,
        gone,
        PublishResult(remote_ids=remote),
        only_given=not prep.full,
        remote_only={pid: r for pid, r in written.remote_ids.items() if pid not in prep.built},
    )
    if prep.withdrawn or prep.drafts or prep.dropped:
        _record_withdrawals(library, prep, feed, gone, written.drafted, report)
    report.unchanged = written.listed - len(changed)
    _finish_run(library, run_id, report, feed, changed, listed=written.listed)
    report.seconds = time.perf_counter() - started
    _emit_published(library, code, changed, gone, report)
    return report


def _record_withdrawals(
    library: Library,
    prep: incremental.Prepared,
    feed: Sequence[BuiltListing],
    gone: Sequence[Any],
    drafted: Mapping[int, str],
    report: PublishReport,
) -> None:
    """Remember which withdrawn products the feed keeps as withdrawal rows (see
    ``WithdrawnListing``): those written now are stored with the revision they were written
    from; products back on the channel, deleted, or withdrawn inside a product that is still
    on sale (no row of their own) lose theirs. Says so in ``report``."""
    channel_id = prep.setup.id
    now = dt.datetime.now(dt.UTC)
    rows = [
        {
            "channel_id": channel_id,
            "product_id": pid,
            "sku": prep.drafts[pid].sku,
            "revision": prep.drafts[pid].revision,
            "remote_id": remote or None,
            "withdrawn_at": now,
        }
        for pid, remote in drafted.items()
        if pid in prep.drafts
    ]
    drop = {e.product_id for e in feed if e.product_id in prep.withdrawn}
    drop |= set(prep.dropped) | (set(prep.drafts) - set(drafted))
    drop |= {row["product_id"] for row in rows}  # rewritten below
    ids = sorted(drop)
    with library.session() as s:
        for start in range(0, len(ids), 900):
            s.execute(
                delete(WithdrawnListing).where(
                    WithdrawnListing.channel_id == channel_id,
                    WithdrawnListing.product_id.in_(ids[start : start + 900]),
                )
            )
        if rows:
            s.execute(insert(WithdrawnListing), rows)
    gone_skus = {row.sku for row in gone}
    report.withdrawal_rows = sorted(
        prep.drafts[pid].sku for pid in drafted if prep.drafts[pid].sku in gone_skus
    )
    report.withdrawal_how = str(getattr(prep.exporter, "withdrawal_rows", ""))
    label = prep.setup.exporter_cls.label
    for sku in prep.deleted:
        report.warnings.append(
            f"{sku}: deleted from the catalog while on this channel, so no row in the "
            f"{label} can take it off the shop; remove or hide it there by hand"
        )
    left = sorted(
        e.sku for pid, e in prep.drafts.items() if pid not in drafted and e.sku in gone_skus
    )
    for sku in left:
        report.warnings.append(
            f"{sku}: withdrawn while other variants of its product stay on sale; the "
            f"{label} gets no row for it (one variant is not taken off by pimdesk)"
        )


NOTHING_TO_PUBLISH = "nothing to publish"


def _record_nothing(
    library: Library, channel_id: int, run_mode: str, report: PublishReport
) -> None:
    """A run that had nothing to write still gets its line in the history (result
    ``nothing``), so a user who clicked Publish sees that it ran. Auto-publish runs that
    find nothing are not logged: they follow every change in the catalog."""
    if run_mode == "auto":
        return
    now = dt.datetime.now(dt.UTC)
    with library.session() as s:
        run = PublishRun(
            channel_id=channel_id,
            mode=run_mode,
            result="nothing",
            started_at=now,
            finished_at=now,
            published=0,
            withdrawn=0,
            blocked=len(report.blocked),
            details={"notes": [NOTHING_TO_PUBLISH], **_blocked_details(report)},
        )
        s.add(run)
        s.flush()
        report.run_id = run.id


def _refresh_revisions(library: Library, channel_id: int, entries: Sequence[BuiltListing]) -> None:
    """Listings whose revision moved but whose fingerprint did not: nothing to write, but
    remember the revision so they stop being candidates."""
    with library.session() as s:
        s.execute(
            update(PublishedListing),
            [
                {"channel_id": channel_id, "product_id": e.product_id, "revision": e.revision}
                for e in entries
            ],
        )


def _record(
    library: Library,
    channel_id: int,
    run_id: int,
    feed: Sequence[BuiltListing],
    gone: Sequence[Any],
    result: PublishResult,
    *,
    only_given: bool = False,
    remote_only: Mapping[int, str] | None = None,
) -> None:
    """Store what was published. ``only_given``: read the existing rows of ``feed`` only
    (an incremental publish); ``remote_only``: products whose listing did not change but
    whose remote id may have (a group rendered again for another group's sake)."""
    now = dt.datetime.now(dt.UTC)
    with library.session() as s:
        query = select(
            PublishedListing.product_id,
            PublishedListing.fingerprint,
            PublishedListing.revision,
        ).where(PublishedListing.channel_id == channel_id)
        existing: dict[int, tuple[str, int]] = {}
        if only_given:
            ids = [e.product_id for e in feed]
            for start in range(0, len(ids), 900):
                chunk = ids[start : start + 900]
                for pid, fp, rev in s.execute(query.where(PublishedListing.product_id.in_(chunk))):
                    existing[pid] = (fp, rev)
        else:
            existing = {pid: (fp, rev) for pid, fp, rev in s.execute(query)}
        if remote_only:
            s.execute(
                update(PublishedListing),
                [
                    {"channel_id": channel_id, "product_id": pid, "remote_id": remote}
                    for pid, remote in remote_only.items()
                ],
            )
        gone_ids = [row.product_id for row in gone]
        for start in range(0, len(gone_ids), 900):
            s.execute(
                delete(PublishedListing).where(
                    PublishedListing.channel_id == channel_id,
                    PublishedListing.product_id.in_(gone_ids[start : start + 900]),
                )
            )
        inserts, updates = [], []
        for e in feed:
            row = {
                "channel_id": channel_id,
                "product_id": e.product_id,
                "sku": e.sku,
                "fingerprint": e.fingerprint,
                "revision": e.revision,
                "published_at": now,
                "remote_id": result.remote_ids.get(e.sku),
                "versions": list(e.versions),
                "run_id": run_id,
            }
            if e.product_id not in existing:
                inserts.append(row)
            elif existing[e.product_id][0] != e.fingerprint:
                updates.append(row)
            elif existing[e.product_id][1] != e.revision:
                updates.append(
                    {
                        "channel_id": channel_id,
                        "product_id": e.product_id,
                        "revision": e.revision,
                        "remote_id": row["remote_id"],
                    }
                )
        if inserts:
            s.execute(insert(PublishedListing), inserts)
        full = [u for u in updates if "fingerprint" in u]
        light = [u for u in updates if "fingerprint" not in u]
        if full:
            s.execute(update(PublishedListing), full)
        if light:
            s.execute(update(PublishedListing), light)


def _finish_run(
    library: Library,
    run_id: int,
    report: PublishReport,
    feed: Sequence[BuiltListing],
    changed: Sequence[BuiltListing],
    *,
    listed: int | None = None,
) -> None:
    with library.session() as s:
        run = s.get(PublishRun, run_id)
        if run is None:
            return
        run.finished_at = dt.datetime.now(dt.UTC)
        run.result = report.result
        run.published = len(changed)
        run.withdrawn = len(report.withdrawn)
        run.blocked = len(report.blocked)
        run.details = {
            "products": [e.sku for e in changed][:1000],
            "listed": len(feed) if listed is None else listed,
            "versions": sorted({v for e in changed for v in e.versions})[:5000],
            "withdrawn": report.withdrawn[:1000],
            **_blocked_details(report),
            "errors": report.errors,
            "notes": report.notes,
            "files": report.files[:100],
        }


def publish_history(
    library: Library, code: str | None = None, limit: int = RUN_HISTORY_LIMIT
) -> list[RunInfo]:
    """The channel's publish runs, newest first; without ``code``, the recent runs of every
    channel (each :class:`RunInfo` names its channel)."""
    with library.session() as s:
        query = select(PublishRun, Channel.code).join(Channel, Channel.id == PublishRun.channel_id)
        if code is not None:
            query = query.where(PublishRun.channel_id == _channel(s, code).id)
        runs = s.execute(query.order_by(PublishRun.id.desc()).limit(limit)).all()
        return [
            RunInfo(
                id=run.id,
                channel=channel_code,
                mode=run.mode,
                result=run.result,
                started_at=run.started_at,
                finished_at=run.finished_at,
                published=run.published,
                withdrawn=run.withdrawn,
                blocked=run.blocked,
                products=list((run.details or {}).get("products", [])),
                versions=list((run.details or {}).get("versions", [])),
                errors=list((run.details or {}).get("errors", [])),
                notes=list((run.details or {}).get("notes", [])),
                withdrawn_skus=list((run.details or {}).get("withdrawn", [])),
                blocked_skus=[
                    b.get("sku", "")
                    for b in (run.details or {}).get("blocked", [])
                    if isinstance(b, dict)
                ],
            )
            for run, channel_code in runs
        ]


def auto_publish_channels(library: Library) -> list[str]:
    """Codes of channels with ``auto_publish`` on and a usable exporter."""
    registry = registry_for(library)
    with library.session() as s:
        rows = s.execute(select(Channel.code, Channel.exporter, Channel.settings)).all()
    return [
        code
        for code, exporter, settings in rows
        if exporter and exporter in registry and as_bool((settings or {}).get("auto_publish"))
    ]


def publishing_status(library: Library) -> dict[str, Any]:
    """The ``publishing`` section of ``pimdesk status``: per channel published / waiting /
    never published / to withdraw / blocked, the last run, and broken exporter plugins."""
    summaries, problems = list_channels(library)
    channels: list[dict[str, Any]] = []
    for summary in summaries:
        row: dict[str, Any] = {
            "channel": summary.code,
            "exporter": summary.exporter,
            "auto_publish": summary.auto_publish,
            "problem": summary.problem,
        }
        if summary.problem is None:
            try:
                row.update(asdict(channel_counts(library, summary.code)))
            except PimdeskError as exc:
                row["problem"] = exc.message
            small = small_images(library, summary.code)
            if small:  # live with images that show tiny (a RAW's preview, a damaged file)
                row["small_images"] = [asdict(image) for image in small]
                row["small_images_below"] = SMALL_IMAGE_PX
            runs = publish_history(library, summary.code, limit=1)
            if runs:
                row["last_run"] = {
                    "at": runs[0].started_at.isoformat(),
                    "result": runs[0].result,
                    "mode": runs[0].mode,
                }
        channels.append(row)
    return {"channels": channels, "plugin_problems": problems}


DEMO_AUTO_PUBLISH = ("storefront", "shopify_csv")  # exporters the demo publishes by itself


def make_demo_channels_ready(library: Library) -> str:
    """Demo step: storefront and Shopify CSV channels on auto-publish, output folders made
    under the library's ``exports/`` when a channel has none."""
    ready = []
    with library.session() as s:
        for channel in s.scalars(select(Channel).order_by(Channel.code)):
            if channel.exporter not in DEMO_AUTO_PUBLISH:
                continue
            settings = dict(channel.settings or {})
            output = str(settings.get("output") or f"exports/{channel.code}")  # in the library
            Path(resolve_output({"output": output}, library.root)["output"]).mkdir(
                parents=True, exist_ok=True
            )
            settings["output"] = output
            settings["auto_publish"] = True
            channel.settings = settings
            ready.append(channel.code)
    for code in ready:
        forget(library, code)
    library.emit(Change("channel", channel_codes=frozenset(ready), detail="demo"))
    if not ready:
        return "no storefront or Shopify channel to prepare"
    return f"auto-publish on for {', '.join(ready)} (outputs under {library.root / 'exports'})"


def _register_demo() -> None:
    try:
        from pimdesk.services.demo import DEMO_STEPS
    except ImportError:  # pragma: no cover - the demo is optional
        return
    if all(name != "publishing" for name, _ in DEMO_STEPS):
        DEMO_STEPS.append(("publishing", make_demo_channels_ready))


def _register_status() -> None:
    from pimdesk.services.status import STATUS_PROVIDERS

    if all(name != "publishing" for name, _ in STATUS_PROVIDERS):
        STATUS_PROVIDERS.append(("publishing", publishing_status))


def _register_background() -> None:
    """Run an AutoPublisher beside every watcher (``pimdesk watch``, later the GUI)."""
    try:
        from pimdesk.watch import BACKGROUND_SERVICES
    except ImportError:  # pragma: no cover - before the watch work lands its hook
        return
    from pimdesk.channels.autopublish import AutoPublisher

    if AutoPublisher not in BACKGROUND_SERVICES:
        BACKGROUND_SERVICES.append(AutoPublisher)


_register_status()
_register_demo()
_register_background()


__all__ = [
    "ChannelCounts",
    "ChannelDetail",
    "ChannelSummary",
    "PublishError",
    "PublishReport",
    "add_channel",
    "auto_publish_channels",
    "channel_counts",
    "check_rights_expiry",
    "list_channels",
    "listing_states",
    "map_field",
    "publish_channel",
    "publish_history",
    "publishing_status",
    "set_channel",
    "setup_from_channel",
    "show_channel",
]
