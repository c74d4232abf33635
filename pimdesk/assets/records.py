"""The single writer: turns worker results into asset, version, link and problem rows.

Runs inside the caller's transaction (one per batch). The decisions, in order:

1. bytes already recorded from the same source path -> identical (clear ``source_missing``);
2. bytes known from a source path that no longer exists -> the file was moved or renamed:
   the version follows it (no duplicate); a new name naming another free slot moves the
   link the rules made (links made by hand stay);
3. the rules name a product slot (product, role, position):
   - the slot's asset already has these bytes -> identical;
   - the slot has an asset -> new version N+1 (older versions kept);
   - the slot is empty -> a new asset, even when its bytes are already stored for another
     file (stored once; each file keeps its own versions, so replacing one never changes
     another product's photo);
4. no match or unknown SKU -> new content in a file that made an asset before is that
   asset's next version; otherwise the file waits in the Unmatched inbox with the reason
   (or, when the rule says so, an unknown SKU becomes a draft product; a strict rule makes
   an unmatched file a problem); bytes already known elsewhere are not stored twice.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass, replace
from pathlib import PurePath
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from pimdesk.assets import outcomes as oc
from pimdesk.assets import settings
from pimdesk.assets.analyse import FileResult
from pimdesk.assets.matching import FileMatch, Matcher, unsafe_sku_reason
from pimdesk.assets.metadata import EMBEDDED_SOURCE, parse_date
from pimdesk.assets.names import is_ignored_name
from pimdesk.catalog.db import utcnow
from pimdesk.catalog.models import (
    Asset,
    AssetLink,
    AssetRights,
    AssetVersion,
    Family,
    IngestProblem,
    Product,
    ProductModel,
)
from pimdesk.rules.camera import camera_name_hint


@dataclass
class PendingFile:
    """A worker result plus the path the rules see (relative to the folder it came from)."""

    result: FileResult
    relative: str


@dataclass(frozen=True)
class Target:
    """What a file is linked to: a product, or a product model (shown by all its variants)."""

    product_id: int | None = None
    model_id: int | None = None


class ProductIndex:
    """SKU (and product-model code) -> id for the whole catalog, loaded once per ingest run.

    ``skus`` is one stable collection, so the rules build their lookup index once per run.
    """

    def __init__(self, products: dict[str, int], models: dict[str, int] | None = None):
        self.by_sku = dict(products)
        self.models = dict(models or {})
        self._refresh()

    @classmethod
    def load(cls, session: Session) -> ProductIndex:
        products = {sku: pid for sku, pid in session.execute(select(Product.sku, Product.id))}
        models = {
            code: mid for code, mid in session.execute(select(ProductModel.code, ProductModel.id))
        }
        return cls(products, models)

    def _refresh(self) -> None:
        self._names: dict[tuple[str, int | None], str] | None = None
        self.by_folded = {sku.casefold(): sku for sku in self.by_sku}
        self.models_folded = {code.casefold(): code for code in self.models}
        self._skus = frozenset(self.by_sku) | frozenset(self.models)

    def find(self, sku: str) -> Target | None:
        sku = unicodedata.normalize("NFC", sku)
        if sku in self.by_sku:
            return Target(product_id=self.by_sku[sku])
        if sku in self.models:
            return Target(model_id=self.models[sku])
        real = self.by_folded.get(sku.casefold())
        if real is not None:
            return Target(product_id=self.by_sku[real])
        code = self.models_folded.get(sku.casefold())
        return Target(model_id=self.models[code]) if code is not None else None

    def name_of(self, link: AssetLink) -> str:
        """The SKU or model code a link points at (for messages)."""
        if self._names is None:
            self._names = {("p", pid): sku for sku, pid in self.by_sku.items()}
            self._names.update({("m", mid): code for code, mid in self.models.items()})
        if link.product_id is not None:
            return self._names.get(("p", link.product_id), f"product {link.product_id}")
        return self._names.get(("m", link.product_model_id), f"model {link.product_model_id}")

    def add(self, sku: str, product_id: int) -> None:
        self.by_sku[sku] = product_id
        self._refresh()

    @property
    def skus(self) -> Collection[str]:
        return self._skus


class Writer:
    """Records one batch of files; collects the ids it touched.

    New rows are flushed once, in :meth:`finish` (or when a query needs them), not after
    every file: a flush per file was most of the writer's time. Until then a new asset has
    no id, so callers pass the outcomes through :meth:`completed` after :meth:`finish`.
    """

    def __init__(self, session: Session, matcher: Matcher, products: ProductIndex):
        self.session = session
        self.matcher = matcher
        self.products = products
        self.auto_approve = bool(settings.get(session, settings.AUTO_APPROVE))
        self.product_ids: set[int] = set()
        self._asset_ids: set[int] = set()
        self._new_assets: list[Asset] = []  # touched, not flushed yet: ids come in finish()
        self._unfinished: dict[int, tuple[oc.FileOutcome, AssetVersion]] = {}
        self._by_hash: dict[str, list[AssetVersion]] = {}
        self._by_path: dict[str, list[AssetVersion]] = {}
        self._resolved_paths: list[str] = []
        # the highest position per (product id, model id, role) seen in this batch, for
        # files whose names give none (IMG_4411 in a SKU folder): they take the next one
        self._highest: dict[tuple[int | None, int | None, str], int] = {}

    @property
    def asset_ids(self) -> set[int]:
        """The assets this writer created or changed (flushes pending rows for their ids)."""
        self._collect_new_ids()
        return self._asset_ids

    def _collect_new_ids(self) -> None:
        if self._new_assets:
            self.session.flush()
            self._asset_ids.update(asset.id for asset in self._new_assets)
            self._new_assets = []

    def prefetch(self, hashes: Collection[str]) -> None:
        """Load the versions already holding these bytes in one query (one per file else)."""
        self._load(AssetVersion.sha256, hashes, self._by_hash)

    def prefetch_paths(self, paths: Collection[str]) -> None:
        """Load the versions read from these paths in one query per 500 (one round trip
        per batch rather than one per file)."""
        self._load(AssetVersion.source_path, paths, self._by_path)

    def _load(
        self, column: Any, keys: Collection[str], into: dict[str, list[AssetVersion]]
    ) -> None:
        """Versions by ``column`` for the keys not loaded yet, oldest first; a key without
        versions gets an empty list, so the cache knows it asked."""
        wanted = sorted(set(keys) - into.keys())
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            for key in chunk:
                into[key] = []
            rows = self.session.scalars(
                select(AssetVersion).where(column.in_(chunk)).order_by(AssetVersion.id)
            )
            for version in rows:
                into[getattr(version, column.key)].append(version)

    def _known(self, sha256: str) -> list[AssetVersion]:
        """The versions holding these bytes, oldest first, those recorded in this batch too."""
        if sha256 not in self._by_hash:
            self.prefetch([sha256])
        known = self._by_hash[sha256]
        if any(version.id is None for version in known):
            self.session.flush()  # same bytes twice in one batch: the first needs its ids
        return list(known)

    # -- entry points -------------------------------------------------------------------

    def record(self, item: PendingFile) -> oc.FileOutcome:
        result = item.result
        if result.problem or result.sha256 is None:
            seen = (result.size, result.mtime) if result.bad_bytes else (None, None)
            return self.problem(
                result.path, result.problem or "unknown problem", result.sha256, seen
            )
        known = self._known(result.sha256)
        same_source = [v for v in known if v.source_path == result.path]
        last_read = self._last_read_from(result.path) if same_source else None
        match: FileMatch | None = None
        if same_source and (last_read is None or last_read.sha256 == result.sha256):
            match = self.matcher(item.relative, self.products.skus)
            if not self._answers_for(same_source[-1].asset, match):
                # The asset read from this file was moved to another product since; what
                # the name says now (its slot) decides, as for any new file.
                self._resolve_problems(result.path)
                return self._place(result, known, match, item.relative)
            version = same_source[-1]
            back = _path_is_back(version.asset, result.path)
            version.source_mtime = result.mtime
            self._resolve_problems(result.path)
            return self._outcome(
                result.path, oc.IDENTICAL, version, reason=BACK if back else "already ingested"
            )
        if not result.analysed and known:
            _copy_metadata(result, known[0])
        match = match or self.matcher(item.relative, self.products.skus)
        if same_source and last_read is not None:
            # The file went back to an earlier take (the photographer copied the old shot
            # over the new one): the file's content is current again, as a new version.
            self._resolve_problems(result.path)
            said = f"the file holds v{same_source[-1].number}'s photo again"
            return self._new_version(last_read.asset, result, match, said)
        # Bytes whose file is gone moved here, but only when they are what their asset shows
        # now: a copy of an older take is a photo of its own, not the asset moving away.
        moved = [v for v in known if _is_current(v) and _gone_from_source(v)]
        if moved:
            # Several assets share these bytes (the same photo for two products): the one
            # whose file vanished unnoticed moved, not one whose deletion was seen; and one
            # of the product the new name names before another product's.
            product = self.products.find(match.sku) if match.matched and match.sku else None
            moved.sort(key=lambda v: (bool(v.source_missing), not _links_to(v.asset, product)))
            return self._moved(result, moved[0], match, item.relative)
        return self._place(result, known, match, item.relative)

    def _answers_for(self, asset: Asset, match: FileMatch) -> bool:
        """The asset still stands where the file's name points (or the name points nowhere
        in particular: an inbox file, a file linked by hand)."""
        if not match.matched or match.sku is None:
            return True
        target = self.products.find(match.sku)
        if target is None:
            return True
        return _links_to(asset, target, match.role)

    def _last_read_from(self, path: str) -> AssetVersion | None:
        """The version holding what was last read from this file (a restored version names
        its file and mtime too, but it was not read again: the newest mtime wins)."""
        if path not in self._by_path:
            self.prefetch_paths([path])
        versions = self._by_path[path]
        return max(versions, key=lambda v: (v.source_mtime or 0.0, v.number), default=None)

    def problem(
        self,
        path: str,
        reason: str,
        sha256: str | None = None,
        seen: tuple[int | None, float | None] = (None, None),
    ) -> oc.FileOutcome:
        """Record (or refresh) the problem for this path; the file itself is left alone.

        ``seen``: the file's (size, mtime) when the problem is in its bytes, so that a
        reconciliation can skip it until it changes; (None, None) otherwise."""
        row = self.session.scalars(
            select(IngestProblem).where(
                IngestProblem.path == path, IngestProblem.resolved.is_(False)
            )
        ).first()
        size, mtime = seen
        if row is None:
            row = IngestProblem(path=path, reason=reason, sha256=sha256)
            self.session.add(row)
        else:
            row.reason, row.sha256, row.seen_at = reason, sha256, utcnow()
        row.size, row.mtime = size, mtime
        return oc.FileOutcome(path=path, outcome=oc.PROBLEM, reason=reason)

    def rematch(self, asset: Asset) -> oc.FileOutcome:
        """Run the rules again on an inbox asset: link it, or make it the next version of the
        asset already in its slot, or keep it waiting with the (new) reason."""
        meta = asset.metadata_ or {}
        relative = str(meta.get("match_path") or meta.get("original_name") or asset.title)
        latest = max(asset.versions, key=lambda v: v.number)
        match = self.matcher(relative, self.products.skus)
        slot = self._resolve_slot(match) if match.matched else None
        if isinstance(slot, Target):
            match = self._placed(match, slot, asset)
            holder = self._slot_asset(slot, match)
            if holder is None:
                self._link(asset, slot, match)
                return self._outcome(latest.source_path, oc.RELINKED, latest, match, "linked")
            if holder.id != asset.id and not _only_waiting(asset):
                # Earlier versions, rights, tags or alt text would go with the inbox entry:
                # it keeps waiting, and the reason says what to do.
                asset.inbox_reason = (
                    f"{match.sku} {match.role} {match.position} already shows asset "
                    f"{holder.id}; this one has its own history, rights, tags or alt text: "
                    f"link it by hand (pimdesk assets link {asset.id} {match.sku} ...)"
                )
                return self._outcome(
                    latest.source_path, oc.UNMATCHED, latest, match, asset.inbox_reason
                )
            if holder.id != asset.id:
                said = _replaces(holder)
                version = latest
                if not any(v.sha256 == latest.sha256 for v in holder.versions):
                    version = self._add_version(holder, _result_from(latest, asset.kind))
                    version.approval = latest.approval
                else:
                    version = next(v for v in holder.versions if v.sha256 == latest.sha256)
                self.session.delete(asset)
                self.session.flush()
                self._asset_ids.add(holder.id)
                return self._outcome(latest.source_path, oc.NEW_VERSION, version, match, said)
        reason = slot if isinstance(slot, str) else (match.reason or "no filename rule matched")
        asset.inbox_reason = camera_name_hint(relative, reason.lstrip("!"))
        return self._outcome(latest.source_path, oc.UNMATCHED, latest, match, asset.inbox_reason)

    # -- decisions ----------------------------------------------------------------------

    def _moved(
        self, result: FileResult, version: AssetVersion, match: FileMatch, relative: str
    ) -> oc.FileOutcome:
        """The file was moved or renamed. A new name that names another free slot moves the
        link the rules made (a photographer fixing a wrong SKU or role expects the photo to
        leave the old product); links made by hand stay."""
        old = version.source_path
        asset = version.asset
        slot = self._resolve_slot(match) if match.matched else None
        placed, holder = match, None
        if isinstance(slot, Target):
            placed = self._placed(match, slot, asset)
            holder = self._slot_asset(slot, placed)
        if holder is not None and holder is not asset:
            # Renamed onto a slot another photo shows: like any file that names a taken
            # slot, it becomes that photo's next version. Its old asset keeps its own photo,
            # missing at source (the file left its old name), unless it was only an inbox
            # entry: then it has become that version.
            if _only_waiting(asset):
                self.session.delete(asset)
                said = f"was {PurePath(old).name}, waiting in the inbox"
            else:
                version.source_missing = True
                self._touched(asset)
                said = (
                    f"was {PurePath(old).name} (asset {asset.id}, which keeps its photo, "
                    "missing at source)"
                )
            return self._place(result, self._known(result.sha256), match, relative, said)
        if version in self._by_path.get(old, []):
            self._by_path[old].remove(version)
        if result.path in self._by_path:
            self._by_path[result.path].append(version)
        version.source_path = result.path
        version.source_mtime = result.mtime
        version.source_missing = False
        self._resolve_problems(result.path)
        self._touched(asset)
        reason = f"moved from {old}"
        if isinstance(slot, Target) and holder is None:  # a free slot: the link follows
            left = self._drop_rule_links(asset)
            self._link(asset, slot, placed)
            asset.metadata_ = {**(asset.metadata_ or {}), "match_path": relative}
            if left:
                reason += f"; no longer linked to {', '.join(left)}"
        return self._outcome(result.path, oc.RELINKED, version, placed, reason)

    def _drop_rule_links(self, asset: Asset) -> list[str]:
        """Remove the links the filename rules made for this asset; what they pointed at."""
        gone = []
        for link in [link for link in asset.links if link.origin == "rule"]:
            gone.append(f"{self.products.name_of(link)} {link.role} {link.position}")
            if link.product_id is not None:
                self.product_ids.add(link.product_id)
            asset.links.remove(link)
        return gone

    def _place(
        self,
        result: FileResult,
        known: list[AssetVersion],
        match: FileMatch,
        relative: str,
        note: str | None = None,
    ) -> oc.FileOutcome:
        """Link a file by its match: a free slot gets a new asset, a taken one the next
        version of the asset there; unmatched files wait in the inbox. ``note`` says where
        the file came from (a rename) in the outcome of a new version."""
        slot: Target | str | None = None
        if match.matched:
            slot = self._resolve_slot(match)
            if isinstance(slot, str) and slot.startswith("!"):
                return self.problem(result.path, slot[1:], result.sha256)
        elif match.strict:
            reason = match.reason or "no filename rule matched"
            if "strict" not in reason:
                reason = f"{reason} (strict rules: nothing waits in the inbox)"
            return self.problem(result.path, reason, result.sha256)
        self._resolve_problems(result.path)
        if isinstance(slot, Target):
            if match.next_free:
                match = self._placed(match, slot, self._asset_from_path(result.path))
            holder = self._slot_asset(slot, match)
            if holder is not None:
                if any(v.sha256 == result.sha256 for v in holder.versions):
                    same = next(v for v in holder.versions if v.sha256 == result.sha256)
                    if any(_is_current(v) for v in holder.versions if v.sha256 == same.sha256):
                        return self._outcome(
                            result.path, oc.IDENTICAL, same, match, "already there"
                        )
                    # an older take of the photo this slot shows: current again
                    said = f"v{same.number}'s photo again"
                    return self._new_version(holder, result, match, said)
                latest = max(holder.versions, key=lambda v: v.number)
                said = note
                if latest.source_path != result.path:  # another file claims the same slot
                    said = f"{_replaces(holder)}; {note}" if note else _replaces(holder)
                return self._new_version(holder, result, match, said)
            # Bytes already stored for another file get an asset of their own all the same:
            # the two files have separate futures (replacing one must not change the other
            # product); the content store keeps the bytes once.
            asset = self._new_asset(result, relative, match, inbox_reason=None)
            self._link(asset, slot, match)
            said = f"same bytes as asset {known[0].asset_id}: stored once" if known else None
            return self._outcome(result.path, oc.NEW_ASSET, asset.versions[0], match, said)
        reason = slot if isinstance(slot, str) else (match.reason or "no filename rule matched")
        reason = camera_name_hint(result.path, reason)
        earlier = self._asset_from_path(result.path)
        if earlier is not None and not any(v.sha256 == result.sha256 for v in earlier.versions):
            # New content in a file that matches no slot (an inbox file, or one linked by
            # hand): the next version of the asset that file made, not a second asset.
            return self._new_version(earlier, result, match, "new content in the same file")
        if known:
            return self._outcome(
                result.path,
                oc.IDENTICAL,
                known[0],
                match,
                f"same bytes as asset {known[0].asset_id}; not stored twice",
            )
        asset = self._new_asset(result, relative, match, inbox_reason=reason)
        return self._outcome(result.path, oc.UNMATCHED, asset.versions[0], match, reason)

    def _asset_from_path(self, path: str) -> Asset | None:
        """The asset whose newest version was read from this path, if any."""
        if path not in self._by_path:
            self.prefetch_paths([path])
        for version in reversed(self._by_path[path]):
            asset = version.asset
            if max(v.number for v in asset.versions) == version.number:
                return asset
        return None

    def _resolve_slot(self, match: FileMatch) -> Target | str:
        """Where the match links; a reason string when it waits ("!reason" = problem)."""
        assert match.sku is not None
        unsafe = unsafe_sku_reason(match.sku)
        if unsafe:
            return "!" + unsafe
        found = self.products.find(match.sku)
        if found is not None:
            return found
        if match.unknown_sku == "create":
            product = Product(sku=match.sku, enabled=False, family_id=self._default_family())
            self.session.add(product)
            self.session.flush()
            self.products.add(product.sku, product.id)
            self.product_ids.add(product.id)
            return Target(product_id=product.id)
        rule = f" (rule {match.rule})" if match.rule else ""
        return f"unknown SKU {match.sku!r}{rule}"

    def _placed(self, match: FileMatch, target: Target, asset: Asset | None) -> FileMatch:
        """The match with a position when its name gives none (``SKU/IMG_4411.jpg``): the
        one ``asset`` (this file's asset) already holds for that product and role, so new
        content in the same file is its next version; else the next free one."""
        if not match.next_free:
            return match
        if asset is not None:
            for link in asset.links:
                if (link.product_id, link.product_model_id, link.role) == (
                    target.product_id,
                    target.model_id,
                    match.role,
                ):
                    return replace(match, position=link.position)
        key = (target.product_id, target.model_id, match.role)
        if key not in self._highest:
            owner = (
                AssetLink.product_id == target.product_id
                if target.product_id is not None
                else AssetLink.product_model_id == target.model_id
            )
            highest = self.session.scalar(
                select(func.max(AssetLink.position)).where(owner, AssetLink.role == match.role)
            )
            self._highest[key] = highest or 0
        return replace(match, position=self._highest[key] + 1)

    def _default_family(self) -> int | None:
        return self.session.scalars(select(Family.id).order_by(Family.id)).first()

    def _slot_asset(self, target: Target, match: FileMatch) -> Asset | None:
        owner = (
            AssetLink.product_id == target.product_id
            if target.product_id is not None
            else AssetLink.product_model_id == target.model_id
        )
        link = self.session.scalars(
            select(AssetLink)
            .where(owner, AssetLink.role == match.role, AssetLink.position == match.position)
            .order_by(AssetLink.id)
        ).first()
        return link.asset if link is not None else None

    # -- rows ---------------------------------------------------------------------------

    def _new_asset(
        self, result: FileResult, relative: str, match: FileMatch, inbox_reason: str | None
    ) -> Asset:
        name = PurePath(result.path).name
        asset = Asset(
            kind=result.kind or "other",
            title=PurePath(name).stem[:500],
            alt_text={},
            metadata_={
                "match_path": relative,
                "original_name": name,
                "match": match.explanation or match.reason or "",
            },
            inbox_reason=inbox_reason,
        )
        self.session.add(asset)
        asset.rights = _embedded_rights(result.rights)
        self._add_version(asset, result, number=1)
        return asset

    def _new_version(
        self, asset: Asset, result: FileResult, match: FileMatch, said: str | None
    ) -> oc.FileOutcome:
        """The file's content as the asset's next version; the outcome says which usage
        rights now apply (they belong to the asset, so a re-shot photo inherits them)."""
        version = self._add_version(asset, result)
        rights = self._rights_on_new_version(asset, result)
        said = f"{said}; {rights}" if said and rights else (said or rights)
        return self._outcome(result.path, oc.NEW_VERSION, version, match, said)

    def _rights_on_new_version(self, asset: Asset, result: FileResult) -> str | None:
        """Rights are per asset. The new file's own IPTC/XMP rights replace the asset's
        when those came from an earlier file's metadata too (or there were none); rights a
        person entered are kept, and the outcome says so, so nobody publishes a re-shot
        photo under the previous photo's licence (or expiry) without being told."""
        embedded = _embedded_rights(result.rights)
        current = asset.rights
        if embedded is not None and (current is None or current.source == EMBEDDED_SOURCE):
            if current is None:
                asset.rights = current = AssetRights()
            for name in RIGHTS_FROM_FILE:
                setattr(current, name, getattr(embedded, name))
            return f"rights from the file's IPTC/XMP: {describe_rights(current)}"
        if current is None:
            return None
        said = f"the asset's rights apply: {describe_rights(current)}"
        if embedded is not None:
            said += (
                f" (the file's own, {describe_rights(embedded)}, were not applied: "
                f"pimdesk rights set {asset.id} ...)"
            )
        return said

    def _add_version(
        self, asset: Asset, result: FileResult, number: int | None = None
    ) -> AssetVersion:
        if number is None:
            current = self.session.scalar(
                select(func.max(AssetVersion.number)).where(AssetVersion.asset_id == asset.id)
            )
            number = (current or 0) + 1
        version = AssetVersion(
            number=number,
            sha256=result.sha256,
            size=result.size,
            format=result.format or "",
            extension=result.extension or "",
            width=result.width,
            height=result.height,
            color_profile=result.color_profile,
            exif=dict(result.exif),
            source_path=result.path,
            source_mtime=result.mtime,
            source_missing=False,
            approval="approved" if self.auto_approve else "draft",
        )
        _path_is_back(asset, result.path)
        asset.versions.append(version)
        asset.updated_at = utcnow()
        self._by_hash.setdefault(version.sha256, []).append(version)
        if result.path in self._by_path:  # a complete list: keep it so
            self._by_path[result.path].append(version)
        self._touched(asset)
        return version

    def _link(self, asset: Asset, target: Target, match: FileMatch) -> None:
        key = (target.product_id, target.model_id, match.role)
        if key in self._highest:
            self._highest[key] = max(self._highest[key], match.position)
        asset.links.append(
            AssetLink(
                product_id=target.product_id,
                product_model_id=target.model_id,
                role=match.role,
                position=match.position,
                locale=match.locale,
                origin="rule",
            )
        )
        asset.inbox_reason = None
        self._touched(asset)
        if target.product_id is not None:
            self.product_ids.add(target.product_id)

    def _resolve_problems(self, path: str) -> None:
        """Problems recorded earlier for a path that now ingests are resolved (in
        :meth:`finish`, one statement per batch)."""
        self._resolved_paths.append(path)

    def finish(self) -> None:
        """End of the batch: resolve old problems of the files that went in, flush."""
        paths = self._resolved_paths
        for start in range(0, len(paths), 500):
            self.session.execute(
                update(IngestProblem)
                .where(
                    IngestProblem.path.in_(paths[start : start + 500]),
                    IngestProblem.resolved.is_(False),
                )
                .values(resolved=True)
            )
        self._resolved_paths = []
        self.session.flush()
        self._collect_new_ids()

    def completed(self, outcomes: list[oc.FileOutcome]) -> list[oc.FileOutcome]:
        """The outcomes with the asset ids known only after :meth:`finish` filled in."""
        done = []
        for outcome in outcomes:
            pending = self._unfinished.get(id(outcome))
            if pending is not None and pending[0] is outcome:
                version = pending[1]
                outcome = replace(outcome, asset_id=version.asset_id, version=version.number)
            done.append(outcome)
        return done

    def _touched(self, asset: Asset) -> None:
        if asset.id is None:
            self._new_assets.append(asset)
        else:
            self._asset_ids.add(asset.id)

    def _outcome(
        self,
        path: str,
        kind: str,
        version: AssetVersion,
        match: FileMatch | None = None,
        reason: str | None = None,
    ) -> oc.FileOutcome:
        matched = match is not None and match.matched
        outcome = oc.FileOutcome(
            path=path,
            outcome=kind,
            asset_id=version.asset_id,
            version=version.number,
            sku=match.sku if matched and match else None,
            role=match.role if matched and match else None,
            position=match.position if matched and match else None,
            reason=reason,
            rule=match.rule if match else None,
        )
        if version.asset_id is None:  # a row of this batch, not flushed yet
            self._unfinished[id(outcome)] = (outcome, version)
        return outcome


RIGHTS_FROM_FILE = ("holder", "licence", "source", "notes", "expires_at")


def _embedded_rights(fields: dict[str, str]) -> AssetRights | None:
    """The rights a file's IPTC/XMP carries (creator, copyright notice, usage terms,
    expiry), or None when it carries none."""
    if not fields:
        return None
    return AssetRights(
        holder=fields.get("creator") or fields.get("copyright"),
        licence=fields.get("usage_terms"),
        source=EMBEDDED_SOURCE,
        notes=fields.get("copyright"),
        expires_at=parse_date(fields["expires"]) if fields.get("expires") else None,
    )


def describe_rights(rights: AssetRights) -> str:
    """Holder, licence and expiry in a few words ("holder Demo Studio, expires 2026-12-04")."""
    parts = []
    if rights.holder:
        parts.append(f"holder {rights.holder}")
    if rights.licence:
        parts.append(f"licence {rights.licence}")
    if rights.expires_at is not None:
        parts.append(f"expires {rights.expires_at.date().isoformat()}")
    if rights.allowed_channels is not None:
        parts.append(f"channels {', '.join(rights.allowed_channels) or 'none'}")
    return ", ".join(parts) or "no holder, licence or expiry recorded"


def _replaces(holder: Asset) -> str:
    """What a new version of ``holder`` replaces: its newest version's file."""
    latest = max(holder.versions, key=lambda v: v.number)
    return f"replaces {PurePath(latest.source_path).name} (v{latest.number})"


def _only_waiting(asset: Asset) -> bool:
    """An inbox entry and nothing more: one version, no links, and nothing a person added
    (rights, tags, alt text), so nothing is lost when its photo becomes another's version."""
    return (
        asset.inbox_reason is not None
        and not asset.links
        and len(asset.versions) == 1
        and asset.rights is None
        and not asset.tags
        and not asset.alt_text
    )


def _is_current(version: AssetVersion) -> bool:
    """The version its asset shows: the newest approved one (a restore adds a newer one),
    or the newest when none is approved yet (drafts waiting for approval)."""
    versions = version.asset.versions
    approved = [v.number for v in versions if v.approval == "approved"]
    return version.number == max(approved or [v.number for v in versions])


def _links_to(asset: Asset, target: Target | None, role: str | None = None) -> bool:
    """The asset is linked to that product or model (in that role, when given)."""
    if target is None:
        return False
    return any(
        (link.product_id, link.product_model_id) == (target.product_id, target.model_id)
        and (role is None or link.role == role)
        for link in asset.links
    )


BACK = "back at its source path (it was missing)"


def _path_is_back(asset: Asset, path: str) -> bool:
    """A file is there again at ``path``: no version of this asset read from it is missing
    at source any more (older versions and a restored one name the same path). True when
    one was: the file came back."""
    back = False
    for version in asset.versions:
        if version.source_path == path and version.source_missing:
            version.source_missing = False
            back = True
    return back


def _gone_from_source(version: AssetVersion) -> bool:
    """The file ``version`` was read from is not where it was: these bytes found elsewhere
    were moved or renamed. A version flagged missing whose file is there again (same size)
    is not gone: its folder came back and the file is on its way through the ingest too;
    taking it for moved told the user "moved from" about files that had simply returned
    (the same photo under two names, one of them met first)."""
    try:
        size = os.stat(version.source_path).st_size
    except OSError:
        return True
    return bool(version.source_missing) and size != version.size


def _copy_metadata(result: FileResult, known: AssetVersion) -> None:
    """Known bytes were not decoded again: take what the catalog already knows."""
    result.format = known.format
    result.extension = known.extension
    result.width, result.height = known.width, known.height
    result.color_profile = known.color_profile
    result.exif = dict(known.exif or {})
    result.kind = known.asset.kind


def _result_from(version: AssetVersion, kind: str) -> FileResult:
    """A version row as a worker result (to record the same bytes elsewhere)."""
    return FileResult(
        path=version.source_path,
        sha256=version.sha256,
        size=version.size,
        mtime=version.source_mtime,
        format=version.format,
        kind=kind,
        extension=version.extension,
        width=version.width,
        height=version.height,
        color_profile=version.color_profile,
        exif=dict(version.exif or {}),
        analysed=True,
    )


def unresolved_problem_paths(session: Session) -> dict[str, IngestProblem]:
    """The current problems by path (few: a problem is resolved when its file goes in)."""
    rows = session.scalars(select(IngestProblem).where(IngestProblem.resolved.is_(False)))
    return {row.path: row for row in rows}


def resolve_gone_problems(session: Session, paths: Collection[str]) -> list[str]:
    """Resolve the problems of files that no longer exist (or are now ignored, like sidecars),
    among ``paths`` and below those that are folders: a deleted (or renamed) bad file is no
    current problem. The caller
    makes sure the folder holding them is online, so an unplugged share deletes nothing."""
    if not paths:
        return []
    exact = set(paths)
    folders = tuple(p.rstrip(os.sep) + os.sep for p in paths)
    gone = []
    for path, row in unresolved_problem_paths(session).items():
        if not (path in exact or path.startswith(folders)):
            continue
        if not os.path.lexists(path) or is_ignored_name(os.path.basename(path)):
            row.resolved = True
            gone.append(path)
    session.flush()
    return sorted(gone)


def unchanged_failures(session: Session, paths: Collection[str]) -> dict[str, str]:
    """Files among ``paths`` that failed because of their bytes and have not changed since
    (same size and mtime): path -> the recorded reason. Reading them again would fail again."""
    failed = {}
    wanted = set(paths)
    for path, row in unresolved_problem_paths(session).items():
        if path not in wanted or row.size is None or row.mtime is None:
            continue
        try:
            st = os.stat(path)
        except OSError:
            continue
        if st.st_size == row.size and st.st_mtime == row.mtime:
            failed[path] = row.reason
    return failed
