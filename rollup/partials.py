"""The partial aggregates: what each kind holds per (origin, period), and how they merge.

Every measure is a sum, a minimum or a maximum of integers, so merging partials from
any set of origins (a province's cities, HQ's provinces) gives exactly the figure a
single computation over all their rows gives, in any order. Averages and rates are
derived only after merging (rollup.figures).

Money is in integer cents, durations in integer microseconds.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

# Bump when a kind's columns or a definition change: stored partials of another version
# are recomputed in full by the next run (rollup.refresh).
PARTIALS_VERSION = 1

I64 = pa.int64()


@dataclass(frozen=True)
class Kind:
    """One kind of partial: its dimension columns and its measures with their merge."""

    name: str
    dims: tuple[tuple[str, pa.DataType], ...]
    measures: tuple[tuple[str, str], ...]  # (column, "sum" | "min" | "max"), all int64

    @property
    def schema(self) -> pa.Schema:
        """Columns of a stored partial (origin and period are the storage key)."""
        return pa.schema(
            [("origin", pa.string()), ("period", pa.int32())]
            + list(self.dims)
            + [(m, I64) for m, _ in self.measures]
        )

    @property
    def dim_names(self) -> list[str]:
        return [d for d, _ in self.dims]

    @property
    def measure_names(self) -> list[str]:
        return [m for m, _ in self.measures]


_SEGMENT = (
    ("type", pa.string()),
    ("grade", pa.string()),
    ("key_account", pa.bool_()),
    ("tenure", pa.string()),
)

CUSTOMERS = Kind(
    "customers",
    _SEGMENT,
    (
        # Customers whose join month is before the period and who had not churned before
        # it: the churn rate's denominator (tenure band taken at the period).
        ("active_at_start", "sum"),
        ("joined", "sum"),
        ("active_at_end", "sum"),
        # Monthly fees of the subscriptions active at the period's end, customers active
        # at the end only.
        ("revenue_at_end", "sum"),
    ),
)

CHURN = Kind(
    "churn",
    (*_SEGMENT, ("reason", pa.string()), ("competitor", pa.string())),
    (
        ("churned", "sum"),
        # Of those, the ones that were active at the period's start (joined earlier): the
        # churn rate's numerator, so a customer who joins and leaves in one month counts
        # as churned but does not inflate the rate.
        ("churned_from_start", "sum"),
        ("churned_revenue", "sum"),
    ),
)

TICKETS = Kind(
    "tickets",
    (("kind", pa.string()), ("severity", pa.string())),
    (
        ("opened", "sum"),  # by the month the ticket was opened
        ("resolved", "sum"),  # the rest by the month it was resolved
        ("sla_resolved", "sum"),  # resolved, with a severity that has an SLA
        ("sla_met", "sum"),
        ("resolve_us", "sum"),
        ("satisfaction_sum", "sum"),
        ("satisfaction_count", "sum"),
        ("repairs_opened", "sum"),
        ("repeat_repairs", "sum"),
    ),
)

# Pareto cannot be merged from sums alone: this is the revenue distribution of the
# customers active at the period's end over fixed log-spaced buckets (rollup.pareto).
REVENUE_SKETCH = Kind(
    "revenue_sketch",
    (("bucket", pa.int32()),),
    (
        ("customers", "sum"),
        ("revenue", "sum"),
        ("min_revenue", "min"),
        ("max_revenue", "max"),
    ),
)

MANAGERS = Kind(
    "managers",
    (("manager", pa.string()), ("key_account", pa.bool_())),
    (("active_at_end", "sum"), ("revenue_at_end", "sum")),
)

KINDS: dict[str, Kind] = {k.name: k for k in (CUSTOMERS, CHURN, TICKETS, REVENUE_SKETCH, MANAGERS)}


def conform(kind: Kind, table: pa.Table) -> pa.Table:
    """`table` with exactly the kind's columns, in order, with their types."""
    return pa.Table.from_arrays(
        [table.column(f.name).cast(f.type) for f in kind.schema], schema=kind.schema
    )


def concat(kind: Kind, tables: Iterable[pa.Table]) -> pa.Table:
    parts = [conform(kind, t) for t in tables if t.num_rows]
    return pa.concat_tables(parts) if parts else kind.schema.empty_table()


def merge(kind: Kind, table: pa.Table, by: Sequence[str]) -> pa.Table:
    """Merge partial rows that agree on the columns `by`: measures summed, min'd, max'd.

    `by` may hold any of the kind's columns (origin, period, dims) or extra columns the
    caller added (e.g. a province derived from the origin). Null keys form a group.
    """
    aggs = [(m, how) for m, how in kind.measures]
    if table.num_rows == 0:
        fields = [table.schema.field(b) for b in by] + [pa.field(m, I64) for m, _ in aggs]
        return pa.schema(fields).empty_table()
    grouped = table.group_by(list(by), use_threads=False).aggregate(aggs)
    renamed = {f"{m}_{how}": m for m, how in aggs}
    grouped = grouped.rename_columns([renamed.get(c, c) for c in grouped.column_names])
    return grouped.select([*by, *[m for m, _ in aggs]])


def total(kind: Kind, table: pa.Table) -> dict[str, int | None]:
    """All rows merged into one: {measure: value} (sums 0 and min/max None when empty)."""
    out: dict[str, int | None] = {}
    for m, how in kind.measures:
        col = table.column(m)
        if how == "sum":
            out[m] = int(pc.sum(col).as_py() or 0)
        else:
            out[m] = (pc.min(col) if how == "min" else pc.max(col)).as_py()
    return out
