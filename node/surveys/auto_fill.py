"""Campaigns that fill themselves as work orders close (issue 21 §2): each run adds the
customers of the tickets closed since the campaign's `fill_since`, of its kind and
service area, that no task of the campaign has covered yet.

A ticket is covered once its customer got a task in this campaign at or after the
ticket closed: two repairs closed before a run make one callback, about the latest. A
ticket that closes while its customer's callback is still open waits: it is added by
the first run after that callback ends (a customer is never in two open tasks)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from node.surveys.audience import Added, add_tickets
from node.surveys.campaign_models import CallTask, CampaignStatus, SurveyCampaign
from node.tickets.models import Ticket, TicketStatus


def fill_campaign(session: Session, campaign: SurveyCampaign, now: datetime) -> Added:
    """One run for one self-filling campaign."""
    covered = exists().where(
        CallTask.campaign_id == campaign.id,
        CallTask.customer_id == Ticket.customer_id,
        CallTask.created_at >= Ticket.closed_at,
    )
    stmt = (
        select(Ticket)
        .where(Ticket.status == TicketStatus.closed.value, Ticket.deleted_at.is_(None))
        .where(Ticket.closed_at < now, ~covered)
        .order_by(Ticket.closed_at.desc(), Ticket.id)
    )
    if campaign.fill_since is not None:
        stmt = stmt.where(Ticket.closed_at >= campaign.fill_since)
    if campaign.fill_kind is not None:
        stmt = stmt.where(Ticket.kind == campaign.fill_kind)
    if campaign.fill_area is not None:
        stmt = stmt.where(Ticket.service_area == campaign.fill_area)
    return add_tickets(session, campaign, session.execute(stmt).scalars(), now)


def fill_open_campaigns(session: Session, now: datetime) -> dict[uuid.UUID, Added]:
    """One run for every open self-filling campaign: what each added."""
    campaigns = session.execute(
        select(SurveyCampaign).where(
            SurveyCampaign.status == CampaignStatus.open.value,
            SurveyCampaign.fill_from_tickets.is_(True),
        )
    ).scalars()
    return {campaign.id: fill_campaign(session, campaign, now) for campaign in campaigns}
