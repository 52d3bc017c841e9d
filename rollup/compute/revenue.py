"""Monthly revenue at each period's end: per segment, per account manager, and the sketch.

A customer's monthly revenue at the end of month m is the sum of the monthly fees of
their subscriptions active then (started before the month ended, not ended before it),
counted only while the customer is active at the end of m (J <= m < C).

Rather than recompute every customer for every month, each customer's revenue is
turned into intervals of months over which it is constant: every subscription adds its
fee from the month it starts (clipped to the customer's active months) and takes it
away from the month it ends; sorted per customer, a running sum gives the revenue from
each change to the next. Intervals are then counted per (group, revenue bucket, first
month, end month), a small table, and spread over the months they cover.
"""

from __future__ import annotations

from collections.abc import Callable

import pyarrow as pa
import pyarrow.compute as pc

from rollup.compute.columns import constant, next_values, previous_values
from rollup.compute.facts import CustomerFacts
from rollup.compute.packing import KeyPacker, codes
from rollup.compute.segments import Segments, tenure_at
from rollup.pareto import bucket_of
from rollup.partials import CUSTOMERS, MANAGERS, REVENUE_SKETCH, Kind, concat, merge
from rollup.periods import month_index


def revenue_partials(
    facts: CustomerFacts, segments: Segments, subscriptions: pa.Table
) -> dict[str, pa.Table]:
    """Revenue rows of CUSTOMERS, and the REVENUE_SKETCH and MANAGERS partials."""
    intervals = revenue_intervals(facts, segments, subscriptions)
    return {
        CUSTOMERS.name: _by_segment(intervals, segments),
        REVENUE_SKETCH.name: _sketch(intervals, facts, segments),
        MANAGERS.name: _by_manager(intervals, facts, segments),
    }


def revenue_intervals(
    facts: CustomerFacts, segments: Segments, subscriptions: pa.Table
) -> pa.Table:
    """(customer row, first month, end month, revenue cents) for active customers.

    Covers the window's months only; `end` is exclusive (the window's end: still on).
    """
    first, end = segments.window.first, segments.end
    joined = facts.column("joined")
    active_from = pc.min_element_wise(pc.max_element_wise(joined, first), end).cast(pa.int32())
    active_to = segments.clip_month(facts.column("churned"), missing=end)
    active_to = pc.max_element_wise(active_to, first).cast(pa.int32())

    subs = _subscriptions_by_customer(facts, subscriptions)
    row = subs.column("row").combine_chunks()
    tz = segments.window.tz
    starts = pc.max_element_wise(month_index(subs.column("started_at"), tz), active_from.take(row))
    ended = pc.fill_null(month_index(subs.column("ended_at"), tz), end)
    ends = pc.min_element_wise(ended, active_to.take(row))
    live = pc.less(starts, ends)
    row, starts, ends = row.filter(live), starts.filter(live), ends.filter(live)
    fee = subs.column("fee_cents").combine_chunks().filter(live)

    members = pc.less(active_from, active_to)
    member_rows = pc.indices_nonzero(members).cast(pa.int64())
    from_, to = active_from.filter(members), active_to.filter(members)
    sub_ends = pc.less(ends, end)
    member_ends = pc.less(to, end)
    # Membership edges are events with no amount, so intervals split where a customer
    # becomes or stops being active, and every active customer has an interval.
    event_row = pa.concat_arrays(
        [row, row.filter(sub_ends), member_rows, member_rows.filter(member_ends)]
    )
    event_month = pa.concat_arrays(
        [
            starts.cast(pa.int32()),
            ends.filter(sub_ends).cast(pa.int32()),
            from_,
            to.filter(member_ends),
        ]
    )
    event_delta = pa.concat_arrays(
        [
            fee,
            pc.negate(fee.filter(sub_ends)),
            constant(0, len(member_rows), pa.int64()),
            constant(0, len(to.filter(member_ends)), pa.int64()),
        ]
    )
    width = end - first + 1
    key = pc.add(pc.multiply(event_row, width), pc.subtract(event_month, first).cast(pa.int64()))
    order = pc.sort_indices(key)
    key = key.take(order)
    delta = event_delta.take(order)
    cust = pc.divide(key, width)
    month = pc.add(pc.subtract(key, pc.multiply(cust, width)), first)

    running = pc.cumulative_sum(delta)
    starts_customer = pc.not_equal(cust, previous_values(cust, -1))
    before = pc.if_else(starts_customer, pc.subtract(running, delta), pa.scalar(None, pa.int64()))
    value = pc.subtract(running, pc.fill_null_forward(before))
    same_next = pc.equal(cust, next_values(cust, -1))
    until = pc.if_else(same_next, next_values(month, end), end)
    keep = pc.and_(
        pc.and_(pc.less(month, until), pc.greater_equal(month, active_from.take(cust))),
        pc.less(month, active_to.take(cust)),
    )
    return pa.table(
        {
            "row": cust.filter(keep),
            "first": month.filter(keep).cast(pa.int32()),
            "end": until.filter(keep).cast(pa.int32()),
            "revenue": value.filter(keep),
        }
    )


def _subscriptions_by_customer(facts: CustomerFacts, subscriptions: pa.Table) -> pa.Table:
    """Subscriptions with their customer's row; other origins' and orphans' dropped."""
    keys = pa.table(
        {
            "id": facts.column("id"),
            "origin": facts.column("origin"),
            "row": pa.array(range(facts.count), pa.int64()),
        }
    )
    return subscriptions.select(
        ["customer_id", "origin", "fee_cents", "started_at", "ended_at"]
    ).join(
        keys,
        keys=["customer_id", "origin"],
        right_keys=["id", "origin"],
        join_type="inner",
        use_threads=True,
    )


def _spread(
    kind: Kind,
    grouped: pa.Table,
    first: int,
    last: int,
    columns: Callable[[pa.Table, int], pa.Table],
) -> pa.Table:
    """One partial row set per month m in [first, last] from rows with first <= m < end.

    `columns(rows, m)` builds the kind's columns for the rows covering month m.
    """
    parts = []
    starts = grouped.column("first")
    ends = grouped.column("end")
    for m in range(first, last + 1):
        covering = pc.and_(pc.less_equal(starts, m), pc.less(m, ends))
        rows = grouped.filter(covering)
        if rows.num_rows:
            parts.append(columns(rows, m))
    return concat(kind, parts)


def _by_segment(intervals: pa.Table, segments: Segments) -> pa.Table:
    width = segments.end - segments.window.first + 1
    packer = KeyPacker({"segment": segments.packer.capacity, "first": width, "end": width})
    first = segments.window.first
    key = packer.pack(
        {
            "segment": segments.key.take(intervals.column("row")),
            "first": pc.subtract(intervals.column("first"), first),
            "end": pc.subtract(intervals.column("end"), first),
        }
    )
    grouped = (
        pa.table({"key": key, "revenue": intervals.column("revenue")})
        .group_by("key", use_threads=False)
        .aggregate([("revenue", "sum")])
    )
    parts = packer.unpack(grouped.column("key").combine_chunks())
    dims = segments.decode(parts["segment"])
    table = pa.table(
        {
            **dims,
            "first": pc.add(parts["first"], first),
            "end": pc.add(parts["end"], first),
            "revenue": grouped.column("revenue_sum"),
        }
    )

    def columns(rows: pa.Table, m: int) -> pa.Table:
        n = rows.num_rows
        zero = constant(0, n, pa.int64())
        return pa.table(
            {
                "origin": rows.column("origin"),
                "period": constant(m, n, pa.int32()),
                "type": rows.column("type"),
                "grade": rows.column("grade"),
                "key_account": rows.column("key_account"),
                "tenure": tenure_at(m, rows.column("joined").combine_chunks()),
                "active_at_start": zero,
                "joined": zero,
                "active_at_end": zero,
                "revenue_at_end": rows.column("revenue"),
            }
        )

    spread = _spread(CUSTOMERS, table, segments.window.first, segments.window.last, columns)
    return merge(CUSTOMERS, spread, ["origin", "period", *CUSTOMERS.dim_names])


def _sketch(intervals: pa.Table, facts: CustomerFacts, segments: Segments) -> pa.Table:
    origin_codes, origins = codes(facts.column("origin"))
    first = segments.window.first
    width = segments.end - first + 1
    buckets = bucket_of(intervals.column("revenue"))
    packer = KeyPacker(
        {"origin": max(len(origins), 1), "bucket": 1 << 16, "first": width, "end": width}
    )
    key = packer.pack(
        {
            "origin": origin_codes.take(intervals.column("row")),
            "bucket": buckets,
            "first": pc.subtract(intervals.column("first"), first),
            "end": pc.subtract(intervals.column("end"), first),
        }
    )
    revenue = intervals.column("revenue")
    grouped = (
        pa.table({"key": key, "r": revenue, "lo": revenue, "hi": revenue})
        .group_by("key", use_threads=False)
        .aggregate([([], "count_all"), ("r", "sum"), ("lo", "min"), ("hi", "max")])
    )
    parts = packer.unpack(grouped.column("key").combine_chunks())
    table = pa.table(
        {
            "origin": origins.take(parts["origin"]),
            "bucket": parts["bucket"].cast(pa.int32()),
            "first": pc.add(parts["first"], first),
            "end": pc.add(parts["end"], first),
            "customers": grouped.column("count_all"),
            "revenue": grouped.column("r_sum"),
            "min_revenue": grouped.column("lo_min"),
            "max_revenue": grouped.column("hi_max"),
        }
    )

    def columns(rows: pa.Table, m: int) -> pa.Table:
        return rows.drop_columns(["first", "end"]).append_column(
            "period", constant(m, rows.num_rows, pa.int32())
        )

    spread = _spread(REVENUE_SKETCH, table, first, segments.window.last, columns)
    return merge(REVENUE_SKETCH, spread, ["origin", "period", "bucket"])


def _by_manager(intervals: pa.Table, facts: CustomerFacts, segments: Segments) -> pa.Table:
    managed = pc.is_valid(facts.column("account_manager_id")).take(intervals.column("row"))
    intervals = intervals.filter(managed)
    rows = intervals.column("row")
    origin_codes, origins = codes(facts.column("origin"))
    manager_codes, managers = codes(facts.column("account_manager_id"))
    first = segments.window.first
    width = segments.end - first + 1
    packer = KeyPacker(
        {
            "origin": max(len(origins), 1),
            "manager": max(len(managers), 1),
            "key_account": 2,
            "first": width,
            "end": width,
        }
    )
    key = packer.pack(
        {
            "origin": origin_codes.take(rows),
            "manager": manager_codes.take(rows),
            "key_account": pc.fill_null(facts.column("key_account"), False)
            .cast(pa.int8())
            .take(rows),
            "first": pc.subtract(intervals.column("first"), first),
            "end": pc.subtract(intervals.column("end"), first),
        }
    )
    grouped = (
        pa.table({"key": key, "r": intervals.column("revenue")})
        .group_by("key", use_threads=False)
        .aggregate([([], "count_all"), ("r", "sum")])
    )
    parts = packer.unpack(grouped.column("key").combine_chunks())
    hex_ids = _hex(managers)
    table = pa.table(
        {
            "origin": origins.take(parts["origin"]),
            "manager": hex_ids.take(parts["manager"]),
            "key_account": pc.equal(parts["key_account"], 1),
            "first": pc.add(parts["first"], first),
            "end": pc.add(parts["end"], first),
            "active_at_end": grouped.column("count_all"),
            "revenue_at_end": grouped.column("r_sum"),
        }
    )

    def columns(rows: pa.Table, m: int) -> pa.Table:
        return rows.drop_columns(["first", "end"]).append_column(
            "period", constant(m, rows.num_rows, pa.int32())
        )

    spread = _spread(MANAGERS, table, first, segments.window.last, columns)
    return merge(MANAGERS, spread, ["origin", "period", *MANAGERS.dim_names])


def _hex(ids: pa.Array) -> pa.Array:
    """16-byte ids as 32 lowercase hex digits (the form the node's API and SQLite use)."""
    return pa.array([None if v is None else v.hex() for v in ids.to_pylist()], pa.string())
