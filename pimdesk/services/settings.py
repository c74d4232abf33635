"""Library-wide settings a user may change: what each means, its type, default and bounds.

The values live in the catalog's ``setting`` table next to internal bookkeeping (the demo
marker, the rules' options...); only the keys listed here are the user's to read and set,
from the CLI (``pimdesk settings``) and, later, the window.
"""

from __future__ import annotations

import difflib
from dataclasses import asdict, dataclass
from typing import Any

from pimdesk.assets import settings as asset_settings
from pimdesk.catalog import history
from pimdesk.catalog.models import Setting
from pimdesk.errors import NotFoundError, ValidationError
from pimdesk.events import Change
from pimdesk.library import Library

TRUE = {"true", "yes", "on", "1"}
FALSE = {"false", "no", "off", "0"}


@dataclass(frozen=True)
class Spec:
    key: str
    kind: str  # "bool" or "int"
    default: Any
    minimum: int | None
    help: str


SPECS: dict[str, Spec] = {
    spec.key: spec
    for spec in (
        Spec(
            asset_settings.AUTO_APPROVE,
            "bool",
            True,
            None,
            "approve every ingested version at once, so a dropped photo goes live without a "
            "manual step (false: new versions wait as drafts until pimdesk assets approve)",
        ),
        Spec(
            asset_settings.EXPIRING_DAYS,
            "int",
            30,
            0,
            "how many days before its expiry date an asset counts as expiring soon",
        ),
        Spec(
            history.RETENTION_KEY,
            "int",
            history.DEFAULT_RETENTION_DAYS,
            1,
            "how many days the history of value changes is kept (older changes are purged)",
        ),
    )
}


@dataclass(frozen=True)
class SettingValue:
    key: str
    value: Any
    default: Any
    help: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def list_settings(library: Library) -> list[SettingValue]:
    """Every user setting with its current value (the default when never set)."""
    with library.session() as session:
        return [_value(session.get(Setting, spec.key), spec) for spec in SPECS.values()]


def set_setting(library: Library, key: str, text: str) -> SettingValue:
    """Set KEY from the text a user typed (``true``/``false``, a whole number)."""
    spec = SPECS.get(key)
    if spec is None:
        close = difflib.get_close_matches(key, SPECS, n=1)
        hint = f"did you mean {close[0]}? " if close else ""
        raise NotFoundError(
            f"no setting {key!r}",
            where=key,
            hint=f"{hint}the settings are: {', '.join(SPECS)} (pimdesk settings lists them)",
        )
    value = _parse(spec, text)
    with library.session() as session:
        row = session.get(Setting, key)
        if row is None:
            row = Setting(key=key, value=value)
            session.add(row)
        else:
            row.value = value
        shown = _value(row, spec)
    library.emit(Change(kind="settings", detail=f"{key} = {value}"))
    return shown


def _parse(spec: Spec, text: str) -> Any:
    word = text.strip().lower()
    if spec.kind == "bool":
        if word in TRUE:
            return True
        if word in FALSE:
            return False
        raise ValidationError(
            f"{text!r} is not true or false", where=spec.key, hint="use true or false"
        )
    try:
        number = int(word)
    except ValueError:
        raise ValidationError(
            f"{text!r} is not a whole number", where=spec.key, hint="for example 30"
        ) from None
    if spec.minimum is not None and number < spec.minimum:
        raise ValidationError(
            f"{number} is too small", where=spec.key, hint=f"use {spec.minimum} or more"
        )
    return number


def _value(row: Setting | None, spec: Spec) -> SettingValue:
    value = spec.default if row is None or row.value is None else row.value
    return SettingValue(spec.key, value, spec.default, spec.help)
