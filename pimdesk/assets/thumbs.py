"""Thumbnails: about 512 px WebP, upright, sRGB, at ``thumbs/ab/<sha256>.webp``.

Decoding is the cost of ingest, so JPEGs are decoded through Pillow's draft mode (the
decoder scales by 1/2, 1/4 or 1/8 while decoding), and the orientation and colour
conversion run on the small image, not the original. The orientation comes from the EXIF
Pillow exposes for the decoded image: for HEIC pillow-heif has already rotated the pixels
and exposes 1, so nothing is turned twice. Values outside 1-8 (orientation 0) mean upright.
PDFs get their first page when pypdfium2 is installed; videos and anything else get a typed
placeholder drawn here.
"""

from __future__ import annotations

import functools
import io
import os
from pathlib import Path

from PIL import Image, ImageCms, ImageDraw

from pimdesk.assets.store import temp_file_in

THUMB_SIZE = 512
WEBP_QUALITY = 80
DECODE_BLOCK = 4 * 1024 * 1024
# libwebp effort 0: at 512 px 0.5 ms (15%) faster than 1 and about 5x faster than the
# default 4; files 5-8% and 20-30% larger, the same to the eye (mean pixel error unchanged)
WEBP_METHOD = 0

TRANSPOSE = {
    2: [Image.Transpose.FLIP_LEFT_RIGHT],
    3: [Image.Transpose.ROTATE_180],
    4: [Image.Transpose.FLIP_TOP_BOTTOM],
    5: [Image.Transpose.TRANSPOSE],
    6: [Image.Transpose.ROTATE_270],
    7: [Image.Transpose.TRANSVERSE],
    8: [Image.Transpose.ROTATE_90],
}

_SRGB: ImageCms.ImageCmsProfile | None = None


def _srgb() -> ImageCms.ImageCmsProfile:
    global _SRGB
    if _SRGB is None:
        _SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
    return _SRGB


def pillow_orientation(image: Image.Image) -> int:
    """The orientation to apply to the decoded pixels (1 when none or out of range)."""
    try:
        value = image.getexif().get(0x0112, 1)
    except Exception:
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def fitted_size(width: int, height: int, size: int = THUMB_SIZE) -> tuple[int, int]:
    """The thumbnail's size: the longer side ``size`` (never enlarged), aspect kept."""
    scale = min(1.0, size / max(width, height, 1))
    return max(1, round(width * scale)), max(1, round(height * scale))


def prepare_draft(image: Image.Image, size: int = THUMB_SIZE) -> None:
    """Ask the JPEG decoder to scale while decoding (no-op for other formats).

    The request is the fitted thumbnail size, not a square: a 6000x4000 photo then decodes
    at 1/8 (750x500) instead of 1/4, which is most of the cost of a thumbnail.
    """
    if image.format == "JPEG":
        mode = "RGB" if image.mode in ("RGB", "YCbCr") else None
        image.draft(mode, fitted_size(*image.size, size))
        # Feed the decoder in a few large reads instead of 64 KB ones (Pillow's default):
        # a 10 MB photo then takes a handful of Python calls, not 160.
        image.decodermaxblock = DECODE_BLOCK


def _to_display_mode(image: Image.Image) -> Image.Image:
    """RGB (or RGBA when there is transparency) with 16-bit and palette images handled."""
    if image.mode in ("RGB", "RGBA"):
        return image
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        return image.point(lambda v: v / 256).convert("L").convert("RGB")
    if image.mode == "F":
        return image.convert("L").convert("RGB")
    has_alpha = image.mode in ("LA", "PA", "La") or (
        image.mode == "P" and "transparency" in image.info
    )
    return image.convert("RGBA" if has_alpha else "RGB")


@functools.lru_cache(maxsize=16)
def _transform_to_srgb(icc: bytes, in_mode: str, out_mode: str) -> ImageCms.ImageCmsTransform:
    """Building a colour transform costs more than applying it to a thumbnail (2-4 ms per
    file); a shoot carries a handful of profiles (one per camera or phone), so each is built
    once per worker."""
    source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
    return ImageCms.buildTransform(source, _srgb(), in_mode, out_mode)


def _to_srgb(image: Image.Image, icc: bytes | None) -> Image.Image:
    if not icc:
        return _to_display_mode(image)
    try:
        if image.mode not in ("RGB", "RGBA", "L", "CMYK"):
            image = _to_display_mode(image)
        out_mode = "RGBA" if image.mode == "RGBA" else "RGB"
        converted = ImageCms.applyTransform(image, _transform_to_srgb(icc, image.mode, out_mode))
        return converted if converted is not None else image
    except Exception:  # an unusable profile: show the pixels as they are
        return _to_display_mode(image)


def render_thumbnail(image: Image.Image, size: int = THUMB_SIZE) -> Image.Image:
    """Downscale, then orient and convert to sRGB (cheap on the small image)."""
    orientation = pillow_orientation(image)
    icc = image.info.get("icc_profile")
    original = image
    image.load()
    if image.mode in ("P", "1", "I;16", "I;16B", "I;16L", "I", "F"):
        image = _to_display_mode(image)
    # An area average (box filter): every source pixel counts once, which is all a
    # downscale needs to stay free of aliasing. After the JPEG draft the last step is under
    # 2x, where bilinear costs 40% more and bicubic twice as much (0.6 and 1.6 ms more
    # per photo, measured); all three stay within one grey level, on average, of a
    # Lanczos downscale of the same photos.
    image.thumbnail((size, size), Image.Resampling.BOX)
    for op in TRANSPOSE.get(orientation, []):
        image = image.transpose(op)
    image = _to_srgb(image, icc)
    return image.copy() if image is original else image


def save_webp(image: Image.Image, dest: Path) -> None:
    """Write atomically: a reader sees no thumbnail or a whole one."""
    fd, tmp_name = temp_file_in(dest.parent, ".thumb-", ".webp")
    try:
        with os.fdopen(fd, "wb") as out:
            image.save(out, "WEBP", quality=WEBP_QUALITY, method=WEBP_METHOD)
        os.replace(tmp_name, dest)
    finally:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)


def placeholder(label: str, size: int = THUMB_SIZE) -> Image.Image:
    """A typed placeholder (``MP4``, ``PDF``, ``RAW``...) for files without pixels to show."""
    image = Image.new("RGB", (size, size), (236, 238, 241))
    draw = ImageDraw.Draw(image)
    margin = size // 8
    draw.rounded_rectangle(
        (margin, margin, size - margin, size - margin), radius=size // 16, outline=(120, 126, 136)
    )
    if label in ("MP4", "MOV"):
        c = size // 2
        r = size // 7
        draw.polygon(
            [(c - r, c - r - 20), (c - r, c + r - 20), (c + r, c - 20)], fill=(90, 96, 110)
        )
    text = label[:8]
    try:
        from PIL import ImageFont

        font: ImageFont.ImageFont | ImageFont.FreeTypeFont = ImageFont.load_default(size=size // 8)
    except Exception:
        font = ImageFont.load_default()
    box = draw.textbbox((0, 0), text, font=font)
    width = box[2] - box[0]
    draw.text(((size - width) / 2, size * 0.66), text, fill=(60, 64, 72), font=font)
    return image


def pdf_first_page(path: Path, size: int = THUMB_SIZE) -> Image.Image | None:
    """The first page of a PDF, when pypdfium2 is installed and the file renders."""
    try:
        import pypdfium2
    except ImportError:
        return None
    try:
        pdf = pypdfium2.PdfDocument(str(path))
        try:
            page = pdf[0]
            width, height = page.get_size()
            scale = size / max(width, height, 1)
            image = page.render(scale=scale).to_pil().convert("RGB")
            page.close()
        finally:
            pdf.close()
    except Exception:
        return None
    image.thumbnail((size, size))
    return image
