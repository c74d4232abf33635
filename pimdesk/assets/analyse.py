"""The per-file work of ingest, run in worker processes: stat, hash, sniff, read, thumbnail, copy.

Workers receive paths (never images) and return a plain :class:`FileResult`; they never
touch the catalog. Every failure becomes ``FileResult.problem`` with a reason a user can
read; nothing raised here stops the rest of an ingest. The user's file is only read.
"""

from __future__ import annotations

import io
import logging
import mmap
import os
import stat
import threading
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from PIL import Image

from pimdesk.assets import formats, libtiff, metadata, thumbs
from pimdesk.assets.store import ContentStore, Incoming, map_file

_PLUGINS_READY = False


def ensure_plugins() -> None:
    """Register the HEIC/HEIF opener once per process (pillow-heif)."""
    global _PLUGINS_READY
    if _PLUGINS_READY:
        return
    logging.getLogger("exifread").setLevel(logging.CRITICAL)  # it logs every odd tag
    try:
        import pillow_heif

        pillow_heif.register_heif_opener()
    except ImportError:  # HEIC files then become problems with a clear reason
        pass
    _PLUGINS_READY = True


@dataclass
class FileResult:
    """What one worker learnt about one file (all fields JSON-safe)."""

    path: str
    sha256: str | None = None
    size: int = 0
    mtime: float | None = None
    format: str | None = None
    kind: str | None = None
    extension: str | None = None
    width: int | None = None
    height: int | None = None
    color_profile: str | None = None
    exif: dict[str, Any] = field(default_factory=dict)
    rights: dict[str, str] = field(default_factory=dict)
    analysed: bool = False  # False: bytes already in the store, metadata not re-read
    problem: str | None = None
    # The problem is in the bytes (corrupt, truncated, not an image...): the same bytes fail
    # the same way, so a reconciliation need not read the file again until it changes.
    bad_bytes: bool = False


def process_file(path_text: str, library_root: str, force: bool = False) -> FileResult:
    """Everything ingest needs from one file; safe to run in any process."""
    ensure_plugins()
    result = FileResult(path=path_text)
    path = Path(path_text)
    try:
        _read(path, Path(library_root), force, result)
    except Exception as exc:  # a bug or an OS oddity must not stop the batch
        result.problem = f"cannot ingest: {type(exc).__name__}: {exc}"
    return result


def _read(path: Path, root: Path, force: bool, result: FileResult) -> None:
    try:
        before = os.stat(path)
    except FileNotFoundError:
        result.problem = "the file disappeared before it could be read"
        return
    except PermissionError:
        result.problem = "no permission to read the file or its folder (check the permissions)"
        return
    except OSError as exc:  # symlink loop, name too long, I/O error, ...
        result.problem = f"cannot read the file: {exc.strerror or exc}"
        return
    if not stat.S_ISREG(before.st_mode):
        result.problem = "not a regular file"
        return
    result.size = before.st_size
    result.mtime = before.st_mtime
    try:
        with path.open("rb") as handle:
            head = handle.read(formats.HEAD_BYTES)
    except PermissionError:
        result.problem = "no permission to read the file (check its permissions)"
        return
    except OSError as exc:
        result.problem = f"cannot read the file: {exc.strerror or exc}"
        return
    suffix = path.suffix.lower().lstrip(".")
    fmt = formats.sniff_bytes(head, suffix)
    if fmt is None:
        result.problem = formats.describe_unknown(head, suffix)
        result.bad_bytes = True
        return
    result.format, result.kind, result.extension = fmt.name, fmt.kind, fmt.extension
    _copy_and_analyse(path, before, fmt, ContentStore(root), force, result)


def _changed(path: Path, before: os.stat_result) -> bool:
    after = os.stat(path)
    return (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns)


CHANGED = "the file changed while it was being read (still being written?)"


def _copy_and_analyse(
    path: Path,
    before: os.stat_result,
    fmt: formats.FileFormat,
    store: ContentStore,
    force: bool,
    result: FileResult,
) -> None:
    """Copy first, then describe the copy: the kernel copies the file into ``objects/``
    (no trip through Python), the copy is hashed, then read by the decoder, so the
    hash, metadata and thumbnail describe exactly the stored bytes and the user's file is
    read once. The flush to disk (fsync) runs in a thread while the pixels are decoded."""
    try:
        with path.open("rb") as source:
            incoming = store.receive_copy(source.fileno())
    except PermissionError:
        result.problem = "no permission to read the file (check its permissions)"
        return
    except OSError as exc:
        result.problem = f"cannot copy the file into the library: {exc.strerror or exc}"
        return
    try:
        if _changed(path, before):
            result.problem = CHANGED
            return
        result.sha256, result.size = incoming.sha256, incoming.size
        if not force and _known(store, incoming.sha256, fmt):
            return  # known bytes: the catalog row already holds the metadata
        flushed: list[BaseException | None] = []
        flusher = threading.Thread(
            target=_flush, args=(store, incoming, flushed), name="pimdesk-fsync"
        )
        flusher.start()
        try:
            if fmt.needs_pixels:
                with _open_copy(incoming.temp, fmt) as copy:
                    ok = _analyse_image(copy, store, result)
            else:
                _analyse_other(incoming.temp, fmt, store, result)
                ok = True
        finally:
            flusher.join()
        if not ok:
            return
        if flushed[0] is not None:
            result.problem = f"cannot store the file in the library: {flushed[0]}"
            return
        store.release_cache(incoming)  # flushed and unmapped: the pages can go
        try:
            store.commit(incoming, fmt.extension, synced=True)
        except OSError as exc:
            result.problem = f"cannot store the file in the library: {exc}"
            return
        result.analysed = True
    finally:
        store.discard(incoming)


def _open_copy(temp: Path, fmt: formats.FileFormat) -> BinaryIO | mmap.mmap | io.BytesIO:
    """The stored copy for the decoder. JPEG, the bulk of every shoot, as a plain file: read
    as fast as a memory map, without a page fault per page just written (2-3 ms per 10 MB
    photo, measured). Other formats through a memory map, so Pillow reads TIFFs through its
    own callback, whose errors say where the file is broken ("Invalid Read at loc 4873"),
    rather than handing libtiff the descriptor, which fails with no reason at all."""
    if fmt.name == "JPEG":
        return temp.open("rb")
    return map_file(temp)


def _flush(store: ContentStore, incoming: Incoming, out: list[BaseException | None]) -> None:
    try:
        store.sync(incoming)
        out.append(None)
    except BaseException as exc:  # reported by the caller, never lost in the thread
        out.append(exc)


def _known(store: ContentStore, sha256: str, fmt: formats.FileFormat) -> bool:
    """Object and thumbnail already stored (an empty thumbnail, left by a power cut before
    the disk caught up, does not count: it is made again)."""
    if not store.has_object(sha256, fmt.extension):
        return False
    try:
        return store.thumb_path(sha256).stat().st_size > 0
    except OSError:
        return False


def _analyse_image(
    source: Path | BinaryIO | mmap.mmap | io.BytesIO, store: ContentStore, result: FileResult
) -> bool:
    assert result.sha256 is not None
    tiff = libtiff.Captured()
    try:
        with warnings.catch_warnings(), libtiff.captured() as tiff:
            warnings.simplefilter("ignore")
            with Image.open(source) as image:
                width, height = image.size
                orientation = thumbs.pillow_orientation(image)
                if orientation in (5, 6, 7, 8):
                    width, height = height, width
                result.width, result.height = width, height
                result.exif = metadata.exif_summary(source, image)
                result.color_profile = metadata.colour_profile(image)
                result.rights = metadata.rights_fields(image)
                thumbs.prepare_draft(image)
                thumb = thumbs.render_thumbnail(image)
    except Image.DecompressionBombError as exc:
        result.problem = (
            "image too large to open safely (decompression bomb guard): "
            f"{exc}; the file was not decoded"
        )
        result.bad_bytes = True
        return False
    except Image.UnidentifiedImageError:
        result.problem = f"not a readable {result.format} image (the decoder cannot identify it)"
        result.bad_bytes = True
        return False
    except MemoryError:
        result.problem = "image too large to decode in memory"
        result.bad_bytes = True
        return False
    except Exception as exc:  # truncated, corrupt, TypeError on broken TIFF, ...
        said = f" (libtiff: {tiff.last})" if tiff.last else ""  # the real error, not "-2"
        result.problem = f"cannot read the {result.format} image: {_why(exc)}{said}"
        result.bad_bytes = True
        return False
    try:
        thumbs.save_webp(thumb, store.thumb_path(result.sha256))
    except OSError as exc:
        result.problem = f"cannot write the thumbnail: {exc}"
        return False
    return True


def _analyse_other(path: Path, fmt: formats.FileFormat, store: ContentStore, r: FileResult) -> None:
    assert r.sha256 is not None
    image = None
    if fmt.name == "PDF":
        image = thumbs.pdf_first_page(path)
    elif fmt.name == "RAW":
        try:
            r.exif = metadata.exif_summary(path, None)
        except Exception:
            r.exif = {}
    if image is None:
        image = thumbs.placeholder(fmt.name)
    thumbs.save_webp(image, store.thumb_path(r.sha256))


def _why(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    if isinstance(exc, TypeError):
        return f"broken image structure ({text})"
    return text
