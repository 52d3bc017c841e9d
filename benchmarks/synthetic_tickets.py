"""Synthetic work orders (工单) for a node whose customers synthetic_customers loaded.

Used by benchmarks/pages.py. As for customers, rows come in chunks that depend only on
the seed and the row index, so worker processes can make them in any order. Tickets are
made in the order they were opened, spread evenly over the two years before the load:
ticket_no, seq and the time-ordered id all rise with created_at, as the app would have
numbered them. What a ticket is follows from its age, like a real queue's:

- kind: repair about half, then inquiries, installs, complaints, billing, relocations;
  the field kinds (repair, install, relocation) go to a technician, the others are
  handled at the desk and resolved without one;
- severity: major for a quarter of repairs and complaints, a tenth of the rest; due
  24 or 48 hours after opening (node.tickets.workflow.SLA);
- status: most tickets of the last day are still open (open, dispatched, in progress),
  fewer of the last three days, almost none older (a thousandth, stuck or reopened); a
  finished ticket was resolved (about 12% after its due time) and, the older it is, the
  likelier confirmed closed; closed tickets carry a satisfaction score six times in ten.
  At 2M tickets that is some thousands of open tickets in every service area.

A row names its customer by the customer's seq (synthetic customers have contiguous
seqs) and its technician by a slot among the technicians of the customer's service
area. The loader turns both into ids with one join per chunk (STAGE_SQL, INSERT_SQL), so
the ticket's service area is its customer's and no customer id is held in Python.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import synthetic_customers as synth

from node.tickets.models import Severity, TicketStatus
from node.tickets.workflow import SLA

# Bump when the generator changes what it produces: cached nodes are then rebuilt.
VERSION = 1

# Column order of every generated row (the staging table's columns).
STAGE_COLUMNS: tuple[str, ...] = (
    "id",
    "seq",
    "created_at",
    "updated_at",
    "ticket_no",
    "kind",
    "severity",
    "status",
    "description",
    "due_at",
    "dispatched_at",
    "resolved_at",
    "closed_at",
    "satisfaction",
    "customer_seq",  # the customer, by its seq
    "tech_slot",  # the technician, by slot within the customer's area; -1: none
)
TIMESTAMP_COLUMNS = frozenset(
    {"created_at", "updated_at", "due_at", "dispatched_at", "resolved_at", "closed_at"}
)
_TS_INDEX = frozenset(i for i, c in enumerate(STAGE_COLUMNS) if c in TIMESTAMP_COLUMNS)

# A staging table per load, typed like tickets on either backend (CREATE TABLE AS copies
# the column types, not the constraints), and the area's technicians by slot.
STAGE = "bench_ticket_stage"
TECHNICIANS = "bench_technicians"
STAGE_SQL: tuple[str, ...] = (
    f"CREATE TEMP TABLE {STAGE} AS SELECT {', '.join(STAGE_COLUMNS[:-2])} FROM tickets WHERE 1 = 0",
    f"ALTER TABLE {STAGE} ADD COLUMN customer_seq BIGINT",
    f"ALTER TABLE {STAGE} ADD COLUMN tech_slot INTEGER",
    f"CREATE TEMP TABLE {TECHNICIANS} AS SELECT service_area AS area, "
    "row_number() OVER (PARTITION BY service_area ORDER BY username) - 1 AS slot, id "
    "FROM users WHERE role = 'technician' AND deleted_at IS NULL",
)
# From the staging table into tickets: the customer's id and service area, the
# technician of that area in the row's slot (none for slot -1).
INSERT_SQL = f"""
INSERT INTO tickets (id, origin, seq, origin_version, created_at, updated_at, deleted_at,
    ticket_no, customer_id, kind, severity, status, service_area, technician_id,
    description, due_at, dispatched_at, resolved_at, closed_at, repeat_of_id, satisfaction)
SELECT s.id, '{synth.NODE_CODE}', s.seq, 1, s.created_at, s.updated_at, NULL,
    s.ticket_no, c.id, s.kind, s.severity, s.status, c.service_area, t.id,
    s.description, s.due_at, s.dispatched_at, s.resolved_at, s.closed_at, NULL, s.satisfaction
FROM {STAGE} s
JOIN customers c ON c.seq = s.customer_seq
LEFT JOIN {TECHNICIANS} t ON t.area = c.service_area AND t.slot = s.tech_slot
"""

# Service areas synthetic customers are in (technicians are added for each).
AREAS = tuple(sorted({area for _, _, area, _ in synth.DISTRICTS}))
FIELD_KINDS = frozenset({"repair", "install", "relocation"})
KINDS = synth.Weighted(
    ("repair", "inquiry", "install", "complaint", "billing", "relocation"),
    (50, 14, 12, 10, 8, 6),
)
DESCRIPTIONS: dict[str, tuple[str, ...]] = {
    "repair": ("宽带无法上网", "光猫指示灯红色闪烁", "网速很慢", "固话无拨号音", "IPTV 无信号",
               "WiFi 频繁掉线"),
    "install": ("新装宽带", "新装 IPTV", "加装光猫"),
    "relocation": ("宽带移机", "固话移机"),
    "complaint": ("对装维服务不满意", "多次报修未解决", "资费争议"),
    "inquiry": ("咨询套餐资费", "咨询宽带提速"),
    "billing": ("话费异常", "重复扣费", "发票开具"),
}  # fmt: skip
SATISFACTION = synth.Weighted((5, 4, 3, 2, 1), (45, 30, 15, 6, 4))
SPAN_MS = 730 * 24 * 3600 * 1000
HOUR_MS = 3600 * 1000
SLA_MS = {s.value: int(SLA[s].total_seconds() * 1000) for s in Severity}
# (age below, in hours: share still open, share of finished ones closed)
AGE_BANDS: tuple[tuple[float, float, float], ...] = (
    (24, 0.9, 0.1),
    (72, 0.4, 0.3),
    (240, 0.03, 0.6),
    (float("inf"), 0.001, 0.92),
)
# Plain strings, not the enum members: a member's .value costs a call in the loop.
OPEN, RESOLVED, CLOSED = (
    TicketStatus.open.value,
    TicketStatus.resolved.value,
    TicketStatus.closed.value,
)
MAJOR, GENERAL = Severity.major.value, Severity.general.value
FIELD_OPEN = synth.Weighted(
    (
        OPEN,
        TicketStatus.dispatched.value,
        TicketStatus.in_progress.value,
        TicketStatus.reopened.value,
    ),
    (25, 30, 35, 10),
)
DESK_OPEN = synth.Weighted((OPEN, TicketStatus.reopened.value), (90, 10))


@dataclass(frozen=True)
class TicketLayout:
    """Where a ticket load starts numbering and what it refers to; fixed before the
    first chunk is generated."""

    count: int
    seq_start: int
    ticket_no_start: int
    customers: int  # customers to spread the tickets over
    customer_seq_start: int  # the first customer's seq (the others follow)
    tech_slots: int  # technicians in each service area
    now_ms: int  # the load's "now": the newest ticket is opened just before it
    seed: int = 20260101
    node_code: str = synth.NODE_CODE


class _Times:
    """synth.naive_text of a time in Unix milliseconds, 4x faster: strftime is the
    generator's largest cost, so it runs once a minute of time, not once a row."""

    def __init__(self) -> None:
        self.minutes: dict[int, str] = {}

    def __call__(self, ms: int) -> str:
        seconds, milli = divmod(ms, 1000)
        minute, second = divmod(seconds, 60)
        head = self.minutes.get(minute)
        if head is None:
            head = synth.naive_text(datetime.fromtimestamp(minute * 60, UTC))[:17]
            self.minutes[minute] = head
        return f"{head}{second:02d}.{milli:03d}000"


def _customer(rng: random.Random, customers: int) -> int:
    """A customer index: a fifth of tickets go to one customer in fifty (repeat callers)."""
    if rng.random() < 0.2:
        return (rng.randrange(max(1, customers // 50)) * 50) % customers
    return rng.randrange(customers)


def _finished(rng: random.Random, created: int, due: int, now: int) -> int:
    """When a finished ticket was resolved: mostly within its window, 12% after it."""
    window = due - created
    if rng.random() < 0.88:
        at = created + int(window * rng.uniform(0.02, 0.95))
    else:
        at = due + rng.randrange(1, 48 * HOUR_MS)
    return min(at, created + int((now - created) * rng.uniform(0.5, 0.99)))


def generate_rows(layout: TicketLayout, start: int, stop: int) -> list[tuple[Any, ...]]:
    """Tickets `start` (inclusive) to `stop` (exclusive), in STAGE_COLUMNS order, with
    timestamps as the naive UTC text SQLite stores (the PostgreSQL loader adds +00)."""
    rng = random.Random(f"{layout.seed}:tickets:{start}")
    step = SPAN_MS / layout.count
    first_ms = layout.now_ms - SPAN_MS
    _text = _Times()  # one per chunk: its minutes are those of the chunk's weeks
    rows: list[tuple[Any, ...]] = []
    for i in range(start, stop):
        created = int(first_ms + (i + rng.random()) * step)
        age_h = (layout.now_ms - created) / HOUR_MS
        kind = KINDS.pick(rng)
        field = kind in FIELD_KINDS
        major = rng.random() < (0.25 if kind in ("repair", "complaint") else 0.1)
        severity = MAJOR if major else GENERAL
        due = created + SLA_MS[severity]
        open_share, closed_share = next((o, c) for below, o, c in AGE_BANDS if age_h < below)
        dispatched = resolved = closed = satisfaction = None
        if rng.random() < open_share:
            status = (FIELD_OPEN if field else DESK_OPEN).pick(rng)
        else:
            resolved = _finished(rng, created, due, layout.now_ms)
            status = RESOLVED
            if rng.random() < closed_share:
                status = CLOSED
                closed = resolved + int((layout.now_ms - resolved) * rng.uniform(0.01, 0.3))
                closed = min(closed, resolved + rng.randrange(HOUR_MS, 72 * HOUR_MS))
                if rng.random() < 0.6:
                    satisfaction = SATISFACTION.pick(rng)
        if field and status != OPEN:
            dispatched = created + rng.randrange(5 * 60_000, 120 * 60_000)
            if resolved is not None and dispatched >= resolved:
                dispatched = created + (resolved - created) // 2
            dispatched = min(dispatched, layout.now_ms - 1)
        slot = rng.randrange(layout.tech_slots) if dispatched is not None else -1
        updated = max(t for t in (created, dispatched, resolved, closed) if t is not None)
        rows.append(
            (
                synth.uuid7_hex(created, rng),
                layout.seq_start + i,
                _text(created),
                _text(updated),
                f"{layout.node_code}-T{layout.ticket_no_start + i:08d}",
                kind,
                severity,
                status,
                rng.choice(DESCRIPTIONS[kind]),
                _text(due),
                None if dispatched is None else _text(dispatched),
                None if resolved is None else _text(resolved),
                None if closed is None else _text(closed),
                satisfaction,
                layout.customer_seq_start + _customer(rng, layout.customers),
                slot,
            )
        )
    return rows


def generate_chunk(args: tuple[TicketLayout, int, int]) -> list[tuple[Any, ...]]:
    """Worker entry point (picklable) for synth.iter_chunks."""
    layout, start, stop = args
    return generate_rows(layout, start, stop)


def insert_stage_sqlite() -> str:
    marks = ", ".join("?" for _ in STAGE_COLUMNS)
    return f"INSERT INTO {STAGE} ({', '.join(STAGE_COLUMNS)}) VALUES ({marks})"


def copy_stage_sql() -> str:
    return f"COPY {STAGE} ({', '.join(STAGE_COLUMNS)}) FROM STDIN"


def pg_copy_line(row: tuple[Any, ...]) -> str:
    """One line of COPY text format (STAGE_COLUMNS). Generated values hold no tab,
    newline or backslash."""
    return (
        "\t".join(
            "\\N" if v is None else f"{v}+00" if i in _TS_INDEX else str(v)
            for i, v in enumerate(row)
        )
        + "\n"
    )
