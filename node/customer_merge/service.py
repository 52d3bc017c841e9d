"""Merge one customer into another in the caller's unit of work.

Everything that hangs off the duplicate moves to the survivor through the ORM, so each
moved row is stamped and replicates upward like any edit; the duplicate is tombstoned
with a pointer to the survivor (a parent learns where it went); every change is in the
field history. Both customers and every moved row must belong to this node (rule 1).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from node.churn.models import ChurnEvent
from node.contacts.models import Contact
from node.contracts.models import Contract
from node.customers.models import Customer
from node.customers.search_terms import customer_search_terms
from node.db.types import utcnow
from node.errors import Conflict, invalid
from node.history.service import record_changes
from node.interactions.models import Interaction
from node.subscriptions.models import Subscription
from node.tickets.models import Ticket

# What moves, by the entity name the history uses.
Attached = Contact | Subscription | Contract | Ticket | Interaction | ChurnEvent
ATTACHED: tuple[tuple[str, type[Attached]], ...] = (
    ("contact", Contact),
    ("subscription", Subscription),
    ("contract", Contract),
    ("ticket", Ticket),
    ("interaction", Interaction),
    ("churn_event", ChurnEvent),
)
# Fields of the survivor filled from the duplicate when the survivor has none.
FILLED = (
    "phone",
    "email",
    "id_type",
    "id_number",
    "gender",
    "birth_date",
    "occupation",
    "home_address",
    "company_address",
    "category",
    "grade",
    "account_manager_id",
)


@dataclass(frozen=True)
class MergeResult:
    survivor_id: uuid.UUID
    merged_id: uuid.UUID
    moved: dict[str, int]
    filled: list[str]


def merge_customers(
    session: Session, merged: Customer, survivor: Customer, actor_id: uuid.UUID | None
) -> MergeResult:
    """Move the duplicate's rows to the survivor, fill the survivor's empty fields from
    it, and tombstone it pointing at the survivor."""
    local: str = session.info["node_code"]
    if merged.id == survivor.id:
        raise invalid("into", "不能与自己合并 (a customer cannot be merged into itself)")
    for customer in (merged, survivor):
        if customer.origin != local:
            raise Conflict(
                f"客户 {customer.customer_no} 属于节点 {customer.origin}，只能在那里合并 "
                f"(customer {customer.customer_no} belongs to node {customer.origin})"
            )
    moved = {
        name: _move(session, name, model, merged, survivor, actor_id) for name, model in ATTACHED
    }
    filled = _fill(session, merged, survivor, actor_id)
    before = {"deleted_at": None, "merged_into_id": None}
    merged.deleted_at = utcnow()
    merged.merged_into_id = survivor.id
    after = {"deleted_at": merged.deleted_at, "merged_into_id": survivor.id}
    record_changes(session, actor_id, "customer", merged.id, before, after)
    session.flush()
    return MergeResult(survivor.id, merged.id, moved, filled)


def _move(
    session: Session,
    name: str,
    model: type[Attached],
    merged: Customer,
    survivor: Customer,
    actor_id: uuid.UUID | None,
) -> int:
    stmt = select(model).where(model.customer_id == merged.id, model.deleted_at.is_(None))
    rows: list[Attached] = list(session.execute(stmt).scalars())  # type: ignore[arg-type]
    count = 0
    for row in rows:
        if row.origin != merged.origin:
            raise Conflict(
                f"客户 {merged.customer_no} 有属于节点 {row.origin} 的记录，不能在此合并 "
                f"(a {name} of this customer belongs to node {row.origin})"
            )
        row.customer_id = survivor.id
        record_changes(
            session,
            actor_id,
            name,
            row.id,
            {"customer_id": merged.id},
            {"customer_id": survivor.id},
        )
        count += 1
    return count


def _fill(
    session: Session, merged: Customer, survivor: Customer, actor_id: uuid.UUID | None
) -> list[str]:
    filled = [f for f in FILLED if getattr(survivor, f) is None and getattr(merged, f) is not None]
    if not filled:
        return []
    before = {f: None for f in filled}
    for f in filled:
        setattr(survivor, f, getattr(merged, f))
    # Search finds a customer by address too: the filled addresses must be searchable.
    survivor.search_terms = customer_search_terms(
        survivor.name, survivor.home_address, survivor.company_address
    )
    record_changes(
        session,
        actor_id,
        "customer",
        survivor.id,
        before,
        {f: getattr(survivor, f) for f in filled},
    )
    return filled


def survivor_of(session: Session, customer_id: uuid.UUID) -> uuid.UUID | None:
    """Where a merged (tombstoned) customer went, or None if it was not merged."""
    return session.execute(
        select(Customer.merged_into_id).where(
            Customer.id == customer_id, Customer.deleted_at.is_not(None)
        )
    ).scalar_one_or_none()
