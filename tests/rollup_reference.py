"""A row-by-row reference for the rollup partials, written from the definitions only.

Slow and obvious on purpose: plain Python over the generated rows, month by month,
customer by customer. The Arrow computation must agree with it exactly.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

import pyarrow as pa

from node.tickets.workflow import REPEAT_WINDOW, SLA
from rollup.pareto import bucket_of
from rollup.partials import KINDS
from rollup.periods import Window, month_of
from tests.rollup_data import Rows

Key = tuple


def _band(months: int) -> str:
    if months >= 60:
        return "ge5y"
    if months >= 36:
        return "3to5y"
    if months >= 24:
        return "2to3y"
    if months >= 12:
        return "1to2y"
    return "lt1y"


def _cents(value) -> int:  # type: ignore[no-untyped-def]
    return int(value * 100)


def reference_partials(rows: Rows, window: Window) -> dict[str, dict[Key, dict[str, int]]]:
    """{kind: {(origin, period, *dims): {measure: value}}}, zero rows left out."""
    tz = window.tz
    live = {k: [r for r in v if r["deleted_at"] is None] for k, v in rows.tables().items()}
    out: dict[str, dict] = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))

    latest: dict[tuple, dict] = {}
    for e in live["churn_events"]:
        k = (e["customer_id"], e["origin"])
        rank = (
            e["churned_at"],
            e["lost_monthly_revenue"],
            [-ord(ch) for ch in e["reason"]],
            (e["competitor"] is not None, [-ord(ch) for ch in e["competitor"] or ""]),
        )
        if k not in latest or rank > latest[k]["rank"]:
            latest[k] = {**e, "rank": rank}
    subs_of: dict[tuple, list[dict]] = defaultdict(list)
    for s in live["subscriptions"]:
        subs_of[(s["customer_id"], s["origin"])].append(s)

    for c in live["customers"]:
        origin = c["origin"]
        j = month_of(c["joined_at"], tz)
        event = latest.get((c["id"], origin))
        ch = month_of(event["churned_at"], tz) if event else None
        seg = (c["type"], c["grade"], c["is_key_account"])
        for m in window.months:
            dims = (origin, m, *seg, _band(m - j))
            counts = out["customers"][dims]
            if j < m and (ch is None or ch >= m):
                counts["active_at_start"] += 1
            if j == m:
                counts["joined"] += 1
            if j <= m and (ch is None or ch > m):
                counts["active_at_end"] += 1
                revenue = sum(
                    _cents(s["monthly_fee"])
                    for s in subs_of[(c["id"], origin)]
                    if month_of(s["started_at"], tz) <= m
                    and (s["ended_at"] is None or month_of(s["ended_at"], tz) > m)
                )
                counts["revenue_at_end"] += revenue
                bucket = bucket_of(pa.array([revenue], pa.int64()))[0].as_py()
                sketch = out["revenue_sketch"][(origin, m, bucket)]
                sketch["customers"] += 1
                sketch["revenue"] += revenue
                sketch["min_revenue"] = min(sketch.get("min_revenue", revenue), revenue)
                sketch["max_revenue"] = max(sketch.get("max_revenue", revenue), revenue)
                if c["account_manager_id"] is not None:
                    mk = (origin, m, c["account_manager_id"].hex, c["is_key_account"])
                    out["managers"][mk]["active_at_end"] += 1
                    out["managers"][mk]["revenue_at_end"] += revenue
        if ch is not None and ch in window:
            dims = (origin, ch, *seg, _band(ch - j), event["reason"], event["competitor"])
            churn = out["churn"][dims]
            churn["churned"] += 1
            churn["churned_from_start"] += int(j < ch)
            churn["churned_revenue"] += _cents(event["lost_monthly_revenue"])

    for t in live["tickets"]:
        dims_of = lambda m: (t["origin"], m, t["kind"], t["severity"])  # noqa: B023, E731
        opened = month_of(t["created_at"], tz)
        if opened in window:
            counts = out["tickets"][dims_of(opened)]
            counts["opened"] += 1
            if t["kind"] == "repair":
                counts["repairs_opened"] += 1
                counts["repeat_repairs"] += int(_is_repeat(t, live["tickets"]))
        if t["resolved_at"] is None:
            continue
        resolved = month_of(t["resolved_at"], tz)
        if resolved not in window:
            continue
        counts = out["tickets"][dims_of(resolved)]
        took = t["resolved_at"] - t["created_at"]
        counts["resolved"] += 1
        counts["resolve_us"] += took // timedelta(microseconds=1)
        limit = {s.value: v for s, v in SLA.items()}.get(t["severity"])
        if limit is not None:
            counts["sla_resolved"] += 1
            counts["sla_met"] += int(took <= limit)
        if t["satisfaction"] is not None:
            counts["satisfaction_sum"] += t["satisfaction"]
            counts["satisfaction_count"] += 1

    return {
        kind: {
            k: {m: v.get(m, 0) for m in KINDS[kind].measure_names}
            for k, v in table.items()
            if any(v.values())
        }
        for kind, table in out.items()
    }


def _is_repeat(ticket: dict, tickets: list[dict]) -> bool:
    opened = ticket["created_at"]
    return any(
        other is not ticket
        and other["kind"] == "repair"
        and other["customer_id"] == ticket["customer_id"]
        and other["origin"] == ticket["origin"]
        and other["resolved_at"] is not None
        and opened - REPEAT_WINDOW <= other["resolved_at"] <= opened
        for other in tickets
    )


def as_dicts(parts: dict[str, pa.Table], kinds) -> dict[str, dict[Key, dict[str, int]]]:  # type: ignore[no-untyped-def]
    """Computed partial tables in the reference's shape (zero rows left out)."""
    out = {}
    for name, kind in kinds.items():
        table = parts[name]
        found = {}
        for r in table.to_pylist():
            key = (r["origin"], r["period"], *(r[d] for d in kind.dim_names))
            measures = {m: r[m] for m in kind.measure_names}
            if any(measures.values()):
                assert key not in found, f"{name}: duplicate partial row {key}"
                found[key] = measures
        out[name] = found
    return out
