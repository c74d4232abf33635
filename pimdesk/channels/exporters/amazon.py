"""Amazon image bundle: files named ``<identifier>.<variant code>.<ext>`` (reference sheet §4).

The identifier is the product's ASIN (field ``asin``) or, without one, its GTIN with spaces
and dashes removed; never the SKU, which Amazon does not accept. Each sellable product
(each variant: Amazon lists child ASINs) gets exactly one ``MAIN`` (the image with role
``main``, else the first by position), ``SWCH`` for an image with role ``swatch``, and
``PT01`` ... ``PT08`` for the other images in order (the detail page shows MAIN plus 8;
more are left out with a warning). Setting ``package`` = ``folder`` writes the files into
the output folder; ``zip`` writes one ``amazon-images.zip`` (setting ``zip_name``) holding
them, atomically like every feed.

Validation (blocking): no identifier, an ASIN that is not 10 letters/digits, a GTIN failing
the GS1 check, two products with one identifier, no image at all, and a MAIN rendition
whose border pixels are not exactly white (255, 255, 255) or whose longest side is outside
1000-10,000 px. The publishing service renders MAIN with the ``amazon_main`` profile, which
pads to pure white; here we check the rendered file itself, since that is what Amazon sees.
Warnings only: a product spanning less than 85 % of the longer side (Amazon does not define
the measure; we use the non-white bounding box) and an embedded colour profile other than
sRGB.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from PIL import Image, ImageChops, ImageCms

from pimdesk.channels.api import (
    CancelToken,
    FieldSpec,
    Issue,
    Listing,
    ListingImage,
    Progress,
    PublishResult,
    SettingSpec,
)
from pimdesk.channels.exporters._base import FileExporter
from pimdesk.channels.exporters._common import (
    OUTPUT_SETTING,
    field,
    gtin_digits,
    gtin_valid,
    main_image,
    text,
)
from pimdesk.channels.output import OutputFolder
from pimdesk.errors import ValidationError

NAME_PATTERN = re.compile(
    r"^([A-Z0-9]{10}|\d{8}|\d{12,14})"
    r"\.(MAIN|PT\d\d|SWCH|TOPP|BOTT|LEFT|RGHT|FRNT|BACK|SIDE|PAIR|FACT)"
    r"\.(jpe?g|tiff?|png|gif)$"
)
ASIN = re.compile(r"^[A-Z0-9]{10}$")
MIN_LONG_SIDE = 1000
MAX_LONG_SIDE = 10_000
MAX_OTHER_IMAGES = 8
MIN_FILL = 0.85
_EXTENSIONS = {".jpg": "jpg", ".jpeg": "jpg", ".png": "png", ".tif": "tif", ".tiff": "tif",
               ".gif": "gif"}  # fmt: skip

FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("asin", "ASIN", "asin", help="Empty: the GTIN names the files."),
    FieldSpec("gtin", "GTIN (UPC/EAN)", "gtin"),
)


def identifier(asin: Any, gtin: Any) -> str:
    """The file-name identifier: the ASIN if present, else the GTIN without spaces/dashes."""
    code = re.sub(r"[\s-]", "", text(asin)).upper()
    return code or gtin_digits(gtin)


def assign_codes(images: Sequence[ListingImage]) -> tuple[list[tuple[str, ListingImage]], int]:
    """(variant code, image) pairs: one MAIN, SWCH for a swatch, PT01..PT08 for the rest;
    and how many images were left out for lack of codes."""
    ordered = sorted(images, key=lambda i: i.position)
    main = main_image_of(ordered)
    result: list[tuple[str, ListingImage]] = []
    if main is not None:
        result.append(("MAIN", main))
    swatch = next((i for i in ordered if i.role == "swatch" and i is not main), None)
    others = [i for i in ordered if i is not main and i is not swatch]
    for number, image in enumerate(others[:MAX_OTHER_IMAGES], start=1):
        result.append((f"PT{number:02d}", image))
    if swatch is not None:
        result.append(("SWCH", swatch))
    return result, max(0, len(others) - MAX_OTHER_IMAGES)


def main_image_of(images: Sequence[ListingImage]) -> ListingImage | None:
    for image in images:
        if image.role == "main":
            return image
    return images[0] if images else None


def check_main_rendition(path: Path) -> list[tuple[str, bool]]:
    """Why this file cannot be (blocking) or should not be (warning) Amazon's MAIN image,
    as ``(message, blocking)`` pairs; empty when it is fine."""
    problems: list[tuple[str, bool]] = []
    try:
        with Image.open(path) as image:
            image.load()
            width, height = image.size
            longest = max(width, height)
            if not MIN_LONG_SIDE <= longest <= MAX_LONG_SIDE:
                problems.append(
                    (
                        f"longest side is {longest} px; Amazon's MAIN needs "
                        f"{MIN_LONG_SIDE}-{MAX_LONG_SIDE} px",
                        True,
                    )
                )
            colour = _colour_space(image)
            rgba = image.convert("RGBA")
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        return [(f"the rendition cannot be read: {exc}", True)]
    if colour is not None:
        problems.append((f"colour profile {colour!r} is not sRGB; colours may shift", False))
    border = (
        [(x, 0) for x in range(width)]
        + [(x, height - 1) for x in range(width)]
        + [(0, y) for y in range(height)]
        + [(width - 1, y) for y in range(height)]
    )
    pixels = rgba.load()
    bad = sum(1 for xy in border if pixels[xy] != (255, 255, 255, 255))
    if bad:
        problems.append(
            (
                f"{bad} border pixels are not pure white (255,255,255); Amazon's MAIN needs "
                "a pure white background",
                True,
            )
        )
    flat = Image.alpha_composite(Image.new("RGBA", rgba.size, (0, 0, 0, 255)), rgba)
    white = Image.new("RGB", rgba.size, (255, 255, 255))
    diff = ImageChops.difference(flat.convert("RGB"), white).convert("L")
    box = diff.point(lambda v: 255 if v > 12 else 0).getbbox()  # ignore JPEG noise
    if box is not None:
        extent = max(box[2] - box[0], box[3] - box[1]) / longest
        if extent < MIN_FILL:
            problems.append(
                (
                    f"the product spans {extent:.0%} of the longer side; Amazon asks for "
                    f"at least {MIN_FILL:.0%}",
                    False,
                )
            )
    return problems


def _colour_space(image: Image.Image) -> str | None:
    """The name of a non-sRGB embedded ICC profile, or None (sRGB, CMYK or no profile)."""
    icc = image.info.get("icc_profile")
    if not icc or image.mode == "CMYK":
        return None
    try:
        description = ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(icc)))
    except (OSError, ImageCms.PyCMSError):
        return "unreadable"
    name = description.strip()
    return None if "srgb" in name.lower().replace(" ", "") else name


class AmazonImagesExporter(FileExporter):
    """Amazon image bundle; see the module docstring."""

    name = "amazon_images"
    label = "Amazon image bundle"
    description = "Images named ASIN.MAIN.jpg / ASIN.PT01.jpg for Amazon's bulk image upload."
    rendition_profile = "amazon_main"
    min_image_size = 500
    settings_spec = (
        OUTPUT_SETTING,
        SettingSpec("package", "Package", "choice", default="folder", choices=("folder", "zip")),
        SettingSpec("zip_name", "Zip file name", "text", default="amazon-images.zip"),
    )
    fields_spec = FIELDS

    @property
    def package(self) -> str:
        value = str(self.settings.get("package") or "folder").strip().lower()
        if value not in ("folder", "zip"):
            raise ValidationError(
                f"unknown package {value!r}", where="setting 'package'", hint="use folder or zip"
            )
        return value

    def identifier(self, listing: Listing) -> str:
        return identifier(
            field(listing, self.fields_spec, "asin"), field(listing, self.fields_spec, "gtin")
        )

    def validate(self, listings: Sequence[Listing]) -> list[Issue]:
        issues: list[Issue] = []
        owners: dict[str, str] = {}
        for listing in listings:
            sku = listing.sku
            asin = text(field(listing, self.fields_spec, "asin"))
            code = self.identifier(listing)
            if not code:
                issues.append(Issue(sku, "asin", "no ASIN and no GTIN; Amazon file names need one"))
            elif asin and not ASIN.match(code):
                issues.append(Issue(sku, "asin", f"{asin!r} is not a 10-character ASIN"))
            elif not asin and not gtin_valid(code):
                issues.append(Issue(sku, "gtin", f"{code!r} is not a valid GTIN"))
            elif code in owners:
                issues.append(Issue(sku, "asin", f"{code} is already used by {owners[code]}"))
            else:
                owners[code] = sku
            main = main_image(listing)
            if main is None:
                issues.append(Issue(sku, "images", "no image; Amazon needs a MAIN image"))
            else:
                for problem, blocking in check_main_rendition(main.file):
                    issues.append(Issue(sku, "MAIN image", problem, blocking))
                if main.file.suffix.lower() not in _EXTENSIONS:
                    issues.append(
                        Issue(sku, "MAIN image", f"{main.file.suffix} is not a format Amazon takes")
                    )
            _, dropped = assign_codes(listing.images)
            if dropped:
                issues.append(
                    Issue(sku, "images", f"{dropped} images beyond PT08 are left out", False)
                )
        return issues

    def files_for(self, listing: Listing) -> list[tuple[str, ListingImage]]:
        code = self.identifier(listing)
        pairs, _ = assign_codes(listing.images)
        named = []
        for variant, image in pairs:
            ext = _EXTENSIONS.get(image.file.suffix.lower())
            if ext is None:
                continue
            named.append((f"{code}.{variant}.{ext}", image))
        return named

    def publish(
        self,
        listings: Sequence[Listing],
        withdrawn: Sequence[str],
        progress: Progress,
        cancel: CancelToken,
    ) -> PublishResult:
        result = PublishResult()
        package = self.package
        out: OutputFolder = self.output_folder()
        ok = self.publishable(listings, result)
        bundle: list[tuple[str, Path]] = []
        for done, listing in enumerate(ok, start=1):
            self.check_cancel(cancel)
            files = self.files_for(listing)
            for name, image in files:
                if package == "folder":
                    placed = out.image_name(name, image.file)
                    if placed != name:
                        result.warnings.append(
                            f"{listing.sku}: {name} exists in the output folder and is not "
                            f"ours; written as {placed}, which Amazon will refuse"
                        )
                else:
                    bundle.append((name, image.file))
            if files:
                result.remote_ids[listing.sku] = files[0][0]
            self.report(progress, done, len(ok))
        if package == "zip":
            zip_name = str(self.settings.get("zip_name") or "amazon-images.zip")

            def write_zip(handle: IO[bytes]) -> None:
                with zipfile.ZipFile(handle, "w", zipfile.ZIP_STORED) as archive:
                    for name, source in bundle:
                        self.check_cancel(cancel)
                        archive.write(source, name)

            out.add_document(zip_name, write_zip)
        result.files = out.commit(cancel)
        return result
