"""The read process: page reads run in a separate process so the window's Python never
waits for them.

Qt calls into Python for every cell it paints; a worker *thread* building a page of 200
products (Python-heavy: the catalog's completeness, SQLAlchemy rows) holds the GIL and the
painting waits. In a process of its own the same read costs the window nothing but the
pickled answer. Each read process opens the library once (read-only use: it never writes,
so it emits no events the window would miss). No Qt here.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from pimdesk.library import Library

_LIBRARIES: dict[str, Library] = {}


def _library(root: str) -> Library:
    library = _LIBRARIES.get(root)
    if library is None:
        library = Library.open(Path(root), create=False)
        _LIBRARIES[root] = library
    return library


def warm(root: str) -> bool:
    """Open the library now, so the first real read does not pay for it."""
    _library(root)
    return True


def call(root: str, function: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """Run ``module:qualname`` with the library at ``root`` as its first argument."""
    module_name, _, name = function.partition(":")
    target: Any = importlib.import_module(module_name)
    for part in name.split("."):
        target = getattr(target, part)
    return target(_library(root), *args, **kwargs)
