"""Rendition profiles: how one channel wants a product image (size, canvas, format, bytes).

A profile is plain data. Its :meth:`RenditionProfile.content_hash` covers every field that
changes the rendered pixels or bytes (not the filename template), so the cache regenerates
a rendition exactly when the source version or one of those fields changes.

Geometry modes:

- ``fit``: scale to fit inside ``width`` x ``height``; the output keeps the image's ratio.
- ``fill``: scale to cover the box and crop the centre to exactly the box.
- ``pad``: scale to fit, then centre on a canvas of the box's ratio filled with
  ``background`` (Shopify's square, Amazon's white).

Upscaling is off unless a profile asks for it: a small original stays small (on a canvas of
the box's ratio for ``pad``), and validation reports it against the channel minimum.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from typing import Any, Literal

from pimdesk.errors import NotFoundError, ValidationError

Fit = Literal["fit", "fill", "pad"]
Format = Literal["JPEG", "PNG", "WEBP"]

# Bump when the pipeline's output for the same profile changes (invalidates every cache).
PIPELINE_VERSION = 1

EXTENSIONS: dict[str, str] = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}

# The photo's content hash is part of the name, so a replaced photo gets a new URL: browsers,
# CDNs and channel importers that cache by URL (Shopify downloads each Image Src once) see
# the new image instead of the old one. Amazon's bulk names are fixed by Amazon.
DEFAULT_TEMPLATE = "{sku}-{role}-{position}-{version}.{ext}"


@dataclass(frozen=True)
class RenditionProfile:
    """How to render one image for one channel. See the module docstring for ``fit``."""

    name: str
    width: int
    height: int
    fit: Fit = "fit"
    background: tuple[int, int, int] = (255, 255, 255)
    format: Format = "JPEG"
    quality: int = 85
    progressive: bool = True
    to_srgb: bool = True
    keep_metadata: bool = False
    max_bytes: int | None = None
    upscale: bool = False
    whiten_threshold: int | None = None  # pixels with every channel >= this become 255
    trim: bool = False  # cut uniform borders (colour of the top-left pixel) before sizing
    trim_tolerance: int = 8
    margin: float = 0.0  # fraction of the canvas kept free around the image (pad only)
    min_long_side: int = 0  # the channel minimum; validation reports smaller renditions
    # enlarge an image whose rendition would be under min_long_side up to it (never beyond;
    # a channel's ``upscale_small`` setting turns it on). Off: nothing is ever enlarged.
    upscale_to_min: bool = False
    filename_template: str = DEFAULT_TEMPLATE
    label: str = ""

    def __post_init__(self) -> None:
        problems = []
        if self.width < 1 or self.height < 1:
            problems.append("width and height must be at least 1 px")
        if self.fit not in ("fit", "fill", "pad"):
            problems.append(f"fit must be fit, fill or pad, not {self.fit!r}")
        if self.format not in EXTENSIONS:
            problems.append(f"format must be JPEG, PNG or WEBP, not {self.format!r}")
        if not 1 <= self.quality <= 100:
            problems.append("quality must be between 1 and 100")
        if len(self.background) != 3 or any(not 0 <= c <= 255 for c in self.background):
            problems.append("background must be three numbers 0-255")
        if self.max_bytes is not None and self.max_bytes < 1024:
            problems.append("max_bytes must be at least 1024")
        if not 0 <= self.margin < 0.5:
            problems.append("margin must be between 0 and 0.5")
        if problems:
            raise ValidationError("; ".join(problems), where=f"rendition profile {self.name!r}")

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.format]

    def render_settings(self) -> dict[str, Any]:
        """Every field that affects the output file's content (what the hash covers)."""
        data = dataclasses.asdict(self)
        for key in ("name", "filename_template", "label", "min_long_side", "upscale_to_min"):
            data.pop(key)
        if self.upscale_to_min:  # only then do they change the bytes (hashes stay otherwise)
            data["upscale_to_min"] = self.min_long_side
        data["background"] = list(self.background)
        data["pipeline"] = PIPELINE_VERSION
        return data

    def content_hash(self) -> str:
        """Short stable hash of :meth:`render_settings` (part of every cache key)."""
        canonical = json.dumps(self.render_settings(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]

    def replace(self, **changes: Any) -> RenditionProfile:
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["background"] = list(self.background)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RenditionProfile:
        fields = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - fields)
        if unknown:
            raise ValidationError(
                f"unknown profile settings: {', '.join(unknown)}",
                where=f"rendition profile {data.get('name', '?')!r}",
            )
        values = dict(data)
        if "background" in values:
            values["background"] = tuple(values["background"])
        return cls(**values)


BUILTIN_PROFILES: dict[str, RenditionProfile] = {
    p.name: p
    for p in (
        RenditionProfile(
            name="shopify",
            label="Shopify (2048 px square)",
            width=2048,
            height=2048,
            fit="pad",
            quality=85,
        ),
        RenditionProfile(
            name="amazon_main",
            label="Amazon MAIN (pure white, 1600 px)",
            width=1600,
            height=1600,
            fit="pad",
            whiten_threshold=246,
            trim=True,
            margin=0.03,
            quality=90,
            progressive=False,
            min_long_side=1000,
            max_bytes=10_000_000,
            filename_template="{sku}.{role_code}.{ext}",
        ),
        RenditionProfile(
            name="amazon_other",
            label="Amazon other views (1600 px)",
            width=1600,
            height=1600,
            fit="fit",
            quality=90,
            progressive=False,
            min_long_side=500,
            max_bytes=10_000_000,
            filename_template="{sku}.{role_code}.{ext}",
        ),
        RenditionProfile(
            name="ebay",
            label="eBay (1600 px longest side)",
            width=1600,
            height=1600,
            fit="fit",
            quality=88,
            min_long_side=500,
            max_bytes=12_000_000,
        ),
        RenditionProfile(
            name="google",
            label="Google Merchant Center (1500 px square)",
            width=1500,
            height=1500,
            fit="pad",
            quality=88,
            min_long_side=500,
            max_bytes=16_000_000,
        ),
        RenditionProfile(
            name="etsy",
            label="Etsy (4:3, 2000 px shortest side)",
            width=2667,
            height=2000,
            fit="pad",
            quality=88,
        ),
        RenditionProfile(
            name="storefront",
            label="Web storefront (1200 px)",
            width=1200,
            height=1200,
            fit="fit",
            quality=82,
            max_bytes=400_000,
        ),
    )
}


def get_profile(name: str) -> RenditionProfile:
    try:
        return BUILTIN_PROFILES[name]
    except KeyError:
        known = ", ".join(sorted(BUILTIN_PROFILES))
        raise NotFoundError(
            f"no rendition profile named {name!r}", where=name, hint=f"known: {known}"
        ) from None
