"""A plain folder export for anything else: ``products.json``, ``products.csv`` and images.

``products.json`` holds every listing (identity, texts, variant axes, mapped fields, all
resolved values, categories and its images with their file names and URLs) for scripts and
other tools. ``products.csv`` is the same for people: one row per listing, one column per
value. Images go to ``images/``; their URL is ``base_url`` + file name when ``base_url`` is
set, else the path relative to the folder.

**Formula injection policy**: the CSV is meant to be opened in a spreadsheet, so it gets
OWASP's treatment (§8): every field quoted, inner quotes doubled, and a ``'`` prefixed to
any text cell that starts with ``= + - @`` TAB, CR or LF. Numbers are left alone. The JSON
holds the values unchanged.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from pimdesk.channels.api import (
    CancelToken,
    FieldSpec,
    Issue,
    Listing,
    Progress,
    PublishResult,
    SettingSpec,
)
from pimdesk.channels.exporters._base import FileExporter
from pimdesk.channels.exporters._common import OUTPUT_SETTING
from pimdesk.channels.output import (
    OutputFolder,
    check_base_url,
    csv_bytes,
    owasp_cell,
    url_for,
)


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    return str(value)


def cell(value: Any) -> str:
    """A value as one CSV cell: metrics as ``350 GRAM``, lists joined, other maps as JSON."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping):
        if set(value) >= {"amount", "unit"}:
            return f"{value['amount']} {value['unit']}"
        return json.dumps(value, default=_json_default, ensure_ascii=False, sort_keys=True)
    if isinstance(value, list | tuple | set):
        return ", ".join(cell(v) for v in value)
    return str(value)


FIXED = ("sku", "parent", "title", "description", "enabled", "family", "axes", "categories",
         "images")  # fmt: skip


class FolderExporter(FileExporter):
    """JSON + CSV + images; see the module docstring."""

    name = "folder"
    label = "Folder (JSON + CSV + images)"
    description = "products.json, products.csv (safe to open in a spreadsheet) and images/."
    rendition_profile = "storefront"
    settings_spec = (
        OUTPUT_SETTING,
        SettingSpec(
            "base_url",
            "Image base URL",
            "url",
            help="Optional: where the folder is published; empty = relative paths.",
        ),
    )
    fields_spec: tuple[FieldSpec, ...] = ()

    def validate(self, listings: Sequence[Listing]) -> list[Issue]:
        return [issue for listing in listings for issue in self.image_name_issues(listing)]

    def publish(
        self,
        listings: Sequence[Listing],
        withdrawn: Sequence[str],
        progress: Progress,
        cancel: CancelToken,
    ) -> PublishResult:
        result = PublishResult()
        base = check_base_url(self.settings.get("base_url"))
        out: OutputFolder = self.output_folder(subfolders=("images",))
        ok = self.publishable(listings, result)
        products: list[dict[str, Any]] = []
        for done, listing in enumerate(ok, start=1):
            self.check_cancel(cancel)
            images = []
            for image in sorted(listing.images, key=lambda i: i.position):
                name = out.image_name(image.filename, image.file, folder="images")
                images.append(
                    {
                        "file": name,
                        "url": url_for(base, name) if base else name,
                        "role": image.role,
                        "position": image.position,
                        "alt_text": image.alt_text,
                        "width": image.width,
                        "height": image.height,
                        "version_id": image.version_id,
                        "sha256": image.sha256,
                    }
                )
            products.append(
                {
                    "sku": listing.sku,
                    "parent": listing.parent_code,
                    "parent_title": listing.parent_title,
                    "title": listing.title,
                    "description": listing.description,
                    "enabled": listing.enabled,
                    "family": listing.family,
                    "locale": listing.locale,
                    "currency": listing.currency,
                    "axes": dict(listing.axes),
                    "categories": list(listing.categories),
                    "fields": dict(listing.fields),
                    "values": dict(listing.values),
                    "images": images,
                }
            )
            result.remote_ids[listing.sku] = listing.sku
            self.report(progress, done, len(ok))
        document = {"products": products}
        out.add_document(
            "products.json",
            json.dumps(document, default=_json_default, ensure_ascii=False, indent=2) + "\n",
        )
        value_columns = sorted({key for p in products for key in p["values"]})
        header = [*FIXED, *value_columns]
        rows = [
            [
                p["sku"],
                p["parent"],
                p["title"],
                p["description"],
                cell(p["enabled"]),
                p["family"],
                "; ".join(f"{k}={v}" for k, v in p["axes"].items()),
                cell(p["categories"]),
                ", ".join(i["url"] for i in p["images"]),
                *(cell(p["values"].get(key)) for key in value_columns),
            ]
            for p in products
        ]
        out.add_document("products.csv", csv_bytes(header, rows, quote_all=True, escape=owasp_cell))
        result.files = out.commit(cancel)
        return result
