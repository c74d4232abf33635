"""Building listings: what one channel sees of one product, ready for an exporter.

A listing holds the product's values resolved for the channel's locale and first currency
(a variant's own values laid over its models'), the channel's fields filled through the
field map, and the product's publishable images rendered with the channel's profile. The
builder reads the catalog in batches (plain rows, no ORM objects) and renders missing
renditions for a whole batch at once, on all cores.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from pimdesk.assets.publishable import PublishableImage, library_root, publishable_images_many
from pimdesk.catalog import values as catalog_values
from pimdesk.catalog.models import (
    Attribute,
    AttributeOption,
    Category,
    Channel,
    Family,
    FamilyVariant,
    Product,
    ProductModel,
    Tag,
    product_category,
    product_model_category,
    product_tag,
)
from pimdesk.channels import mapping
from pimdesk.channels.api import Exporter, Issue, Listing, ListingImage
from pimdesk.channels.fingerprint import fingerprint
from pimdesk.channels.output_location import resolve_output
from pimdesk.channels.registry import ExporterRegistry
from pimdesk.errors import NotFoundError, ValidationError
from pimdesk.renditions import naming
from pimdesk.renditions.cache import RenditionCache, RenditionSource
from pimdesk.renditions.profiles import DEFAULT_TEMPLATE, RenditionProfile, get_profile

BATCH = 500

# Profiles whose non-main images use another profile (Amazon: only MAIN is whitened).
OTHER_ROLE_PROFILE = {"amazon_main": "amazon_other"}

# Channel settings that publishing itself understands, whatever the exporter.
COMMON_SETTINGS = ("auto_publish", "rendition_profile", "image_name_template", "upscale_small")


@dataclass(frozen=True)
class ChannelSetup:
    """Everything about a channel that building and publishing its listings needs."""

    id: int
    code: str
    label: str
    exporter_name: str
    exporter_cls: type[Exporter]
    settings: Mapping[str, Any]
    field_map: Mapping[str, str | None]  # effective: defaults applied
    locale: str
    currency: str
    category_tree: str | None
    profile: RenditionProfile | None
    name_template: str
    config_hash: str  # changes when anything above that shapes a listing changes

    def exporter(self) -> Exporter:
        return self.exporter_cls(self.settings)

    def profile_for(self, role: str) -> RenditionProfile | None:
        if self.profile is None:
            return None
        if role != "main" and self.profile.name in OTHER_ROLE_PROFILE:
            other = get_profile(OTHER_ROLE_PROFILE[self.profile.name])
            return other.replace(upscale_to_min=True) if self.profile.upscale_to_min else other
        return self.profile

    @property
    def auto_publish(self) -> bool:
        return as_bool(self.settings.get("auto_publish"))


def as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"1", "true", "yes", "on"}


def load_setup(session: Session, registry: ExporterRegistry, code: str) -> ChannelSetup:
    channel = session.scalar(select(Channel).where(Channel.code == code))
    if channel is None:
        raise NotFoundError(f"no channel {code!r}", where=code, hint="see 'pimdesk channels list'")
    return setup_from_channel(channel, registry)


def setup_from_channel(channel: Channel, registry: ExporterRegistry) -> ChannelSetup:
    if not channel.exporter:
        raise ValidationError(
            "the channel has no exporter",
            where=f"channel {channel.code!r}",
            hint=f"pimdesk channels set {channel.code} exporter=NAME",
        )
    cls = registry.get(channel.exporter)
    session = object_session(channel)
    root = library_root(session) if session is not None else Path()
    # A library-relative output folder is made absolute before the config is hashed: a
    # copied or moved library rebuilds its listings (file:// image URLs name the folder).
    settings = resolve_output(channel.settings or {}, root)
    profile_name = settings.get("rendition_profile") or cls.rendition_profile
    profile = get_profile(str(profile_name)) if profile_name else None
    if profile is not None and as_bool(settings.get("upscale_small", False)):
        profile = profile.replace(upscale_to_min=True)  # small photos enlarged to the minimum
    template = str(settings.get("image_name_template") or "") or (
        profile.filename_template if profile else DEFAULT_TEMPLATE
    )
    naming.check_template(template)
    effective = mapping.effective_map(cls.fields_spec, channel.field_map or {})
    locale = (channel.locales or ["en_US"])[0]
    currency = (channel.currencies or ["USD"])[0]
    config = {
        # Cached listings name rendition files under the library folder: a moved or copied
        # library must not reuse them, whatever its output folder.
        "library": str(root.absolute()),
        "exporter": channel.exporter,
        "settings": {k: v for k, v in sorted(settings.items()) if k != "auto_publish"},
        "map": effective,
        "locale": locale,
        "currency": currency,
        "tree": channel.category_tree,
        "profile": profile.content_hash() if profile else None,
        "template": template,
    }
    config_hash = hashlib.sha256(
        json.dumps(config, sort_keys=True, default=str).encode()
    ).hexdigest()[:16]
    return ChannelSetup(
        id=channel.id,
        code=channel.code,
        label=channel.label or channel.code,
        exporter_name=channel.exporter,
        exporter_cls=cls,
        settings=settings,
        field_map=effective,
        locale=locale,
        currency=currency,
        category_tree=channel.category_tree,
        profile=profile,
        name_template=template,
        config_hash=config_hash,
    )


@dataclass
class BuiltListing:
    """A listing with its fingerprint, the revision it was built from and its problems."""

    product_id: int
    sku: str
    revision: int
    listing: Listing
    fingerprint: str
    versions: list[int]
    issues: list[Issue] = field(default_factory=list)

    @property
    def blocked(self) -> bool:
        return any(i.blocking for i in self.issues)


# -- catalog lookups (loaded once per build) ----------------------------------------------


@dataclass
class _Catalog:
    attributes: dict[str, str]  # code -> type
    options: dict[tuple[str, str], dict[str, str]]  # (attribute, option) -> labels
    families: dict[int, tuple[str, str, str, dict[str, Any], dict[str, Any]]]
    variants: dict[int, tuple[list[str], list[str]]]
    categories: dict[int, tuple[str, int | None, dict[str, str]]]


def _load_catalog(session: Session) -> _Catalog:
    attributes = dict(session.execute(select(Attribute.code, Attribute.type)).all())
    options: dict[tuple[str, str], dict[str, str]] = {}
    rows = session.execute(
        select(Attribute.code, AttributeOption.code, AttributeOption.labels).join(
            Attribute, Attribute.id == AttributeOption.attribute_id
        )
    )
    for attr, code, labels in rows:
        options[(attr, code)] = dict(labels or {})
    families = {
        fid: (code, (labels or {}), label_attr, req or {}, img or {})
        for fid, code, labels, label_attr, req, img in session.execute(
            select(
                Family.id,
                Family.code,
                Family.labels,
                Family.attribute_as_label,
                Family.requirements,
                Family.image_requirements,
            )
        )
    }
    variants = {
        vid: (list(a1 or []), list(a2 or []))
        for vid, a1, a2 in session.execute(
            select(FamilyVariant.id, FamilyVariant.axes_level1, FamilyVariant.axes_level2)
        )
    }
    categories = {
        cid: (code, parent, dict(labels or {}))
        for cid, code, parent, labels in session.execute(
            select(Category.id, Category.code, Category.parent_id, Category.labels)
        )
    }
    return _Catalog(attributes, options, families, variants, categories)  # type: ignore[arg-type]


def _label(labels: Mapping[str, str], locale: str, fallback: str) -> str:
    return labels.get(locale) or next(iter(labels.values()), None) or fallback


class ListingBuilder:
    """Builds listings of one channel. One builder serves one publish (names stay unique)."""

    def __init__(
        self,
        session: Session,
        setup: ChannelSetup,
        cache: RenditionCache,
        *,
        at: dt.datetime | None = None,
        names: naming.UniqueNames | None = None,
    ):
        self.session = session
        self.setup = setup
        self.cache = cache
        self.at = at
        self.names = names or naming.UniqueNames()
        self.catalog = _load_catalog(session)
        self._tree_ids: set[int] | None = None

    # -- which products belong on the channel -----------------------------------------

    def tree_category_ids(self) -> set[int] | None:
        """Ids of the channel's category tree, or None when the channel takes every product."""
        if self.setup.category_tree is None:
            return None
        if self._tree_ids is None:
            root = next(
                (
                    cid
                    for cid, (code, _, _) in self.catalog.categories.items()
                    if code == self.setup.category_tree
                ),
                None,
            )
            ids: set[int] = set()
            if root is not None:
                ids.add(root)
                changed = True
                while changed:
                    changed = False
                    for cid, (_, parent, _) in self.catalog.categories.items():
                        if parent in ids and cid not in ids:
                            ids.add(cid)
                            changed = True
            self._tree_ids = ids
        return self._tree_ids

    # -- building ------------------------------------------------------------------------

    def build(self, product_ids: Iterable[int]) -> dict[int, BuiltListing]:
        ids = sorted(set(product_ids))
        result: dict[int, BuiltListing] = {}
        for start in range(0, len(ids), BATCH):
            result.update(self._build_batch(ids[start : start + BATCH]))
        return result

    def _build_batch(self, ids: list[int]) -> dict[int, BuiltListing]:
        s = self.session
        products = s.execute(
            select(
                Product.id,
                Product.sku,
                Product.family_id,
                Product.parent_id,
                Product.enabled,
                Product.values,
                Product.revision,
            ).where(Product.id.in_(ids))
        ).all()
        models = self._models({p.parent_id for p in products if p.parent_id is not None})
        cats = self._links(product_category.c.product_id, product_category.c.category_id, ids)
        model_cats = self._links(
            product_model_category.c.product_model_id,
            product_model_category.c.category_id,
            list(models),
        )
        tags: dict[int, list[str]] = defaultdict(list)
        for pid, name in s.execute(
            select(product_tag.c.product_id, Tag.name)
            .join(Tag, Tag.id == product_tag.c.tag_id)
            .where(product_tag.c.product_id.in_(ids))
        ):
            tags[pid].append(name)
        images = publishable_images_many(s, [p.id for p in products], self.setup.code, self.at)
        rendered = self._render(images)
        out: dict[int, BuiltListing] = {}
        for p in sorted(products, key=lambda row: row.sku):
            chain = self._chain(p.parent_id, models)
            category_ids = list(cats.get(p.id, []))
            for model_id in chain:
                category_ids.extend(model_cats.get(model_id, []))
            out[p.id] = self._assemble(
                p, chain, models, category_ids, sorted(tags.get(p.id, [])), images[p.id], rendered
            )
        return out

    def _models(self, ids: set[int]) -> dict[int, Any]:
        models: dict[int, Any] = {}
        wanted = set(ids)
        while wanted:
            rows = self.session.execute(
                select(
                    ProductModel.id,
                    ProductModel.code,
                    ProductModel.parent_id,
                    ProductModel.values,
                    ProductModel.family_variant_id,
                ).where(ProductModel.id.in_(sorted(wanted)))
            ).all()
            for row in rows:
                models[row.id] = row
            wanted = {r.parent_id for r in rows if r.parent_id is not None} - set(models)
        return models

    def _links(self, key_col: Any, value_col: Any, ids: list[int]) -> dict[int, list[int]]:
        links: dict[int, list[int]] = defaultdict(list)
        if not ids:
            return links
        for start in range(0, len(ids), 900):
            chunk = ids[start : start + 900]
            for key, value in self.session.execute(
                select(key_col, value_col).where(key_col.in_(chunk))
            ):
                links[key].append(value)
        return links

    @staticmethod
    def _chain(parent_id: int | None, models: Mapping[int, Any]) -> list[int]:
        """Model ids from the product's parent up to the root."""
        chain: list[int] = []
        while parent_id is not None and parent_id in models and parent_id not in chain:
            chain.append(parent_id)
            parent_id = models[parent_id].parent_id
        return chain

    def _render(self, images: Mapping[int, list[PublishableImage]]) -> dict[tuple[str, str], Any]:
        """Render every image of the batch: {(profile name, sha256): RenditionFile}."""
        by_profile: dict[str, tuple[RenditionProfile, dict[str, RenditionSource]]] = {}
        for product_images in images.values():
            for image in product_images:
                profile = self.setup.profile_for(image.role)
                if profile is None:
                    continue
                entry = by_profile.setdefault(profile.name, (profile, {}))
                entry[1][image.sha256] = RenditionSource(image.sha256, image.object_path)
        out: dict[tuple[str, str], Any] = {}
        for name, (profile, sources) in by_profile.items():
            for sha, made in self.cache.ensure(self.session, profile, sources.values()).items():
                out[(name, sha)] = made
        return out

    def _assemble(
        self,
        p: Any,
        chain: list[int],
        models: Mapping[int, Any],
        category_ids: list[int],
        tags: list[str],
        images: list[PublishableImage],
        rendered: Mapping[tuple[str, str], Any],
    ) -> BuiltListing:
        setup, catalog = self.setup, self.catalog
        documents = [models[m].values or {} for m in reversed(chain)] + [p.values or {}]
        raw = catalog_values.merged(documents) if len(documents) > 1 else (p.values or {})
        values = {
            code: self._convert(code, catalog_values.resolve(raw, code, setup.locale, setup.code))
            for code in sorted(raw)
        }
        values = {k: v for k, v in values.items() if v not in (None, "", [], {})}
        family = catalog.families.get(p.family_id) if p.family_id else None
        label_attr = family[2] if family else "name"
        title = str(values.get(label_attr) or values.get("name") or p.sku)
        description = str(values.get("description") or "")
        root_model = models[chain[-1]] if chain else None
        parent_title = None
        if root_model is not None:
            model_raw = catalog_values.merged([models[m].values or {} for m in reversed(chain)])
            parent_title = catalog_values.resolve(model_raw, label_attr, setup.locale, setup.code)
        axes: dict[str, str] = {}
        if chain:
            variant = catalog.variants.get(models[chain[0]].family_variant_id)
            if variant is not None:
                for axis in [*variant[0], *variant[1]]:
                    if axis in values:
                        axes[axis] = _text(values[axis])
        tree = self.tree_category_ids()
        ordered_cats = sorted(set(category_ids), key=lambda c: self._category_path(c))
        if tree is not None:
            ordered_cats = [c for c in ordered_cats if c in tree]
        categories = [catalog.categories[c][0] for c in ordered_cats if c in catalog.categories]
        props = {
            "@sku": p.sku,
            "@family": _label(family[1], setup.locale, family[0]) if family else None,
            "@category_path": self._category_path(ordered_cats[0]) if ordered_cats else None,
            "@categories": ", ".join(
                _label(catalog.categories[c][2], setup.locale, catalog.categories[c][0])
                for c in ordered_cats
            )
            or None,
            "@parent": root_model.code if root_model is not None else None,
            "@tags": ", ".join(tags) or None,
            "@title": title,
        }
        fields: dict[str, Any] = {}
        for name, source in setup.field_map.items():
            if not source:
                fields[name] = None
            elif source.startswith("@"):
                fields[name] = props.get(source)
            else:
                fields[name] = values.get(source)
        issues: list[Issue] = []
        listing_images: list[ListingImage] = []
        other = 0
        for image in images:
            profile = setup.profile_for(image.role)
            if profile is None:
                continue
            made = rendered.get((profile.name, image.sha256))
            if made is None or made.error:
                reason = made.error if made is not None else "not rendered"
                issues.append(Issue(p.sku, "images", f"{image.role} image: {reason}"))
                continue
            if naming.ROLE_CODES.get(image.role.lower()) is None:
                other += 1
            wanted = naming.fill_template(
                setup.name_template,
                {
                    "sku": p.sku,
                    "role": image.role,
                    "role_code": naming.role_code(image.role, other),
                    "position": image.position,
                    "ext": profile.extension,
                    "version": image.sha256[:8],
                },
            )
            listing_images.append(
                ListingImage(
                    version_id=image.version_id,
                    asset_id=image.asset_id,
                    sha256=image.sha256,
                    role=image.role,
                    position=image.position,
                    file=made.path,
                    filename=self.names.take(wanted),
                    width=made.width,
                    height=made.height,
                    alt_text=image.alt_text.get(setup.locale) or title,
                )
            )
        listing = Listing(
            product_id=p.id,
            sku=p.sku,
            title=title,
            description=description,
            enabled=bool(p.enabled),
            locale=setup.locale,
            currency=setup.currency,
            family=family[0] if family else None,
            parent_code=root_model.code if root_model is not None else None,
            parent_title=_text(parent_title) if parent_title is not None else None,
            axes=axes,
            fields=fields,
            values=values,
            categories=categories,
            images=listing_images,
        )
        return BuiltListing(
            product_id=p.id,
            sku=p.sku,
            revision=p.revision,
            listing=listing,
            fingerprint=fingerprint(listing),
            versions=[i.version_id for i in listing_images],
            issues=issues,
        )

    def _convert(self, code: str, data: Any) -> Any:
        """A stored value as a channel sees it: prices in the channel currency, option labels."""
        if data is None:
            return None
        kind = self.catalog.attributes.get(code)
        locale = self.setup.locale
        if kind == "price":
            if isinstance(data, list):
                for price in data:
                    if isinstance(price, Mapping) and price.get("currency") == self.setup.currency:
                        return None if price.get("amount") is None else str(price["amount"])
                return None
            return str(data)
        if kind == "simpleselect" and isinstance(data, str):
            return _label(self.catalog.options.get((code, data), {}), locale, data)
        if kind == "multiselect" and isinstance(data, list):
            return [_label(self.catalog.options.get((code, v), {}), locale, v) for v in data]
        return data

    def _category_path(self, category_id: int) -> str:
        parts: list[str] = []
        seen: set[int] = set()
        current: int | None = category_id
        while current is not None and current in self.catalog.categories and current not in seen:
            seen.add(current)
            code, parent, labels = self.catalog.categories[current]
            parts.append(_label(labels, self.setup.locale, code))
            current = parent
        # the tree's root names the tree, not a category a channel should show
        if len(parts) > 1:
            parts = parts[:-1]
        return " > ".join(reversed(parts))


def _text(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, Mapping) and "amount" in value:
        return f"{value.get('amount')} {value.get('unit', '')}".strip()
    return str(value)


def image_paths(listings: Sequence[Listing]) -> list[Path]:
    return [image.file for listing in listings for image in listing.images]
