"""回访查询's filter form read into the attempt look-up's query (node.surveys.attempts):
Beijing wall-clock minutes, a phone number normalized as stored, a customer by id or by
what the customer search finds, a work order by number or id, a campaign and an agent
of this node. Every bad field is named with a message in the reader's language; nothing
the form sends reaches the database unchecked."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from node.auth.accounts import User
from node.auth.viewer import Viewer
from node.customers.identifiers import normalize_phone
from node.customers.models import Customer
from node.customers.resource import CustomerResource
from node.errors import DomainError, InvalidFields
from node.office_time import OFFICE_TZ
from node.surveys.campaign_models import SurveyCampaign
from node.surveys.report_schemas import AttemptQuery
from node.tickets.models import Ticket

# The form's fields, as the page's query string names them.
FIELDS = ("from", "to", "phone", "customer", "ticket", "campaign", "agent")
# Past these a wall-clock time is no callback's (and year 1 in Beijing has no UTC).
FIRST_YEAR, LAST_YEAR = 2000, 9998
TEXT_MAX = 100  # longer than any name, number or id typed into a box

Translate = Callable[..., str]
customers = CustomerResource()


@dataclass(frozen=True)
class Filters:
    """What the form asks: each filter resolved (None where left blank)."""

    at_from: datetime | None = None
    at_to: datetime | None = None  # exclusive: the minute after the one typed
    phone: str | None = None
    customer_id: uuid.UUID | None = None
    ticket_id: uuid.UUID | None = None
    campaign_id: uuid.UUID | None = None
    agent_id: uuid.UUID | None = None

    def query(self, limit: int, cursor: str | None = None) -> AttemptQuery:
        """The look-up's query for one page of `limit` dials after `cursor`."""
        return AttemptQuery(
            at_from=self.at_from, at_to=self.at_to, phone=self.phone,
            customer_id=self.customer_id, ticket_id=self.ticket_id,
            campaign_id=self.campaign_id, agent_id=self.agent_id, limit=limit, cursor=cursor,
        )  # fmt: skip


def beijing_minute(text: str) -> datetime:
    """A datetime-local value (Beijing wall-clock time) as an aware moment, to the minute;
    ValueError when it is not one."""
    moment = datetime.fromisoformat(text)
    if not FIRST_YEAR <= moment.year <= LAST_YEAR:
        raise ValueError("out of range")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=OFFICE_TZ)
    return moment.replace(second=0, microsecond=0)


def _uuid(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


def _customer(session: Session, viewer: Viewer, text: str, t: Translate) -> uuid.UUID:
    """A customer's id, or the one customer the search finds for a name or number."""
    given = _uuid(text)
    if given is not None:
        if session.get(Customer, given) is None:
            raise ValueError(t("sa.no_customer"))
        return given
    try:
        found = customers.list(session, viewer, {"q": text}, limit=2).data
    except DomainError:  # a look-up the search refuses (too short...): nobody found
        found = []
    if not found:
        raise ValueError(t("sa.no_customer"))
    if len(found) > 1:
        raise ValueError(t("sa.many_customers"))
    return uuid.UUID(str(found[0]["id"]))


def _ticket(session: Session, text: str) -> uuid.UUID | None:
    given = _uuid(text)
    if given is not None:
        return given if session.get(Ticket, given) is not None else None
    return session.execute(select(Ticket.id).where(Ticket.ticket_no == text)).scalar()


def read_filters(session: Session, viewer: Viewer, values: dict[str, str], t: Translate) -> Filters:
    """The form's values (stripped strings, blank for no filter) as Filters, or
    InvalidFields naming each bad field."""
    errors: dict[str, str] = {}
    found: dict[str, Any] = {}
    for name in FIELDS:
        if len(values.get(name, "")) > TEXT_MAX:
            errors[name] = t("sa.too_long")
    times: dict[str, datetime] = {}
    for name in ("from", "to"):
        if values.get(name) and name not in errors:
            try:
                times[name] = beijing_minute(values[name])
            except ValueError:
                errors[name] = t("sa.bad_time")
    if "from" in times and "to" in times and times["to"] < times["from"]:
        errors["to"] = t("sa.bad_range")
    if values.get("phone") and "phone" not in errors:
        try:
            found["phone"] = normalize_phone(values["phone"])
        except ValueError:
            errors["phone"] = t("sa.bad_phone")
    if values.get("customer") and "customer" not in errors:
        try:
            found["customer_id"] = _customer(session, viewer, values["customer"], t)
        except ValueError as exc:
            errors["customer"] = str(exc)
    if values.get("ticket") and "ticket" not in errors:
        found["ticket_id"] = _ticket(session, values["ticket"])
        if found["ticket_id"] is None:
            errors["ticket"] = t("sa.no_ticket")
    for name, model, message in (
        ("campaign", SurveyCampaign, "sa.no_campaign"),
        ("agent", User, "sa.no_agent"),
    ):
        if values.get(name) and name not in errors:
            given = _uuid(values[name])
            if given is None or session.get(model, given) is None:
                errors[name] = t(message)
            found[f"{name}_id"] = given
    if errors:
        raise InvalidFields(errors)
    return Filters(
        at_from=times.get("from"),
        # The minute typed is included: dials up to the start of the next one.
        at_to=times["to"] + timedelta(minutes=1) if "to" in times else None,
        **found,
    )
