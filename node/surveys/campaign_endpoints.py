"""/api/v1/surveys/campaigns: create (on a published version), list, read with its
progress, close, and fill with an uploaded list or the customers of closed work orders.
Team leads and admins (surveys:write) run campaigns; whoever reads surveys sees them."""

from __future__ import annotations

import uuid
from datetime import UTC
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from node.api.deps import SessionDep, require
from node.api.openapi import errors
from node.audit.service import record_by
from node.auth.permissions import Perm
from node.auth.viewer import Viewer
from node.db.types import utcnow
from node.errors import invalid
from node.surveys import audience, campaigns
from node.surveys.added_audit import record_added
from node.surveys.campaign_models import SurveyCampaign
from node.surveys.campaign_schemas import (
    AddedOut,
    CampaignIn,
    CampaignListQuery,
    CampaignOut,
    CampaignPageOut,
    ClosedTicketsIn,
    SegmentIn,
    TasksIn,
)
from node.surveys.progress import campaign_progress
from node.surveys.saved_segments import FIELD, visible_segment
from node.surveys.segment import Segment, add_segment
from node.surveys.segment_query import segment_of

router = APIRouter(prefix="/api/v1/surveys/campaigns", tags=["surveys"])
Reader = Annotated[Viewer, Depends(require(Perm.surveys_read))]
Writer = Annotated[Viewer, Depends(require(Perm.surveys_write))]
RULES = tuple(campaigns.Rules.__dataclass_fields__)


def campaign_out(campaign: SurveyCampaign, progress: dict[str, Any] | None = None) -> dict:
    """The campaign as the API shows it (its rules grouped)."""
    return {
        "id": campaign.id,
        "name": campaign.name,
        "questionnaire_version_id": campaign.questionnaire_version_id,
        "status": campaign.status,
        "rules": {name: getattr(campaign, name) for name in RULES},
        "auto_fill": (
            {
                "kind": campaign.fill_kind,
                "service_area": campaign.fill_area,
                "since": campaign.fill_since,
            }
            if campaign.fill_from_tickets
            else None
        ),
        "created_by": campaign.created_by,
        "created_at": campaign.created_at,
        "updated_at": campaign.updated_at,
        "progress": progress,
    }


def _audited(
    session: SessionDep,
    viewer: Viewer,
    campaign: SurveyCampaign,
    added: audience.Added,
    segment: Segment | None = None,
    saved_view_id: int | None = None,
) -> dict[str, Any]:
    """The audit row of tasks added to `campaign`, and what the API answers."""
    record_added(session, viewer, campaign, added, segment, saved_view_id)
    return added.__dict__


@router.get("", response_model=CampaignPageOut)
def list_campaigns(
    query: Annotated[CampaignListQuery, Query()], viewer: Reader, session: SessionDep
) -> dict[str, Any]:
    """Campaigns, newest first by default, paged by `next_cursor`."""
    page = campaigns.list_campaigns(session, query.limit, query.cursor, query.order_by)
    return {"data": [campaign_out(c) for c in page.rows], "next_cursor": page.next_cursor}


@router.post("", status_code=201, response_model=CampaignOut)
def create_campaign(body: CampaignIn, viewer: Writer, session: SessionDep) -> dict[str, Any]:
    """A new open campaign; 422 naming `questionnaire_version_id` for a draft version."""
    rules = campaigns.Rules(**body.rules.model_dump())
    fill = None
    if body.auto_fill is not None:
        since = (body.auto_fill.since or utcnow()).astimezone(UTC)
        fill = campaigns.AutoFill(body.auto_fill.kind, body.auto_fill.service_area, since)
    campaign = campaigns.create_campaign(
        session, body.name, body.questionnaire_version_id, rules, viewer.user.username, fill
    )
    record_by(session, viewer, "campaign.created", "survey_campaign", campaign.id)
    return campaign_out(campaign)


@router.get("/{campaign_id}", response_model=CampaignOut)
def get_campaign(campaign_id: uuid.UUID, viewer: Reader, session: SessionDep) -> dict[str, Any]:
    """The campaign with its progress now (pool, retries waiting, reserved, suppressed)."""
    campaign = campaigns.get_campaign(session, campaign_id)
    return campaign_out(campaign, campaign_progress(session, campaign, utcnow()))


@router.post("/{campaign_id}/close", response_model=CampaignOut, responses=errors(409))
def close_campaign(campaign_id: uuid.UUID, viewer: Writer, session: SessionDep) -> dict[str, Any]:
    """Close the campaign and its open tasks; 409 when it is already closed."""
    campaign = campaigns.close_campaign(
        session, campaigns.get_campaign(session, campaign_id), viewer.user.id, utcnow()
    )
    record_by(session, viewer, "campaign.closed", "survey_campaign", campaign.id)
    return campaign_out(campaign)


@router.post(
    "/{campaign_id}/tasks", status_code=201, response_model=AddedOut, responses=errors(409)
)
def add_tasks(
    campaign_id: uuid.UUID, body: TasksIn, viewer: Writer, session: SessionDep
) -> dict[str, Any]:
    """Add an uploaded list (each customer once: one already open is skipped)."""
    campaign = campaigns.get_campaign(session, campaign_id)
    entries = [audience.Entry(e.customer_id, tuple(e.phones), e.priority) for e in body.tasks]
    added = audience.add_list(session, campaign, entries, utcnow())
    return _audited(session, viewer, campaign, added)


@router.post(
    "/{campaign_id}/tasks/from-tickets",
    status_code=201,
    response_model=AddedOut,
    responses=errors(409),
)
def add_closed_tickets(
    campaign_id: uuid.UUID, body: ClosedTicketsIn, viewer: Writer, session: SessionDep
) -> dict[str, Any]:
    """Add the customers of the work orders closed in [closed_from, closed_to)."""
    if body.closed_to <= body.closed_from:
        raise invalid("closed_to", "must come after closed_from")
    campaign = campaigns.get_campaign(session, campaign_id)
    added = audience.add_closed_tickets(
        session, campaign, body.closed_from, body.closed_to, body.kind, body.service_area, utcnow()
    )
    return _audited(session, viewer, campaign, added)


@router.post(
    "/{campaign_id}/tasks/from-segment",
    status_code=201,
    response_model=AddedOut,
    responses=errors(404, 409),
)
def add_from_segment(
    campaign_id: uuid.UUID, body: SegmentIn, viewer: Writer, session: SessionDep
) -> dict[str, Any]:
    """Add the customers of a segment, within my area: the customer list's filters
    inline, or `saved_view_id`, a saved segment of mine or a shared one (GET
    /api/v1/segments); exactly one of the two, else 422 naming `saved_view_id`."""
    campaign = campaigns.get_campaign(session, campaign_id)
    inline = segment_of(body)
    if (body.saved_view_id is None) == (not inline.filters()):
        raise invalid(
            FIELD,
            "give either saved_view_id or the filters (status, grade, category, type, "
            "service_area, is_key_account), not both and not neither",
        )
    if body.saved_view_id is None:
        segment = inline
    else:
        segment = visible_segment(session, viewer.user.id, body.saved_view_id)
    added = add_segment(session, campaign, segment, viewer.area, utcnow())
    return _audited(session, viewer, campaign, added, segment, body.saved_view_id)
