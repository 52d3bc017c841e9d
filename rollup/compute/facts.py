"""Per-customer facts: join month, the churn that counts, and segment codes.

A customer counts as churned once, at their most recent churn event (a customer who was
won back and left again counts for the last departure). Churn events and subscriptions
count for their customer only when they belong to the customer's own origin: that is
where the CRM writes them, and it keeps a recomputation of some origins exactly equal to
the same origins' share of a full one.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from rollup.periods import month_index


@dataclass
class CustomerFacts:
    """One row per live customer (row i is customer i).

    Columns: id, origin, type, grade, key_account, account_manager_id, joined (month),
    churned (month of the latest churn event, null if none), reason, competitor,
    lost_cents (of that event).
    """

    table: pa.Table

    @property
    def count(self) -> int:
        return self.table.num_rows

    def column(self, name: str) -> pa.Array:
        return self.table.column(name).combine_chunks()


def customer_facts(customers: pa.Table, churn_events: pa.Table, tz: str) -> CustomerFacts:
    """Facts for every customer in `customers`, with their latest churn event."""
    base = customers.append_column(
        "row", pa.array(range(customers.num_rows), pa.int64())
    ).append_column("joined", month_index(customers.column("joined_at"), tz))
    latest = latest_churn(churn_events, tz)
    joined = base.join(
        latest,
        keys=["id", "origin"],
        right_keys=["customer_id", "origin"],
        join_type="left outer",
        use_threads=True,
    )
    # Joins do not keep row order; put customer i back at row i.
    joined = joined.take(pc.sort_indices(joined.column("row")))
    return CustomerFacts(
        joined.select(
            [
                "id",
                "origin",
                "type",
                "grade",
                "is_key_account",
                "account_manager_id",
                "joined",
                "churned",
                "reason",
                "competitor",
                "lost_cents",
            ]
        ).rename_columns(
            [
                "id",
                "origin",
                "type",
                "grade",
                "key_account",
                "account_manager_id",
                "joined",
                "churned",
                "reason",
                "competitor",
                "lost_cents",
            ]
        )
    )


def latest_churn(churn_events: pa.Table, tz: str) -> pa.Table:
    """Each customer's most recent churn event: customer_id, origin, churned (month), ...

    Ties on the same instant are broken by the larger lost revenue, then by reason and
    competitor, so the choice does not depend on the order rows were read in.
    """
    order = pc.sort_indices(
        churn_events,
        sort_keys=[
            ("customer_id", "ascending"),
            ("origin", "ascending"),
            ("churned_at", "descending"),
            ("lost_cents", "descending"),
            ("reason", "ascending"),
            ("competitor", "ascending"),
        ],
    )
    events = churn_events.take(order)
    if events.num_rows:
        ids = events.column("customer_id").combine_chunks()
        origins = events.column("origin").combine_chunks()
        changed = pc.or_(
            pc.not_equal(ids.slice(1), ids.slice(0, len(ids) - 1)),
            pc.not_equal(origins.slice(1), origins.slice(0, len(ids) - 1)),
        )
        first = pa.concat_arrays([pa.array([True]), changed])
        events = events.filter(first)
    return pa.table(
        {
            "customer_id": events.column("customer_id"),
            "origin": events.column("origin"),
            "churned": month_index(events.column("churned_at"), tz),
            "reason": events.column("reason"),
            "competitor": events.column("competitor"),
            "lost_cents": events.column("lost_cents"),
        }
    )
