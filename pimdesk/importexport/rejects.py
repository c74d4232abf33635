"""The rejects file: the rows an import skipped, as they were, plus an ``error`` column.

People open it in a spreadsheet to fix the rows, so every cell is escaped against formula
injection (OWASP), and it is written to a temporary file and renamed into place.
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from pimdesk.errors import RowError
from pimdesk.importexport.escaping import escape_cell


def write_rejects(
    path: Path,
    headers: Sequence[str],
    rejected: Iterable[tuple[list[tuple[int, list[str]]], Sequence[RowError]]],
) -> int:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow([escape_cell(h) for h in [*headers, "error"]])
            for source_rows, errors in rejected:
                rows = source_rows or [(errors[0].row, [])]
                reason = "; ".join(map(str, errors))  # every bad column of the row
                for _number, cells in rows:
                    padded = list(cells) + [""] * (len(headers) - len(cells))
                    writer.writerow([escape_cell(c) for c in [*padded, reason]])
                    count += 1
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return count
