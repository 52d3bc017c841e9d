"""Grouping merged partials: by city, province, month or a dimension, and the result type.

Figures are derived only here, after merging, from the merged sums: a rate is a merged
numerator over a merged denominator, never an average of rates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc

from rollup.partials import Kind, merge
from rollup.periods import format_period

TOTAL = "total"
CITY = "city"
PROVINCE = "province"
MONTH = "month"


class GroupingError(ValueError):
    """A group_by a figure does not offer (the message lists the ones it does)."""


@dataclass
class Figures:
    """One figure set: rows per group, the total, and extras (Pareto, trend)."""

    name: str
    period: str
    group_by: str
    columns: list[str]
    rows: list[dict]
    total: dict
    extra: dict = field(default_factory=dict)
    computed_at: str | None = None

    def as_json(self) -> dict:
        return {
            "figure": self.name,
            "period": self.period,
            "group_by": self.group_by,
            "computed_at": self.computed_at,
            "columns": self.columns,
            "rows": self.rows,
            "total": self.total,
            **self.extra,
        }


def province_of(origin: pa.Array) -> pa.Array:
    """'430100' -> '430000'; HQ's '000000' stays itself."""
    return pc.binary_join_element_wise(pc.utf8_slice_codeunits(origin, 0, 2), "0000", "")


def with_group(table: pa.Table, group_by: str) -> pa.Table:
    """`table` plus a string column "group" holding each row's group key."""
    if group_by == TOTAL:
        values = pa.nulls(table.num_rows, pa.string()).fill_null(TOTAL)
    elif group_by == CITY:
        values = table.column("origin")
    elif group_by == PROVINCE:
        values = province_of(table.column("origin"))
    elif group_by == MONTH:
        months = table.column("period").to_pylist()
        values = pa.array([format_period(m) for m in months], pa.string())
    else:
        values = table.column(group_by).cast(pa.string())
    return table.append_column("group", values)


def grouped(
    kind: Kind, table: pa.Table, group_by: str, extra: Sequence[str] = ()
) -> dict[str | None, dict[str, int]]:
    """{group key: {measure: merged value}} (extra keys: tuple of group and extras)."""
    merged = merge(kind, with_group(table, group_by), ["group", *extra])
    out: dict = {}
    for row in merged.to_pylist():
        key = row.pop("group") if not extra else tuple(row.pop(k) for k in ("group", *extra))
        out[key] = row
    return out


def group_keys(group_by: str, *found: dict) -> list:
    """The groups to show: every group found (sorted); "total" always has its row."""
    keys: set = set().union(*found)
    if group_by == TOTAL:
        keys.add(TOTAL)
    return sorted(keys, key=lambda k: (k is None, str(k)))


def in_periods(table: pa.Table, periods: Sequence[int]) -> pa.Table:
    return table.filter(pc.is_in(table.column("period"), pa.array(list(periods), pa.int32())))


def where(table: pa.Table, column: str, value: object) -> pa.Table:
    return table.filter(pc.equal(table.column(column), value))


def ratio(numerator: float | int | None, denominator: float | int | None) -> float | None:
    """numerator / denominator, or None when there is nothing to divide by."""
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def yuan(cents: int | None) -> float | None:
    return None if cents is None else round(cents / 100, 2)
