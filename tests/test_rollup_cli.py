"""`fedcrm rollup` as an operator runs it: formats, files, and clear errors."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta
from pathlib import Path

import openpyxl
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from node.cli.main import app
from node.db.unit_of_work import Database
from node.settings import load_settings
from rollup.periods import current_month, format_period, month_start
from tests.rollup_data import SHANGHAI, Rows, insert_rows

runner = CliRunner()
LAST = current_month() - 1  # the default period: the last complete month


def _last_month(day: int, hour: int = 12) -> datetime:
    return month_start(LAST).astimezone(SHANGHAI) + timedelta(days=day - 1, hours=hour)


@pytest.fixture
def node_dir(tmp_path: Path, backend: str, request: pytest.FixtureRequest) -> Path:
    """A province node made with `fedcrm init`, holding one city's rows and its own."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'rollup.db'}"
    else:
        from node.provisioning.nodes import ensure_postgres_database
        from tests.conftest import reset_postgres_schema

        url = request.getfixturevalue("pg_url").rsplit("/", 1)[0] + "/fedcrm_test_rollup_cli"
        ensure_postgres_database(url)
        reset_postgres_schema(url)
    node = tmp_path / "node"
    args = ["init", str(node), "--level", "province", "--code", "430000", "--name", "湖南省"]
    result = runner.invoke(app, [*args, "--db", url])
    assert result.exit_code == 0, result.output
    rows = Rows()
    long_ago = _last_month(1) - timedelta(days=400)
    for i, origin in enumerate(["430100", "430100", "430100", "430000"]):
        c = rows.customer(origin, long_ago, key=i == 0, grade="gold")
        rows.subscription(c, origin, "1000.00" if i == 0 else "50.00", long_ago)
    leaver = rows.customer("430100", long_ago, grade="silver")
    rows.churn(leaver, "430100", _last_month(10), "price", "china_mobile", "39.00")
    rows.ticket(leaver, "430100", "repair", "major", _last_month(3), _last_month(3, 20), 4)
    settings = load_settings(node)
    db = Database(settings.database_url, settings.node.code)
    insert_rows(db, rows)
    db.dispose()
    return node


def _run(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["rollup", *args])


def test_table_in_chinese(node_dir):
    result = _run(str(node_dir), "--by", "city")
    assert result.exit_code == 0, result.output
    for heading in ("大客户分析", "客户流失分析", "服务质量分析", "客户价值分析", "流失率"):
        assert heading in result.output
    assert "湖南省" in result.output and "前20%客户收入占比" in result.output
    assert "recomputed all origins" in result.output


def test_csv_and_json_to_stdout(node_dir):
    out = _run(str(node_dir), "--figure", "churn", "--by", "reason", "--format", "csv")
    assert out.exit_code == 0, out.output
    lines = [line for line in out.stdout.splitlines() if not line.startswith("#")]
    rows = list(csv.DictReader(io.StringIO("\n".join(lines))))
    price = next(r for r in rows if r["group_key"] == "price")
    assert price["group"] == "资费偏高" and price["churned"] == "1"
    assert price["period"] == format_period(LAST)
    doc = json.loads(_run(str(node_dir), "--format", "json", "--no-refresh").stdout)
    assert set(doc) == {"key-accounts", "churn", "service", "value"}
    assert doc["key-accounts"]["total"]["key_accounts"] == 1
    assert doc["churn"]["total"]["churn_rate"] == pytest.approx(1 / 5)


def test_files_xlsx_parquet_csv(node_dir, tmp_path):
    book = tmp_path / "rollup.xlsx"
    result = _run(str(node_dir), "--format", "xlsx", "--out", str(book), "--by", "province")
    assert result.exit_code == 0, result.output
    sheets = openpyxl.load_workbook(book).sheetnames
    assert sheets == ["大客户分析", "客户流失分析", "服务质量分析", "客户价值分析"]
    parquet = tmp_path / "rollup.parquet"
    assert _run(str(node_dir), "--format", "parquet", "--out", str(parquet)).exit_code == 0
    churn = pq.read_table(tmp_path / "rollup-churn.parquet").to_pylist()
    assert churn[0]["churned"] == 1
    one = tmp_path / "churn.csv"
    args = ["--figure", "churn", "--format", "csv", "--out", str(one), "--no-refresh"]
    assert _run(str(node_dir), *args).exit_code == 0
    assert one.read_text(encoding="utf-8-sig").startswith("period,group_key,group,")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--period", "2026-13"], "--period"),
        (["--period", "1999-01"], "outside the months"),
        (["--by", "colour"], "--by 'colour'"),
        (["--figure", "service", "--by", "grade"], "choose one of"),
        (["--format", "xlsx"], "give --out"),
        (["--format", "yaml"], "yaml"),
    ],
)
def test_bad_options_exit_non_zero_with_a_message(node_dir, args, message):
    result = _run(str(node_dir), *args)
    assert result.exit_code != 0
    assert message in result.output


def test_a_directory_that_is_not_a_node(tmp_path):
    result = _run(str(tmp_path))
    assert result.exit_code == 2 and "fedcrm init" in result.output
