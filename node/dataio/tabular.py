"""Spreadsheet files as rows: reading CSV/XLSX, writing CSV/XLSX/Parquet.

Knows nothing about customers. Readers yield raw cell values with their spreadsheet row
numbers (header = row 1), so messages point at the row a person sees in Excel. Writers
write to a temporary name in the target directory and rename only when complete, so a
reader never sees half a file and a failure leaves nothing behind.
"""

from __future__ import annotations

import codecs
import csv
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any, Protocol

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from node.atomic_file import atomic_path

READ_SUFFIXES = (".csv", ".xlsx")
WRITE_SUFFIXES = (".csv", ".xlsx", ".parquet")
# Excel's hard limit is 1,048,576 rows including the header.
XLSX_MAX_DATA_ROWS = 1_048_575
# Spreadsheet programs run a cell that starts with one of these as a formula (CSV/formula
# injection), so text written to CSV that starts with one is prefixed with an apostrophe,
# which Excel shows as plain text; the reader strips that prefix again.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class DataFileError(Exception):
    """The file cannot be read or written as asked; the message says why and what to do."""


@dataclass
class Sheet:
    """An open spreadsheet: its header cells and an iterator over its data rows."""

    path: Path
    headers: list[str]
    rows: Iterator[tuple[int, list[Any]]]  # (spreadsheet row number, cell values)
    approx_rows: int | None  # for a progress bar; CSV records with line breaks count more
    encoding: str | None = None


def _clean_header(value: Any) -> str:
    return "" if value is None else str(value).replace("\ufeff", "").strip()


def _blank(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


@contextmanager
def open_sheet(path: Path) -> Iterator[Sheet]:
    """Open a .csv or .xlsx file for reading; raise DataFileError if it cannot be used.

    Fully blank rows are skipped (Excel leaves them at the end); row numbers still
    count them.
    """
    if not path.exists():
        raise DataFileError(f"{path}: no such file")
    if not path.is_file():
        raise DataFileError(f"{path} is not a file")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with _open_csv(path) as sheet:
            yield sheet
    elif suffix == ".xlsx":
        with _open_xlsx(path) as sheet:
            yield sheet
    elif suffix in (".xls", ".et", ".numbers", ".ods"):
        raise DataFileError(
            f"{path}: {suffix} files are not supported; save it as .xlsx or .csv (UTF-8) first"
        )
    else:
        raise DataFileError(
            f"{path}: unsupported file type {suffix or '(no extension)'}; use .csv or .xlsx"
        )


def _csv_encoding(path: Path) -> tuple[str, int]:
    """UTF-8 (with or without BOM) if the whole file decodes as UTF-8, else GB18030.

    Excel on Chinese Windows saves "CSV" as GBK; GB18030 is its superset. Also counts
    line breaks for the progress bar while the bytes pass by anyway.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8 = True
    lines = 0
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            lines += chunk.count(b"\n")
            if utf8:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    utf8 = False
    if utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8 = False
    return ("utf-8-sig" if utf8 else "gb18030"), lines


def _unprotect(cell: str) -> str:
    if len(cell) > 1 and cell[0] == "'" and cell[1] in _FORMULA_START:
        return cell[1:]
    return cell


@contextmanager
def _open_csv(path: Path) -> Iterator[Sheet]:
    encoding, lines = _csv_encoding(path)
    with path.open(encoding=encoding, newline="") as f:
        # strict: an unclosed quote is an error, not one cell swallowing the rest.
        reader = csv.reader(f, strict=True)
        try:
            header = next(reader, None)
        except UnicodeDecodeError:
            raise DataFileError(
                f"{path} is neither UTF-8 nor GB18030 text; save it as CSV UTF-8"
            ) from None
        except csv.Error as exc:
            raise DataFileError(f"{path}: the header row is not valid CSV: {exc}") from None
        if header is None or all(_blank(h) for h in header):
            raise DataFileError(f"{path} is empty: expected a header row and data rows")

        def rows() -> Iterator[tuple[int, list[Any]]]:
            number = 1
            try:
                for record in reader:
                    number += 1
                    if all(_blank(c) for c in record):
                        continue
                    yield number, [_unprotect(c) for c in record]
            except UnicodeDecodeError:
                raise DataFileError(
                    f"{path}: row {number + 1} is neither UTF-8 nor GB18030 text; "
                    "save the file as CSV UTF-8"
                ) from None
            except csv.Error as exc:
                raise DataFileError(f"{path}: row {number + 1} is not valid CSV: {exc}") from None

        yield Sheet(
            path=path,
            headers=[_clean_header(h) for h in header],
            rows=rows(),
            approx_rows=max(lines - 1, 0),
            encoding="utf-8" if encoding == "utf-8-sig" else encoding,
        )


@contextmanager
def _open_xlsx(path: Path) -> Iterator[Sheet]:
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError) as exc:
        raise DataFileError(f"{path} is not a readable .xlsx workbook ({exc})") from None
    try:
        sheet = workbook.active
        if sheet is None:
            raise DataFileError(f"{path} has no worksheet")
        values = sheet.iter_rows(values_only=True)
        header = next(values, None)
        if header is None or all(_blank(h) for h in header):
            raise DataFileError(f"{path} is empty: expected a header row and data rows")

        def rows() -> Iterator[tuple[int, list[Any]]]:
            # Read-only worksheets yield blank rows for gaps, so counting keeps row
            # numbers equal to Excel's.
            for number, record in enumerate(values, start=2):
                if all(_blank(c) for c in record):
                    continue
                yield number, list(record)

        max_row = sheet.max_row
        yield Sheet(
            path=path,
            headers=[_clean_header(h) for h in header],
            rows=rows(),
            approx_rows=max_row - 1 if max_row else None,
        )
    finally:
        workbook.close()


# ---- writing ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Formatted:
    """A value with the Excel number format it is shown in (`0.00%`, `#,##0`,
    `yyyy-mm-dd hh:mm`): a number or date stays one in the sheet, not its text."""

    value: Any
    number_format: str


class TableWriter(Protocol):
    """Accepts rows in chunks; `finish` completes the temporary file."""

    def write(self, rows: Sequence[Sequence[Any]]) -> None: ...

    def finish(self) -> None: ...

    def discard(self) -> None: ...


def _text(value: Any) -> str:
    if isinstance(value, Formatted):
        value = value.value
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


class _CsvWriter:
    def __init__(self, path: Path, headers: Sequence[str]) -> None:
        # utf-8-sig: the BOM is what makes Excel read the file as UTF-8, not GBK.
        self._file: IO[str] = path.open("w", encoding="utf-8-sig", newline="")
        self._csv = csv.writer(self._file)
        self._csv.writerow(headers)

    def write(self, rows: Sequence[Sequence[Any]]) -> None:
        self._csv.writerows([[_protect(_text(v)) for v in row] for row in rows])

    def finish(self) -> None:
        self._file.close()

    def discard(self) -> None:
        self._file.close()


def _protect(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_START) else text


class _XlsxWriter:
    def __init__(
        self,
        path: Path,
        headers: Sequence[str],
        sheet_title: str,
        widths: Sequence[float] | None = None,
    ) -> None:
        self._path = path
        self._book = openpyxl.Workbook(write_only=True)
        self._sheet = self._book.create_sheet(title=sheet_title)
        self._sheet.freeze_panes = "A2"
        # A write-only sheet takes column widths only before its first row.
        for index, width in enumerate(widths or (), start=1):
            self._sheet.column_dimensions[get_column_letter(index)].width = width
        bold = Font(bold=True)
        header_cells = []
        for header in headers:
            cell = WriteOnlyCell(self._sheet, value=header)
            cell.font = bold
            header_cells.append(cell)
        self._sheet.append(header_cells)
        self._rows = 0

    def _cell(self, value: Any) -> Any:
        if isinstance(value, Formatted):
            cell = WriteOnlyCell(self._sheet, value=value.value)
            cell.number_format = value.number_format
            return cell
        if not isinstance(value, str):
            return value
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if value.startswith("="):
            # openpyxl would store it as a formula; force a text cell instead.
            cell = WriteOnlyCell(self._sheet, value=value)
            cell.data_type = "s"
            return cell
        return value

    def write(self, rows: Sequence[Sequence[Any]]) -> None:
        self._rows += len(rows)
        if self._rows > XLSX_MAX_DATA_ROWS:
            raise DataFileError(
                f"more than {XLSX_MAX_DATA_ROWS:,} rows do not fit in an Excel sheet; "
                "export to .csv or .parquet instead"
            )
        for row in rows:
            self._sheet.append([self._cell(v) for v in row])

    def finish(self) -> None:
        self._book.save(self._path)

    def discard(self) -> None:
        self._book.close()


class _ParquetWriter:
    def __init__(self, path: Path, schema: pa.Schema) -> None:
        self._schema = schema
        self._writer = pq.ParquetWriter(path, schema, compression="zstd")

    def write(self, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        columns = list(zip(*rows, strict=True))
        arrays = [
            pa.array(column, type=field.type)
            for column, field in zip(columns, self._schema, strict=True)
        ]
        self._writer.write_table(pa.Table.from_arrays(arrays, schema=self._schema))

    def finish(self) -> None:
        self._writer.close()

    def discard(self) -> None:
        self._writer.close()


def check_output_path(path: Path) -> str:
    """The output format (csv, xlsx, parquet) of `path`, or DataFileError."""
    suffix = path.suffix.lower()
    if suffix not in WRITE_SUFFIXES:
        raise DataFileError(
            f"{path}: unsupported output type {suffix or '(no extension)'}; "
            "use .csv, .xlsx or .parquet"
        )
    if not path.parent.is_dir():
        raise DataFileError(f"{path.parent} is not an existing directory")
    if path.is_dir():
        raise DataFileError(f"{path} is a directory")
    return suffix[1:]


@contextmanager
def atomic_table_writer(
    path: Path,
    headers: Sequence[str],
    parquet_schema: pa.Schema | None = None,
    sheet_title: str = "Sheet1",
    widths: Sequence[float] | None = None,
) -> Iterator[TableWriter]:
    """A writer for `path` (format by extension) that appears there only on success.

    For Parquet, `parquet_schema` gives the column names and types and `headers` is
    ignored; rows must follow the schema's column order. `widths`: Excel column widths
    (in characters), for XLSX only.
    """
    fmt = check_output_path(path)
    with atomic_path(path) as tmp:
        writer = _open_writer(fmt, tmp, headers, parquet_schema, sheet_title, widths)
        try:
            yield writer
            writer.finish()
        except BaseException:
            writer.discard()
            raise


def _open_writer(
    fmt: str,
    tmp: Path,
    headers: Sequence[str],
    parquet_schema: pa.Schema | None,
    sheet_title: str,
    widths: Sequence[float] | None = None,
) -> TableWriter:
    if fmt == "csv":
        return _CsvWriter(tmp, headers)
    if fmt == "xlsx":
        return _XlsxWriter(tmp, headers, sheet_title, widths)
    if parquet_schema is None:
        raise ValueError("a Parquet file needs a schema")
    return _ParquetWriter(tmp, parquet_schema)
