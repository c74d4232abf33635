"""Export the catalog to a spreadsheet: the one entry point for the CLI and the GUI."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pimdesk.errors import PimdeskError
from pimdesk.importexport.exporter import ExportReport, export_catalog
from pimdesk.library import Library

Progress = Callable[[int, int | None], None]


def export_file(
    library: Library,
    path: Path | str,
    progress: Progress | None = None,
    *,
    overwrite: bool = True,
) -> ExportReport:
    """Write every product model and product in Akeneo's grammar (CSV, or XLSX by extension).

    The file appears complete or not at all (temporary file + rename). With
    ``overwrite=False`` an existing file is refused rather than replaced.
    """
    path = Path(path)
    if path.exists() and path.is_dir():
        raise PimdeskError("is a folder; give a file name such as products.csv", where=str(path))
    if path.exists() and not overwrite:
        raise PimdeskError("already exists", where=str(path), hint="use --force to replace it")
    with library.session() as session:
        return export_catalog(session, path, progress=progress)
