"""Churn partials: who left in each month, why, to whom, and what revenue went with them."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from rollup.compute.columns import constant
from rollup.compute.facts import CustomerFacts
from rollup.partials import CHURN, conform, merge
from rollup.periods import Window
from rollup.tenure import band_codes


def churn_partials(facts: CustomerFacts, window: Window) -> pa.Table:
    """CHURN rows: one customer per latest churn event in the window's months.

    The tenure band is taken at the churn month, as the customer-count partial takes it
    at each month, so a band's churn rate compares like with like.
    """
    churned = facts.column("churned")
    in_window = pc.and_(
        pc.greater_equal(churned, window.first), pc.less_equal(churned, window.last)
    )
    rows = facts.table.filter(pc.fill_null(in_window, False))
    joined = rows.column("joined").combine_chunks()
    month = rows.column("churned").combine_chunks()
    from_start = pc.less(joined, month).cast(pa.int64())
    table = pa.table(
        {
            "origin": rows.column("origin"),
            "period": month,
            "type": rows.column("type"),
            "grade": rows.column("grade"),
            "key_account": pc.fill_null(rows.column("key_account"), False),
            "tenure": band_codes(pc.subtract(month, joined)),
            "reason": rows.column("reason"),
            "competitor": rows.column("competitor"),
            "churned": constant(1, rows.num_rows, pa.int64()),
            "churned_from_start": from_start,
            "churned_revenue": pc.fill_null(rows.column("lost_cents"), 0),
        }
    )
    return merge(CHURN, conform(CHURN, table), ["origin", "period", *CHURN.dim_names])
