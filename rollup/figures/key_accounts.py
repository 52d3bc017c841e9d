"""Key accounts (大客户): count, revenue and its share, 80/20, key-account churn."""

from __future__ import annotations

import pyarrow as pa

from rollup.figures.grouping import (
    CITY,
    PROVINCE,
    TOTAL,
    Figures,
    group_keys,
    grouped,
    in_periods,
    ratio,
    where,
    with_group,
    yuan,
)
from rollup.labels import Labels
from rollup.pareto import Bucket, pareto
from rollup.partials import CHURN, CUSTOMERS, MANAGERS, REVENUE_SKETCH, merge
from rollup.periods import format_period

NAME = "key-accounts"
ACCOUNT_MANAGER = "account_manager"
GROUPINGS = (TOTAL, CITY, PROVINCE, "grade", ACCOUNT_MANAGER)
COLUMNS = [
    "key_accounts",
    "key_revenue",
    "key_revenue_share",
    "share_of_key_revenue",
    "customers",
    "revenue",
    "key_churned",
    "key_churned_revenue",
    "key_churn_rate",
    "top20_revenue_share",
    "customers_share_for_80",
    "pareto_exact",
]


def key_account_figures(
    parts: dict[str, pa.Table], period: int, group_by: str, labels: Labels
) -> Figures:
    """Key-account figures for `period`, one row per group of `group_by`."""
    if group_by == ACCOUNT_MANAGER:
        rows = _by_manager(in_periods(parts[MANAGERS.name], [period]), labels)
    else:
        rows = _by_segment(parts, period, group_by, labels)
    total = _by_segment(parts, period, TOTAL, labels)[0]
    key_total = total["key_revenue"] or 0
    for row in rows:
        row["share_of_key_revenue"] = ratio(row["key_revenue"], key_total)
    total["share_of_key_revenue"] = ratio(total["key_revenue"], key_total)
    curve = _sketch_buckets(in_periods(parts[REVENUE_SKETCH.name], [period]))
    return Figures(
        name=NAME,
        period=format_period(period),
        group_by=group_by,
        columns=COLUMNS,
        rows=rows,
        total=total,
        extra={"pareto_curve": [list(p) for p in pareto(curve).curve]},
    )


def _by_segment(
    parts: dict[str, pa.Table], period: int, group_by: str, labels: Labels
) -> list[dict]:
    customers = in_periods(parts[CUSTOMERS.name], [period])
    churn = where(in_periods(parts[CHURN.name], [period]), "key_account", True)
    all_ = grouped(CUSTOMERS, customers, group_by)
    key = grouped(CUSTOMERS, where(customers, "key_account", True), group_by)
    lost = grouped(CHURN, churn, group_by)
    sketches: dict = {}
    if group_by in (TOTAL, CITY, PROVINCE):
        sketch = with_group(in_periods(parts[REVENUE_SKETCH.name], [period]), group_by)
        for g in set(sketch.column("group").to_pylist()):
            sketches[g] = pareto(_sketch_buckets(where(sketch, "group", g)))
    rows = []
    for g in group_keys(group_by, all_, lost):
        a, k, c = all_.get(g, {}), key.get(g, {}), lost.get(g, {})
        p = sketches.get(g)
        rows.append(
            {
                "key": g,
                "label": labels.of(group_by, g),
                "key_accounts": k.get("active_at_end", 0),
                "key_revenue": yuan(k.get("revenue_at_end", 0)),
                "key_revenue_share": ratio(k.get("revenue_at_end", 0), a.get("revenue_at_end")),
                "customers": a.get("active_at_end", 0),
                "revenue": yuan(a.get("revenue_at_end", 0)),
                "key_churned": c.get("churned", 0),
                "key_churned_revenue": yuan(c.get("churned_revenue", 0)),
                "key_churn_rate": ratio(
                    c.get("churned_from_start", 0), k.get("active_at_start", 0)
                ),
                "top20_revenue_share": p.top20_revenue_share if p else None,
                "customers_share_for_80": p.customers_share_for_80 if p else None,
                "pareto_exact": p.exact if p else None,
            }
        )
    return rows


def _by_manager(managers: pa.Table, labels: Labels) -> list[dict]:
    merged = merge(MANAGERS, managers, ["manager", "key_account"])
    per: dict[str, dict] = {}
    for r in merged.to_pylist():
        entry = per.setdefault(r["manager"], {"key": [0, 0], "all": [0, 0]})
        entry["all"][0] += r["active_at_end"]
        entry["all"][1] += r["revenue_at_end"]
        if r["key_account"]:
            entry["key"] = [r["active_at_end"], r["revenue_at_end"]]
    rows = []
    for manager, e in sorted(per.items(), key=lambda kv: (-kv[1]["key"][1], kv[0])):
        rows.append(
            {
                "key": manager,
                "label": labels.of(ACCOUNT_MANAGER, manager),
                "key_accounts": e["key"][0],
                "key_revenue": yuan(e["key"][1]),
                "key_revenue_share": ratio(e["key"][1], e["all"][1]),
                "customers": e["all"][0],
                "revenue": yuan(e["all"][1]),
                "key_churned": None,
                "key_churned_revenue": None,
                "key_churn_rate": None,
                "top20_revenue_share": None,
                "customers_share_for_80": None,
                "pareto_exact": None,
            }
        )
    return rows


def _sketch_buckets(sketch: pa.Table) -> list[Bucket]:
    merged = merge(REVENUE_SKETCH, sketch, ["bucket"])
    return [
        Bucket(r["customers"], r["revenue"], r["min_revenue"], r["max_revenue"])
        for r in merged.to_pylist()
    ]
