"""Import a spreadsheet of products: the one entry point for the CLI and the GUI."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from pimdesk.errors import ImportFailed, PimdeskError
from pimdesk.events import Change
from pimdesk.importexport import importer
from pimdesk.importexport.detect import FORMATS, detect_format
from pimdesk.importexport.importer import ImportReport
from pimdesk.importexport.reading import open_table
from pimdesk.importexport.rejects import write_rejects
from pimdesk.importexport.rows import Parser
from pimdesk.library import Library

Progress = Callable[[int, int | None], None]


def _parser(format: str, table: object) -> Parser:
    from pimdesk.importexport.akeneo import AkeneoParser
    from pimdesk.importexport.shopify import ShopifyParser
    from pimdesk.importexport.woocommerce import WooCommerceParser

    parsers = {"akeneo": AkeneoParser, "shopify": ShopifyParser, "woocommerce": WooCommerceParser}
    return parsers[format](table)  # type: ignore[arg-type]


@contextmanager
def without_cycle_collection() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for a bulk import.

    An import allocates millions of short-lived containers (cells, value documents, rows
    for executemany) while the rows of the file stay alive, so the collector kept
    re-scanning them: a fifth of a 100,000-product import's CPU time, measured. Nothing in
    the import relies on it (its objects are freed by reference counting; the cycles left
    are a few megabytes of SQLAlchemy statement caches, collected once it is back on).
    Threads: it is re-enabled by whoever paused it, so it never stays off."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def import_file(
    library: Library,
    path: Path | str,
    *,
    format: str = "auto",
    dry_run: bool = False,
    skip_invalid: bool = False,
    create_attributes: bool = False,
    rejects_path: Path | str | None = None,
    progress: Progress | None = None,
    author: str = "import",
) -> ImportReport:
    """Import products from a CSV or XLSX file in one transaction.

    Raises :class:`ImportFailed` (catalog unchanged) when a row is bad, unless
    ``skip_invalid``: then only the valid rows land and the report lists the rejects (also
    written to ``rejects_path`` if given). ``dry_run`` reports without writing anything.
    """
    with without_cycle_collection():
        return _import_file(
            library,
            Path(path),
            format=format,
            dry_run=dry_run,
            skip_invalid=skip_invalid,
            create_attributes=create_attributes,
            rejects_path=rejects_path,
            progress=progress,
        )


def _import_file(
    library: Library,
    path: Path,
    *,
    format: str,
    dry_run: bool,
    skip_invalid: bool,
    create_attributes: bool,
    rejects_path: Path | str | None,
    progress: Progress | None,
) -> ImportReport:
    if format != "auto" and format not in FORMATS:
        raise PimdeskError(f"unknown format {format!r} (use auto, {', '.join(FORMATS)})")
    table = open_table(path)
    with library.session() as session:
        from pimdesk.catalog.context import load_context

        identifier = load_context(session).identifier_code
    chosen = (
        detect_format(table.headers, identifier, source=str(path)) if format == "auto" else format
    )
    parser = _parser(chosen, table)
    report = ImportReport(source=str(path), format=chosen, dry_run=dry_run)
    report.warnings.extend(table.warnings)
    state: importer.Importer | None = None
    failed: ImportFailed | None = None
    with library.session() as session:
        try:
            state = importer.run(
                session,
                parser,
                report,
                skip_invalid=skip_invalid,
                create_attributes=create_attributes,
                progress=progress,
            )
        except ImportFailed as exc:
            failed = exc
            session.rollback()
        if failed is None and dry_run:
            session.rollback()
    if rejects_path is not None and (failed is not None or report.rejected):
        if state is not None:
            rejected = state.rejected_rows
        else:
            rejected = getattr(failed, "rejected_rows", [])
        if failed is not None and not rejected:
            rejected_pairs = [([], [e]) for e in failed.errors]
        else:
            rejected_pairs = [(row.source_rows, errors) for row, errors in rejected]
        write_rejects(Path(rejects_path), table.headers, rejected_pairs)
        report.rejects_path = str(rejects_path)
    if failed is not None:
        raise failed
    if not dry_run:
        report.committed = True
        library.emit(
            Change(kind="import", product_ids=frozenset(report.product_ids), detail=str(path))
        )
    return report
