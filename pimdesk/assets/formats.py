"""What a file really is, from its first bytes (never from its name).

A ``.nef`` that is really a JPEG is a JPEG; a text file renamed to ``.jpg`` is not an
image. The answer decides the asset kind (image, video, document, other), the extension the
content store uses and whether pixel work is needed at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

HEAD_BYTES = 64

RAW_EXTENSIONS = {"arw", "cr2", "cr3", "nef", "nrw", "orf", "raf", "rw2", "dng", "pef", "srw"}
IMAGE_EXTENSIONS = {
    "jpg",
    "jpeg",
    "jpe",
    "png",
    "gif",
    "webp",
    "tif",
    "tiff",
    "heic",
    "heif",
    "avif",
    "bmp",
} | RAW_EXTENSIONS

# Read at a fraction of their size (the JPEG decoder scales while decoding) or not decoded
# at all: every other image is decoded in full, which costs 5-20 times more per byte
# (a 12 MP HEIC: 0.4 s of CPU against 0.1 s for a 24 MP JPEG).
REDUCED_DECODE_EXTENSIONS = {"jpg", "jpeg", "jpe", "jfif"} | RAW_EXTENSIONS
SLOW_EXTENSIONS = (IMAGE_EXTENSIONS - REDUCED_DECODE_EXTENSIONS) | {"mp4", "mov", "m4v", "pdf"}


def slow_to_read(name: str) -> bool:
    """A file whose reading takes much longer than a photo's, guessed from its name alone
    (before anything is opened): images decoded in full, videos and PDFs (large, hashed
    and copied whole, PDFs rendered)."""
    return Path(name).suffix.lower().lstrip(".") in SLOW_EXTENSIONS


HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs", b"mif1"}
AVIF_BRANDS = {b"avif", b"avis"}
MOV_BRANDS = {b"qt  "}
MP4_BRANDS = {
    b"isom",
    b"iso2",
    b"iso4",
    b"iso5",
    b"iso6",
    b"mp41",
    b"mp42",
    b"avc1",
    b"M4V ",
    b"M4VH",
    b"dash",
    b"MSNV",
    b"3gp4",
    b"3gp5",
    b"3g2a",
}


@dataclass(frozen=True)
class FileFormat:
    """The sniffed format: ``name`` as stored (JPEG, PNG, ...), asset ``kind``, ``extension``."""

    name: str
    kind: str  # image | video | document | other
    extension: str

    @property
    def needs_pixels(self) -> bool:
        return self.kind == "image"


def sniff_bytes(head: bytes, suffix: str = "") -> FileFormat | None:
    """The format of content starting with ``head``, or None when it is nothing we keep.

    ``suffix`` (the file's extension, lower case, no dot) only breaks ties the content
    leaves open, such as a camera RAW built on TIFF.
    """
    if head.startswith(b"\xff\xd8\xff"):
        return FileFormat("JPEG", "image", "jpg")
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return FileFormat("PNG", "image", "png")
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return FileFormat("GIF", "image", "gif")
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return FileFormat("WEBP", "image", "webp")
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        if suffix in RAW_EXTENSIONS and suffix != "dng":
            return FileFormat("RAW", "other", suffix)
        if suffix == "dng":
            return FileFormat("DNG", "image", "dng")
        return FileFormat("TIFF", "image", "tif")
    if head.startswith(b"BM") and len(head) > 14:
        return FileFormat("BMP", "image", "bmp")
    if head.startswith(b"%PDF-"):
        return FileFormat("PDF", "document", "pdf")
    if head[4:8] == b"ftyp":
        brands = {head[8:12]} | {head[i : i + 4] for i in range(16, min(len(head), 48), 4)}
        major = head[8:12]
        if major in AVIF_BRANDS:
            return FileFormat("AVIF", "image", "avif")
        if major in HEIF_BRANDS or brands & (HEIF_BRANDS - {b"mif1"}):
            return FileFormat("HEIF", "image", "heic")
        if brands & AVIF_BRANDS:
            return FileFormat("AVIF", "image", "avif")
        if major in MOV_BRANDS:
            return FileFormat("MOV", "video", "mov")
        if major in MP4_BRANDS or brands & MP4_BRANDS:
            return FileFormat("MP4", "video", "mp4")
        if b"mif1" in brands:
            return FileFormat("HEIF", "image", "heic")
    if head[4:8] in (b"moov", b"mdat", b"wide", b"free", b"pnot"):
        return FileFormat("MOV", "video", "mov")
    return None


def sniff(path: Path) -> FileFormat | None:
    with path.open("rb") as handle:
        head = handle.read(HEAD_BYTES)
    return sniff_bytes(head, path.suffix.lower().lstrip("."))


def describe_unknown(head: bytes, suffix: str) -> str:
    """Why a file is not kept, in the user's words (used as the problem reason)."""
    if not head:
        return "empty file (0 bytes)"
    looks_text = all(b in b"\t\n\r\x0c" or 32 <= b < 127 or b >= 128 for b in head[:64])
    if suffix in IMAGE_EXTENSIONS:
        kind = "text" if looks_text else "unrecognised binary data"
        return f"not an image: named .{suffix} but the content is {kind}"
    return "unsupported file type (not an image, video or PDF)"
