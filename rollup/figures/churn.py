"""Churn (流失): rate, reasons, destinations (流失方向), lost revenue, 12-month trend.

Churn rate of a month = customers who churned in it and were active at its start /
customers active at its start. A customer who joined and left within the month counts
as churned (and in the reasons) but not in the rate, which stays between 0 and 1. With
nobody active at the start the rate is null.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from rollup.figures.grouping import (
    CITY,
    MONTH,
    PROVINCE,
    TOTAL,
    Figures,
    group_keys,
    grouped,
    in_periods,
    ratio,
    yuan,
)
from rollup.labels import Labels
from rollup.partials import CHURN, CUSTOMERS
from rollup.periods import format_period

NAME = "churn"
TREND_MONTHS = 12
# Groupings both partials have: the rate is defined per group.
_SEGMENTS = (TOTAL, CITY, PROVINCE, "grade", "type", "tenure", "key_account", MONTH)
# Groupings only churn events have: the rate is the part of the whole rate they explain.
_EVENT_ONLY = ("reason", "competitor")
GROUPINGS = _SEGMENTS + _EVENT_ONLY
COLUMNS = [
    "active_at_start",
    "churned",
    "churned_from_start",
    "churn_rate",
    "churned_share",
    "churned_revenue",
    "joined",
]


def churn_figures(
    parts: dict[str, pa.Table], period: int, group_by: str, labels: Labels
) -> Figures:
    """Churn figures of `period` per group (group_by=month: the 12 months up to it)."""
    months = trend_months(period) if group_by == MONTH else [period]
    customers = in_periods(parts[CUSTOMERS.name], months)
    churn = in_periods(parts[CHURN.name], months)
    base = grouped(CUSTOMERS, customers, TOTAL if group_by in _EVENT_ONLY else group_by)
    lost = grouped(CHURN, churn, group_by)
    period_churn = grouped(CHURN, in_periods(churn, [period]), TOTAL).get(TOTAL, {})
    churned_total = period_churn.get("churned", 0)
    total = _row(
        TOTAL,
        labels.of(TOTAL, TOTAL),
        grouped(CUSTOMERS, in_periods(customers, [period]), TOTAL).get(TOTAL, {}),
        period_churn,
        churned_total,
    )
    rows = []
    if group_by in _EVENT_ONLY:
        everyone = base.get(TOTAL, {})
        for g in sorted(lost, key=lambda k: (-lost[k]["churned"], k is None, str(k))):
            rows.append(_row(g, labels.of(group_by, g), everyone, lost[g], churned_total))
            rows[-1]["joined"] = None
    else:
        keys = group_keys(group_by, base, lost)
        if group_by == MONTH:
            keys = [format_period(m) for m in months]
        share_of = None if group_by == MONTH else churned_total
        for g in keys:
            rows.append(_row(g, labels.of(group_by, g), base.get(g, {}), lost.get(g, {}), share_of))
    return Figures(NAME, format_period(period), group_by, COLUMNS, rows, total)


def trend_months(period: int) -> list[int]:
    return list(range(period - TREND_MONTHS + 1, period + 1))


def _row(
    key: str | None,
    label: str,
    base: dict[str, int],
    lost: dict[str, int],
    churned_total: int | None,
) -> dict[str, Any]:
    churned = lost.get("churned", 0)
    return {
        "key": key,
        "label": label,
        "active_at_start": base.get("active_at_start", 0),
        "churned": churned,
        "churned_from_start": lost.get("churned_from_start", 0),
        "churn_rate": ratio(lost.get("churned_from_start", 0), base.get("active_at_start", 0)),
        "churned_share": ratio(churned, churned_total),
        "churned_revenue": yuan(lost.get("churned_revenue", 0)),
        "joined": base.get("joined", 0),
    }
