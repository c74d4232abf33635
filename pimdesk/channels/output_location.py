"""A channel's output folder inside the library folder is recorded relative to it.

The demo's channels write to ``<library>/exports/<channel>``. Recorded as an absolute path, a
copy of the library folder published into the original's ``exports/`` and a moved one into
a folder that no longer exists. So an ``output`` inside the library is stored as
``exports/storefront`` and made absolute against the folder the library is opened from
(:func:`resolve_output`, used when a channel's setup is loaded). An output folder outside
the library (a web server's folder, a synced drive) stays absolute: every copy of the
library publishes there, as the user chose.

Libraries made before stored the absolute path; :func:`relocate_outputs` rewrites those
that lie inside the library folder, or inside the folder it was copied or moved from (known
from its old settings file, see ``library_config``), when the library is opened.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pimdesk.catalog.models import Channel
from pimdesk.library_config import relative_inside

OUTPUT_KEY = "output"


def resolve_output(settings: Mapping[str, Any], root: Path) -> dict[str, Any]:
    """``settings`` with a library-relative ``output`` made absolute against ``root``."""
    result = dict(settings)
    value = result.get(OUTPUT_KEY)
    if isinstance(value, str) and value.strip():
        path = Path(value).expanduser()
        if not path.is_absolute():
            result[OUTPUT_KEY] = str(root.absolute() / path)
    return result


def relocate_outputs(session: Session, root: Path, former_roots: Sequence[Path] = ()) -> list[str]:
    """Store absolute outputs inside ``root`` or a ``former_roots`` folder relative to it.

    Returns the codes of the channels changed. Their config hash stays the same when the
    library was not moved (the setup hashes the resolved folder), so nothing is rebuilt.
    """
    changed = []
    for channel in session.scalars(select(Channel).order_by(Channel.id)):
        settings = dict(channel.settings or {})
        value = settings.get(OUTPUT_KEY)
        if not isinstance(value, str) or not value.strip():
            continue
        for base in (root, *former_roots):
            relative = relative_inside(Path(value).expanduser(), base)
            if relative is not None:
                settings[OUTPUT_KEY] = relative
                channel.settings = settings
                changed.append(channel.code)
                break
    return changed
