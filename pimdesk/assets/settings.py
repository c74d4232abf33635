"""The library settings of the assets area, with their defaults for a new library.

``assets.auto_approve`` (default True in a new library): an ingested version is approved
at once, so a dropped photo goes live without a manual step; set it to False to keep new
versions as drafts until someone approves them. ``rights.expiring_days`` (default 30): how
close to its expiry date an asset counts as "expiring soon".
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from pimdesk.catalog.models import Setting

AUTO_APPROVE = "assets.auto_approve"
EXPIRING_DAYS = "rights.expiring_days"
DEFAULTS: dict[str, Any] = {AUTO_APPROVE: True, EXPIRING_DAYS: 30}


def get(session: Session, key: str) -> Any:
    row = session.get(Setting, key)
    return DEFAULTS.get(key) if row is None or row.value is None else row.value


def put(session: Session, key: str, value: Any) -> None:
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=value))
    else:
        row.value = value


def seed_asset_settings(session: Session) -> None:
    """Seeder for a new library (catalog.seed.SEEDERS)."""
    for key, value in DEFAULTS.items():
        if session.get(Setting, key) is None:
            session.add(Setting(key=key, value=value))
