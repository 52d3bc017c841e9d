"""A campaign's audience from a customer segment (issue 21 §2): the customers matching
the customer list's filters (status, grade, category, type, service area, key account),
within the service area the caller is bound to. Their numbers (their own, then their
contacts', oldest first) are read in two queries, not two per customer."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from node.contacts.models import Contact
from node.customers.identifiers import normalize_phone
from node.customers.models import Customer
from node.errors import invalid
from node.surveys.audience import Added, Item, add_items
from node.surveys.campaign_models import SurveyCampaign

SEGMENT_MAX = 50_000  # customers one segment may add at once


@dataclass(frozen=True)
class Segment:
    """The customer list's filters; None matches any value."""

    status: str | None = None
    grade: str | None = None
    category: str | None = None
    type: str | None = None
    service_area: str | None = None
    is_key_account: bool | None = None

    def filters(self) -> dict[str, str | bool]:
        """The filters set, by name (empty: no filter, which is no segment)."""
        return {k: v for k, v in asdict(self).items() if v is not None}


def _where(segment: Segment, area: str | None) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [Customer.deleted_at.is_(None)]
    where += [getattr(Customer, k) == v for k, v in asdict(segment).items() if v is not None]
    if area is not None:  # an area-bound caller's segment stays inside their area
        where.append(Customer.service_area == area)
    return where


def _valid(raw: str | None) -> str | None:
    try:
        return normalize_phone(raw) if raw else None
    except ValueError:
        return None


def add_segment(
    session: Session, campaign: SurveyCampaign, segment: Segment, area: str | None, now: datetime
) -> Added:
    """Add the segment's customers; 422 naming `segment` when it holds more than
    SEGMENT_MAX (nothing added then)."""
    where = _where(segment, area)
    size = session.execute(select(func.count()).select_from(Customer).where(*where)).scalar_one()
    if size > SEGMENT_MAX:
        raise invalid(
            "segment",
            f"该客户群有 {size} 位客户，一次最多 {SEGMENT_MAX} 位，请缩小筛选条件 "
            f"({size} customers, at most {SEGMENT_MAX} at once: narrow the filters)",
        )
    phones: dict[uuid.UUID, list[str]] = {}
    for customer_id, phone in session.execute(select(Customer.id, Customer.phone).where(*where)):
        phones[customer_id] = [p for p in (_valid(phone),) if p]
    members = select(Customer.id).where(*where)
    contacts = session.execute(
        select(Contact.customer_id, Contact.phone)
        .where(Contact.customer_id.in_(members), Contact.deleted_at.is_(None))
        .where(Contact.phone.is_not(None))
        .order_by(Contact.created_at, Contact.id)
    )
    for customer_id, phone in contacts:
        valid = _valid(phone)
        if valid and valid not in phones[customer_id]:
            phones[customer_id].append(valid)
    items: list[Item] = [(cid, numbers, 0, None) for cid, numbers in phones.items()]
    return add_items(session, campaign, items, now)
