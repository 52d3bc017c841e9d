"""What the team lead's campaign pages list beside the campaigns (issue 21 §6): the
published questionnaire versions a new campaign may use, and each campaign's
questionnaire name. Read only: creating and closing stay in node.surveys.campaigns."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from node.surveys.campaign_models import SurveyCampaign
from node.surveys.models import Questionnaire, QuestionnaireVersion, VersionStatus
from node.surveys.service import definition_of

# More published versions than a select can usefully offer: the newest ones.
VERSIONS_SHOWN = 500


@dataclass(frozen=True)
class VersionChoice:
    id: uuid.UUID
    name: str  # the questionnaire's
    number: int


def published_versions(session: Session) -> list[VersionChoice]:
    """Published versions, newest questionnaire first, its latest version first."""
    rows = session.execute(
        select(QuestionnaireVersion.id, Questionnaire.name, QuestionnaireVersion.number)
        .join(Questionnaire, Questionnaire.id == QuestionnaireVersion.questionnaire_id)
        .where(QuestionnaireVersion.status == VersionStatus.published.value)
        .order_by(
            Questionnaire.created_at.desc(), Questionnaire.id, QuestionnaireVersion.number.desc()
        )
        .limit(VERSIONS_SHOWN)
    ).all()
    return [VersionChoice(vid, name, number) for vid, name, number in rows]


def version_names(session: Session, ids: set[uuid.UUID]) -> dict[uuid.UUID, VersionChoice]:
    """The questionnaire name and number of each version id (unknown ids left out)."""
    if not ids:
        return {}
    rows = session.execute(
        select(QuestionnaireVersion.id, Questionnaire.name, QuestionnaireVersion.number)
        .join(Questionnaire, Questionnaire.id == QuestionnaireVersion.questionnaire_id)
        .where(QuestionnaireVersion.id.in_(ids))
    ).all()
    return {vid: VersionChoice(vid, name, number) for vid, name, number in rows}


def question_texts(session: Session, campaign_id: uuid.UUID | None) -> dict[str, str]:
    """Question code -> its text, from the questionnaires of this node's campaigns (the
    one campaign's when given; where two campaigns reuse a code, the newest wins). A
    parent holds only its children's figures, not their campaigns: codes stay codes."""
    stmt = (
        select(QuestionnaireVersion)
        .join(SurveyCampaign, SurveyCampaign.questionnaire_version_id == QuestionnaireVersion.id)
        .order_by(SurveyCampaign.created_at)
    )
    if campaign_id is not None:
        stmt = stmt.where(SurveyCampaign.id == campaign_id)
    texts: dict[str, str] = {}
    for version in session.execute(stmt).scalars():
        texts.update({q.code: q.text for q in definition_of(version).questions})
    return texts
