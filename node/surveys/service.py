"""Questionnaires and their versions: create, list, edit a draft, publish (which freezes
the version), start a new draft from the latest version, and check answers."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import orjson
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from node.api.pagination import keyset_page
from node.db.types import utcnow
from node.errors import Conflict, NotFound
from node.surveys.answers import AnswerCheck, check_answers
from node.surveys.definition import Definition
from node.surveys.models import Questionnaire, QuestionnaireVersion, VersionStatus

ORDER_FIELDS = ("created_at", "name")
DEFAULT_ORDER = "-created_at"

MAX_VERSION_NUMBER = 1_000_000  # a version number the API and pages accept


@dataclass
class QuestionnairePage:
    rows: list[Questionnaire]
    next_cursor: str | None


def stored(definition: Definition) -> str:
    """The definition as the JSON text a version keeps."""
    return orjson.dumps(definition.model_dump(mode="json")).decode()


def definition_of(version: QuestionnaireVersion) -> Definition:
    """The version's stored definition (checked when it was saved). Callers only read
    it: the same text parses once per process (every dial result of a campaign checks
    its answers against one frozen version)."""
    return _parsed(version.definition)


@lru_cache(maxsize=128)
def _parsed(text: str) -> Definition:
    return Definition.model_validate_json(text)


def create_questionnaire(
    session: Session, name: str, description: str, definition: Definition
) -> tuple[Questionnaire, QuestionnaireVersion]:
    """A new questionnaire with its first version, a draft."""
    questionnaire = Questionnaire(name=name, description=description)
    session.add(questionnaire)
    session.flush()
    version = QuestionnaireVersion(
        questionnaire_id=questionnaire.id,
        number=1,
        status=VersionStatus.draft.value,
        definition=stored(definition),
    )
    session.add(version)
    session.flush()
    return questionnaire, version


def list_questionnaires(
    session: Session, limit: int, cursor: str | None, order_by: str | None
) -> QuestionnairePage:
    """One page of questionnaires in `order_by` order, keyset-paged like every list."""
    rows, next_cursor = keyset_page(
        session, Questionnaire, limit, cursor, order_by or DEFAULT_ORDER, ORDER_FIELDS
    )
    return QuestionnairePage(rows, next_cursor)


def get_questionnaire(session: Session, questionnaire_id: uuid.UUID) -> Questionnaire:
    """The questionnaire, or NotFound."""
    questionnaire = session.get(Questionnaire, questionnaire_id)
    if questionnaire is None:
        raise NotFound(f"no questionnaire {questionnaire_id}")
    return questionnaire


def versions_of(session: Session, questionnaire_id: uuid.UUID) -> list[QuestionnaireVersion]:
    """Every version of the questionnaire, the first first."""
    stmt = (
        select(QuestionnaireVersion)
        .where(QuestionnaireVersion.questionnaire_id == questionnaire_id)
        .order_by(QuestionnaireVersion.number)
    )
    return list(session.execute(stmt).scalars())


def latest_versions(
    session: Session, questionnaire_ids: list[uuid.UUID]
) -> dict[uuid.UUID, QuestionnaireVersion]:
    """Each questionnaire's highest-numbered version (one query for a whole page)."""
    if not questionnaire_ids:
        return {}
    newest = (
        select(
            QuestionnaireVersion.questionnaire_id,
            func.max(QuestionnaireVersion.number).label("number"),
        )
        .where(QuestionnaireVersion.questionnaire_id.in_(questionnaire_ids))
        .group_by(QuestionnaireVersion.questionnaire_id)
        .subquery()
    )
    stmt = select(QuestionnaireVersion).join(
        newest,
        (QuestionnaireVersion.questionnaire_id == newest.c.questionnaire_id)
        & (QuestionnaireVersion.number == newest.c.number),
    )
    return {v.questionnaire_id: v for v in session.execute(stmt).scalars()}


def get_version(session: Session, questionnaire_id: uuid.UUID, number: int) -> QuestionnaireVersion:
    """Version `number` of the questionnaire, or NotFound (a number past
    MAX_VERSION_NUMBER too: it would not fit the column on PostgreSQL)."""
    if not 1 <= number <= MAX_VERSION_NUMBER:
        raise NotFound(f"questionnaire {questionnaire_id} has no version {number}")
    get_questionnaire(session, questionnaire_id)
    stmt = select(QuestionnaireVersion).where(
        QuestionnaireVersion.questionnaire_id == questionnaire_id,
        QuestionnaireVersion.number == number,
    )
    version = session.execute(stmt).scalar_one_or_none()
    if version is None:
        raise NotFound(f"questionnaire {questionnaire_id} has no version {number}")
    return version


def ensure_own(session: Session, questionnaire: Questionnaire) -> None:
    """409 naming the owner when the questionnaire came from a node above: only that
    node changes it (docs/federation.md rule 11)."""
    here: str = session.info["node_code"]
    if questionnaire.owner is not None and questionnaire.owner != here:
        owner = questionnaire.owner
        raise Conflict(
            f"owner: this questionnaire belongs to node {owner}; only node {owner} "
            f"may change it (this node is {here})"
        )


def _frozen(version: QuestionnaireVersion) -> Conflict:
    return Conflict(
        f"version {version.number} ({version.id}) is published and cannot change: "
        "start a new draft from it"
    )


def update_draft(
    session: Session,
    version: QuestionnaireVersion,
    definition: Definition | None,
    name: str | None = None,
    description: str | None = None,
) -> QuestionnaireVersion:
    """Change a draft's definition (and its questionnaire's name or description).

    409 naming the version when it is published: answers may point at it."""
    ensure_own(session, get_questionnaire(session, version.questionnaire_id))
    if version.status != VersionStatus.draft:
        raise _frozen(version)
    now = utcnow()
    if definition is not None:
        version.definition = stored(definition)
        version.updated_at = now
    if name is not None or description is not None:
        questionnaire = get_questionnaire(session, version.questionnaire_id)
        questionnaire.name = name if name is not None else questionnaire.name
        if description is not None:
            questionnaire.description = description
        questionnaire.updated_at = now
    session.flush()
    return version


def publish(session: Session, version: QuestionnaireVersion, by: str) -> QuestionnaireVersion:
    """Freeze the draft: from now on answers may point at it and it never changes."""
    ensure_own(session, get_questionnaire(session, version.questionnaire_id))
    if version.status != VersionStatus.draft:
        raise _frozen(version)
    version.status = VersionStatus.published.value
    version.published_at = version.updated_at = utcnow()
    version.published_by = by
    session.flush()
    return version


def new_draft(session: Session, questionnaire_id: uuid.UUID) -> QuestionnaireVersion:
    """A new draft copying the latest version, which must be published (one draft at a
    time: two would race to become the next version)."""
    questionnaire = get_questionnaire(session, questionnaire_id)
    ensure_own(session, questionnaire)
    versions = versions_of(session, questionnaire.id)
    latest = versions[-1]
    if latest.status == VersionStatus.draft:
        raise Conflict(
            f"version {latest.number} ({latest.id}) is still a draft: edit or publish it"
        )
    draft = QuestionnaireVersion(
        questionnaire_id=questionnaire_id,
        number=latest.number + 1,
        status=VersionStatus.draft.value,
        definition=latest.definition,
    )
    session.add(draft)
    session.flush()
    return draft


def check_version_answers(version: QuestionnaireVersion, answers: Any) -> AnswerCheck:
    """Check answers against the version without storing anything (the preview)."""
    return check_answers(definition_of(version), answers)


def version_summary(version: QuestionnaireVersion) -> dict[str, Any]:
    """A version as lists show it (no definition)."""
    return {
        "id": version.id,
        "number": version.number,
        "status": version.status,
        "created_at": version.created_at,
        "updated_at": version.updated_at,
        "published_at": version.published_at,
        "published_by": version.published_by,
    }


def version_detail(version: QuestionnaireVersion) -> dict[str, Any]:
    """A version with its definition."""
    return {
        **version_summary(version),
        "questionnaire_id": version.questionnaire_id,
        "definition": definition_of(version).model_dump(mode="json"),
    }
