"""Writing figure sets as CSV, JSON, XLSX or Parquet.

Machine formats (CSV, JSON, Parquet) keep the column keys (`churn_rate`, ...) and the
group's key beside its label; XLSX is for people and has Chinese headers. Several
figure sets go to one JSON object, one XLSX workbook (a sheet each), or, for CSV and
Parquet, one file each named after the figure (`rollup.csv` -> `rollup-churn.csv`).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import IO

import pyarrow as pa
import pyarrow.parquet as pq

from node.atomic_file import atomic_path, write_atomically
from rollup.figures import Figures
from rollup.labels import COLUMN_TITLES, FIGURE_TITLES, GROUP_TITLES, PERCENT_COLUMNS

FORMATS = ("table", "csv", "json", "xlsx", "parquet")
NEEDS_FILE = ("xlsx", "parquet")


def rows_of(fig: Figures) -> tuple[list[str], list[list]]:
    """Machine columns (group_key, group, figures..., with the total last) and values."""
    header = ["period", "group_key", "group", *fig.columns]
    rows = [
        [fig.period, r["key"], r["label"], *(r.get(c) for c in fig.columns)]
        for r in [*fig.rows, *([fig.total] if fig.group_by != "total" else [])]
    ]
    return header, rows


def per_figure_path(out: Path, figs: Sequence[Figures], fig: Figures) -> Path:
    """`out` itself for one figure set, else `out` with the figure's name added."""
    return out if len(figs) == 1 else out.with_name(f"{out.stem}-{fig.name}{out.suffix}")


def write_csv(figs: Sequence[Figures], out: Path | None, stream: IO[str]) -> list[Path]:
    if out is None:
        for i, fig in enumerate(figs):
            if i:
                stream.write("\n")
            stream.write(f"# {fig.name} {fig.period} by {fig.group_by}\n")
            _csv_table(fig, stream)
        return []
    written = []
    for fig in figs:
        path = per_figure_path(out, figs, fig)
        text = io.StringIO(newline="")
        _csv_table(fig, text)
        # utf-8-sig: the BOM makes Excel read the Chinese labels as UTF-8.
        write_atomically(path, text.getvalue().encode("utf-8-sig"))
        written.append(path)
    return written


def _csv_table(fig: Figures, stream: IO[str]) -> None:
    header, rows = rows_of(fig)
    writer = csv.writer(stream)
    writer.writerow(header)
    writer.writerows(rows)


def write_json(figs: Sequence[Figures], out: Path | None, stream: IO[str]) -> list[Path]:
    doc = {fig.name: fig.as_json() for fig in figs}
    text = json.dumps(doc, ensure_ascii=False, indent=2)
    if out is None:
        stream.write(text + "\n")
        return []
    write_atomically(out, text + "\n")
    return [out]


def write_parquet(figs: Sequence[Figures], out: Path) -> list[Path]:
    written = []
    for fig in figs:
        header, rows = rows_of(fig)
        columns = {h: [r[i] for r in rows] for i, h in enumerate(header)}
        path = per_figure_path(out, figs, fig)
        with atomic_path(path) as tmp:
            pq.write_table(pa.table({k: pa.array(v) for k, v in columns.items()}), tmp)
        written.append(path)
    return written


def write_xlsx(figs: Sequence[Figures], out: Path) -> list[Path]:
    import openpyxl
    from openpyxl.styles import Font

    book = openpyxl.Workbook()
    book.remove(book.active)
    for fig in figs:
        sheet = book.create_sheet(FIGURE_TITLES.get(fig.name, fig.name)[:31])
        sheet.append([f"{FIGURE_TITLES.get(fig.name, fig.name)} {fig.period}"])
        sheet["A1"].font = Font(bold=True)
        titles = [GROUP_TITLES.get(fig.group_by, fig.group_by)]
        titles += [COLUMN_TITLES.get(c, c) for c in fig.columns]
        sheet.append(titles)
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        _, rows = rows_of(fig)
        for row in rows:
            sheet.append([row[2], *row[3:]])
            for col, key in enumerate(fig.columns, start=2):
                if key in PERCENT_COLUMNS:
                    sheet.cell(sheet.max_row, col).number_format = "0.00%"
    with atomic_path(out) as tmp:
        book.save(tmp)
    return [out]


def write(figs: Sequence[Figures], fmt: str, out: Path | None, stream: IO[str]) -> list[Path]:
    """Write `figs` in `fmt` to `out` (or `stream` for csv/json); returns files written."""
    if fmt == "csv":
        return write_csv(figs, out, stream)
    if fmt == "json":
        return write_json(figs, out, stream)
    if out is None:
        raise ValueError(f"--format {fmt} writes a file: give --out")
    if fmt == "xlsx":
        return write_xlsx(figs, out)
    if fmt == "parquet":
        return write_parquet(figs, out)
    raise ValueError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")


def percent(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.2f}%"


def excel_format(column: str, value: object) -> str | None:
    """The Excel number format that shows `value` as `display` does, or None when it is
    not a number (kept as its text)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if column in PERCENT_COLUMNS and isinstance(value, float):
        return "0.00%"
    return "#,##0.00" if isinstance(value, float) else "#,##0"


def display(column: str, value: object) -> str:
    """A value as the table format shows it."""
    if value is None:
        return "–"
    if column in PERCENT_COLUMNS and isinstance(value, float):
        return percent(value)
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)
