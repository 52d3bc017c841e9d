"""Tables a page shows, and the same tables as Excel downloads.

A page builds each table once as a `Table` (headers and the values shown); the
template renders it and `?export=xlsx&table=NAME` on the same URL answers it as an
Excel file written by node.dataio's XLSX writer (formula-injection safe, frozen header).
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import Response

from node.dataio.tabular import atomic_table_writer

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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
    with tempfile.TemporaryDirectory(prefix="fedcrm-web-") as tmp:
        path = Path(tmp) / "table.xlsx"
        with atomic_table_writer(path, table.headers, sheet_title=table.title[:31]) as writer:
            writer.write([[_plain(v) for v in row] for row in table.rows])
        body = path.read_bytes()
    filename = quote(f"{table.title}.xlsx")
    return Response(
        body,
        media_type=XLSX_TYPE,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{filename}"},
    )


def _plain(value: Any) -> Any:
    return value if isinstance(value, int | float | str) or value is None else str(value)
