"""The shared skeleton of the built-in file exporters.

Each built-in writes a feed (and usually images) into the ``output`` folder. This base holds
what they all do the same way: read and check the folder and ``base_url`` settings, run the
exporter's own :meth:`validate` again inside :meth:`publish` so a listing that breaks the
channel's rules is left out even when the caller skipped validation, report progress, honour
cancel, and place images through :class:`~pimdesk.channels.output.OutputFolder`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pimdesk.channels.api import (
    CancelToken,
    Exporter,
    Issue,
    Listing,
    ListingImage,
    Progress,
    PublishResult,
)
from pimdesk.channels.exporters._common import field, sources
from pimdesk.channels.output import (
    OutputError,
    OutputFolder,
    PublishCancelled,
    check_base_url,
    check_relative_name,
    url_for,
)


class FileExporter(Exporter):
    """Base of exporters that write files into the ``output`` folder."""

    _sources: dict[str, str | None] | None = None

    def _get(self, listing: Listing, name: str) -> Any:
        """The channel field ``name`` of ``listing`` (see :func:`_common.field`)."""
        if self._sources is None:
            self._sources = sources(self.fields_spec)
        return field(listing, self._sources, name)

    def output_folder(self, *, subfolders: Sequence[str] = ()) -> OutputFolder:
        return OutputFolder(self.settings.get("output"), self.name, subfolders=subfolders)

    def base_url(self, out: OutputFolder | None = None) -> str:
        """The ``base_url`` setting (checked); empty means file:// URLs of the output folder."""
        base = check_base_url(self.settings.get("base_url"))
        if base:
            return base
        root = out.root if out is not None else Path(str(self.settings.get("output") or "."))
        return root.resolve().as_uri() + "/"

    def image_url(self, out: OutputFolder, base: str, image: ListingImage, folder: str = "") -> str:
        name = out.image_name(image.filename, image.file, folder=folder)
        return url_for(base, name)

    def image_name_issues(self, listing: Listing) -> list[Issue]:
        issues: list[Issue] = []
        for image in listing.images:
            try:
                check_relative_name(image.filename)
            except OutputError as exc:
                issues.append(Issue(listing.sku, "images", exc.message))
        return issues

    def publishable(self, listings: Sequence[Listing], result: PublishResult) -> list[Listing]:
        """``listings`` without those our own validation blocks; the reasons go to warnings."""
        blocked: set[str] = set()
        for issue in self.validate(listings):
            if issue.blocking:
                blocked.add(issue.sku)
            result.warnings.append(str(issue))
        return [listing for listing in listings if listing.sku not in blocked]

    @staticmethod
    def check_cancel(cancel: CancelToken | None) -> None:
        if cancel is not None and cancel.cancelled:
            raise PublishCancelled("publish cancelled; the previous output is unchanged")

    @staticmethod
    def report(progress: Progress | None, done: int, total: int) -> None:
        if progress is not None:
            progress(done, total)
