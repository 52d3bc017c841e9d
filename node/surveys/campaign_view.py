"""What the team lead's campaign pages list beside the campaigns (issue 21 §6): the
published questionnaire versions a new campaign may use, and each campaign's
questionnaire name. Read only: creating and closing stay in node.surveys.campaigns."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from node.surveys.models import Questionnaire, QuestionnaireVersion, VersionStatus

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
