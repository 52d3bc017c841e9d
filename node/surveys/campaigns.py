"""Campaigns (issue 21 §2): create one on a published questionnaire version with its
rules, list them, read one, close one (its open tasks close with it)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from node.api.pagination import keyset_page
from node.errors import Conflict, NotFound, invalid
from node.surveys.calling_window import parse_window
from node.surveys.campaign_models import CallTask, CampaignStatus, SurveyCampaign, TaskOutcome
from node.surveys.figures_store import count_closing
from node.surveys.models import QuestionnaireVersion, VersionStatus

ORDER_FIELDS = ("created_at", "name")
DEFAULT_ORDER = "-created_at"


@dataclass(frozen=True)
class Rules:
    """A campaign's rules, defaults as issue 21 §4 states them."""

    first_retry_minutes: int = 30
    second_retry_minutes: int = 120
    soft_refusal_days: int = 7
    max_attempts: int = 3
    lease_seconds: int = 120
    weekday_window: str = "09:00-20:30"
    weekend_window: str = "09:00-17:00"


@dataclass(frozen=True)
class AutoFill:
    """Fill the campaign as work orders close: of this kind and service area when given,
    closed since `since` (node.surveys.auto_fill)."""

    kind: str | None = None
    area: str | None = None
    since: datetime | None = None


@dataclass
class CampaignPage:
    rows: list[SurveyCampaign]
    next_cursor: str | None


def _published_version(session: Session, version_id: uuid.UUID) -> QuestionnaireVersion:
    version = session.get(QuestionnaireVersion, version_id)
    if version is None:
        raise invalid("questionnaire_version_id", "no questionnaire version has this id")
    if version.status != VersionStatus.published:
        raise invalid(
            "questionnaire_version_id",
            "是草稿：先发布 (is a draft: publish it first, answers must point at a frozen version)",
        )
    return version


def _check_windows(rules: Rules) -> None:
    for name in ("weekday_window", "weekend_window"):
        try:
            parse_window(getattr(rules, name))
        except ValueError as exc:
            raise invalid(f"rules.{name}", str(exc)) from None


def create_campaign(
    session: Session,
    name: str,
    version_id: uuid.UUID,
    rules: Rules,
    by: str,
    fill: AutoFill | None = None,
) -> SurveyCampaign:
    """A new open campaign (filling itself as work orders close when `fill` is given);
    422 naming `questionnaire_version_id` for a draft or unknown version, naming the
    window for a malformed one."""
    _published_version(session, version_id)
    _check_windows(rules)
    campaign = SurveyCampaign(
        name=name, questionnaire_version_id=version_id, created_by=by, **rules.__dict__
    )
    if fill is not None:
        campaign.fill_from_tickets = True
        campaign.fill_kind, campaign.fill_area, campaign.fill_since = (
            fill.kind,
            fill.area,
            fill.since,
        )
    session.add(campaign)
    session.flush()
    return campaign


def get_campaign(session: Session, campaign_id: uuid.UUID) -> SurveyCampaign:
    """The campaign, or NotFound."""
    campaign = session.get(SurveyCampaign, campaign_id)
    if campaign is None:
        raise NotFound(f"no campaign {campaign_id}")
    return campaign


def list_campaigns(
    session: Session, limit: int, cursor: str | None, order_by: str | None
) -> CampaignPage:
    """One page of campaigns, keyset-paged like every list."""
    rows, next_cursor = keyset_page(
        session, SurveyCampaign, limit, cursor, order_by or DEFAULT_ORDER, ORDER_FIELDS
    )
    return CampaignPage(rows, next_cursor)


def close_campaign(
    session: Session, campaign: SurveyCampaign, user_id: uuid.UUID, now: datetime
) -> SurveyCampaign:
    """Close the campaign and its open tasks (leases too), counting their dispositions
    as `user_id`'s; 409 if already closed."""
    if campaign.status == CampaignStatus.closed:
        raise Conflict(f"campaign {campaign.id} is already closed")
    count_closing(session, campaign, user_id, now)
    campaign.status = CampaignStatus.closed.value
    campaign.updated_at = now
    session.execute(
        update(CallTask)
        .where(CallTask.campaign_id == campaign.id, CallTask.is_open.is_(True))
        .values(
            is_open=False,
            outcome=TaskOutcome.closed.value,
            lease_agent_id=None,
            lease_until=None,
            updated_at=now,
        )
    )
    session.flush()
    return campaign
