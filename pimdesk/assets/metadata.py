"""A small, JSON-safe summary of what a file says about itself: camera, time, place, rights.

exifread is the primary reader, but it raises on some real files (UnicodeDecodeError,
AssertionError, EOFError, ...) and misses EXIF that follows an XMP segment; Pillow's
``getexif`` fills every gap it leaves. Nothing here may stop an ingest: a reader that fails
only leaves fields empty.

Orientation is recorded as the file states it (0 = not stated / upright). For HEIC the
decoder (pillow-heif) has already rotated the pixels, so the thumbnail code relies on the
orientation Pillow exposes for the decoded image, never on this summary.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import logging
import mmap
import re
from fractions import Fraction
from pathlib import Path
from typing import Any, BinaryIO

from PIL import Image, ImageCms

MAX_TEXT = 500

# exifread tag name -> summary field
EXIFREAD_FIELDS = {
    "Image Make": "make",
    "Image Model": "model",
    "EXIF DateTimeOriginal": "taken_at",
    "Image Orientation": "orientation",
    "Image Artist": "artist",
    "Image Copyright": "copyright",
    "EXIF LensModel": "lens",
    "EXIF ExposureTime": "exposure_time",
    "EXIF FNumber": "f_number",
    "EXIF ISOSpeedRatings": "iso",
    "EXIF FocalLength": "focal_length",
}

# Pillow: (IFD or None for the base IFD, tag id) -> summary field
PILLOW_FIELDS = {
    (None, 0x010F): "make",
    (None, 0x0110): "model",
    (None, 0x0112): "orientation",
    (None, 0x013B): "artist",
    (None, 0x8298): "copyright",
    (0x8769, 0x9003): "taken_at",
    (0x8769, 0xA434): "lens",
    (0x8769, 0x829A): "exposure_time",
    (0x8769, 0x829D): "f_number",
    (0x8769, 0x8827): "iso",
    (0x8769, 0x920A): "focal_length",
}

log = logging.getLogger(__name__)


def _clean(value: Any) -> Any:
    """Make a tag value JSON-safe and short: text stripped of NULs, ratios as floats."""
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if isinstance(value, str):
        text = value.replace("\x00", "").strip()
        return text[:MAX_TEXT] or None
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, Fraction):
        return float(value) if value.denominator else None
    if isinstance(value, float):
        return value if value == value and abs(value) != float("inf") else None
    if hasattr(value, "numerator") and hasattr(value, "denominator"):
        try:
            return float(value.numerator) / float(value.denominator)
        except (ZeroDivisionError, TypeError, ValueError):
            return None
    if isinstance(value, (list, tuple)):
        if len(value) == 1:
            return _clean(value[0])
        return [_clean(v) for v in value[:16]]
    return _clean(str(value))


def _iso_time(value: Any) -> Any:
    """EXIF ``2008:10:22 16:28:39`` -> ``2008-10-22T16:28:39``; anything else as is."""
    if not isinstance(value, str):
        return value
    for fmt in ("%Y:%m:%d %H:%M:%S", "%Y-%m-%d %H:%M:%S"):
        try:
            return dt.datetime.strptime(value[:19], fmt).isoformat()
        except ValueError:
            continue
    return value


def _degrees(parts: Any, ref: Any) -> float | None:
    try:
        d, m, s = (float(p) for p in parts)
    except (TypeError, ValueError):
        return None
    value = d + m / 60 + s / 3600
    if isinstance(ref, str) and ref.upper().startswith(("S", "W")):
        value = -value
    return round(value, 7)


def _from_exifread(source: Path | BinaryIO | mmap.mmap | io.BytesIO) -> dict[str, Any]:
    import exifread

    if isinstance(source, Path):
        with source.open("rb") as handle:
            tags = exifread.process_file(handle, details=False, extract_thumbnail=False)
    else:
        source.seek(0)
        tags = exifread.process_file(source, details=False, extract_thumbnail=False)
        source.seek(0)
    out: dict[str, Any] = {}
    for name, field in EXIFREAD_FIELDS.items():
        tag = tags.get(name)
        if tag is None:
            continue
        value = _clean(getattr(tag, "values", tag))
        if value is not None and value != "":
            out[field] = value
    lat, lon = tags.get("GPS GPSLatitude"), tags.get("GPS GPSLongitude")
    if lat is not None and lon is not None:
        lat_ref = _clean(getattr(tags.get("GPS GPSLatitudeRef"), "values", None))
        lon_ref = _clean(getattr(tags.get("GPS GPSLongitudeRef"), "values", None))
        out["gps_lat"] = _degrees([_clean(v) for v in lat.values], lat_ref)
        out["gps_lon"] = _degrees([_clean(v) for v in lon.values], lon_ref)
    return out


def _from_pillow(image: Image.Image) -> dict[str, Any]:
    exif = image.getexif()
    out: dict[str, Any] = {}
    ifds: dict[int, Any] = {}
    for (ifd, tag), field in PILLOW_FIELDS.items():
        try:
            if ifd is None:
                raw = exif.get(tag)
            else:
                if ifd not in ifds:
                    ifds[ifd] = exif.get_ifd(ifd)
                raw = ifds[ifd].get(tag)
        except Exception:
            continue
        value = _clean(raw) if raw is not None else None
        if value is not None and value != "":
            out[field] = value
    try:
        gps = exif.get_ifd(0x8825)
    except Exception:
        gps = {}
    if gps.get(2) and gps.get(4):
        out["gps_lat"] = _degrees(gps[2], _clean(gps.get(1)))
        out["gps_lon"] = _degrees(gps[4], _clean(gps.get(3)))
    return out


def exif_summary(source: Path | BinaryIO, image: Image.Image | None) -> dict[str, Any]:
    """Camera summary: exifread first, Pillow for everything it missed or when it raised."""
    summary: dict[str, Any] = {}
    try:
        summary = _from_exifread(source)
    except Exception as exc:  # exifread raises all sorts on real files: never lose the ingest
        log.debug("exifread failed: %r", exc)
        summary = {"exifread_error": type(exc).__name__}
    if image is not None:
        try:
            for key, value in _from_pillow(image).items():
                if summary.get(key) in (None, ""):
                    summary[key] = value
        except Exception as exc:
            log.debug("Pillow EXIF failed: %r", exc)
        original = image.info.get("original_orientation")  # pillow-heif: already applied
        if isinstance(original, int):
            summary["orientation"] = original
            summary["orientation_applied_by_decoder"] = True
    if "taken_at" in summary:
        summary["taken_at"] = _iso_time(summary["taken_at"])
    orientation = summary.get("orientation")
    if not isinstance(orientation, int) or not 0 <= orientation <= 8:
        summary["orientation"] = 0 if orientation is None else _orientation_number(orientation)
    return {k: v for k, v in summary.items() if v is not None}


def _orientation_number(value: Any) -> int:
    names = {
        "horizontal (normal)": 1,
        "mirrored horizontal": 2,
        "rotated 180": 3,
        "mirrored vertical": 4,
        "mirrored horizontal then rotated 90 ccw": 5,
        "rotated 90 cw": 6,
        "mirrored horizontal then rotated 90 cw": 7,
        "rotated 90 ccw": 8,
    }
    if isinstance(value, str):
        if value.strip().isdigit():
            number = int(value.strip())
            return number if 0 <= number <= 8 else 0
        return names.get(value.strip().lower(), 0)
    return 0


def colour_profile(image: Image.Image) -> str | None:
    """The embedded ICC profile's description (``sRGB IEC61966-2.1``, ``Display P3``...)."""
    icc = image.info.get("icc_profile")
    if not icc:
        return None
    return _profile_description(bytes(icc))


@functools.lru_cache(maxsize=16)  # a shoot carries a few profiles: parse each once
def _profile_description(icc: bytes) -> str:
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        return (ImageCms.getProfileDescription(profile) or "").strip()[:200] or "embedded"
    except Exception:
        return "embedded (unreadable)"


# -- rights: IPTC and XMP -------------------------------------------------------------------

XMP_FIELDS = {
    "creator": ("dc:creator",),
    "copyright": ("dc:rights",),
    "usage_terms": ("xmpRights:UsageTerms",),
    "expires": ("plus:ImageExpiry", "Iptc4xmpExt:ImageExpiry"),
    "web_statement": ("xmpRights:WebStatement",),
}
IPTC_FIELDS = {(2, 80): "creator", (2, 116): "copyright", (2, 37): "expires"}


def _xmp_value(xmp: str, name: str) -> str | None:
    attr = re.search(rf'{re.escape(name)}="([^"]*)"', xmp)
    if attr:
        return attr.group(1)
    element = re.search(rf"<{re.escape(name)}[^>]*>(.*?)</{re.escape(name)}>", xmp, re.S)
    if not element:
        return None
    inner = element.group(1)
    item = re.search(r"<rdf:li[^>]*>(.*?)</rdf:li>", inner, re.S)
    text = item.group(1) if item else inner
    text = re.sub(r"<[^>]+>", "", text)
    return text.strip() or None


# AssetRights.source of rights read from a file's IPTC/XMP (replaced by a re-shot photo's
# own; once a person edits them, ", edited" follows and they are kept).
EMBEDDED_SOURCE = "embedded IPTC/XMP"


def rights_fields(image: Image.Image | None) -> dict[str, str]:
    """Creator, copyright notice, usage terms and expiry from XMP and IPTC, where present."""
    if image is None:
        return {}
    out: dict[str, str] = {}
    xmp_raw = image.info.get("xmp") or image.info.get("XML:com.adobe.xmp")
    if xmp_raw:
        xmp = xmp_raw.decode("utf-8", "replace") if isinstance(xmp_raw, bytes) else str(xmp_raw)
        for field, names in XMP_FIELDS.items():
            for name in names:
                value = _xmp_value(xmp, name)
                if value:
                    out[field] = value[:MAX_TEXT]
                    break
    try:
        from PIL import IptcImagePlugin

        iptc = IptcImagePlugin.getiptcinfo(image) or {}
    except Exception:
        iptc = {}
    for key, field in IPTC_FIELDS.items():
        raw = iptc.get(key)
        if isinstance(raw, list):
            raw = raw[0] if raw else None
        value = _clean(raw)
        if isinstance(value, str) and field not in out:
            out[field] = value
    if "expires" in out:
        parsed = parse_date(out["expires"])
        if parsed is None:
            del out["expires"]
        else:
            out["expires"] = parsed.isoformat()
    return out


def parse_date(text: str) -> dt.datetime | None:
    """IPTC ``CCYYMMDD`` or ISO dates (with or without time) as aware UTC datetimes."""
    text = text.strip()
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        try:
            value = dt.datetime.strptime(text[:8], "%Y%m%d")
        except ValueError:
            return None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
