"""The audit row of tasks added to a campaign, one shape for the API and the pages: how
many were added and, for a segment, its filters and the saved segment it came from."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from node.audit.service import Actor, record_by
from node.surveys.audience import Added
from node.surveys.campaign_models import SurveyCampaign
from node.surveys.segment import Segment


def record_added(
    session: Session,
    who: Actor,
    campaign: SurveyCampaign,
    added: Added,
    segment: Segment | None = None,
    saved_view_id: int | None = None,
) -> None:
    """Record `campaign.tasks_added` for `who`."""
    detail: dict[str, Any] = {"added": added.added}
    if segment is not None:
        detail["segment"] = segment.filters()
    if saved_view_id is not None:
        detail["saved_view_id"] = saved_view_id
    record_by(session, who, "campaign.tasks_added", "survey_campaign", campaign.id, detail)
