"""Writing exporter output safely: atomic files, managed image folders, CSV and XML text.

Everything an exporter puts on disk goes through here so that the promises of publishing
hold for every channel alike:

- a reader sees the previous feed or the new one, never half of one (temp file in the same
  folder, fsync, ``os.replace``; a temp file left by a killed run is removed on the next run);
- images are written before the feed that refers to them, and files the feed no longer
  refers to are removed only after the new feed is in place, and only if this exporter
  wrote them (an owner manifest in the output folder records them), so user files in the
  same folder are never deleted or overwritten;
- names are joined under the output folder only when they stay inside it;
- CSV is RFC 4180 (quotes doubled, CRLF), with the formula-injection treatment each channel
  chooses (reference sheet §8); XML is built with lxml, never by string concatenation.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import hashlib
import io
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path, PurePosixPath
from typing import IO, Any
from urllib.parse import quote, urlsplit

from pimdesk.errors import PimdeskError

TEMP_MARK = ".pimdesk-tmp-"
_DRIVE = re.compile(r"^[A-Za-z]:")
_TEMP_RE = re.compile(r"^\..+\.pimdesk-tmp-[A-Za-z0-9_]+$")
_WINDOWS_RESERVED = {
    "con",
    "prn",
    "aux",
    "nul",
    *(f"com{i}" for i in range(1, 10)),
    *(f"lpt{i}" for i in range(1, 10)),
}

Writer = Callable[[IO[bytes]], None]


class OutputError(PimdeskError):
    """The output folder or a name under it cannot be used."""


# --------------------------------------------------------------------------- paths


def check_output_folder(root: Path | str | None, *, setting: str = "output") -> Path:
    """The configured output folder, which must already exist and be writable.

    We do not create it: a typo in the setting would otherwise scatter feeds over the disk.
    """
    if root is None or str(root).strip() == "":
        raise OutputError(
            "no output folder is set",
            where=f"setting {setting!r}",
            hint=f"set it with `pimdesk channels set CODE {setting}=/path/to/folder`",
        )
    path = Path(root).expanduser()
    if not path.exists():
        raise OutputError(
            f"output folder {path} does not exist",
            where=f"setting {setting!r}",
            hint="create the folder or point the setting at an existing one",
        )
    if not path.is_dir():
        raise OutputError(f"{path} is not a folder", where=f"setting {setting!r}")
    if not os.access(path, os.W_OK | os.X_OK):
        raise OutputError(
            f"output folder {path} is not writable",
            where=f"setting {setting!r}",
            hint="fix its permissions or choose another folder",
        )
    return path


def check_relative_name(name: str) -> PurePosixPath:
    """``name`` as a relative POSIX path that cannot leave the folder it is joined to.

    Refused: empty names, absolute paths, drive letters, backslashes, ``..`` and ``.``
    segments, control characters, Windows reserved device names.
    """
    return PurePosixPath(_checked_name(name))


@functools.lru_cache(maxsize=1 << 18)
def _checked_name(name: str) -> str:
    """The checks of :func:`check_relative_name`, cached (a publish asks for the same
    names again and again); returns the normalised name."""
    if not name or "\x00" in name or "\\" in name or any(ord(c) < 32 for c in name):
        raise OutputError(
            f"unsafe file name {name!r}",
            hint="names may not hold control characters or backslashes",
        )
    if name.startswith("/") or _DRIVE.match(name):
        raise OutputError(f"unsafe file name {name!r}: absolute paths are refused")
    parts = [part for part in name.split("/") if part != ""]
    if not parts:
        raise OutputError(f"unsafe file name {name!r}")
    for part in parts:
        if part in {"..", "."} or part.strip() == "":
            raise OutputError(
                f"unsafe file name {name!r}: it would leave the output folder",
                hint="use a plain file name without '..'",
            )
        if part.split(".")[0].lower() in _WINDOWS_RESERVED:
            raise OutputError(f"unsafe file name {name!r}: {part!r} is a reserved device name")
    return "/".join(parts)


def safe_join(root: Path, name: str) -> Path:
    """``root / name``, refusing any name that would resolve outside ``root``."""
    rel = check_relative_name(name)
    target = root.joinpath(*rel.parts)
    resolved_root = root.resolve()
    resolved = target.resolve()
    if resolved != resolved_root and resolved_root not in resolved.parents:
        raise OutputError(f"unsafe file name {name!r}: it would leave the output folder")
    return target


def check_base_url(base_url: str | None, *, setting: str = "base_url") -> str:
    """The ``base_url`` setting, normalised to end with ``/``.

    An absolute ``http``/``https``/``file`` URL is taken as it is (it names where the user
    syncs the folder to). Anything else is a path relative to the output folder and must stay
    inside it: ``images/`` is fine, ``../../etc/`` and ``/etc/`` are refused.
    """
    if not base_url:
        return ""
    text = base_url.strip()
    parts = urlsplit(text)
    if parts.scheme:
        if parts.scheme.lower() not in {"http", "https", "file"}:
            raise OutputError(
                f"base_url {text!r} uses an unsupported scheme",
                where=f"setting {setting!r}",
                hint="use an http(s) URL or a folder relative to the output folder",
            )
        if parts.scheme.lower() in {"http", "https"} and not parts.netloc:
            raise OutputError(f"base_url {text!r} has no host", where=f"setting {setting!r}")
        return text if text.endswith("/") else text + "/"
    try:
        check_relative_name(text.rstrip("/") or ".")
    except OutputError as exc:
        raise OutputError(
            f"base_url {text!r} would leave the output folder",
            where=f"setting {setting!r}",
            hint="use an http(s) URL or a folder inside the output folder",
        ) from exc
    return text if text.endswith("/") else text + "/"


def url_for(base_url: str, filename: str) -> str:
    """base_url + file name, percent-encoded so the URL is ASCII and holds no raw comma
    (Google wants ``,`` as ``%2C``; WooCommerce splits its Images cell on commas)."""
    base = quote(base_url, safe=":/?#[]@!$&'()*+;=%~-._")
    return base + quote(filename, safe="/-._~")


# --------------------------------------------------------------------------- atomic files


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not supported on every platform / filesystem
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _stage(target: Path, data: bytes | str | Writer) -> Path:
    """Write ``data`` to a new hidden temp file beside ``target`` (no fsync); return it."""
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}{TEMP_MARK}", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            if isinstance(data, str):
                handle.write(data.encode("utf-8"))
            elif isinstance(data, bytes | bytearray):
                handle.write(data)
            else:
                data(handle)
        os.chmod(tmp, 0o644)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    return tmp


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: Path, data: bytes | str | Writer) -> Path:
    """Write ``data`` to ``path`` so a reader sees the old file or the new one, never half.

    The bytes go to a hidden temp file in the same folder, are fsynced, and replace the
    target with ``os.replace``. On any failure the temp file is removed and the previous file
    stays as it was. ``data`` may be bytes, text (UTF-8, no BOM) or a callable that writes to
    a binary file object.
    """
    tmp = _stage(path, data)
    try:
        _fsync_file(tmp)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    _fsync_dir(path.parent)
    return path


def _copier(source: Path) -> Writer:
    def copy(handle: IO[bytes]) -> None:
        with open(source, "rb") as src:
            shutil.copyfileobj(src, handle, 1024 * 1024)

    return copy


def atomic_copy(source: Path, path: Path) -> Path:
    """Copy ``source`` to ``path`` atomically (see :func:`atomic_write`)."""
    return atomic_write(path, _copier(source))


def remove_stale_temps(folder: Path) -> list[Path]:
    """Remove temp files a killed run left in ``folder`` (not recursive); return them."""
    removed: list[Path] = []
    if not folder.is_dir():
        return removed
    for entry in folder.iterdir():
        if TEMP_MARK in entry.name and _TEMP_RE.match(entry.name) and entry.is_file():
            with contextlib.suppress(FileNotFoundError):
                entry.unlink()
                removed.append(entry)
    return removed


# --------------------------------------------------------------------------- managed folder

# Above this many files to make durable, one os.sync() replaces one fsync per file.
_SYNC_BATCH = 16


@dataclass
class _Planned:
    source: Path | None
    data: bytes | str | Writer | None
    meta: dict[str, Any] | None = None  # filled by a Writer while it writes (sha256, size)


def _stage_image(source: Path, target: Path) -> tuple[Path, bool]:
    """A temp file beside ``target`` holding ``source``'s bytes: a hard link when the
    filesystem allows (instant; renditions are never modified in place), else a copy.
    Returns the temp path and whether it is a copy that still needs syncing."""
    tmp = target.parent / f".{target.name}{TEMP_MARK}{os.urandom(6).hex()}"
    try:
        os.link(source, tmp)
        if tmp.stat().st_mode & 0o044 != 0o044:  # renditions cached before 0644 was the rule
            os.chmod(tmp, 0o644)
        return tmp, False
    except OSError:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    return _stage(target, _copier(source)), True


def _sync_files(paths: Sequence[Path]) -> None:
    if len(paths) > _SYNC_BATCH and hasattr(os, "sync"):
        os.sync()
        return
    for path in paths:
        _fsync_file(path)


class OutputFolder:
    """One publish into an output folder shared with the user's own files.

    Usage: create it (checks the folder, removes stale temp files), ask
    :meth:`image_name` for each image (unique names, same source = same name), add the
    feed files with :meth:`add_document`, then :meth:`commit`.

    Commit writes a manifest of everything it may write *before* writing (so a killed run
    still knows its files), stages every changed file as a hidden temp file (images as hard
    links to the rendition when possible, else copies; unchanged images and documents whose
    bytes equal the last run's are skipped), makes them durable (fsync, or one ``os.sync``
    for many), renames the images into place, then the documents in the order added, removes
    files of the previous run that are no longer referenced, and writes the final manifest.
    A failure before the renames leaves the previous output exactly as it was. Only names in
    this owner's manifest are ever removed or overwritten.

    ``keep_previous=True`` (an incremental publish that registers only what changed): the
    files of the previous run stay in the manifest, untouched, unless :meth:`release` gives
    them up or the same name is registered again; a kept name is not given to another image.
    """

    def __init__(
        self,
        root: Path | str | None,
        owner: str,
        *,
        subfolders: Sequence[str] = (),
        keep_previous: bool = False,
    ):
        self.root = check_output_folder(root)
        self._real_root = self.root.resolve()
        self._safe_dirs: dict[str, Path] = {"": self.root}
        self._safe_texts: dict[str, str] = {"": os.fspath(self.root)}
        self.owner = owner
        self.manifest_path = self.root / f".pimdesk-{re.sub(r'[^A-Za-z0-9_-]', '_', owner)}.json"
        self.previous: dict[str, dict[str, Any]] = self._load_manifest()
        self._files: dict[str, _Planned] = {}
        self._by_source: dict[tuple[str, Path, str], str] = {}
        self._kept: dict[str, dict[str, Any]] = dict(self.previous) if keep_previous else {}
        for sub in {"", *subfolders, *(str(PurePosixPath(n).parent) for n in self.previous)}:
            folder = self.root if sub in {"", "."} else safe_join(self.root, sub)
            remove_stale_temps(folder)

    def path(self, name: str) -> Path:
        """``name`` under the output folder, refused if it would leave it.

        Like :func:`safe_join`, but the folders are resolved once per publish (symlinks
        included), which keeps 100,000 images cheap. The file itself is never followed:
        we only ever replace or unlink it."""
        return Path(self._path_text(name))

    def _path_text(self, name: str) -> str:
        """:meth:`path` as a string (cheaper for 100,000 stat calls)."""
        clean = _checked_name(name)
        parent, _, base = clean.rpartition("/")
        folder = self._safe_dirs.get(parent)
        if folder is None:
            folder = self.root.joinpath(*parent.split("/")) if parent else self.root
            real = folder.resolve()
            if real != self._real_root and self._real_root not in real.parents:
                raise OutputError(f"unsafe file name {name!r}: it would leave the output folder")
            self._safe_dirs[parent] = folder
            self._safe_texts[parent] = os.fspath(folder)
        return os.path.join(self._safe_texts[parent], base)

    def _load_manifest(self) -> dict[str, dict[str, Any]]:
        try:
            data = json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError):
            return {}  # unreadable manifest: we own nothing, so we delete nothing
        files = data.get("files") if isinstance(data, dict) else None
        if not isinstance(files, dict):
            return {}
        safe: dict[str, dict[str, Any]] = {}
        for name, meta in files.items():
            try:
                _checked_name(name)
            except OutputError:
                continue
            safe[name] = meta if isinstance(meta, dict) else {}
        return safe

    def owns(self, name: str) -> bool:
        return name in self.previous

    def release(self, name: str) -> None:
        """Give up a kept file of the previous run (removed after the commit unless it is
        registered again)."""
        self._kept.pop(name, None)

    def kept(self, name: str) -> bool:
        return name in self._kept

    def _taken_by_user(self, name: str) -> bool:
        return not self.owns(name) and os.path.lexists(self.path(name))

    def image_name(self, wanted: str, source: Path, *, folder: str = "") -> str:
        """A name (relative to the output folder) for the image ``source``.

        The same source asked for under the same name gets the same name; a name already
        used in this publish by another source, or held by a file we did not write, gets
        ``-2``, ``-3``, ... before the extension. Unsafe names raise :class:`OutputError`.
        """
        _checked_name(wanted)
        key = (folder, source, wanted)
        if key in self._by_source:
            return self._by_source[key]
        stem, dot, ext = wanted.rpartition(".")
        if not dot:
            stem, ext = wanted, ""
        candidate = f"{folder}/{wanted}" if folder else wanted
        counter = 1
        source_text = str(source)
        while (
            candidate in self._files
            or self._taken_by_user(candidate)
            or (candidate in self._kept and self._kept[candidate].get("source") != source_text)
        ):
            counter += 1
            base = f"{stem}-{counter}.{ext}" if ext else f"{stem}-{counter}"
            candidate = f"{folder}/{base}" if folder else base
        self.path(candidate)
        self._kept.pop(candidate, None)
        self._files[candidate] = _Planned(Path(source), None)
        self._by_source[key] = candidate
        return candidate

    def add_document(
        self, name: str, data: bytes | str | Writer, meta: dict[str, Any] | None = None
    ) -> str:
        """A feed or page to write after the images. Refuses to replace a user's file.

        ``meta``: for a Writer, a dict it fills while writing (``sha256``, ``size``) that the
        manifest records for the file."""
        target = self.path(name)
        if self._taken_by_user(name):
            raise OutputError(
                f"{target} exists and was not written by pimdesk",
                where=f"channel output ({self.owner})",
                hint="move the file away or choose an empty output folder",
            )
        self._kept.pop(name, None)
        self._files[name] = _Planned(None, data, meta)
        return name

    def _write_manifest(self, files: Mapping[str, dict[str, Any]]) -> None:
        body = json.dumps(
            {"owner": self.owner, "files": dict(sorted(files.items()))}, separators=(",", ":")
        )
        atomic_write(self.manifest_path, body)

    @staticmethod
    def _check_cancel(cancel: Any) -> None:
        if cancel is not None and getattr(cancel, "cancelled", False):
            raise PublishCancelled("publish cancelled; the previous output is unchanged")

    def commit(self, cancel: Any = None) -> list[Path]:
        """Write everything planned; see the class docstring. Returns the paths written this
        time: every document, and the images that were new or changed (unchanged images are
        left alone and not listed, so a 100,000-image republish does not report them all)."""
        if any(name not in self.previous for name in self._files):
            intent = dict(self.previous)
            for name in self._files:
                intent.setdefault(name, {})
            self._write_manifest(intent)
        final: dict[str, dict[str, Any]] = dict(self._kept)
        written: list[Path] = []
        staged: list[tuple[Path, Path]] = []  # (temp, target), images first
        to_sync: list[Path] = []
        folders: set[Path] = set()
        images = [(n, p) for n, p in self._files.items() if p.source is not None]
        documents = [(n, p) for n, p in self._files.items() if p.source is None]
        try:
            for name, planned in images:
                self._check_cancel(cancel)
                assert planned.source is not None
                target_text = self._path_text(name)
                try:
                    stat = os.stat(planned.source)
                except OSError as exc:
                    raise OutputError(
                        f"rendition {planned.source} cannot be read: {exc.strerror or exc}",
                        where=name,
                        hint="publish again to re-render it",
                    ) from exc
                meta = {
                    "source": str(planned.source),
                    "size": stat.st_size,
                    "mtime_ns": stat.st_mtime_ns,
                }
                final[name] = meta
                if self.previous.get(name) == meta and _same_size(target_text, stat.st_size):
                    continue  # unchanged since the last publish: not rewritten, not listed
                target = Path(target_text)
                written.append(target)
                target.parent.mkdir(parents=True, exist_ok=True)
                tmp, needs_sync = _stage_image(planned.source, target)
                staged.append((tmp, target))
                if needs_sync:
                    to_sync.append(tmp)
            for name, planned in documents:
                self._check_cancel(cancel)
                assert planned.data is not None
                target = self.path(name)
                written.append(target)
                data = planned.data
                if isinstance(data, str):
                    data = data.encode("utf-8")
                if isinstance(data, bytes | bytearray):
                    digest = hashlib.sha256(data).hexdigest()
                    final[name] = {"sha256": digest, "size": len(data)}
                    old = self.previous.get(name, {})
                    if old.get("sha256") == digest and _same_size(target, len(data)):
                        continue
                target.parent.mkdir(parents=True, exist_ok=True)
                tmp = _stage(target, data)
                if not isinstance(data, bytes | bytearray):
                    final[name] = dict(planned.meta or {})
                staged.append((tmp, target))
                to_sync.append(tmp)
            self._check_cancel(cancel)
            _sync_files(to_sync)
            for tmp, target in staged:
                os.replace(tmp, target)
                folders.add(target.parent)
        except BaseException:
            for tmp, _ in staged:
                with contextlib.suppress(FileNotFoundError):
                    tmp.unlink()
            raise
        for folder in folders:
            _fsync_dir(folder)
        for name in self.previous:
            if name not in final:
                with contextlib.suppress(FileNotFoundError, OutputError):
                    self.path(name).unlink()
        self._write_manifest(final)
        return written


def _same_size(path: Path | str, size: int) -> bool:
    try:
        return os.stat(path).st_size == size
    except OSError:
        return False


class PublishCancelled(PimdeskError):
    """The user cancelled a publish; nothing of the previous output was changed."""


# --------------------------------------------------------------------------- CSV

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
# WooCommerce's exporter prefixes these; its importer strips the ' before = + - @.
WOOCOMMERCE_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def is_number(value: str) -> bool:
    """A plain decimal number such as ``-42`` or ``24.00`` (never escaped as a formula)."""
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", value.strip()):
        return False
    try:
        Decimal(value)
    except InvalidOperation:
        return False
    return True


def starts_with_formula(value: str, triggers: Sequence[str] = FORMULA_TRIGGERS) -> bool:
    """Would a spreadsheet read this text cell as a formula (and it is not a number)?"""
    return bool(value) and value.startswith(tuple(triggers)) and not is_number(value)


def escape_formula(value: str, triggers: Sequence[str] = FORMULA_TRIGGERS) -> str:
    """OWASP treatment of one cell: prefix ``'`` when it would start a formula."""
    return "'" + value if starts_with_formula(value, triggers) else value


def csv_bytes(
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    bom: bool = False,
    quote_all: bool = False,
    escape: Callable[[str], str] | None = None,
    delimiter: str = ",",
) -> bytes:
    """An RFC 4180 document: CRLF line ends, quotes doubled, fields quoted when they hold the
    delimiter, a quote, CR or LF (or always with ``quote_all``). ``escape`` is applied to
    every data cell (not the header); ``None`` becomes an empty cell. UTF-8, BOM on request."""
    head = csv_rows_bytes([header], len(header), delimiter=delimiter, quote_all=quote_all)
    body = csv_rows_bytes(
        rows, len(header), delimiter=delimiter, quote_all=quote_all, escape=escape
    )
    return (b"\xef\xbb\xbf" if bom else b"") + head + body


def csv_rows_bytes(
    rows: Iterable[Sequence[Any]],
    width: int,
    *,
    delimiter: str = ",",
    quote_all: bool = False,
    escape: Callable[[str], str] | None = None,
) -> bytes:
    """Rows encoded as :func:`csv_bytes` encodes them, without a header: also a piece of a
    CSV feed assembled from pieces (the same rows give the same bytes either way)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(
        buffer,
        delimiter=delimiter,
        quotechar='"',
        doublequote=True,
        lineterminator="\r\n",
        quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL,
    )
    for row in rows:
        cells = ["" if cell is None else str(cell) for cell in row]
        if len(cells) != width:
            raise ValueError(f"row has {len(cells)} cells, header has {width}")
        if escape is not None:
            cells = [escape(cell) for cell in cells]
        writer.writerow(cells)
    return buffer.getvalue().encode("utf-8")


def owasp_cell(value: str) -> str:
    """People-facing CSV cells (used with ``quote_all=True``): OWASP's alternative treatment."""
    return escape_formula(value, FORMULA_TRIGGERS)


def woocommerce_cell(value: str) -> str:
    """WooCommerce cells: the ``'`` prefix its own exporter writes and its importer strips."""
    return escape_formula(value, WOOCOMMERCE_TRIGGERS)


# --------------------------------------------------------------------------- XML and text

_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_text(value: Any) -> str:
    """Text safe to place in an XML element: characters XML 1.0 forbids are dropped.

    Escaping of ``<``, ``&`` and ``]]>`` is left to the XML builder (lxml), which always
    escapes correctly; only the characters no escaping can carry are removed here.
    """
    return _XML_INVALID.sub("", "" if value is None else str(value))


def one_line(value: Any) -> str:
    """Text for a TSV cell: TAB, CR and LF (and other control characters) become spaces."""
    text = re.sub(r"[\t\r\n\x0b\x0c]+", " ", "" if value is None else str(value))
    return _XML_INVALID.sub("", text).strip()
