"""Customer counts per period: active at the start, joined, active at the end.

With J the join month and C the churn month (the month after the window if never):
active at the start of month m means J < m <= C (joined before the month began, not
churned before it); active at the end means J <= m < C. Customers are first counted
per (segment, J, C), a small table, which is then read once per month of the window.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from rollup.compute.columns import constant
from rollup.compute.facts import CustomerFacts
from rollup.compute.segments import Segments, tenure_at
from rollup.partials import CUSTOMERS, concat, merge


def customer_counts(facts: CustomerFacts, segments: Segments) -> pa.Table:
    """CUSTOMERS partial rows with the three counts (revenue 0; see revenue.py)."""
    churned = segments.clip_month(facts.column("churned"), missing=segments.end)
    span = segments.end - segments.low + 1
    key = pc.add(pc.multiply(segments.key, span), pc.subtract(churned, segments.low))
    cohorts = (
        pa.table({"key": key}).group_by("key", use_threads=False).aggregate([([], "count_all")])
    )
    packed = cohorts.column("key").combine_chunks()
    seg = pc.divide(packed, span)
    cohort_churned = pc.add(pc.subtract(packed, pc.multiply(seg, span)), segments.low)
    dims = segments.decode(seg)
    count = cohorts.column("count_all").combine_chunks()
    joined = dims["joined"]
    zero = pa.scalar(0, pa.int64())
    parts = []
    for m in segments.window.months:
        at_start = pc.and_(pc.less(joined, m), pc.less_equal(m, cohort_churned))
        at_end = pc.and_(pc.less_equal(joined, m), pc.less(m, cohort_churned))
        new = pc.equal(joined, m)
        keep = pc.or_(pc.or_(at_start, at_end), new)
        if not pc.any(keep).as_py():
            continue
        rows = pa.table(
            {
                "origin": dims["origin"],
                "period": constant(m, len(joined), pa.int32()),
                "type": dims["type"],
                "grade": dims["grade"],
                "key_account": dims["key_account"],
                "tenure": tenure_at(m, joined),
                "active_at_start": pc.if_else(at_start, count, zero),
                "joined": pc.if_else(new, count, zero),
                "active_at_end": pc.if_else(at_end, count, zero),
                "revenue_at_end": constant(0, len(joined), pa.int64()),
            }
        ).filter(keep)
        parts.append(rows)
    table = concat(CUSTOMERS, parts)
    return merge(CUSTOMERS, table, ["origin", "period", *CUSTOMERS.dim_names])
