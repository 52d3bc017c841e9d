"""From the source tables to every kind of partial, for the months of a window."""

from __future__ import annotations

import pyarrow as pa

from rollup.compute.churn import churn_partials
from rollup.compute.customer_counts import customer_counts
from rollup.compute.facts import customer_facts
from rollup.compute.revenue import revenue_partials
from rollup.compute.segments import customer_segments
from rollup.compute.tickets import ticket_partials
from rollup.partials import CUSTOMERS, KINDS, concat, merge
from rollup.periods import Window
from rollup.source import SourceTables


def compute_partials(source: SourceTables, window: Window) -> dict[str, pa.Table]:
    """Every kind's partial rows (origin, period, dims, measures) for `window`'s months.

    Rows of one origin depend only on that origin's rows, so computing some origins
    gives exactly their share of computing all of them (rollup.refresh relies on it).
    """
    facts = customer_facts(source.customers, source.churn_events, window.tz)
    segments = customer_segments(facts, window)
    revenue = revenue_partials(facts, segments, source.subscriptions)
    customers = concat(CUSTOMERS, [customer_counts(facts, segments), revenue[CUSTOMERS.name]])
    out = {
        CUSTOMERS.name: merge(CUSTOMERS, customers, ["origin", "period", *CUSTOMERS.dim_names]),
        "churn": churn_partials(facts, window),
        "tickets": ticket_partials(source.tickets, window),
        **{k: v for k, v in revenue.items() if k != CUSTOMERS.name},
    }
    assert set(out) == set(KINDS)
    return out
