"""Shared setup of the callback-survey tests: a published questionnaire, a campaign on
it, and tasks made of bare numbers. The clock is always passed in (T0 a Tuesday 10:00
in Beijing, inside the default weekday window)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from node.surveys import audience, campaigns
from node.surveys.campaign_models import CallTask, SurveyCampaign
from node.surveys.definition import Definition
from node.surveys.service import create_questionnaire, publish

T0 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # Tuesday 2026-12-01 10:00 Beijing

DEFINITION = {
    "questions": [
        {
            "code": "fixed",
            "type": "single",
            "text": "修好了吗？",
            "required": True,
            "choices": [{"code": "yes", "label": "是"}, {"code": "no", "label": "否"}],
        },
        {"code": "score", "type": "rating", "text": "满意吗？", "required": True},
    ]
}


def published_version(session: Session) -> uuid.UUID:
    """A new questionnaire whose version 1 is published; the version's id."""
    _, version = create_questionnaire(
        session, "报修回访", "", Definition.model_validate(DEFINITION)
    )
    publish(session, version, "admin")
    return version.id


def make_campaign(session: Session, **rules: object) -> SurveyCampaign:
    """An open campaign with the default rules (or these)."""
    return campaigns.create_campaign(
        session,
        "回访",
        published_version(session),
        campaigns.Rules(**rules),
        "admin",  # type: ignore[arg-type]
    )


def add_numbers(
    session: Session, campaign: SurveyCampaign, *lists: list[str], priority: int = 0
) -> list[CallTask]:
    """One task per list of numbers (bare numbers, no customer); the tasks in order."""
    entries = [audience.Entry(None, tuple(phones), priority) for phones in lists]
    added = audience.add_list(session, campaign, entries, T0)
    return [session.get(CallTask, task_id) for task_id in added.task_ids]  # type: ignore[misc]
