"""Tables a page shows, and the same tables as Excel downloads.

A page builds each table once as a `Table` (headers and the values shown); the
template renders it and `?export=xlsx&table=NAME` on the same URL answers it as an
Excel file written by node.dataio's XLSX writer (formula-injection safe, frozen header).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import FileResponse, Response
from starlette.background import BackgroundTask

from node.dataio.tabular import XLSX_MAX_DATA_ROWS, Formatted, atomic_table_writer
from node.errors import invalid
from node.office_time import OFFICE_TZ

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Rows read and written at a time by a whole-list export: memory stays bounded however
# long the list is.
EXPORT_BATCH = 1000


@dataclass(frozen=True)
class Cell:
    """A value a page shows as `text` and an export keeps typed: a number stays a
    number, a time a time, in the reader's Excel format."""

    text: str
    value: Any
    number_format: str

    def __str__(self) -> str:
        return self.text


def time_cell(value: str | datetime) -> Cell:
    """A time shown in Beijing wall-clock time, exported as an Excel date and time (Excel
    has no time zones: the sheet holds the same wall-clock time the page shows)."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone(OFFICE_TZ)
    return Cell(local.strftime("%Y-%m-%d %H:%M"), local.replace(tzinfo=None), "yyyy-mm-dd hh:mm")


# Excel's width of a column, in characters: a CJK character takes two.
MIN_WIDTH, MAX_WIDTH = 6, 60


def column_widths(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[float]:
    """Widths that fit each column's header and longest shown value, within bounds."""
    widths = []
    for index, header in enumerate(headers):
        texts = [str(header), *(str(row[index]) for row in rows if index < len(row))]
        longest = max(_display_width(t) for t in texts)
        widths.append(float(min(MAX_WIDTH, max(MIN_WIDTH, longest + 2))))
    return widths


def _display_width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


@dataclass
class Table:
    """One table of a page: what is shown is what is exported."""

    name: str  # the `table=` value of its export link
    title: str
    headers: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    links: list[str | None] = field(default_factory=list)  # first cell of each row
    classes: list[str] = field(default_factory=list)  # CSS class of each row

    def add(self, values: Sequence[Any], link: str | None = None, css: str = "") -> None:
        self.rows.append(list(values))
        self.links.append(link)
        self.classes.append(css)


def export_url(request: Request, table: Table) -> str:
    """This page's URL asking for `table` as an Excel file."""
    params = dict(request.query_params)
    params.update({"export": "xlsx", "table": table.name})
    query = "&".join(f"{quote(k)}={quote(str(v))}" for k, v in params.items())
    return f"{request.url.path}?{query}"


def wanted_export(request: Request, tables: Mapping[str, Table]) -> Table | None:
    """The table this request asks to download, if it asks for one."""
    if request.query_params.get("export") != "xlsx":
        return None
    return tables.get(request.query_params.get("table", ""))


def xlsx_response(table: Table) -> Response:
    """`table` as an .xlsx download (Chinese file name, RFC 5987 encoded)."""
    return streamed_xlsx(table.title, table.headers, [table.rows])


def streamed_xlsx(
    title: str, headers: Sequence[str], batches: Iterable[Sequence[Sequence[Any]]]
) -> Response:
    """Rows arriving in batches written one batch at a time to a temporary file, then
    sent from disk in chunks and deleted (an .xlsx is a zip: it is complete only at its
    end). Column widths fit the first batch."""
    tmp = Path(tempfile.mkdtemp(prefix="fedcrm-export-"))
    path = tmp / "table.xlsx"
    try:
        remaining = iter(batches)
        first = next(remaining, [])
        widths = column_widths(headers, first)
        with atomic_table_writer(path, headers, sheet_title=title[:31], widths=widths) as writer:
            writer.write([[_plain(v) for v in row] for row in first])
            for batch in remaining:
                writer.write([[_plain(v) for v in row] for row in batch])
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    filename = quote(f"{title}.xlsx")
    return FileResponse(
        path,
        media_type=XLSX_TYPE,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{filename}"},
        background=BackgroundTask(shutil.rmtree, tmp, ignore_errors=True),
    )


def every_page(
    fetch: Callable[[str | None], tuple[list[Any], str | None]],
) -> Iterator[list[Any]]:
    """Each page of a keyset-paged list, from the first: `fetch(cursor)` answers a page
    and the cursor of the next (None after the last)."""
    cursor: str | None = None
    while True:
        rows, cursor = fetch(cursor)
        yield rows
        if cursor is None:
            return


def check_exportable(total: int) -> None:
    """Refuse, before any work, a list longer than an Excel sheet holds."""
    if total > XLSX_MAX_DATA_ROWS:
        raise invalid(
            "export",
            f"超过 Excel 单表上限 {XLSX_MAX_DATA_ROWS:,} 行，请缩小范围后再导出 "
            f"(more than {XLSX_MAX_DATA_ROWS:,} rows do not fit in one Excel sheet; "
            "narrow the list first)",
        )


def _plain(value: Any) -> Any:
    if isinstance(value, Cell):
        return value.text if value.value is None else Formatted(value.value, value.number_format)
    return value if isinstance(value, int | float | str) or value is None else str(value)
