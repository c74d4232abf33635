"""The shared skeleton of the built-in file exporters.

Each built-in writes a feed (and usually images) into the ``output`` folder. This base holds
what they all do the same way: read and check the folder and ``base_url`` settings, run the
exporter's own :meth:`validate` again inside :meth:`publish` so a listing that breaks the
channel's rules is left out even when the caller skipped validation, report progress, honour
cancel, and place images through :class:`~pimdesk.channels.output.OutputFolder`.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Hashable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from pimdesk.channels.api import (
    CancelToken,
    Exporter,
    GroupPlan,
    Issue,
    Listing,
    ListingImage,
    PieceImage,
    Progress,
    PublishResult,
)
from pimdesk.channels.exporters._common import (
    ProductGroup,
    external_urls,
    field,
    group_key,
    sources,
)
from pimdesk.channels.output import (
    OutputError,
    OutputFolder,
    PublishCancelled,
    check_base_url,
    check_relative_name,
    url_for,
)

T = TypeVar("T")


class ListingMemo:
    """Results computed from listing objects, kept from one publish to the next.

    A feed is a full replacement, so every publish regenerates every row; but in a running
    watcher or GUI the publishing service hands over the *same* Listing objects for products
    that did not change (its listing cache). Keyed by object identity (the entry holds the
    listing, so the id cannot be reused while it is kept) plus whatever else the result
    depends on, a result is reused only for that very object. Only pure functions of the
    listing and the exporter's settings may be memoised. :meth:`rotate` after each publish
    drops what the last publish did not use.
    """

    def __init__(self) -> None:
        self._previous: dict[Hashable, tuple[Listing, Any]] = {}
        self._current: dict[Hashable, tuple[Listing, Any]] = {}

    def get(self, kind: str, listing: Listing, extra: Hashable, compute: Callable[[], T]) -> T:
        key = (kind, id(listing), extra)
        hit = self._current.get(key) or self._previous.get(key)
        if hit is not None and hit[0] is listing:
            self._current[key] = hit
            return hit[1]  # type: ignore[no-any-return]
        value = compute()
        self._current[key] = (listing, value)
        return value

    def rotate(self) -> None:
        self._previous, self._current = self._current, {}


class NoMemo(ListingMemo):
    """A memo that keeps nothing: for publishes that never hand the same Listing objects
    over again (the incremental path builds only what changed)."""

    def get(self, kind: str, listing: Listing, extra: Hashable, compute: Callable[[], T]) -> T:
        return compute()


_MEMOS: dict[tuple[str, str], ListingMemo] = {}
_MEMOS_LOCK = threading.Lock()


class FileExporter(Exporter):
    """Base of exporters that write files into the ``output`` folder."""

    _sources: dict[str, str | None] | None = None
    _memo: ListingMemo | None = None

    @property
    def memo(self) -> ListingMemo:
        """This exporter's memo, shared by every instance with the same name and settings."""
        if self._memo is None:
            key = (self.name, json.dumps(self.settings, sort_keys=True, default=str))
            with _MEMOS_LOCK:
                self._memo = _MEMOS.setdefault(key, ListingMemo())
        return self._memo

    def begin_incremental(self) -> None:
        """Publishing goes through the pieces path (see ``api.IncrementalFeed``): listings
        are built fresh for the few groups that changed, so the memo would only hold them."""
        self._memo = NoMemo()

    def product_group(self, listings: Sequence[Listing]) -> ProductGroup:
        """The group of ``listings``; the pieces path asks for a group's plan, then renders
        it: the gallery is worked out once."""
        cache: dict[int, ProductGroup] = self.__dict__.setdefault("_groups", {})
        group = cache.get(id(listings[0]))
        if group is None or group.variants != list(listings):
            group = ProductGroup(group_key(listings[0]), list(listings))
            cache[id(listings[0])] = group
        return group

    def feed_name(self) -> str:
        """The feed's file name (``file_name`` setting) for the pieces path."""
        return str(self.settings.get("file_name") or "products.csv")

    def group_key(self, listing: Listing) -> str:
        return group_key(listing)

    @staticmethod
    def group_plan(group: ProductGroup, *, claim: str = "", shape: int = 0) -> GroupPlan:
        """A group's plan: first SKU for its position, its gallery as the images."""
        return GroupPlan(
            key=group.key,
            order=group.first.sku,
            claim=claim,
            images=tuple(PieceImage(i.version_id, i.filename, i.file) for i in group.images()),
            shape=shape,
        )

    def external_images(self, group: ProductGroup) -> tuple[list[str], list[str]]:
        """The image URLs a group was imported with, for a group with no photo of its own
        in pimdesk (with one, both lists are empty: its own photos only, never a mix): the
        product's gallery and each variant's image ("" for none).

        Fields ``image_urls`` (a Shopify/WooCommerce import's URLs, one per line) and
        ``variant_image_url``. A variant inherits its model's ``image_urls``; when the
        variants' differ, each holds its own (a WooCommerce import's variation image): the
        gallery is then all of them in variant order and each variant shows its first."""
        if group.images():
            return [], [""] * len(group.variants)
        per = [external_urls(self._get(v, "image_urls")) for v in group.variants]
        own = [
            next(iter(external_urls(self._get(v, "variant_image_url"))), "") for v in group.variants
        ]
        if all(urls == per[0] for urls in per):
            return per[0], own
        gallery = list(dict.fromkeys(url for urls in per for url in urls))
        return gallery, [o or (urls[0] if urls else "") for o, urls in zip(own, per, strict=True)]

    def base_url_for(self, root: Path) -> str:
        """Image URL prefix for the pieces path (``IncrementalFeed``)."""
        return check_base_url(self.settings.get("base_url")) or root.resolve().as_uri() + "/"

    def _get(self, listing: Listing, name: str) -> Any:
        """The channel field ``name`` of ``listing`` (see :func:`_common.field`)."""
        fields = listing.fields
        if name in fields:  # the common case, asked for ~30 times per listing: no call
            return fields[name]
        if self._sources is None:
            self._sources = sources(self.fields_spec)
        return field(listing, self._sources, name)

    def output_folder(self, *, subfolders: Sequence[str] = ()) -> OutputFolder:
        return OutputFolder(self.settings.get("output"), self.name, subfolders=subfolders)

    def base_url(self, out: OutputFolder | None = None) -> str:
        """The ``base_url`` setting (checked); empty means file:// URLs of the output folder."""
        base = check_base_url(self.settings.get("base_url"))
        if base:
            return base
        root = out.root if out is not None else Path(str(self.settings.get("output") or "."))
        return root.resolve().as_uri() + "/"

    def image_url(self, out: OutputFolder, base: str, image: ListingImage, folder: str = "") -> str:
        name = out.image_name(image.filename, image.file, folder=folder)
        return url_for(base, name)

    def image_name_issues(self, listing: Listing) -> list[Issue]:
        issues: list[Issue] = []
        for image in listing.images:
            try:
                check_relative_name(image.filename)
            except OutputError as exc:
                issues.append(Issue(listing.sku, "images", exc.message))
        return issues

    def publishable(self, listings: Sequence[Listing], result: PublishResult) -> list[Listing]:
        """``listings`` without those our own validation blocks; the reasons go to warnings."""
        blocked: set[str] = set()
        for issue in self.validate(listings):
            if issue.blocking:
                blocked.add(issue.sku)
            result.warnings.append(str(issue))
        return [listing for listing in listings if listing.sku not in blocked]

    @staticmethod
    def check_cancel(cancel: CancelToken | None) -> None:
        if cancel is not None and cancel.cancelled:
            raise PublishCancelled("publish cancelled; the previous output is unchanged")

    @staticmethod
    def report(progress: Progress | None, done: int, total: int) -> None:
        if progress is not None:
            progress(done, total)
