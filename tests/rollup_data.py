"""Rollup test data: generated rows, written into a node database or given as Arrow.

Rows are plain dicts (one list per table) so the same data can be (a) inserted into a
node's database with their own origins, as replication leaves them at a parent, and
(b) handed to the rollup computation directly as Arrow, and (c) read by the
row-by-row reference in tests/rollup_reference.py.
"""

from __future__ import annotations

import itertools
import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pyarrow as pa
from sqlalchemy import insert

from node.churn.models import ChurnEvent
from node.customers.models import Customer
from node.db.counters import SEQ, allocate
from node.db.unit_of_work import Database
from node.subscriptions.models import Subscription
from node.tickets.models import Ticket
from rollup.source import SourceTables
from rollup.source_columns import SCHEMAS

SHANGHAI = ZoneInfo("Asia/Shanghai")
_numbers = itertools.count(1)


def at(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, micro: int = 0
) -> datetime:
    """A Shanghai wall-clock time as an aware datetime."""
    return datetime(year, month, day, hour, minute, second, micro, tzinfo=SHANGHAI)


@dataclass
class Rows:
    customers: list[dict] = field(default_factory=list)
    subscriptions: list[dict] = field(default_factory=list)
    churn_events: list[dict] = field(default_factory=list)
    tickets: list[dict] = field(default_factory=list)

    def tables(self) -> dict[str, list[dict]]:
        return {
            "customers": self.customers,
            "subscriptions": self.subscriptions,
            "churn_events": self.churn_events,
            "tickets": self.tickets,
        }

    def of_origins(self, origins: set[str]) -> Rows:
        return Rows(
            **{k: [r for r in v if r["origin"] in origins] for k, v in self.tables().items()}
        )

    def __add__(self, other: Rows) -> Rows:
        return Rows(**{k: v + other.tables()[k] for k, v in self.tables().items()})

    # -- builders -------------------------------------------------------------------

    def customer(
        self,
        origin: str,
        joined_at: datetime,
        *,
        type: str = "individual",
        grade: str | None = "gold",
        key: bool = False,
        manager: uuid.UUID | None = None,
        deleted: bool = False,
    ) -> uuid.UUID:
        cid = uuid.uuid4()
        self.customers.append(
            {
                "id": cid,
                "origin": origin,
                "customer_no": f"{origin}-T{next(_numbers):08d}",
                "name": "测试客户",
                "type": type,
                "grade": grade,
                "status": "active",
                "is_key_account": key,
                "account_manager_id": manager,
                "joined_at": joined_at,
                "deleted_at": _deleted(deleted),
            }
        )
        return cid

    def subscription(
        self,
        customer: uuid.UUID,
        origin: str,
        fee: str,
        started_at: datetime,
        ended_at: datetime | None = None,
        deleted: bool = False,
    ) -> None:
        self.subscriptions.append(
            {
                "id": uuid.uuid4(),
                "origin": origin,
                "customer_id": customer,
                "product_id": uuid.uuid4(),
                "monthly_fee": Decimal(fee),
                "started_at": started_at,
                "ended_at": ended_at,
                "status": "ended" if ended_at else "active",
                "deleted_at": _deleted(deleted),
            }
        )

    def churn(
        self,
        customer: uuid.UUID,
        origin: str,
        churned_at: datetime,
        reason: str,
        competitor: str | None,
        lost: str,
        deleted: bool = False,
    ) -> None:
        self.churn_events.append(
            {
                "id": uuid.uuid4(),
                "origin": origin,
                "customer_id": customer,
                "churned_at": churned_at,
                "reason": reason,
                "competitor": competitor,
                "lost_monthly_revenue": Decimal(lost),
                "deleted_at": _deleted(deleted),
            }
        )

    def ticket(
        self,
        customer: uuid.UUID,
        origin: str,
        kind: str,
        severity: str,
        created_at: datetime,
        resolved_at: datetime | None = None,
        satisfaction: int | None = None,
        deleted: bool = False,
    ) -> None:
        self.tickets.append(
            {
                "id": uuid.uuid4(),
                "origin": origin,
                "ticket_no": f"{origin}-W{next(_numbers):08d}",
                "customer_id": customer,
                "kind": kind,
                "severity": severity,
                "status": "resolved" if resolved_at else "open",
                "due_at": created_at + timedelta(hours=48),
                "created_at": created_at,
                "resolved_at": resolved_at,
                "satisfaction": satisfaction,
                "deleted_at": _deleted(deleted),
            }
        )


def _deleted(deleted: bool) -> datetime | None:
    return datetime(2026, 11, 1, tzinfo=UTC) if deleted else None


# -- into a database -------------------------------------------------------------------

_MODELS = {
    "customers": Customer,
    "subscriptions": Subscription,
    "churn_events": ChurnEvent,
    "tickets": Ticket,
}


def insert_rows(db: Database, rows: Rows) -> None:
    """Write `rows` as they are, origins included (the way a parent holds replicated
    rows), each with the node's next seq, in one transaction."""
    with db.unit_of_work() as session:
        for table, items in rows.tables().items():
            if not items:
                continue
            first = allocate(session, SEQ, len(items))
            now = datetime.now(UTC)
            values = [
                {
                    **item,
                    "seq": first + i,
                    "origin_version": 1,
                    "created_at": item.get("created_at", now),
                    "updated_at": now,
                }
                for i, item in enumerate(items)
            ]
            session.execute(insert(_MODELS[table]), values)


# -- straight to Arrow -----------------------------------------------------------------


def source_tables(rows: Rows) -> SourceTables:
    """The rows as the rollup's source reader would return them (tombstones left out)."""

    def live(items: list[dict]) -> list[dict]:
        return [r for r in items if r["deleted_at"] is None]

    def cents(value: Decimal) -> int:
        return int(value * 100)

    customers = [
        {
            "id": r["id"].bytes,
            "origin": r["origin"],
            "type": r["type"],
            "grade": r["grade"],
            "is_key_account": r["is_key_account"],
            "account_manager_id": r["account_manager_id"].bytes
            if r["account_manager_id"]
            else None,
            "joined_at": r["joined_at"],
        }
        for r in live(rows.customers)
    ]
    subscriptions = [
        {
            "customer_id": r["customer_id"].bytes,
            "origin": r["origin"],
            "fee_cents": cents(r["monthly_fee"]),
            "started_at": r["started_at"],
            "ended_at": r["ended_at"],
        }
        for r in live(rows.subscriptions)
    ]
    churn = [
        {
            "customer_id": r["customer_id"].bytes,
            "origin": r["origin"],
            "churned_at": r["churned_at"],
            "reason": r["reason"],
            "competitor": r["competitor"],
            "lost_cents": cents(r["lost_monthly_revenue"]),
        }
        for r in live(rows.churn_events)
    ]
    tickets = [
        {k: (r[k].bytes if k == "customer_id" else r[k]) for k in SCHEMAS["tickets"].names}
        for r in live(rows.tickets)
    ]
    return SourceTables(
        customers=pa.Table.from_pylist(customers, schema=SCHEMAS["customers"]),
        subscriptions=pa.Table.from_pylist(subscriptions, schema=SCHEMAS["subscriptions"]),
        churn_events=pa.Table.from_pylist(churn, schema=SCHEMAS["churn_events"]),
        tickets=pa.Table.from_pylist(tickets, schema=SCHEMAS["tickets"]),
    )


# -- generated -------------------------------------------------------------------------

GRADES = ("diamond", "gold", "silver", "standard", None)
REASONS = ("price", "network_quality", "service", "relocation", "competitor_offer")
COMPETITORS = ("china_mobile", "china_unicom", "china_broadnet", None)
KINDS = ("repair", "repair", "install", "complaint", "inquiry")
FEES = ("19.00", "39.00", "59.00", "99.00", "129.00", "199.00", "1288.50")


def _moment(rng: random.Random, start: datetime, end: datetime) -> datetime:
    """A random moment, often right at a month boundary (23:59:59.999999 or 00:00)."""
    if rng.random() < 0.15:
        month = start + (end - start) * rng.random()
        local = month.astimezone(SHANGHAI)
        boundary = datetime(local.year, local.month, 1, tzinfo=SHANGHAI)
        return boundary - timedelta(microseconds=1) if rng.random() < 0.5 else boundary
    return start + (end - start) * rng.random()


def generate(origins: list[str], customers_per_origin: int, seed: int = 7) -> Rows:
    """Random but realistic rows for `origins`: joins over five years, churn, tickets and
    subscriptions in the last two, tombstones, a few rows pointing across origins."""
    rng = random.Random(seed)
    rows = Rows()
    begin, end = at(2021, 6, 1), at(2026, 11, 20)
    recent = at(2024, 10, 1)
    for origin in origins:
        managers = [uuid.uuid4() for _ in range(3)]
        for _ in range(customers_per_origin):
            joined = _moment(rng, begin, end)
            key = rng.random() < 0.15
            cid = rows.customer(
                origin,
                joined,
                type="enterprise" if key or rng.random() < 0.2 else "individual",
                grade=rng.choice(GRADES),
                key=key,
                manager=rng.choice(managers) if key or rng.random() < 0.3 else None,
                deleted=rng.random() < 0.03,
            )
            for _ in range(rng.choice((0, 1, 1, 2, 3))):
                started = _moment(rng, joined, end)
                ended = _moment(rng, started, end) if rng.random() < 0.25 else None
                rows.subscription(
                    cid, origin, rng.choice(FEES), started, ended, deleted=rng.random() < 0.03
                )
            if rng.random() < 0.2:
                for _ in range(rng.choice((1, 1, 2))):
                    rows.churn(
                        cid,
                        origin,
                        _moment(rng, max(joined, recent), end),
                        rng.choice(REASONS),
                        rng.choice(COMPETITORS),
                        rng.choice(FEES),
                        deleted=rng.random() < 0.05,
                    )
            for _ in range(rng.choice((0, 0, 1, 2, 4))):
                opened = _moment(rng, max(joined, recent), end)
                resolved = (
                    opened + timedelta(hours=rng.choice((1, 20, 30, 47, 60, 200)))
                    if rng.random() < 0.85
                    else None
                )
                rows.ticket(
                    cid,
                    origin,
                    rng.choice(KINDS),
                    rng.choice(("major", "general")),
                    opened,
                    resolved,
                    rng.choice((None, 1, 3, 4, 5)) if resolved else None,
                    deleted=rng.random() < 0.03,
                )
    # A subscription written at another node for a customer it does not own: not counted.
    if len(origins) > 1 and rows.customers:
        foreign = rows.customers[0]
        rows.subscription(foreign["id"], origins[1], "500.00", at(2025, 1, 1))
    return rows
