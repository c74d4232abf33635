"""Where a library is and what marks a folder as one, without loading the catalog.

The command line asks this before anything heavy is imported (an ingest starts its
workers as soon as it knows the library exists); :mod:`pimdesk.library` opens it.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

CONFIG_NAME = "library.toml"
CATALOG_NAME = "catalog.sqlite"
LOCK_NAME = ".pimdesk.lock"
ENV_LIBRARY = "PIMDESK_LIBRARY"


def default_library_path() -> Path:
    """``$PIMDESK_LIBRARY`` if set, else the platform's per-user data folder."""
    env = os.environ.get(ENV_LIBRARY)
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir("pimdesk", appauthor=False)) / "library"


def library_root(path: Path | str | None) -> Path:
    """The folder a ``--library`` option (or its absence) names."""
    return Path(path).expanduser() if path is not None else default_library_path()


def is_library(root: Path) -> bool:
    """A folder holding a library (its settings file), created by ``pimdesk init``."""
    return (root / CONFIG_NAME).is_file()
