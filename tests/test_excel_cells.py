"""Issue 19 §13: exported figures keep their type and the page's format (hand-picked
values; the formats are Excel's built-in ones)."""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pytest
from fastapi.responses import FileResponse

from node.web.tables import Cell, Table, column_widths, time_cell, xlsx_response
from rollup.entry import display, excel_format


@pytest.mark.parametrize(
    "column, value, shown, number_format",
    [
        ("churn_rate", 0.0123, "1.23%", "0.00%"),
        ("revenue", 1234.5, "1,234.50", "#,##0.00"),
        ("customers", 1234567, "1,234,567", "#,##0"),
        ("is_key_account", True, "是", None),
        ("churn_rate", None, "–", None),
    ],
)
def test_a_figure_has_the_pages_text_and_an_excel_format(column, value, shown, number_format):
    assert display(column, value) == shown
    assert excel_format(column, value) == number_format


def test_an_exported_table_keeps_numbers_times_and_fits_its_columns():
    table = Table("t", "测试", ["城市", "流失率", "到期"])
    due = time_cell(datetime(2026, 12, 5, 16, 30, tzinfo=UTC))  # 00:30 next day in Beijing
    assert str(due) == "2026-12-06 00:30"
    table.add(["南京市", Cell("1.23%", 0.0123, "0.00%"), due])
    response = xlsx_response(table)
    assert isinstance(response, FileResponse)
    book = openpyxl.load_workbook(io.BytesIO(Path(response.path).read_bytes()))
    asyncio.run(response.background())  # type: ignore[misc]  # what the server runs after sending
    assert not Path(response.path).exists()  # the temporary file is gone once sent
    sheet = book.active
    rate, when = sheet["B2"], sheet["C2"]
    assert (rate.value, rate.number_format) == (0.0123, "0.00%")
    assert when.value == datetime(2026, 12, 6, 0, 30) and when.number_format == "yyyy-mm-dd hh:mm"
    # 「南京市」 and 「流失率」 are 3 CJK characters, 6 wide, plus 2 (wider than "1.23%");
    # "2026-12-06 00:30" is 16 plus 2.
    assert column_widths(table.headers, table.rows) == [8.0, 8.0, 18.0]
    assert sheet.column_dimensions["A"].width == 8.0
