"""Reading and writing values in the raw-values document, with variant inheritance.

A document maps ``attribute -> channel key -> locale key -> data`` where the keys are the
channel/locale code or ``ALL_CHANNELS`` / ``ALL_LOCALES`` for attributes that are not
scopable / localizable. A variant product owns only its level's values; what it shows is
its document laid over its parents' (nearest wins), which :func:`merged` computes.

A scopable attribute (a description) may hold, besides a value per channel, one value under
``ALL_CHANNELS``: the shared value, what every channel without a value of its own sees
(:func:`resolve`, and completeness). An import cell or a ``products set`` without a channel
writes it, so a channel added later publishes it; a channel's own value wins for that channel.
"""

from __future__ import annotations

import copy
from collections.abc import Container, Iterable, Iterator, Mapping, Sequence
from typing import Any

from pimdesk.catalog.models import ALL_CHANNELS, ALL_LOCALES

Values = dict[str, dict[str, dict[str, Any]]]


def channel_key(channel: str | None) -> str:
    return channel or ALL_CHANNELS


def locale_key(locale: str | None) -> str:
    return locale or ALL_LOCALES


def get_value(
    values: Mapping[str, Any], attribute: str, locale: str | None = None, channel: str | None = None
) -> Any:
    """The data stored for exactly (attribute, locale, channel), or None."""
    return values.get(attribute, {}).get(channel_key(channel), {}).get(locale_key(locale))


def set_value(
    values: Values, attribute: str, data: Any, locale: str | None = None, channel: str | None = None
) -> Any:
    """Store ``data`` (None or "" removes the value); return the previous data."""
    by_channel = values.setdefault(attribute, {})
    by_locale = by_channel.setdefault(channel_key(channel), {})
    old = by_locale.get(locale_key(locale))
    if data is None or data == "" or data == [] or data == {}:
        by_locale.pop(locale_key(locale), None)
        if not by_locale:
            by_channel.pop(channel_key(channel), None)
        if not by_channel:
            values.pop(attribute, None)
    else:
        by_locale[locale_key(locale)] = data
    return old


def iter_values(values: Mapping[str, Any]) -> Iterator[tuple[str, str | None, str | None, Any]]:
    """Every stored value as (attribute, locale or None, channel or None, data)."""
    for attribute, by_channel in values.items():
        for ckey, by_locale in by_channel.items():
            for lkey, data in by_locale.items():
                yield (
                    attribute,
                    None if lkey == ALL_LOCALES else lkey,
                    None if ckey == ALL_CHANNELS else ckey,
                    data,
                )


def merged(documents: Iterable[Mapping[str, Any]]) -> Values:
    """Lay documents over each other, farthest ancestor first, the product's own last."""
    result: Values = {}
    for document in documents:
        for attribute, locale, channel, data in iter_values(document):
            set_value(result, attribute, copy.deepcopy(data), locale, channel)
    return result


def layered(documents: Sequence[Mapping[str, Any]]) -> Mapping[str, Any]:
    """What :func:`merged` gives, for reading only: the data is shared, not copied, and a
    single document is returned as it is (the stored summaries of a 100,000-product import
    read every product's values once; deep copies of them doubled the import's cost)."""
    if len(documents) == 1:
        return documents[0]
    result: Values = {}
    for document in documents:
        for attribute, locale, channel, data in iter_values(document):
            set_value(result, attribute, data, locale, channel)
    return result


def resolve(
    values: Mapping[str, Any], attribute: str, locale: str | None, channel: str | None
) -> Any:
    """What a channel and locale see of one attribute, whatever its scope.

    Tries the most specific key first, so callers need not know whether the attribute is
    localizable or scopable: (channel, locale), (all channels, locale), (channel, all
    locales), (all channels, all locales).
    """
    by_channel = values.get(attribute)
    if not by_channel:
        return None
    for ckey in (channel_key(channel), ALL_CHANNELS):
        by_locale = by_channel.get(ckey)
        if not by_locale:
            continue
        for lkey in (locale_key(locale), ALL_LOCALES):
            if lkey in by_locale:
                return by_locale[lkey]
    return None


def share_copies(
    values: Values,
    scopable: Container[str],
    kept_per_channel: Container[tuple[str, str]] = (),
) -> bool:
    """Store once, as the shared value, each scopable value that every channel holding it
    holds with the same data, where there is no shared value yet; return whether ``values``
    changed.

    Libraries made before the shared value existed hold an imported description once per
    channel that existed at the import (and none for a channel added after it): migration
    0010 turns those copies into the shared value so every channel, old or new, sees it.
    Values that differ between channels stay per channel. ``kept_per_channel`` names the
    (attribute, locale key) a variant must keep per channel because a parent holds that slot
    per channel (a shared value of the variant would not win over it).
    """
    changed = False
    for attribute, by_channel in values.items():
        if attribute not in scopable:
            continue
        shared = set(by_channel.get(ALL_CHANNELS, ()))
        own = [(ckey, by_locale) for ckey, by_locale in by_channel.items() if ckey != ALL_CHANNELS]
        for lkey in sorted({lkey for _, by_locale in own for lkey in by_locale} - shared):
            if (attribute, lkey) in kept_per_channel:
                continue
            held = [by_locale[lkey] for _, by_locale in own if lkey in by_locale]
            if any(data != held[0] for data in held[1:]):
                continue
            for ckey, by_locale in own:
                by_locale.pop(lkey, None)
                if not by_locale:
                    by_channel.pop(ckey, None)
            by_channel.setdefault(ALL_CHANNELS, {})[lkey] = held[0]
            changed = True
    return changed
