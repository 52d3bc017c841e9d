"""Who a campaign calls (issue 21 §2): an uploaded list (customer ids, or bare numbers
in priority order), or the customers of work orders closed in a period, by kind and
area. Each customer becomes one call task; one already open in the campaign is kept
as it is (the unique index `uq_call_tasks_open_customer` holds this in the database)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

import orjson
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from node.contacts.models import Contact
from node.customers.identifiers import normalize_phone
from node.customers.models import Customer
from node.db.base import new_id
from node.errors import Conflict, InvalidFields
from node.surveys.campaign_models import CallTask, CampaignStatus, SurveyCampaign
from node.tickets.models import Ticket, TicketStatus

# Tasks added at once after which PostgreSQL's statistics of call_tasks are refreshed.
ANALYZE_AFTER = 1000


@dataclass(frozen=True)
class Entry:
    """One line of an uploaded list: a customer, or numbers, or both."""

    customer_id: uuid.UUID | None = None
    phones: tuple[str, ...] = ()
    priority: int = 0


@dataclass
class Added:
    """What an import did: tasks added, and customers skipped (already open, or
    no number to call)."""

    added: int = 0
    already_open: int = 0
    without_number: int = 0
    task_ids: list[uuid.UUID] = field(default_factory=list)


def _customer_phones(session: Session, customer_id: uuid.UUID) -> list[str]:
    """The customer's own number, then their contacts' (oldest first), valid ones only."""
    customer = session.get(Customer, customer_id)
    raw: list[str | None] = [customer.phone] if customer is not None and customer.phone else []
    raw += session.execute(
        select(Contact.phone)
        .where(Contact.customer_id == customer_id, Contact.deleted_at.is_(None))
        .where(Contact.phone.is_not(None))
        .order_by(Contact.created_at)
    ).scalars()
    phones: list[str] = []
    for value in raw:
        try:
            phone = normalize_phone(value or "")
        except ValueError:
            continue
        if phone not in phones:
            phones.append(phone)
    return phones


def _checked_entries(session: Session, entries: list[Entry]) -> None:
    """Every number valid and every customer known, or 422 naming each bad one."""
    errors: dict[str, str] = {}
    for i, entry in enumerate(entries):
        if entry.customer_id is None and not entry.phones:
            errors[f"tasks[{i}]"] = "needs a customer_id or phones"
        if entry.customer_id is not None and session.get(Customer, entry.customer_id) is None:
            errors[f"tasks[{i}].customer_id"] = "no customer has this id"
        for j, phone in enumerate(entry.phones):
            try:
                normalize_phone(phone)
            except ValueError as exc:
                errors[f"tasks[{i}].phones[{j}]"] = str(exc)
    if errors:
        raise InvalidFields(errors)


def _open_keys(session: Session, campaign_id: uuid.UUID) -> set[str]:
    return set(
        session.execute(
            select(CallTask.customer_key).where(
                CallTask.campaign_id == campaign_id, CallTask.is_open.is_(True)
            )
        ).scalars()
    )


Item = tuple[
    uuid.UUID | None, list[str], int, uuid.UUID | None
]  # customer, numbers, priority, ticket


def add_items(
    session: Session,
    campaign: SurveyCampaign,
    items: list[Item],
    now: datetime,
) -> Added:
    """Add one task per item (customer, numbers, priority, ticket): a customer already
    in an open task of the campaign, or without a number, is counted and skipped; 409
    when the campaign is closed."""
    if campaign.status != CampaignStatus.open:
        raise Conflict(f"campaign {campaign.id} is closed: it takes no new tasks")
    result, taken = Added(), _open_keys(session, campaign.id)
    for customer_id, phones, priority, ticket_id in items:
        if not phones:
            result.without_number += 1
            continue
        key = customer_id.hex if customer_id is not None else phones[0]
        if key in taken:
            result.already_open += 1
            continue
        taken.add(key)
        task = CallTask(
            id=new_id(),
            campaign_id=campaign.id,
            customer_key=key,
            customer_id=customer_id,
            ticket_id=ticket_id,
            phones=orjson.dumps(phones).decode(),
            phone=phones[0],
            priority=priority,
            next_attempt_at=now,
            created_at=now,
            updated_at=now,
        )
        session.add(task)
        result.added += 1
        result.task_ids.append(task.id)
    session.flush()
    if result.added >= ANALYZE_AFTER and session.get_bind().dialect.name == "postgresql":
        # Until autovacuum's analyze comes round, PostgreSQL would plan the pool's pick
        # for the handful of tasks it last counted: a sort of every new task (35 ms
        # instead of 0.1 ms at 10,000). SQLite plans by the index alone.
        session.execute(text("ANALYZE call_tasks"))
    return result


def add_list(
    session: Session, campaign: SurveyCampaign, entries: list[Entry], now: datetime
) -> Added:
    """Add an uploaded list; 422 naming each bad line (nothing added then)."""
    _checked_entries(session, entries)
    items: list[Item] = []
    for entry in entries:
        phones = [normalize_phone(p) for p in entry.phones]
        if entry.customer_id is not None and not phones:
            phones = _customer_phones(session, entry.customer_id)
        items.append((entry.customer_id, list(dict.fromkeys(phones)), entry.priority, None))
    return add_items(session, campaign, items, now)


def add_closed_tickets(
    session: Session,
    campaign: SurveyCampaign,
    closed_from: datetime,
    closed_to: datetime,
    kind: str | None,
    area: str | None,
    now: datetime,
) -> Added:
    """Add the customers of the work orders closed in [closed_from, closed_to), of this
    kind and area when given (the latest closed ticket of each customer names the task)."""
    stmt = (
        select(Ticket)
        .where(Ticket.status == TicketStatus.closed.value, Ticket.deleted_at.is_(None))
        .where(Ticket.closed_at >= closed_from, Ticket.closed_at < closed_to)
        .order_by(Ticket.closed_at.desc(), Ticket.id)
    )
    if kind is not None:
        stmt = stmt.where(Ticket.kind == kind)
    if area is not None:
        stmt = stmt.where(Ticket.service_area == area)
    return add_tickets(session, campaign, session.execute(stmt).scalars(), now)


def add_tickets(
    session: Session, campaign: SurveyCampaign, tickets: Iterable[Ticket], now: datetime
) -> Added:
    """Add the customers of `tickets`, latest closed first: each customer's latest
    ticket names their task."""
    latest: dict[uuid.UUID, Ticket] = {}
    for ticket in tickets:
        latest.setdefault(ticket.customer_id, ticket)
    items: list[Item] = [
        (customer_id, _customer_phones(session, customer_id), 0, ticket.id)
        for customer_id, ticket in latest.items()
    ]
    return add_items(session, campaign, items, now)
