"""``pimdesk status`` for people: the assets, publishing and watch sections as sentences.

The sections are plain data from :func:`pimdesk.services.status.library_status` (which
``status --json`` prints unchanged). Here each known section becomes short aligned lines
like the catalog's; empty lists and unknown (None) values are left out rather than shown
as ``[]`` or ``None``. A section this module does not know is still printed, key by key.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pimdesk.cli.display import count, format_value, name_list

if TYPE_CHECKING:
    from pimdesk.library import Library

Lines = list[str]


def _when(text: Any) -> str:
    """An ISO time as local ``HH:MM`` today, else ``YYYY-MM-DD HH:MM``."""
    if isinstance(text, dt.datetime):
        moment = text
    else:
        try:
            moment = dt.datetime.fromisoformat(str(text))
        except ValueError:
            return str(text)
    if moment.tzinfo is not None:
        moment = moment.astimezone()
    if moment.date() == dt.datetime.now(moment.tzinfo).date():
        return moment.strftime("%H:%M")
    return moment.strftime("%Y-%m-%d %H:%M")


def assets_lines(data: dict[str, Any], _library: Library) -> Lines:
    known = {
        "assets": lambda n: count(n, "asset"),
        "inbox": lambda n: f"{n} in the inbox",
        "problems": lambda n: count(n, "problem"),
        "expiring": lambda n: f"{n} with rights expiring",
        "expired": lambda n: f"{n} with rights expired",
    }
    parts = [
        known[k](v) if k in known else f"{k.replace('_', ' ')} {format_value(v)}"
        for k, v in data.items()
        if not _blank(v)
    ]
    return [f"assets    {', '.join(parts)}"] if parts else []


def _channel_line(row: dict[str, Any]) -> str:
    head = f"publish   {row.get('channel')} ({row.get('exporter') or 'no exporter'})"
    parts = []
    for key, label in (
        ("published", "published"),
        ("waiting", "waiting"),
        ("never_published", "never published"),
        ("withdraw", "to withdraw"),
        ("blocked", "blocked"),
    ):
        if key in row and not (key in ("never_published", "withdraw") and not row[key]):
            parts.append(f"{row[key]} {label}")
    if row.get("outside"):  # enabled products the channel's category tree leaves out
        skus = row.get("outside_skus") or []
        named = f" ({name_list(skus)})" if skus else ""
        parts.append(f"{row['outside']} outside the channel's categories{named}")
    small = row.get("small_images") or []
    if small:  # live listings showing an image under 500 px (a RAW's preview, a tiny file)
        skus = sorted({image["sku"] for image in small})
        files = ", ".join(
            f"{image['sku']}: {image['file']} {image['width']}x{image['height']} px"
            for image in small[:3]
        )
        more = f" +{len(small) - 3} more" if len(small) > 3 else ""
        below = row.get("small_images_below") or 500
        parts.append(f"{len(skus)} live with images under {below} px ({files}{more})")
    if row.get("exporter"):
        parts.append(f"auto-publish {'on' if row.get('auto_publish') else 'off'}")
    last = row.get("last_run")
    if isinstance(last, dict) and last.get("at"):
        result = f" {last['result']}" if last.get("result") else ""
        parts.append(f"last run {_when(last['at'])}{result}")
    if row.get("problem") == "no exporter" and not row.get("exporter"):
        # a catalog scope (completeness, scoped values) that nothing publishes yet: normal
        parts.append(
            f"not published anywhere (to publish it: pimdesk channels set {row.get('channel')} "
            "exporter=NAME output=FOLDER)"
        )
    elif row.get("problem"):
        parts.append(f"problem: {row['problem']}")
    extra = set(row) - {
        "channel",
        "exporter",
        "auto_publish",
        "published",
        "waiting",
        "never_published",
        "withdraw",
        "blocked",
        "outside",
        "outside_skus",
        "small_images",
        "small_images_below",
        "last_run",
        "problem",
    }
    parts.extend(f"{k} {format_value(row[k])}" for k in sorted(extra) if not _blank(row[k]))
    return f"{head}: {', '.join(parts)}" if parts else head


def publishing_lines(data: dict[str, Any], _library: Library) -> Lines:
    lines = [_channel_line(row) for row in data.get("channels", [])]
    for problem in data.get("plugin_problems") or []:
        lines.append(f"plugin    {format_value(problem, None)}")
    rest = {k: v for k, v in data.items() if k not in ("channels", "plugin_problems")}
    return lines + generic_lines("publishing", rest)


def watch_lines(data: dict[str, Any], library: Library) -> Lines:
    if not data.get("folders"):
        return ["watch     no folders watched"]
    from pimdesk.services.watch import list_folders

    lines = []
    for folder in list_folders(library):
        scan = f", last scan {_when(folder.last_scan_at)}" if folder.last_scan_at else ""
        lines.append(f"watch     {folder.path}: {folder.state}{scan}")
    return lines


def generic_lines(section: str, data: dict[str, Any]) -> Lines:
    """A section this module does not know: ``section  key value`` per filled key."""
    lines = []
    for key, value in data.items():
        if _blank(value):
            continue
        if isinstance(value, list) and all(isinstance(v, dict) for v in value):
            for item in value:
                filled = [f"{k} {format_value(v)}" for k, v in item.items() if not _blank(v)]
                lines.append(f"{section:<9} {', '.join(filled)}")
        else:
            lines.append(f"{section:<9} {key.replace('_', ' ')}: {format_value(value)}")
    return lines


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, list | dict | tuple | str) and not value)


SECTIONS: dict[str, Callable[[dict[str, Any], Library], Lines]] = {
    "assets": assets_lines,
    "publishing": publishing_lines,
    "watch": watch_lines,
}


def section_lines(section: str, data: dict[str, Any], library: Library) -> Lines:
    show = SECTIONS.get(section)
    return show(data, library) if show else generic_lines(section, data)
