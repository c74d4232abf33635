"""A listing's fingerprint: sha256 of a canonical JSON of exactly what the channel sees.

Canonical means sorted keys, no whitespace, decimals and dates as strings. Images count by
the original's content hash, the rendition file (its name carries the profile hash), the
published file name, size and alt text, so a new photo version, a changed profile or a
renamed file changes the fingerprint, and nothing else about the catalog does.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from pimdesk.channels.api import Listing


def canonical(listing: Listing) -> dict[str, Any]:
    return {
        "sku": listing.sku,
        "title": listing.title,
        "description": listing.description,
        "enabled": listing.enabled,
        "locale": listing.locale,
        "currency": listing.currency,
        "family": listing.family,
        "parent": [listing.parent_code, listing.parent_title],
        "axes": dict(listing.axes),
        "fields": dict(listing.fields),
        "values": dict(listing.values),
        "categories": list(listing.categories),
        "images": [
            [
                image.sha256,
                image.file.name,
                image.filename,
                image.role,
                image.position,
                image.width,
                image.height,
                image.alt_text,
            ]
            for image in listing.images
        ],
    }


def fingerprint(listing: Listing) -> str:
    data = json.dumps(
        canonical(listing), sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=False
    )
    return hashlib.sha256(data.encode("utf-8")).hexdigest()
