"""Reading and writing import files: CSV and XLSX, streamed row by row.

Neither reader holds the file in memory: CSV goes through the ``csv`` module
over the open file, XLSX through openpyxl's read-only mode. Rows are numbered
as a spreadsheet numbers them (the header is row 1), so a problem reported for
row 1,204 is found on line 1,204 of the curator's sheet.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from django.utils.translation import gettext as _

FORMATS = ("csv", "xlsx")
XLSX_MAGIC = b"PK\x03\x04"
SNIFF_BYTES = 64 * 1024


class FileProblem(ValueError):
    """The file as a whole cannot be read (wrong type, no header, unknown columns)."""


def file_format(name: str) -> str:
    suffix = Path(name).suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise FileProblem(_("Upload a .csv or .xlsx file, not “%(name)s”.") % {"name": name})
    return suffix


def check_content(handle: IO[bytes], fmt: str) -> None:
    """Refuse a file whose content does not match its name (checked by content, not extension)."""
    start = handle.read(SNIFF_BYTES)
    handle.seek(0)
    if fmt == "xlsx":
        if not start.startswith(XLSX_MAGIC) or not zipfile.is_zipfile(handle):
            raise FileProblem(_("This file is not an Excel workbook (.xlsx)."))
        handle.seek(0)
        return
    if start.startswith(XLSX_MAGIC) or b"\x00" in start:
        raise FileProblem(_("This file is not a CSV text file."))
    try:
        codecs.getincrementaldecoder("utf-8-sig")().decode(start, final=False)
    except UnicodeDecodeError:
        raise FileProblem(_("This CSV file is not UTF-8 text; save it as “CSV UTF-8”.")) from None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return (
            value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
        )
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _raw_rows(path: Path, fmt: str) -> Iterator[list[Any]]:
    if fmt == "csv":
        with open(path, newline="", encoding="utf-8-sig") as handle:
            yield from csv.reader(handle)
        return
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        yield from workbook.worksheets[0].iter_rows(values_only=True)
    finally:
        workbook.close()


def read_rows(
    path: Path, fmt: str, *, known: Iterable[str], required: Iterable[str] = ()
) -> Iterator[tuple[int, dict[str, str]]]:
    """(row number, {column: text}) for every non-empty row after the header."""
    rows = _raw_rows(path, fmt)
    header = [_text(cell) for cell in next(rows, [])]
    while header and not header[-1]:
        header.pop()
    if not header:
        raise FileProblem(_("The file has no header row."))
    unknown = [name for name in header if name not in set(known)]
    if unknown:
        raise FileProblem(
            _("Unknown columns: %(columns)s. The template lists the columns this import reads.")
            % {"columns": ", ".join(unknown)}
        )
    missing = [name for name in required if name not in header]
    if missing:
        raise FileProblem(_("Missing columns: %(columns)s.") % {"columns": ", ".join(missing)})
    width = len(header)
    # CSV cells are text already: only stripped, without _text's look at other types.
    text = str.strip if fmt == "csv" else _text
    for number, cells in enumerate(rows, start=2):
        texts = [text(cell) for cell in cells[:width]]
        if any(texts):
            yield number, dict(zip(header, texts, strict=False))


def count_rows(path: Path, fmt: str) -> int:
    """Data rows in the file (for the progress bar), read as quickly as the format allows."""
    if fmt == "csv":
        with open(path, newline="", encoding="utf-8-sig") as handle:
            return max(0, sum(1 for _row in csv.reader(handle)) - 1)
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True)
    try:
        sheet = workbook.worksheets[0]
        if sheet.max_row is None:  # no stored dimensions: count the rows
            return max(0, sum(1 for _row in sheet.iter_rows(values_only=True)) - 1)
        return max(0, sheet.max_row - 1)
    finally:
        workbook.close()


def chunked(rows: Iterator, size: int) -> Iterator[list]:
    chunk: list = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(header: list[str], rows: Iterable[list[str]]) -> Iterator[str]:
    """CSV text line by line, for a streaming response."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(header)
    for row in rows:
        yield writer.writerow(row)


def write_xlsx(
    target: IO[bytes] | str | Path,
    header: list[str],
    rows: Iterable[list[str]],
    *,
    title: str = "records",
) -> None:
    """An XLSX workbook written row by row (openpyxl write-only mode keeps memory flat)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    workbook.save(target)


def write_csv(path: str | Path, header: list[str], rows: Iterable[list[str]]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def xlsx_bytes(header: list[str], rows: Iterable[list[str]], *, title: str = "records") -> bytes:
    buffer = io.BytesIO()
    write_xlsx(buffer, header, rows, title=title)
    return buffer.getvalue()
