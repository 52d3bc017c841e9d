"""The rollup report: one self-contained HTML file in Chinese, charts above their tables.

Everything is inline (styles, SVG charts): the file opens offline, from a USB stick or
a mail attachment, and fetches nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape

from sqlalchemy.orm import Session

from rollup.export import display, percent
from rollup.figures import Figures
from rollup.labels import COLUMN_TITLES, GROUP_TITLES, Labels
from rollup.reading import default_period, read_figures
from rollup.report import svg

FONT = '"PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif'
STYLE = f"""
body {{ font-family: {FONT}; color: #2d3748; margin: 0; background: #f7f9fb; }}
main {{ max-width: 1040px; margin: 0 auto; padding: 24px; }}
h1 {{ font-size: 26px; margin: 8px 0 4px; }}
h2 {{ font-size: 20px; margin: 36px 0 8px; border-left: 4px solid #2f6fb3; padding-left: 10px; }}
h3 {{ font-size: 16px; margin: 20px 0 6px; }}
p.meta, p.note {{ color: #5a6675; font-size: 13px; margin: 4px 0; }}
section {{ background: #fff; border-radius: 8px; padding: 8px 20px 20px; margin-top: 16px;
  box-shadow: 0 1px 3px rgba(0,0,0,.08); }}
.cards {{ display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 12px; }}
.card {{ background: #fff; border-radius: 8px; padding: 12px 16px;
  box-shadow: 0 1px 3px rgba(0,0,0,.08); }}
.card b {{ display: block; font-size: 22px; margin-top: 4px; }}
table {{ border-collapse: collapse; width: 100%; font-size: 13px; margin-top: 8px; }}
th, td {{ border-bottom: 1px solid #e3e8ee; padding: 6px 8px; text-align: right; }}
th:first-child, td:first-child {{ text-align: left; }}
th {{ background: #eef3f8; font-weight: 600; }}
tr.total td {{ font-weight: 600; background: #f7f9fb; }}
"""
MANAGER_COLUMNS = ["key_accounts", "key_revenue", "share_of_key_revenue"]
TREND_COLUMNS = ["active_at_start", "churned", "churn_rate", "churned_revenue", "joined"]


def build_report(
    session: Session,
    node_name: str,
    node_code: str,
    labels: Labels,
    period: int | None = None,
    by: str = "city",
) -> str:
    """The report's HTML for `period` (default: last complete month), compared `by`
    city or province. Raises what rollup.reading raises (no run yet, bad period)."""
    month = period if period is not None else default_period(session)

    def fig(name: str, group_by: str) -> Figures:
        return read_figures(session, name, month, group_by, labels)

    keys = fig("key-accounts", by)
    churn_total = fig("churn", "total")
    service = fig("service", by)
    parts = [
        _header(node_name, node_code, keys, churn_total, fig("service", "total")),
        _pareto_section(keys, fig("key-accounts", "account_manager"), by),
        _trend_section(fig("churn", "month")),
        _ranked_section(
            "流失原因",
            "按流失原因统计本期流失客户（每户只计最近一次流失）。",
            fig("churn", "reason"),
        ),
        _ranked_section(
            "流失去向", "流失客户转投的运营商（流失方向）。", fig("churn", "competitor")
        ),
        _table_section(
            f"各{GROUP_TITLES[by]}流失率",
            fig("churn", by),
            "流失率 = 本期流失且期初在网的客户 ÷ 期初在网客户。",
        ),
        _sla_section(service, fig("service", "severity"), by),
        _table_section(
            "客户价值（按客户等级）",
            fig("value", "grade"),
            "户均月收入 × 预期在网月数（1 ÷ 近12个月月均流失率）= 客户生命周期价值。",
        ),
    ]
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(node_name)} 客户分析报告 {keys.period}</title>"
        f"<style>{STYLE}</style></head><body><main>"
        + "".join(parts)
        + f'<p class="note">由 fedcrm 生成于 {datetime.now(UTC).isoformat(timespec="seconds")}。'
        "本文件不依赖网络，可离线打开。</p></main></body></html>\n"
    )


def _header(name: str, code: str, keys: Figures, churn: Figures, service: Figures) -> str:
    year, month = keys.period.split("-")
    k, c, s = keys.total, churn.total, service.total
    cards = [
        ("期末在网客户", display("customers", k["customers"])),
        ("月收入(元)", display("revenue", k["revenue"])),
        ("大客户数", display("key_accounts", k["key_accounts"])),
        ("大客户收入占比", percent(k["key_revenue_share"])),
        ("本月流失率", percent(c["churn_rate"])),
        ("服务时限达标率", percent(s["sla_rate"])),
        ("平均满意度", display("satisfaction_mean", s["satisfaction_mean"])),
    ]
    card_html = "".join(f'<div class="card">{escape(t)}<b>{escape(v)}</b></div>' for t, v in cards)
    return (
        f"<h1>{escape(name)}（{escape(code)}）客户分析报告</h1>"
        f'<p class="meta">统计期：{year}年{int(month)}月（北京时间自然月） · 统计范围：本节点及所辖'
        f"下级节点的全部数据 · 数据计算于 {escape(keys.computed_at or '')}</p>"
        f'<div class="cards">{card_html}</div>'
    )


def _pareto_section(keys: Figures, managers: Figures, by: str) -> str:
    t = keys.total
    chart = svg.pareto_chart(
        keys.extra.get("pareto_curve", []),
        t["top20_revenue_share"],
        t["customers_share_for_80"],
        "大客户二八分析：收入集中度曲线",
    )
    precision = (
        "结果精确。"
        if t["pareto_exact"] in (True, None)
        else "分界处按1%宽的收入区间插值，误差不超过1%（相对）。"
    )
    text = (
        f"前20%的客户贡献了 {percent(t['top20_revenue_share'])} 的月收入；"
        f"{percent(t['customers_share_for_80'])} 的客户贡献了80%的月收入。{precision}"
    )
    columns = [
        "key_accounts",
        "key_revenue",
        "key_revenue_share",
        "customers",
        "revenue",
        "top20_revenue_share",
        "key_churned",
        "key_churn_rate",
    ]
    top_managers = Figures(**{**managers.__dict__, "rows": managers.rows[:20]})
    return (
        f'<section><h2>大客户二八分析</h2>{chart}<p class="note">{escape(text)}</p>'
        f"<h3>各{GROUP_TITLES[by]}大客户</h3>{_table(keys, columns)}"
        f"<h3>客户经理大客户收入（前20名）</h3>"
        f"{_table(top_managers, MANAGER_COLUMNS, total=False)}"
        "</section>"
    )


def _trend_section(trend: Figures) -> str:
    chart = svg.trend_chart(
        [r["key"] for r in trend.rows],
        [r["churned"] for r in trend.rows],
        [r["churn_rate"] for r in trend.rows],
        "近12个月客户流失趋势",
    )
    return (
        f"<section><h2>客户流失趋势（近12个月）</h2>{chart}"
        f"{_table(trend, TREND_COLUMNS, total=False)}"
        "</section>"
    )


def _ranked_section(title: str, note: str, fig: Figures) -> str:
    items = [
        (r["label"], r["churned"], f"{r['churned']} 户 · {percent(r['churned_share'])}")
        for r in fig.rows
    ]
    chart = svg.bar_chart(items, title)
    columns = ["churned", "churned_share", "churned_revenue", "churn_rate"]
    return (
        f'<section><h2>{escape(title)}</h2><p class="note">{escape(note)}</p>{chart}'
        f"{_table(fig, columns)}</section>"
    )


def _sla_section(service: Figures, severity: Figures, by: str) -> str:
    rows = [r for r in service.rows if r["sla_rate"] is not None]
    items = [(r["label"], r["sla_rate"], percent(r["sla_rate"])) for r in rows]
    chart = svg.bar_chart(items, "服务时限达标率", percent_scale=True)
    columns = [
        "opened",
        "resolved",
        "sla_rate",
        "mean_hours_to_resolve",
        "repeat_repair_rate",
        "satisfaction_mean",
    ]
    return (
        f"<section><h2>服务时限达标率（按{GROUP_TITLES[by]}）</h2>"
        '<p class="note">重大故障24小时内、一般故障48小时内解决为达标；重复报修指30天内'
        "同一客户再次报修。</p>"
        f"{chart}{_table(service, columns)}<h3>按紧急程度</h3>{_table(severity, columns)}"
        "</section>"
    )


def _table_section(title: str, fig: Figures, note: str) -> str:
    return (
        f'<section><h2>{escape(title)}</h2><p class="note">{escape(note)}</p>'
        f"{_table(fig, fig.columns)}</section>"
    )


def _table(fig: Figures, columns: list[str], total: bool = True) -> str:
    head = "".join(f"<th>{escape(COLUMN_TITLES.get(c, c))}</th>" for c in columns)
    rows = [(r, "") for r in fig.rows]
    if total and fig.group_by != "total":
        rows.append((fig.total, ' class="total"'))
    body = "".join(
        f"<tr{cls}><td>{escape(str(r['label']))}</td>"
        + "".join(f"<td>{escape(display(c, r.get(c)))}</td>" for c in columns)
        + "</tr>"
        for r, cls in rows
    )
    if not rows:
        body = f'<tr><td colspan="{len(columns) + 1}">本期无数据</td></tr>'
    group = GROUP_TITLES.get(fig.group_by, fig.group_by)
    return (
        f"<table><thead><tr><th>{escape(group)}</th>{head}</tr></thead>"
        f"<tbody>{body}</tbody></table>"
    )
