"""What the agent's callback page shows beside the questionnaire (issue 21 §6): the
reserved task's campaign, numbers, customer and work order; when the next task becomes
due if none is now; and the agent's own dials of a Beijing day by result. Read only:
reserving and recording stay in node.surveys.pool and node.surveys.results."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import orjson
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from node.auth.accounts import User
from node.customers.models import Customer
from node.surveys.calling_window import BEIJING
from node.surveys.campaign_models import (
    CallAttempt,
    CallTask,
    CampaignStatus,
    SurveyCampaign,
)
from node.surveys.definition import Definition
from node.surveys.models import QuestionnaireVersion
from node.surveys.service import definition_of
from node.surveys.suppression import not_suppressed
from node.tickets.models import Ticket


@dataclass(frozen=True)
class TicketView:
    """The work order a task was made from, as the agent reads it out."""

    id: uuid.UUID
    ticket_no: str
    kind: str
    technician: str | None
    description: str | None
    closed_at: datetime | None


@dataclass(frozen=True)
class TaskView:
    """A reserved task with everything the agent needs to make the call."""

    task: CallTask
    campaign: SurveyCampaign
    definition: Definition
    phones: list[str]
    customer_id: uuid.UUID | None
    customer_name: str | None
    ticket: TicketView | None


def _ticket_view(session: Session, ticket_id: uuid.UUID | None) -> TicketView | None:
    ticket = session.get(Ticket, ticket_id) if ticket_id is not None else None
    if ticket is None:
        return None
    technician = session.get(User, ticket.technician_id) if ticket.technician_id else None
    return TicketView(
        id=ticket.id,
        ticket_no=ticket.ticket_no,
        kind=ticket.kind,
        technician=technician.display_name if technician is not None else None,
        description=ticket.description,
        closed_at=ticket.closed_at,
    )


def task_view(session: Session, task: CallTask) -> TaskView:
    """The task with its campaign, its version's questions, customer and work order."""
    campaign = session.get(SurveyCampaign, task.campaign_id)
    if campaign is None:  # campaigns are never deleted; a broken reference is a bug
        raise RuntimeError(f"task {task.id} names no campaign")
    version = session.get(QuestionnaireVersion, campaign.questionnaire_version_id)
    if version is None:
        raise RuntimeError(f"campaign {campaign.id} names no version")
    customer = session.get(Customer, task.customer_id) if task.customer_id else None
    return TaskView(
        task=task,
        campaign=campaign,
        definition=definition_of(version),
        phones=list(orjson.loads(task.phones)),
        customer_id=task.customer_id,
        customer_name=customer.name if customer is not None else None,
        ticket=_ticket_view(session, task.ticket_id),
    )


def next_due(session: Session, agent_id: uuid.UUID, now: datetime) -> datetime | None:
    """The earliest time after `now` an open task of an open campaign falls due for this
    agent (a retry or an appointment), ignoring calling windows; None if none will."""
    return session.execute(
        select(func.min(CallTask.next_attempt_at))
        .join(SurveyCampaign, SurveyCampaign.id == CallTask.campaign_id)
        .where(SurveyCampaign.status == CampaignStatus.open.value)
        .where(CallTask.is_open.is_(True), CallTask.next_attempt_at > now)
        .where(
            or_(CallTask.appointment_agent_id.is_(None), CallTask.appointment_agent_id == agent_id)
        )
        .where(not_suppressed(CallTask.phone))
    ).scalar_one_or_none()


def beijing_day(now: datetime) -> date:
    """The Beijing calendar day `now` (aware) falls on."""
    return now.astimezone(BEIJING).date()


def my_dials(session: Session, agent_id: uuid.UUID, day: date) -> dict[str, int]:
    """The agent's dials of a Beijing day, counted by result."""
    start = datetime.combine(day, time(0), BEIJING)
    rows = session.execute(
        select(CallAttempt.result, func.count())
        .where(CallAttempt.agent_id == agent_id)
        .where(CallAttempt.at >= start, CallAttempt.at < start + timedelta(days=1))
        .group_by(CallAttempt.result)
    ).all()
    return {str(result): int(count) for result, count in rows}
