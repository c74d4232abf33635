"""Per-channel listing cache, so an incremental publish rebuilds only what changed.

Feeds are full replacements, so every publish hands the exporter every live listing. The
cache keeps the last built listing of each product with the revision it was built from; an
entry is reused while the product's revision and the channel's configuration hash are
unchanged. It lives in memory for a long-running process (the watcher, the GUI) and on disk
under ``<library>/cache/listings/`` between CLI runs; both are only a cache and are safe to
delete.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import tempfile
import threading
import weakref
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pimdesk.channels.listings import BuiltListing

if TYPE_CHECKING:
    from pimdesk.library import Library

FORMAT = 4  # 4: an image under 500 px on a channel without a minimum is warned about;
# 3: an unusable additional image is left out with a warning, not blocking;
# 2: issues saying a field is empty are said once (validation); 1 repeated them


class ListingCache:
    """Built listings of one channel under one configuration hash."""

    def __init__(self, path: Path, config_hash: str):
        self.path = path
        self.config_hash = config_hash
        self.entries: dict[int, BuiltListing] = {}
        self.loaded_from_disk = False

    def valid(self, product_id: int, revision: int) -> BuiltListing | None:
        entry = self.entries.get(product_id)
        if entry is None or entry.revision != revision:
            return None
        return entry

    def load(self) -> None:
        try:
            with self.path.open("rb") as handle:
                data: Any = pickle.load(handle)
        except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, ValueError):
            return
        if (
            isinstance(data, dict)
            and data.get("format") == FORMAT
            and data.get("config") == self.config_hash
            and isinstance(data.get("entries"), dict)
        ):
            self.entries = data["entries"]
            self.loaded_from_disk = True

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=self.path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                pickle.dump(
                    {"format": FORMAT, "config": self.config_hash, "entries": self.entries},
                    handle,
                    protocol=pickle.HIGHEST_PROTOCOL,
                )
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


_CACHES: weakref.WeakKeyDictionary[Any, dict[str, ListingCache]] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def listing_cache(library: Library, code: str, config_hash: str) -> ListingCache:
    """The cache of channel ``code`` in this process, loaded from disk on first use."""
    with _LOCK:
        caches = _CACHES.setdefault(library, {})
        cache = caches.get(code)
        if cache is None or cache.config_hash != config_hash:
            safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in code)
            cache = ListingCache(
                library.root / "cache" / "listings" / f"{safe}.pickle", config_hash
            )
            cache.load()
            caches[code] = cache
        return cache


def forget(library: Library, code: str | None = None) -> None:
    """Drop the in-memory caches (after a channel's settings change, for example)."""
    with _LOCK:
        caches = _CACHES.get(library)
        if caches is None:
            return
        if code is None:
            caches.clear()
        else:
            caches.pop(code, None)


def save_all(library: Library) -> None:
    """Persist every in-memory cache of this library (errors are not fatal: it is a cache)."""
    with _LOCK:
        caches = list(_CACHES.get(library, {}).values())
    for cache in caches:
        with contextlib.suppress(OSError):
            cache.save()
