"""The exporter plugin API: what a channel exporter receives, declares and returns.

Exporters are found through the ``pimdesk.exporters`` entry-point group; the built-ins
register through the same door as third-party packages. An exporter never touches the
catalog: it gets fully resolved :class:`Listing` objects (values for the channel's locale
and currency, field mapping applied, images already rendered with the channel's profile)
and writes them to its target. Bump :data:`API_VERSION` on any incompatible change; the
registry refuses plugins built for another version, with a message naming the plugin.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Literal

API_VERSION = 1

SettingType = Literal["text", "path", "url", "bool", "choice", "int"]


@dataclass(frozen=True)
class SettingSpec:
    """One channel setting an exporter understands (drives the CLI checks and GUI forms)."""

    key: str
    label: str
    type: SettingType = "text"
    required: bool = False
    default: Any = None
    choices: tuple[str, ...] = ()
    help: str = ""


@dataclass(frozen=True)
class FieldSpec:
    """A field of the channel's format that the catalog must fill through the field map.

    ``default_source`` is what fills it when the user has not mapped it: an attribute code
    (``"brand"``), or a property: ``"@family"``, ``"@category_path"``, ``"@parent"``,
    ``"@sku"``, ``"@tags"``. ``required``: a listing without a value is blocked.
    """

    name: str
    label: str
    default_source: str | None = None
    required: bool = False
    max_length: int | None = None
    help: str = ""


@dataclass(frozen=True)
class ListingImage:
    """One publishable image of a listing, already rendered for the channel."""

    version_id: int
    asset_id: int
    sha256: str  # of the original version
    role: str
    position: int
    file: Path  # the rendition on disk
    filename: str  # the name the exporter should publish it under (unique in a publish)
    width: int
    height: int
    alt_text: str = ""


@dataclass(frozen=True)
class Listing:
    """What one channel sees of one product.

    ``fields`` are the channel's fields after the field map (``{"brand": "Acme"}``);
    ``values`` are all resolved attribute values (locale and currency of the channel
    applied; prices as ``Decimal`` strings of the channel currency; metrics as
    ``{"amount": str, "unit": str}``); ``axes`` are the variant axis values
    (``{"color": "Black"}``), empty for a simple product.
    """

    product_id: int
    sku: str
    title: str
    description: str
    enabled: bool
    locale: str
    currency: str
    family: str | None
    parent_code: str | None  # the product model (group) code, None for a simple product
    parent_title: str | None
    axes: Mapping[str, str]
    fields: Mapping[str, Any]
    values: Mapping[str, Any]
    categories: Sequence[str]
    images: Sequence[ListingImage]


@dataclass(frozen=True)
class Issue:
    """A reason a listing cannot be published as it is (``blocking``) or a warning."""

    sku: str
    field: str
    message: str
    blocking: bool = True

    def __str__(self) -> str:
        return f"{self.sku}: {self.field}: {self.message}"


@dataclass
class PublishResult:
    """What the exporter wrote: ``remote_ids`` maps SKU to the identity the target gave it
    (a file name, a URL, an id); ``files`` are the output paths written."""

    remote_ids: dict[str, str] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


class CancelToken:
    """Set by the front end; exporters check it between items and stop cleanly."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()


Progress = Callable[[int, int], None]  # (done, total)


class Exporter(ABC):
    """Base class of every exporter. Subclasses set the class attributes and two methods.

    ``publish`` receives the complete set of listings that should be live on the channel
    (feeds are full replacements) plus the SKUs withdrawn since the last run, and must write
    every output file atomically (temp file + rename) so a reader sees old or new, never half.
    """

    api_version: ClassVar[int] = API_VERSION
    name: ClassVar[str]
    label: ClassVar[str]
    description: ClassVar[str] = ""
    rendition_profile: ClassVar[str | None] = None  # built-in profile name, or None for no images
    settings_spec: ClassVar[tuple[SettingSpec, ...]] = ()
    fields_spec: ClassVar[tuple[FieldSpec, ...]] = ()
    min_image_size: ClassVar[int] = 0  # longest side, px
    max_images: ClassVar[int | None] = None

    def __init__(self, settings: Mapping[str, Any]):
        self.settings = dict(settings)

    def validate(self, listings: Sequence[Listing]) -> list[Issue]:
        """Channel-specific checks beyond required fields and image sizes (done centrally)."""
        return []

    @abstractmethod
    def publish(
        self,
        listings: Sequence[Listing],
        withdrawn: Sequence[str],
        progress: Progress,
        cancel: CancelToken,
    ) -> PublishResult:
        """Write ``listings`` to the target; see the class docstring."""


# -- optional: incremental feeds ------------------------------------------------------------
#
# An exporter that writes one feed file made of independent pieces, one per product group
# (a product model with its variants, or a lone product), may also subclass
# :class:`IncrementalFeed`. Publishing then keeps the rendered pieces between runs and, after
# a change, renders only the groups that changed and streams the stored pieces into the new
# feed. An exporter that does not implement it is published through :meth:`Exporter.publish`
# as before (API version 1 plugins work unchanged).
#
# Two things in a feed depend on other groups, and publishing resolves them in feed order so
# that a partial rebuild gives the same bytes as a full one:
# - ``GroupPlan.claim``: a name that must be unique among groups (Shopify's handle). The
#   first group in feed order keeps it, the next ones get ``-2``, ``-3``, ...;
# - an image version shown by several groups is published once, under the file name the
#   first group in feed order asked for; every group using it gets that URL.


@dataclass(frozen=True)
class PieceImage:
    """One image a group shows, with the file name it would be published under."""

    version_id: int
    filename: str
    file: Path


@dataclass(frozen=True)
class GroupPlan:
    """What publishing needs to know about a group before rendering it."""

    key: str  # stable identity of the group ("model:TOTE", "sku:MUG-1")
    order: str  # position of the group in the feed (groups sorted by it)
    claim: str = ""  # a name to make unique among groups ("" = none)
    images: tuple[PieceImage, ...] = ()
    shape: int = 0  # what the feed's layout needs for this group (WooCommerce: its axes)


@dataclass(frozen=True)
class GroupContext:
    """What publishing resolved for a group: its unique claim and its images' URLs."""

    claim: str
    urls: Mapping[int, str]  # version id -> URL
    shape: int = 0  # the feed's layout: the largest GroupPlan.shape of the feed


@dataclass(frozen=True)
class Piece:
    """A group's rendered part of the feed and the remote ids of its listings (by SKU)."""

    data: bytes
    remote_ids: Mapping[str, str]


class IncrementalFeed(ABC):
    """Optional mix-in for an :class:`Exporter` whose feed is a head, one piece per group in
    group order, and a tail. Every method must be a pure function of its arguments and the
    exporter's settings; bump ``piece_version`` whenever the bytes a method returns change,
    so stored pieces of an older version are rebuilt."""

    piece_version: ClassVar[str] = "1"
    # True when pieces depend on the feed's shape (the largest GroupPlan.shape): when that
    # changes, every piece is rendered again
    shaped: ClassVar[bool] = False
    # True when the channel's importer keeps products that are missing from the file
    # (Shopify, WooCommerce): a product withdrawn from such a channel then stays in the feed
    # for as long as it stays withdrawn, rendered from its Listing with ``enabled=False``
    # (the exporter writes the row that takes it off the shop), so every file is complete.
    # Only groups without a live member are written so; ``withdrawal_rows`` says how such
    # rows read, for the publish summary ("Status draft, Published FALSE")
    withdraws_in_feed: ClassVar[bool] = False
    withdrawal_rows: ClassVar[str] = ""
    # True when a group's claim is the identity the channel knows it by and the remote id
    # ``render_group`` reports for its listings (Shopify's handle): once published it
    # sticks to the group whatever the group asks for later (a renamed product keeps its
    # handle), and a group never published steers clear of names published groups hold
    claims_stick: ClassVar[bool] = False

    def begin_incremental(self) -> None:
        """Called once, before validation, when publishing takes the pieces path (an
        exporter may switch off caches it keeps for :meth:`Exporter.publish`)."""
        return None

    @abstractmethod
    def feed_name(self) -> str:
        """The feed file's name in the output folder."""

    @abstractmethod
    def group_key(self, listing: Listing) -> str:
        """The group a listing belongs to."""

    @abstractmethod
    def plan_group(self, listings: Sequence[Listing]) -> GroupPlan:
        """The plan of one group (its live listings, in SKU order)."""

    @abstractmethod
    def render_group(self, listings: Sequence[Listing], context: GroupContext) -> Piece:
        """The feed bytes of one group."""

    def feed_head(self, shape: int = 0) -> bytes:
        return b""

    def feed_tail(self) -> bytes:
        return b""

    def image_folder(self) -> str:
        """Subfolder of the output folder the images go to ("" = beside the feed)."""
        return ""

    def base_url_for(self, root: Path) -> str:
        """The URL prefix of published images (``base_url`` setting or file:// URLs)."""
        return root.resolve().as_uri() + "/"

    def feed_warnings(self, size: int) -> list[str]:
        """Warnings about the assembled feed (e.g. a size limit of the channel)."""
        return []


def supports_pieces(exporter: Exporter) -> bool:
    """Whether publishing may take the incremental path for this exporter."""
    return isinstance(exporter, IncrementalFeed)
