"""Service partials: tickets opened and resolved, SLA, time to resolve, repeat repairs.

Counted by the month a ticket was opened (opened, repairs, repeat repairs) or resolved
(resolved, SLA, time to resolve, satisfaction), so every figure is final once the
month's tickets are resolved and never depends on when the rollup ran.

SLA: a major ticket resolved within 24 h of opening, a general one within 48 h
(node.tickets.workflow.SLA). A repeat repair is a repair ticket opened when another
repair ticket of the same customer had been resolved in the 30 days before
(node.tickets.workflow.REPEAT_WINDOW, the rule the workflow uses to link them).
"""

from __future__ import annotations

from datetime import timedelta

import pyarrow as pa
import pyarrow.compute as pc

from node.tickets.workflow import REPAIR, REPEAT_WINDOW, SLA
from rollup.compute.columns import constant, previous_values
from rollup.compute.packing import KeyPacker, codes
from rollup.partials import TICKETS, concat, merge
from rollup.periods import Window, month_index

_US = pa.int64()


def _micros(delta: timedelta) -> int:
    return int(delta.total_seconds()) * 1_000_000 + delta.microseconds


def _ones(mask: pa.Array) -> pa.Array:
    """1 where `mask` holds, else 0 (null counts as not holding)."""
    return pc.fill_null(mask, False).cast(_US)


def ticket_partials(tickets: pa.Table, window: Window) -> pa.Table:
    """TICKETS rows per (origin, month, kind, severity)."""
    if tickets.num_rows == 0:
        return TICKETS.schema.empty_table()
    tickets = tickets.combine_chunks()
    created = tickets.column("created_at").combine_chunks()
    resolved_at = tickets.column("resolved_at").combine_chunks()
    opened_month = month_index(created, window.tz)
    resolved_month = month_index(resolved_at, window.tz)
    resolved = pc.is_valid(resolved_at)
    resolve_us = pc.subtract(resolved_at.cast(_US), created.cast(_US))
    severity = tickets.column("severity").combine_chunks()
    limit = pa.scalar(None, _US)
    for level, allowed in SLA.items():
        limit = pc.if_else(pc.equal(severity, level.value), _micros(allowed), limit)
    has_sla = pc.and_(resolved, pc.is_valid(limit))
    met = pc.and_(has_sla, pc.less_equal(resolve_us, limit))
    satisfaction = tickets.column("satisfaction").combine_chunks()
    rated = pc.and_(resolved, pc.is_valid(satisfaction))
    repair = pc.equal(tickets.column("kind").combine_chunks(), REPAIR)
    repeat = repeat_repairs(tickets, repair)

    origin, origins = codes(tickets.column("origin"))
    kind, kinds = codes(tickets.column("kind"))
    sev, severities = codes(severity)
    width = window.last - window.first + 1
    packer = KeyPacker(
        {
            "origin": max(len(origins), 1),
            "period": width,
            "kind": max(len(kinds), 1),
            "severity": max(len(severities), 1),
        }
    )

    def keyed(month: pa.Array, counts: dict[str, pa.Array]) -> pa.Table:
        inside = pc.fill_null(
            pc.and_(pc.greater_equal(month, window.first), pc.less_equal(month, window.last)),
            False,
        )
        key = packer.pack(
            {
                "origin": origin,
                "period": pc.subtract(pc.fill_null(month, window.first), window.first),
                "kind": kind,
                "severity": sev,
            }
        )
        columns = {"key": key, **{m: counts.get(m) for m in TICKETS.measure_names}}
        zero = constant(0, len(key), _US)
        table = pa.table({k: (v if v is not None else zero) for k, v in columns.items()})
        return table.filter(inside)

    by_opening = keyed(
        opened_month,
        {
            "opened": constant(1, len(created), _US),
            "repairs_opened": _ones(repair),
            "repeat_repairs": _ones(repeat),
        },
    )
    by_resolution = keyed(
        pc.if_else(resolved, resolved_month, pa.scalar(None, pa.int32())),
        {
            "resolved": _ones(resolved),
            "sla_resolved": _ones(has_sla),
            "sla_met": _ones(met),
            "resolve_us": pc.fill_null(resolve_us, 0),
            "satisfaction_sum": pc.if_else(rated, satisfaction, 0).cast(_US),
            "satisfaction_count": _ones(rated),
        },
    )
    both = pa.concat_tables([by_opening, by_resolution])
    grouped = both.group_by("key", use_threads=False).aggregate(
        [(m, "sum") for m in TICKETS.measure_names]
    )
    parts = packer.unpack(grouped.column("key").combine_chunks())
    table = pa.table(
        {
            "origin": origins.take(parts["origin"]),
            "period": pc.add(parts["period"], window.first).cast(pa.int32()),
            "kind": kinds.take(parts["kind"]),
            "severity": severities.take(parts["severity"]),
            **{m: grouped.column(f"{m}_sum") for m in TICKETS.measure_names},
        }
    )
    return merge(TICKETS, concat(TICKETS, [table]), ["origin", "period", *TICKETS.dim_names])


def repeat_repairs(tickets: pa.Table, repair: pa.Array) -> pa.Array:
    """Per ticket: is it a repair opened within 30 days after another repair of the same
    customer (same origin) was resolved? An as-of look-up done as one sort.

    Events: each repair's opening and each resolved repair's resolution, sorted per
    customer by time (a resolution before an opening at the same instant, as the
    workflow's `resolved_at <= opened_at`). Forward-filling the resolutions gives, at
    each opening, the customer's latest resolution so far; if that is the ticket's own
    (resolved no later than opened: bad data), the one before it is used instead.
    """
    n = tickets.num_rows
    customer, _ = codes(tickets.column("customer_id"))
    origin, _ = codes(tickets.column("origin"))
    owner = pc.add(pc.multiply(origin.cast(_US), n + 1), customer.cast(_US))
    created = tickets.column("created_at").combine_chunks().cast(_US)
    resolved_at = tickets.column("resolved_at").combine_chunks().cast(_US)
    ticket = pa.array(range(n), _US)
    repairs = pc.indices_nonzero(repair)
    resolutions = pc.indices_nonzero(pc.and_(repair, pc.is_valid(resolved_at)))
    events = pa.table(
        {
            "owner": pa.concat_arrays([owner.take(resolutions), owner.take(repairs)]),
            "time": pa.concat_arrays([resolved_at.take(resolutions), created.take(repairs)]),
            "opening": pa.concat_arrays(
                [
                    constant(False, len(resolutions), pa.bool_()),
                    constant(True, len(repairs), pa.bool_()),
                ]
            ),
            "ticket": pa.concat_arrays([ticket.take(resolutions), ticket.take(repairs)]),
        }
    )
    events = events.take(
        pc.sort_indices(
            events,
            sort_keys=[("owner", "ascending"), ("time", "ascending"), ("opening", "ascending")],
        )
    )
    who = events.column("owner").combine_chunks()
    time = events.column("time").combine_chunks()
    opening = events.column("opening").combine_chunks()
    tid = events.column("ticket").combine_chunks()
    closing = pc.invert(opening)
    null = pa.scalar(None, _US)
    last_time = pc.fill_null_forward(pc.if_else(closing, time, null))
    last_ticket = pc.fill_null_forward(pc.if_else(closing, tid, null))
    last_owner = pc.fill_null_forward(pc.if_else(closing, who, null))
    # At each resolution: the customer's resolution before it (or none).
    earlier_same = pc.equal(previous_values(last_owner, -1), who)
    before = pc.if_else(earlier_same, previous_values(last_time, -1), null)
    never = pa.scalar(-(2**62), _US)
    before_last = pc.fill_null_forward(pc.if_else(closing, pc.fill_null(before, never), null))
    own = pc.equal(last_ticket, tid)
    latest = pc.if_else(own, before_last, last_time)
    window_us = _micros(REPEAT_WINDOW)
    is_repeat = pc.and_(
        pc.and_(opening, pc.equal(last_owner, who)),
        pc.greater_equal(latest, pc.subtract(time, window_us)),
    )
    is_repeat = pc.fill_null(is_repeat, False)
    # Each repair has exactly one opening; in ticket order they line up with `repair`.
    flags = pa.table({"t": tid.filter(opening), "r": is_repeat.filter(opening)}).sort_by("t")
    return pc.replace_with_mask(
        constant(False, n, pa.bool_()), repair, flags.column("r").combine_chunks()
    )
