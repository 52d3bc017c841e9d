"""`fedcrm report`: one offline HTML file in Chinese with charts and tables."""

from __future__ import annotations

import re

from typer.testing import CliRunner

from node.cli.main import app
from rollup.labels import Labels
from rollup.periods import parse_period
from rollup.refresh import refresh
from rollup.report import build_report
from tests.rollup_data import insert_rows
from tests.test_rollup_cli import node_dir  # noqa: F401  (the fixture)
from tests.test_rollup_golden import NOW, golden_rows

runner = CliRunner()
HEADINGS = (
    "客户分析报告",
    "大客户二八分析",
    "客户流失趋势（近12个月）",
    "流失原因",
    "流失去向",
    "各城市流失率",
    "服务时限达标率（按城市）",
    "客户价值（按客户等级）",
)


def _self_contained(html: str) -> None:
    assert "http://" not in html and "https://" not in html
    assert not re.search(r"<script[^>]+src|<link|@import|url\(", html, re.I)


def test_report_command_writes_one_offline_file(node_dir, tmp_path):  # noqa: F811
    out = tmp_path / "report.html"
    result = runner.invoke(app, ["report", str(node_dir), "--out", str(out)])
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    _self_contained(html)
    assert '<html lang="zh-CN">' in html and '<meta charset="utf-8">' in html
    for heading in HEADINGS:
        assert heading in html, heading
    assert html.count("<svg") == 5  # Pareto, trend, reasons, destinations, SLA
    assert "湖南省（430000）客户分析报告" in html
    assert "资费偏高" in html and "中国移动" in html  # dictionary labels, not codes


def test_report_figures_are_the_golden_ones(parent_database):
    insert_rows(parent_database, golden_rows())
    refresh(parent_database, "test", now=NOW)
    with parent_database.unit_of_work(write=False) as session:
        html = build_report(session, "湖南省", "430000", Labels(), parse_period("2026-10"))
    _self_contained(html)
    assert "2026年10月" in html
    assert "前20%的客户贡献了 68.35% 的月收入；25.69% 的客户贡献了80%的月收入" in html
    assert "<b>28.57%</b>" in html  # the month's churn rate card (2 of 7)
    assert "<b>50.00%</b>" in html  # SLA compliance card (2 of 4)


def test_an_empty_node_still_reports(parent_database):
    refresh(parent_database, "test", now=NOW)
    with parent_database.unit_of_work(write=False) as session:
        html = build_report(session, "湖南省", "430000", Labels())
    _self_contained(html)
    assert "本期无数据" in html and html.count("<svg") == 5


def test_bad_period(node_dir):  # noqa: F811
    result = runner.invoke(app, ["report", str(node_dir), "--period", "2026/10"])
    assert result.exit_code == 2 and "YYYY-MM" in result.output
