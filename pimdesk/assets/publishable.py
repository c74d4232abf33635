"""The one question publishing asks the asset side: which images of this product may go out.

Owned by the assets work; the publishing work only calls :func:`publishable_images`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session


@dataclass(frozen=True)
class PublishableImage:
    """The current approved version of one linked image asset whose rights allow the channel."""

    asset_id: int
    version_id: int
    sha256: str
    object_path: Path  # the original in the library's objects/ folder
    role: str
    position: int
    width: int | None
    height: int | None
    alt_text: dict[str, str]  # {locale: text}
    expires_at: dt.datetime | None


def publishable_images(
    session: Session, product_id: int, channel_code: str, at: dt.datetime | None = None
) -> list[PublishableImage]:
    """Approved, rights valid at ``at`` (default now) and allowed on the channel, ordered by
    role and position; includes images linked to the product's parent models."""
    raise NotImplementedError("provided by the assets work")
