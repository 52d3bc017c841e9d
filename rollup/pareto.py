"""80/20 analysis from a mergeable revenue sketch.

The sketch is the distribution of monthly revenue over customers in fixed log-spaced
buckets, each 1% wide (a bucket's largest value is at most 1.01 times its smallest),
with zero in a bucket of its own. Per bucket it keeps the customer count, the revenue
sum and the smallest and largest revenue: all merge exactly across origins.

Shares are read off the sorted buckets. Whole buckets contribute exactly; only the one
bucket a boundary falls into is split, in proportion, assuming its customers pay its
mean. When that bucket's smallest and largest revenue are equal (usual with tariff
plans) the result is exact; otherwise the split part is off by at most 1% of itself,
so a share is within 1% (relative) of the exact value. `exact` says which case held.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

BUCKET_RATIO = 1.01
LOG_RATIO = math.log(BUCKET_RATIO)


def bucket_of(cents: pa.Array) -> pa.Array:
    """The sketch bucket of each revenue in cents: 0 for zero, else 1 + floor(log)."""
    positive = pc.greater(cents, 0)
    logs = pc.floor(pc.divide(pc.ln(pc.max_element_wise(cents, 1).cast(pa.float64())), LOG_RATIO))
    return pc.if_else(positive, pc.add(logs.cast(pa.int32()), 1), 0).cast(pa.int32())


@dataclass(frozen=True)
class Bucket:
    customers: int
    revenue: int
    min_revenue: int
    max_revenue: int


@dataclass(frozen=True)
class Pareto:
    """Who holds the revenue: the figures of the 80/20 rule and the curve to draw."""

    customers: int
    revenue: int
    top20_revenue_share: float | None  # revenue share of the top 20% of customers
    customers_share_for_80: float | None  # smallest customer share holding 80% of revenue
    exact: bool
    # (customer share, revenue share) from the biggest customers down, (0,0) to (1,1).
    curve: tuple[tuple[float, float], ...]


def pareto(buckets: list[Bucket]) -> Pareto:
    """The 80/20 figures of merged sketch buckets (any order)."""
    ordered = sorted((b for b in buckets if b.customers), key=lambda b: b.max_revenue, reverse=True)
    n = sum(b.customers for b in ordered)
    total = sum(b.revenue for b in ordered)
    if n == 0 or total <= 0:
        return Pareto(n, total, None, None, True, ())
    curve = [(0.0, 0.0)]
    seen_n = seen_r = 0
    for b in ordered:
        seen_n += b.customers
        seen_r += b.revenue
        curve.append((seen_n / n, seen_r / total))
    top_share, top_exact = _revenue_of_top(ordered, 0.2 * n)
    cust_share, cust_exact = _customers_for(ordered, 0.8 * total)
    return Pareto(
        customers=n,
        revenue=total,
        top20_revenue_share=top_share / total,
        customers_share_for_80=cust_share / n,
        exact=top_exact and cust_exact,
        curve=tuple(curve),
    )


def _revenue_of_top(ordered: list[Bucket], customers: float) -> tuple[float, bool]:
    """Revenue of the `customers` biggest customers (fractional: linear in the last one)."""
    revenue = 0.0
    left = customers
    for b in ordered:
        if left <= 0:
            break
        if b.customers <= left:
            revenue += b.revenue
            left -= b.customers
            continue
        if b.min_revenue == b.max_revenue:
            return revenue + left * b.min_revenue, True
        return revenue + left * b.revenue / b.customers, False
    return revenue, True


def _customers_for(ordered: list[Bucket], revenue: float) -> tuple[float, bool]:
    """How many of the biggest customers it takes to hold `revenue`."""
    customers = 0.0
    left = revenue
    for b in ordered:
        if left <= 0:
            break
        if b.revenue <= left:
            customers += b.customers
            left -= b.revenue
            continue
        if b.min_revenue == b.max_revenue:
            return customers + left / b.min_revenue, True
        return customers + left * b.customers / b.revenue, False
    return customers, True
