"""Reading spreadsheet files into rows of text cells, whatever the encoding and delimiter.

CSV: UTF-8 with or without BOM, UTF-16 with BOM, else Windows-1252 (with a warning saying
why); a file that is none of them gets an error naming the byte offset and line. The
delimiter (comma, semicolon or tab) is sniffed from the header line. XLSX: the first sheet,
read-only. Row numbers are the ones a spreadsheet shows: the header is row 1.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pimdesk.errors import PimdeskError, RowError

# A cell may be large (long HTML descriptions); beyond this the file is refused clearly.
MAX_CELL_CHARS = 4 * 1024 * 1024
BINARY_SNIFF = 8192
DELIMITERS = (",", ";", "\t")


class FileFormatError(PimdeskError):
    """The file cannot be read as a spreadsheet at all."""


@dataclass
class Table:
    """A spreadsheet as a header and a stream of rows.

    ``rows`` yields ``(row_number, cells, error)``; ``error`` is set for a row that cannot
    be read as cells (ragged, broken quoting) and then ``cells`` holds what was read.
    """

    source: str
    headers: list[str]
    rows: Iterator[tuple[int, list[str], RowError | None]]
    kind: str = "csv"  # csv | xlsx
    encoding: str = "utf-8"
    delimiter: str = ","
    warnings: list[str] = field(default_factory=list)
    size: int = 0  # bytes, for progress estimates


def open_table(path: Path) -> Table:
    """Open a CSV or XLSX file; FileFormatError when it is none of those."""
    path = Path(path)
    if not path.exists():
        raise FileFormatError("no such file", where=str(path))
    if path.is_dir():
        raise FileFormatError("is a folder, not a spreadsheet file", where=str(path))
    with path.open("rb") as handle:
        head = handle.read(BINARY_SNIFF)
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm") or head.startswith(b"PK\x03\x04"):
        return _open_xlsx(path, head)
    return _open_csv(path)


# -- CSV ------------------------------------------------------------------------------------


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def decode(data: bytes, source: str) -> tuple[str, str, list[str]]:
    """(text, encoding, warnings) for the bytes of a text file."""
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig", []
        except UnicodeDecodeError as exc:
            offset = exc.start + 3
            raise FileFormatError(
                f"starts with a UTF-8 byte-order mark but byte 0x{data[offset]:02X} at offset "
                f"{offset} (line {_line_of(data, offset)}) is not UTF-8",
                where=source,
                hint="save the file again as UTF-8",
            ) from None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16", []
        except UnicodeDecodeError as exc:
            raise FileFormatError(
                f"is not valid UTF-16 at offset {exc.start}", where=source
            ) from None
    if b"\x00" in data[:BINARY_SNIFF]:
        offset = data.index(b"\x00")
        raise FileFormatError(
            f"is a binary file, not CSV text (NUL byte at offset {offset})",
            where=source,
            hint="import a .csv or .xlsx file",
        )
    try:
        return data.decode("utf-8"), "utf-8", []
    except UnicodeDecodeError as utf8_error:
        bad = utf8_error.start
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError as exc:
            raise FileFormatError(
                f"is neither UTF-8 (byte 0x{data[bad]:02X} at offset {bad}, line "
                f"{_line_of(data, bad)}) nor Windows-1252 (byte 0x{data[exc.start]:02X} at "
                f"offset {exc.start}, line {_line_of(data, exc.start)})",
                where=source,
                hint="save the file as UTF-8 (CSV UTF-8 in Excel)",
            ) from None
        warning = (
            f"{source}: read as Windows-1252: byte 0x{data[bad]:02X} at offset {bad} "
            f"(line {_line_of(data, bad)}) is not UTF-8"
        )
        return text, "cp1252", [warning]


def sniff_delimiter(text: str) -> str:
    """The delimiter used most in the header line, outside quotes (comma by default)."""
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for char in text[:65536]:
        if char == '"':
            quoted = not quoted
        elif char in "\r\n" and not quoted:
            break
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _unclosed_quote_column(line: str, delimiter: str) -> int:
    """Index of the cell whose quote never closes on this physical line."""
    index = 0
    quoted = False
    start = True
    for char in line:
        if quoted:
            if char == '"':
                quoted = False
            continue
        if char == '"' and start:
            quoted = True
        elif char == delimiter:
            index += 1
            start = True
            continue
        start = False
    return index


def _open_csv(path: Path) -> Table:
    source = str(path)
    data = path.read_bytes()
    if not data.strip():
        raise FileFormatError("the file is empty", where=source, hint="export the sheet again")
    text, encoding, warnings = decode(data, source)
    size = len(data)
    del data
    delimiter = sniff_delimiter(text)
    lines = io.StringIO(text, newline="")
    physical: list[str] = []

    def remember() -> Iterator[str]:
        for line in lines:
            physical.append(line)
            yield line

    csv.field_size_limit(MAX_CELL_CHARS)
    reader = csv.reader(remember(), delimiter=delimiter, strict=True)
    try:
        headers = next(reader)
    except StopIteration:
        raise FileFormatError("the file is empty", where=source) from None
    except csv.Error as exc:
        raise FileFormatError(f"row 1 (the header) cannot be read: {exc}", where=source) from None
    headers = [h.strip() for h in headers]
    while headers and headers[-1] == "":
        headers.pop()
    if not any(headers):
        raise FileFormatError("the header row is empty", where=source)

    def rows() -> Iterator[tuple[int, list[str], RowError | None]]:
        number = 1
        while True:
            start_line = reader.line_num + 1
            started: str | None = None
            physical.clear()
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                number += 1
                started = physical[0] if physical else ""
                message = str(exc)
                column = None
                if "field larger than field limit" in message:
                    message = (
                        f"a cell is larger than {MAX_CELL_CHARS // (1024 * 1024)} MiB; "
                        "shorten it or import that value another way"
                    )
                else:
                    index = _unclosed_quote_column(started, delimiter)
                    column = headers[index] if index < len(headers) else f"#{index + 1}"
                    if "unexpected end of data" in message:
                        message = (
                            f"a quoted cell starting on line {start_line} is never closed "
                            "(unbalanced quotes); nothing after it can be read"
                        )
                    else:
                        message = f"malformed quoting near line {reader.line_num}: {exc}"
                yield number, [], RowError(number, column, message)
                return
            number += 1
            if not cells or (len(cells) == 1 and cells[0] == ""):
                continue  # blank line
            while len(cells) > len(headers) and cells[-1] == "":
                cells.pop()
            if len(cells) != len(headers):
                if len(cells) > len(headers):
                    column = f"#{len(headers) + 1}"
                    message = (
                        f"has {len(cells)} cells but the header has {len(headers)} "
                        "(an unquoted delimiter inside a value?)"
                    )
                else:
                    column = headers[len(cells)]
                    message = (
                        f"has {len(cells)} cells but the header has {len(headers)} "
                        f"(columns from {headers[len(cells)]!r} on are missing)"
                    )
                yield number, cells, RowError(number, column, message)
                continue
            yield number, cells, None

    return Table(source, headers, rows(), "csv", encoding, delimiter, warnings, size)


# -- XLSX -----------------------------------------------------------------------------------


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _open_xlsx(path: Path, head: bytes) -> Table:
    source = str(path)
    not_a_workbook = FileFormatError(
        "is not an Excel workbook (.xlsx) and cannot be read",
        where=source,
        hint="open it in a spreadsheet and save it as .xlsx or CSV",
    )
    if not head.startswith(b"PK\x03\x04"):
        raise not_a_workbook
    try:
        import openpyxl

        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        iterator = sheet.iter_rows(values_only=True)
        first = next(iterator, None)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, IndexError, TypeError) as exc:
        raise not_a_workbook from exc
    except Exception as exc:  # openpyxl raises its own InvalidFileException and friends
        raise not_a_workbook from exc
    if first is None:
        workbook.close()
        raise FileFormatError("the workbook's first sheet is empty", where=source)
    headers = [_cell_text(v).strip() for v in first]
    while headers and headers[-1] == "":
        headers.pop()
    if not headers:
        workbook.close()
        raise FileFormatError("the header row is empty", where=source)

    def rows() -> Iterator[tuple[int, list[str], RowError | None]]:
        number = 1
        try:
            for values in iterator:
                number += 1
                cells = [_cell_text(v) for v in values]
                while len(cells) > len(headers) and cells[-1] == "":
                    cells.pop()
                if not any(cells):
                    continue
                if len(cells) > len(headers):
                    yield (
                        number,
                        cells,
                        RowError(
                            number, f"#{len(headers) + 1}", "has a value beyond the last header"
                        ),
                    )
                    continue
                cells.extend([""] * (len(headers) - len(cells)))
                yield number, cells, None
        finally:
            workbook.close()

    return Table(source, headers, rows(), "xlsx", "xlsx", "", [], path.stat().st_size)
