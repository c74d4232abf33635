"""The Pillow pipeline: one original in, one rendition's bytes out. Pure and picklable.

Order: open (Pillow's decompression-bomb guard stays on) -> JPEG draft decode at the
smallest scale that still covers the target -> EXIF orientation -> sRGB from the embedded
ICC profile -> flatten transparency onto the background -> trim uniform borders -> size
(fit / fill / pad) -> whiten near-white -> encode, stepping quality down to meet max bytes.
"""

from __future__ import annotations

import io
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image, ImageChops, ImageCms, ImageOps

from pimdesk.renditions.profiles import RenditionProfile

try:  # HEIC originals (the ingest side registers it too; harmless twice)
    import pillow_heif

    pillow_heif.register_heif_opener()
except Exception:  # pragma: no cover - optional at runtime
    pass

_SRGB = ImageCms.createProfile("sRGB")
_SRGB_BYTES = ImageCms.ImageCmsProfile(_SRGB).tobytes()
MIN_QUALITY = 30


class RenderError(Exception):
    """The original cannot be rendered (unreadable, a decompression bomb, ...)."""


@dataclass(frozen=True)
class Rendered:
    data: bytes
    width: int
    height: int
    quality: int


def render(source: Path, profile: RenditionProfile) -> Rendered:
    """Render ``source`` with ``profile``; raise :class:`RenderError` naming the reason."""
    try:
        with Image.open(source) as opened:
            image, exif, icc = _decode(opened, profile)
    except (OSError, ValueError, TypeError, SyntaxError, Image.DecompressionBombError) as exc:
        raise RenderError(f"cannot read the image: {type(exc).__name__}: {exc}") from exc
    image = _to_rgb(image, icc, profile)
    if profile.trim:
        image = _trim(image, profile.trim_tolerance)
    image = _size(image, profile)
    if profile.whiten_threshold is not None:
        image = _whiten(image, profile.whiten_threshold)
    return _encode(image, profile, exif)


def render_to_file(source: Path, target: Path, profile: RenditionProfile) -> Rendered:
    """Render and write atomically (temp file in the same folder, then rename)."""
    rendered = render(source, profile)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=target.suffix, dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            # readable by all like any published file (mkstemp makes 0600, and channel
            # outputs hard-link renditions: a web server syncing them must read them)
            os.fchmod(handle.fileno(), 0o644)
            handle.write(rendered.data)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return rendered


def render_job(args: tuple[str, str, str, dict[str, Any]]) -> tuple[str, int, int, int, str | None]:
    """Process-pool entry point (paths in, paths out): (sha256, width, height, bytes, error)."""
    sha256, source, target, profile_data = args
    profile = RenditionProfile.from_dict(profile_data)
    try:
        rendered = render_to_file(Path(source), Path(target), profile)
    except RenderError as exc:
        return sha256, 0, 0, 0, str(exc)
    except OSError as exc:
        return sha256, 0, 0, 0, f"cannot write the rendition: {exc}"
    return sha256, rendered.width, rendered.height, len(rendered.data), None


# -- stages -------------------------------------------------------------------------------


def _decode(
    opened: Image.Image, profile: RenditionProfile
) -> tuple[Image.Image, Image.Exif | None, bytes | None]:
    icc = opened.info.get("icc_profile")
    exif = opened.getexif() if profile.keep_metadata else None
    orientation = opened.getexif().get(0x0112, 1)
    if opened.format == "JPEG" and not profile.trim:
        # Draft decode: the DCT scales down by 2/4/8 for free. Ask for twice the target so
        # the final resample still has headroom; orientation 5-8 swap the axes.
        w, h = profile.width, profile.height
        if orientation in (5, 6, 7, 8):
            w, h = h, w
        scale = 2 if profile.fit != "fill" else 3
        opened.draft(
            opened.mode if opened.mode in ("RGB", "L", "CMYK") else "RGB", (w * scale, h * scale)
        )
    opened.load()
    image = ImageOps.exif_transpose(opened) or opened
    if image is opened:
        image = opened.copy()
    if exif is not None:
        exif[0x0112] = 1
    return image, exif, icc


def _to_rgb(image: Image.Image, icc: bytes | None, profile: RenditionProfile) -> Image.Image:
    if profile.to_srgb and icc:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            if image.mode not in ("RGB", "RGBA", "CMYK", "L"):
                image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
            out_mode = "RGBA" if image.mode == "RGBA" else "RGB"
            if image.mode == "L":
                image = image.convert("RGB")  # a grey profile cannot map to RGB directly
            else:
                image = ImageCms.profileToProfile(
                    image, source, _SRGB, outputMode=out_mode, renderingIntent=0
                )
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # a broken embedded profile: keep the pixels as they are
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )
    if has_alpha:
        rgba = image.convert("RGBA")
        canvas = Image.new("RGB", rgba.size, profile.background)
        canvas.paste(rgba, mask=rgba.getchannel("A"))
        return canvas
    if image.mode != "RGB":
        image = image.convert("RGB")
    return image


def _trim(image: Image.Image, tolerance: int) -> Image.Image:
    """Cut borders of the top-left pixel's colour (within ``tolerance``)."""
    corner = image.getpixel((0, 0))
    background = Image.new("RGB", image.size, corner)
    diff = ImageChops.difference(image, background).convert("L")
    mask = diff.point(lambda v: 255 if v > tolerance else 0)
    box = mask.getbbox()
    if box is None or box == (0, 0, *image.size):
        return image
    return image.crop(box)


def _size(image: Image.Image, profile: RenditionProfile) -> Image.Image:
    w, h = image.size
    box_w, box_h = profile.width, profile.height
    if profile.fit == "fill":
        scale = max(box_w / w, box_h / h)
        if not profile.upscale:
            scale = min(scale, 1.0)
        # crop the source to the box's ratio, then resize the crop
        crop_w = min(w, round(box_w / scale)) if scale else w
        crop_h = min(h, round(box_h / scale)) if scale else h
        left = (w - crop_w) // 2
        top = (h - crop_h) // 2
        image = image.crop((left, top, left + crop_w, top + crop_h))
        out = (max(1, round(crop_w * scale)), max(1, round(crop_h * scale)))
        return _resize(image, out)
    inner_w = box_w * (1 - 2 * profile.margin) if profile.fit == "pad" else box_w
    inner_h = box_h * (1 - 2 * profile.margin) if profile.fit == "pad" else box_h
    scale = min(inner_w / w, inner_h / h)
    if not profile.upscale:
        scale = min(scale, _largest_enlargement(profile, w, h, scale))
    new_size = (max(1, round(w * scale)), max(1, round(h * scale)))
    image = _resize(image, new_size)
    if profile.fit == "fit":
        return image
    # pad: the full box, or (small original, no upscale) the box ratio around the image
    shrink = max(new_size[0] / inner_w, new_size[1] / inner_h)
    canvas_size = (max(new_size[0], round(box_w * shrink)), max(new_size[1], round(box_h * shrink)))
    if shrink >= 0.999:
        canvas_size = (box_w, box_h)
    canvas = Image.new("RGB", canvas_size, profile.background)
    canvas.paste(image, ((canvas_size[0] - new_size[0]) // 2, (canvas_size[1] - new_size[1]) // 2))
    return canvas


def _largest_enlargement(profile: RenditionProfile, w: int, h: int, full: float) -> float:
    """1.0 (never enlarge), or with ``upscale_to_min`` the factor that brings the rendition's
    longest side to ``min_long_side`` (for ``pad`` the canvas, which grows with the image)."""
    if not (profile.upscale_to_min and profile.min_long_side):
        return 1.0
    target = profile.min_long_side + 0.5  # rounding never lands one pixel short
    if profile.fit == "pad":
        needed = target / max(profile.width, profile.height) * full
    else:
        needed = target / max(w, h)
    return max(1.0, needed)


def _resize(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    if image.size == size:
        return image
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)


def _whiten(image: Image.Image, threshold: int) -> Image.Image:
    """Every pixel whose darkest channel is >= ``threshold`` becomes exactly 255,255,255."""
    r, g, b = image.split()
    darkest = ImageChops.darker(ImageChops.darker(r, g), b)
    mask = darkest.point(lambda v: 255 if v >= threshold else 0)
    out = image.copy()
    out.paste((255, 255, 255), mask=mask)
    return out


def _encode(image: Image.Image, profile: RenditionProfile, exif: Image.Exif | None) -> Rendered:
    quality = profile.quality
    while True:
        data = _save(image, profile, quality, exif)
        if profile.max_bytes is None or len(data) <= profile.max_bytes:
            return Rendered(data, image.width, image.height, quality)
        if profile.format != "PNG" and quality > MIN_QUALITY:
            quality = max(MIN_QUALITY, quality - 7)
            continue
        if min(image.size) <= 64:
            return Rendered(data, image.width, image.height, quality)
        # quality alone cannot meet the limit: make the image smaller (10 % per step)
        image = _resize(image, (round(image.width * 0.9), round(image.height * 0.9)))


def _save(
    image: Image.Image, profile: RenditionProfile, quality: int, exif: Image.Exif | None
) -> bytes:
    buffer = io.BytesIO()
    options: dict[str, object] = {}
    if profile.format == "JPEG":
        options = {"quality": quality, "optimize": True, "progressive": profile.progressive}
    elif profile.format == "WEBP":
        options = {"quality": quality, "method": 4}
    elif profile.format == "PNG":
        options = {"optimize": False, "compress_level": 6}
    if profile.keep_metadata:
        if exif is not None:
            options["exif"] = exif.tobytes()
        if profile.to_srgb:
            options["icc_profile"] = _SRGB_BYTES
    image.save(buffer, profile.format, **options)
    return buffer.getvalue()
