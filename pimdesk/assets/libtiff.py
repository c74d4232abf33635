"""libtiff's messages: kept out of the terminal while ingest decodes, the last one kept for
the problem's reason.

libtiff prints straight to the process's stderr through its own handlers: a damaged TIFF
can print hundreds of lines ("TIFFFetchNormalTag: Defined set_get_field_type of custom tag
...") while Pillow itself only raises "decoder error -2". Pillow does not expose the
handlers, so this module installs its own through ctypes in the libtiff that Pillow loaded:
warnings are dropped; errors raised while a thread is inside :func:`captured` are collected
for that thread (the last one says what was wrong), and errors in any other thread go to
the handler that was there before, so nothing else in the process changes.

Best effort: where the library or the C runtime cannot be found (not Linux or macOS, a
Pillow built without libtiff) nothing is installed and libtiff prints as it always did.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

log = logging.getLogger(__name__)

KEEP = 5  # messages kept per decode (the last ones: the failure comes last)
_HANDLER = ctypes.CFUNCTYPE(None, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_void_p)
_state = threading.local()
_installed: bool | None = None
_lock = threading.Lock()
_keep: list[object] = []  # the callbacks and libraries must outlive every decode


class Captured:
    """libtiff's error messages during one decode (the last :data:`KEEP`, and a count)."""

    def __init__(self) -> None:
        self.messages: list[str] = []
        self.count = 0

    def add(self, text: str) -> None:
        self.count += 1
        self.messages.append(text)
        if len(self.messages) > KEEP:
            del self.messages[0]

    @property
    def last(self) -> str | None:
        return self.messages[-1] if self.messages else None


@contextmanager
def captured() -> Iterator[Captured]:
    """Collect libtiff's errors raised by this thread; nothing reaches stderr meanwhile."""
    install()
    box = Captured()
    previous = getattr(_state, "box", None)
    _state.box = box
    try:
        yield box
    finally:
        _state.box = previous


def install() -> bool:
    """Install the handlers once per process; False when libtiff could not be reached."""
    global _installed
    if _installed is not None:
        return _installed
    with _lock:
        if _installed is None:
            try:
                _installed = _install()
            except Exception as exc:  # an unusual build: keep libtiff's own behaviour
                log.debug("libtiff handlers not installed: %r", exc)
                _installed = False
    return _installed


def _install() -> bool:
    path = _libtiff_path()
    libc_name = ctypes.util.find_library("c") if sys.platform == "darwin" else None
    if path is None:
        return False
    libtiff = ctypes.CDLL(str(path))
    libc = ctypes.CDLL(libc_name)
    vsnprintf = libc.vsnprintf
    vsnprintf.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_void_p]
    vsnprintf.restype = ctypes.c_int
    for name in ("TIFFSetWarningHandler", "TIFFSetErrorHandler"):
        getattr(libtiff, name).argtypes = [_HANDLER]
        getattr(libtiff, name).restype = ctypes.c_void_p

    def quiet(module: bytes | None, fmt: bytes | None, args: int | None) -> None:
        return None

    previous: list[_HANDLER | None] = [None]

    def on_error(module: bytes | None, fmt: bytes | None, args: int | None) -> None:
        box: Captured | None = getattr(_state, "box", None)
        if box is None:
            if previous[0] is not None:
                previous[0](module, fmt, args)
            return
        buffer = ctypes.create_string_buffer(512)
        if fmt is not None:
            vsnprintf(buffer, len(buffer), fmt, args)
        text = buffer.value.decode("utf-8", "replace").strip().rstrip(".")
        where = (module or b"").decode("utf-8", "replace")
        box.add(f"{where}: {text}" if where else text)

    quiet_handler, error_handler = _HANDLER(quiet), _HANDLER(on_error)
    _keep.extend([libtiff, libc, quiet_handler, error_handler])
    libtiff.TIFFSetWarningHandler(quiet_handler)
    old = libtiff.TIFFSetErrorHandler(error_handler)
    previous[0] = _HANDLER(old) if old else None
    return True


def _libtiff_path() -> Path | None:
    """The libtiff that Pillow's C module uses (the same copy, so the handlers apply)."""
    from PIL import _imaging  # loads libtiff when Pillow was built with it

    if sys.platform.startswith("linux"):
        try:
            with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
                for line in maps:
                    name = line.rsplit(None, 1)[-1]
                    if "/libtiff" in name and ".so" in name:
                        return Path(name)
        except OSError:
            return None
        return None
    if sys.platform == "darwin":
        folder = Path(_imaging.__file__).parent / ".dylibs"
        found = sorted(folder.glob("libtiff*.dylib"))
        if found:
            return found[0]
        name = ctypes.util.find_library("tiff")
        return Path(name) if name else None
    return None
