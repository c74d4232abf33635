"""Checks every channel shares, run before anything is rendered into a feed or written.

Required fields (the exporter's FieldSpecs and the family's per-channel requirements),
length limits, GTIN check digits, image minimum sizes, the number of images, and for
profiles that whiten (Amazon MAIN) a border of pure white. The exporter's own
:meth:`~pimdesk.channels.api.Exporter.validate` adds the channel-specific rest.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from PIL import Image

from pimdesk.catalog.gtin import is_valid_gtin
from pimdesk.channels.api import Exporter, Issue, Listing
from pimdesk.channels.listings import BuiltListing, ChannelSetup

GTIN_FIELDS = ("gtin", "barcode", "ean", "upc")


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def validate_built(
    setup: ChannelSetup,
    exporter: Exporter,
    built: Sequence[BuiltListing],
    *,
    attribute_types: Mapping[str, str],
    family_requirements: Mapping[str, tuple[list[str], list[str]]],
) -> None:
    """Add the blocking issues of each listing to ``built[i].issues`` (in place)."""
    specs = {spec.name: spec for spec in setup.exporter_cls.fields_spec}
    for item in built:
        listing = item.listing
        issues = item.issues
        for name, spec in specs.items():
            value = listing.fields.get(name)
            source = setup.field_map.get(name)
            if spec.required and _empty(value):
                what = f"its source {source!r} is empty" if source else "nothing is mapped to it"
                issues.append(Issue(listing.sku, name, f"required by the channel, but {what}"))
            if spec.max_length and isinstance(value, str) and len(value) > spec.max_length:
                issues.append(
                    Issue(
                        listing.sku,
                        name,
                        f"{len(value)} characters, the channel allows {spec.max_length}",
                    )
                )
        for name, value in listing.fields.items():
            if name.lower() in GTIN_FIELDS and not _empty(value) and not is_valid_gtin(value):
                issues.append(Issue(listing.sku, name, f"{value!r} is not a valid GTIN"))
        for code, value in listing.values.items():
            if attribute_types.get(code) == "gtin" and not is_valid_gtin(value):
                issues.append(Issue(listing.sku, code, f"{value!r} is not a valid GTIN"))
        required_attrs, required_roles = family_requirements.get(listing.family or "", ([], []))
        for code in required_attrs:
            if code != "sku" and _empty(listing.values.get(code)):
                issues.append(Issue(listing.sku, code, "required by the family for this channel"))
        roles = {image.role for image in listing.images}
        for role in required_roles:
            if role not in roles:
                issues.append(
                    Issue(
                        listing.sku,
                        "images",
                        f"no publishable {role} image (approved, rights valid)",
                    )
                )
        for image in listing.images:
            longest = max(image.width, image.height)
            role_profile = setup.profile_for(image.role)
            minimum = max(
                int(exporter.min_image_size or 0), role_profile.min_long_side if role_profile else 0
            )
            if minimum and longest < minimum:
                issues.append(
                    Issue(
                        listing.sku,
                        "images",
                        f"{image.role} image {image.position} is {image.width}x{image.height} px, "
                        f"the channel needs at least {minimum} px on the longest side",
                    )
                )
            profile = setup.profile_for(image.role)
            if (
                profile is not None
                and profile.whiten_threshold is not None
                and not _white_border(image.file)
            ):
                issues.append(
                    Issue(
                        listing.sku,
                        "images",
                        f"{image.role} image {image.position} is not on a pure white background",
                    )
                )
        if exporter.max_images is not None and len(listing.images) > exporter.max_images:
            issues.append(
                Issue(
                    listing.sku,
                    "images",
                    f"{len(listing.images)} images, the channel keeps the first "
                    f"{exporter.max_images}",
                    blocking=False,
                )
            )
    listings: list[Listing] = [item.listing for item in built]
    by_sku = {item.sku: item for item in built}
    try:
        extra = exporter.validate(listings)
    except Exception as exc:  # a plugin's validate must not take publishing down
        extra = [Issue(item.sku, "exporter", f"validation failed: {exc}") for item in built]
    for issue in extra:
        if issue.sku in by_sku:
            by_sku[issue.sku].issues.append(issue)


def _white_border(path: Any) -> bool:
    """Every pixel on the four edges is exactly (255, 255, 255)."""
    try:
        with Image.open(path) as image:
            rgb = image.convert("RGB")
    except OSError:
        return False
    w, h = rgb.size
    for box in ((0, 0, w, 1), (0, h - 1, w, h), (0, 0, 1, h), (w - 1, 0, w, h)):
        if rgb.crop(box).getextrema() != ((255, 255), (255, 255), (255, 255)):
            return False
    return True
