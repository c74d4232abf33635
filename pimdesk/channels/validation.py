"""Checks every channel shares, run before anything is rendered into a feed or written.

Required fields (the exporter's FieldSpecs and the family's per-channel requirements),
length limits, GTIN check digits, image minimum sizes, the number of images, and for
profiles that whiten (Amazon MAIN) a border of pure white. The exporter's own
:meth:`~pimdesk.channels.api.Exporter.validate` adds the channel-specific rest.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import PurePath
from typing import Any

from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from pimdesk.catalog.gtin import is_valid_gtin
from pimdesk.catalog.models import AssetVersion
from pimdesk.channels.api import Exporter, Issue, Listing, ListingImage
from pimdesk.channels.exporters._common import main_image
from pimdesk.channels.fingerprint import fingerprint
from pimdesk.channels.listings import BuiltListing, ChannelSetup

GTIN_FIELDS = ("gtin", "barcode", "ean", "upc")
# A channel without a minimum (the storefront, Shopify, WooCommerce) takes any image, but one
# under this on its longest side looks tiny or blurred on a product page: the smallest Amazon
# and eBay accept, and Google's minimum from 2027. Said as a warning, never blocking.
SMALL_IMAGE_PX = 500
WARN_ONLY = frozenset({"upscaled", "small"})  # image concerns that never block or drop


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def validate_built(
    setup: ChannelSetup,
    exporter: Exporter,
    built: Sequence[BuiltListing],
    *,
    attribute_types: Mapping[str, str],
    family_requirements: Mapping[str, tuple[list[str], list[str]]],
    session: Session | None = None,
) -> None:
    """Add the blocking issues of each listing to ``built[i].issues`` (in place).

    An image the channel cannot take blocks the listing only when it is the main image (the
    one ``image_link`` / MAIN / the first picture would show); an additional one is taken
    out of ``built[i].listing`` with a warning naming it, and the product is listed without
    it. With ``session``, an image under the channel's minimum is named by the user's own file
    and its pixel size (read for those images only)."""
    specs = {spec.name: spec for spec in setup.exporter_cls.fields_spec}
    central: dict[int, set[str]] = {id(item): set() for item in built}  # image checks made
    for item in built:
        listing = item.listing
        issues = item.issues
        for name, spec in specs.items():
            value = listing.fields.get(name)
            source = setup.field_map.get(name)
            if spec.required and _empty(value):
                what = f"its source {source!r} is empty" if source else "nothing is mapped to it"
                issues.append(Issue(listing.sku, name, f"required by the channel, but {what}"))
                central[id(item)].add(f"missing:{name}")
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
                # the channel's own check of the same field has said it is empty already
                if f"missing:{code}" not in central[id(item)]:
                    issues.append(
                        Issue(listing.sku, code, "required by the family for this channel")
                    )
                central[id(item)].add(f"missing:{code}")
        main = main_image(listing)
        dropped: list[ListingImage] = []
        for image in listing.images:
            problems = _image_problems(setup, exporter, image, session)
            unusable = any(concern not in WARN_ONLY for concern, _, _ in problems)
            if unusable and image is not main:
                # an additional image the channel cannot take is left out of the listing,
                # as Google itself drops an unusable additional_image_link: only the main
                # image decides whether the product is listed
                dropped.append(image)
            for concern, message, hint in problems:
                if concern in WARN_ONLY:
                    issues.append(Issue(listing.sku, "images", message + hint, blocking=False))
                elif image is not main:
                    message += f": left out of the {setup.code} listing, which goes out without it"
                    issues.append(Issue(listing.sku, "images", message + hint, blocking=False))
                else:
                    issues.append(Issue(listing.sku, "images", message + hint))
                    central[id(item)].add(concern)
        if dropped:
            listing = _without(item, dropped)
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
                if not listing.images:
                    central[id(item)].add("no image")
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
        item = by_sku.get(issue.sku)
        if item is not None and not _said_already(issue, central[id(item)]):
            item.issues.append(issue)
    for item in built:
        item.issues[:] = list(dict.fromkeys(item.issues))  # the same issue twice: once


def _image_problems(
    setup: ChannelSetup, exporter: Exporter, image: ListingImage, session: Session | None
) -> list[tuple[str, str, str]]:
    """What is wrong with one image for this channel, as (concern, message, hint):
    ``size`` (under the channel's minimum), ``white`` (a whitened profile's border is not
    pure white), ``upscaled`` (enlarged to the minimum by upscale_small) or ``small`` (under
    :data:`SMALL_IMAGE_PX` on a channel without a minimum): the last two only warn."""
    out: list[tuple[str, str, str]] = []
    longest = max(image.width, image.height)
    role_profile = setup.profile_for(image.role)
    minimum = max(
        int(exporter.min_image_size or 0), role_profile.min_long_side if role_profile else 0
    )
    if minimum and longest < minimum:
        original = _original(session, image.version_id)
        if original is not None:
            name, width, height = original
            what = f"({name}, {width}x{height} px) comes out at {image.width}x{image.height} px"
        else:
            what = f"({image.filename}) is {image.width}x{image.height} px"
        message = (
            f"{image.role} image {image.position} {what}, the channel needs at least "
            f"{minimum} px on the longest side"
        )
        hint = ""
        if role_profile is not None and not role_profile.upscale_to_min:
            hint = (
                f"; to enlarge small photos to {role_profile.min_long_side or minimum} px "
                f"instead: pimdesk channels set {setup.code} upscale_small=true"
            )
        out.append(("size", message, hint))
    elif not minimum and longest < SMALL_IMAGE_PX:
        out.append(_small(setup, image, session))
    elif (
        role_profile is not None
        and role_profile.upscale_to_min
        and longest <= role_profile.min_long_side + 1
    ):
        original = _original(session, image.version_id)
        if original is not None and max(original[1], original[2]) < longest:
            name, width, height = original
            message = (
                f"{image.role} image {image.position} ({name}, {width}x{height} px) "
                f"was enlarged to {image.width}x{image.height} px (upscale_small)"
            )
            out.append(("upscaled", message, ""))
    if (
        role_profile is not None
        and role_profile.whiten_threshold is not None
        and not _white_border(image.file)
    ):
        message = (
            f"{image.role} image {image.position} ({image.filename}) is not on a "
            "pure white background"
        )
        out.append(("white", message, ""))
    return out


def _small(
    setup: ChannelSetup, image: ListingImage, session: Session | None
) -> tuple[str, str, str]:
    """The warning for an image under :data:`SMALL_IMAGE_PX` on a channel that takes it."""
    original = _original(session, image.version_id)
    name = original[0] if original is not None else image.filename
    size = f"{original[1]}x{original[2]} px" if original is not None else ""
    what = f"({name}, {size})" if size else f"({name})"
    message = (
        f"{image.role} image {image.position} {what} goes live on {setup.code} at "
        f"{image.width}x{image.height} px: under {SMALL_IMAGE_PX} px on the longest side it "
        "shows tiny or blurred"
    )
    fmt = _format(session, image.version_id)
    if fmt == "DNG":
        hint = "; a camera RAW gives only its small embedded preview: add a full-size JPEG or TIFF"
    else:
        hint = "; a larger photo under the same file name replaces it (as a new version)"
    return "small", message, hint


def _format(session: Session | None, version_id: int) -> str | None:
    if session is None:
        return None
    return session.scalar(select(AssetVersion.format).where(AssetVersion.id == version_id))


def _without(item: BuiltListing, dropped: Sequence[ListingImage]) -> Listing:
    """Take ``dropped`` out of the built listing (and of the versions it records as used):
    the exporters then never see them. The fingerprint becomes the one of what goes out, so
    an extra photo left out changes nothing on the channel (no republish for it), and one
    that becomes usable (a larger version, ``upscale_small``) changes it."""
    gone = {id(image) for image in dropped}
    kept = [image for image in item.listing.images if id(image) not in gone]
    item.listing = replace(item.listing, images=kept)
    item.versions = [image.version_id for image in kept]
    item.fingerprint = fingerprint(item.listing)
    return item.listing


# An exporter that checks an image size or a white background itself (Amazon's MAIN) would
# repeat what the checks above already said about the same image: one message is enough.
# The same for a field the checks above found empty ("missing:<field>": Google's "no price"
# after "price: required by the channel") and for a product with no image at all ("no
# image": Google's "image_link: no image" after "no publishable main image").
_SAME_CONCERN = {"size": ("longest side",), "white": ("white",)}


def _said_already(issue: Issue, concerns: set[str]) -> bool:
    if not issue.blocking:
        return False
    if f"missing:{issue.field}" in concerns:
        return True
    if "image" not in issue.field.lower():
        return False
    if "no image" in concerns:
        return True
    text = issue.message.lower()
    return any(word in text for concern in concerns for word in _SAME_CONCERN.get(concern, ()))


def _original(session: Session | None, version_id: int) -> tuple[str, int, int] | None:
    """The original's file name and pixel size, when a session can say."""
    if session is None:
        return None
    row = session.execute(
        select(AssetVersion.source_path, AssetVersion.width, AssetVersion.height).where(
            AssetVersion.id == version_id
        )
    ).first()
    if row is None or not row.width or not row.height:
        return None
    return PurePath(row.source_path or "").name or "the original", row.width, row.height


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
