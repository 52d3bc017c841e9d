"""/api/v1/questionnaires: list, create, read, edit a draft, publish, start a new draft,
and check answers against a version without storing them (the preview)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query

from node.api.deps import SessionDep, require
from node.api.openapi import errors
from node.audit.service import record_by
from node.auth.permissions import Perm
from node.auth.viewer import Viewer
from node.surveys import publications, service
from node.surveys.definition import parse_definition
from node.surveys.models import Questionnaire, VersionStatus
from node.surveys.schemas import (
    AnswersIn,
    CheckOut,
    DraftIn,
    ListQuery,
    QuestionnaireDetailOut,
    QuestionnaireIn,
    QuestionnairePageOut,
    VersionDetailOut,
)

router = APIRouter(prefix="/api/v1/questionnaires", tags=["questionnaires"])
Reader = Annotated[Viewer, Depends(require(Perm.surveys_read))]
Writer = Annotated[Viewer, Depends(require(Perm.surveys_write))]
# Bounded so a huge number answers 404, never an integer overflow in the database.
Number = Annotated[int, Path(ge=1, le=service.MAX_VERSION_NUMBER)]


def _summary(questionnaire: Questionnaire, latest: Any) -> dict[str, Any]:
    return {
        "id": questionnaire.id,
        "name": questionnaire.name,
        "description": questionnaire.description,
        "created_at": questionnaire.created_at,
        "updated_at": questionnaire.updated_at,
        "latest": service.version_summary(latest) if latest is not None else None,
    }


def questionnaire_detail(session: SessionDep, questionnaire: Questionnaire) -> dict[str, Any]:
    """The questionnaire with its versions and the open draft's definition."""
    versions = service.versions_of(session, questionnaire.id)
    draft = next((v for v in versions if v.status == VersionStatus.draft), None)
    return {
        **_summary(questionnaire, versions[-1] if versions else None),
        "versions": [service.version_summary(v) for v in versions],
        "draft": service.version_detail(draft) if draft is not None else None,
    }


@router.get("", response_model=QuestionnairePageOut)
def list_questionnaires(
    query: Annotated[ListQuery, Query()], viewer: Reader, session: SessionDep
) -> dict[str, Any]:
    """Questionnaires, newest first by default, paged by `next_cursor`."""
    page = service.list_questionnaires(session, query.limit, query.cursor, query.order_by)
    latest = service.latest_versions(session, [q.id for q in page.rows])
    return {
        "data": [_summary(q, latest.get(q.id)) for q in page.rows],
        "next_cursor": page.next_cursor,
    }


@router.post("", status_code=201, response_model=QuestionnaireDetailOut)
def create_questionnaire(
    body: QuestionnaireIn, viewer: Writer, session: SessionDep
) -> dict[str, Any]:
    """A new questionnaire whose version 1 is a draft; 422 names each bad definition path."""
    definition = parse_definition(body.definition, "definition")
    questionnaire, _ = service.create_questionnaire(
        session, body.name, body.description, definition
    )
    record_by(session, viewer, "questionnaire.created", "questionnaire", questionnaire.id)
    return questionnaire_detail(session, questionnaire)


@router.get("/{questionnaire_id}", response_model=QuestionnaireDetailOut)
def get_questionnaire(
    questionnaire_id: uuid.UUID, viewer: Reader, session: SessionDep
) -> dict[str, Any]:
    """The questionnaire, its versions and its draft (if one is open)."""
    return questionnaire_detail(session, service.get_questionnaire(session, questionnaire_id))


@router.post(
    "/{questionnaire_id}/versions",
    status_code=201,
    response_model=VersionDetailOut,
    responses=errors(409),
)
def start_draft(questionnaire_id: uuid.UUID, viewer: Writer, session: SessionDep) -> dict[str, Any]:
    """A new draft copying the latest version; 409 while a draft is open."""
    draft = service.new_draft(session, questionnaire_id)
    detail = {"number": draft.number}
    record_by(
        session, viewer, "questionnaire.draft_started", "questionnaire", questionnaire_id, detail
    )
    return service.version_detail(draft)


@router.get("/{questionnaire_id}/versions/{number}", response_model=VersionDetailOut)
def get_version(
    questionnaire_id: uuid.UUID, number: Number, viewer: Reader, session: SessionDep
) -> dict[str, Any]:
    """One version with its definition."""
    return service.version_detail(service.get_version(session, questionnaire_id, number))


@router.put(
    "/{questionnaire_id}/versions/{number}",
    response_model=VersionDetailOut,
    responses=errors(409),
)
def update_draft(
    questionnaire_id: uuid.UUID, number: Number, body: DraftIn, viewer: Writer, session: SessionDep
) -> dict[str, Any]:
    """Edit a draft; 409 naming the version if it is published (frozen)."""
    version = service.get_version(session, questionnaire_id, number)
    definition = (
        parse_definition(body.definition, "definition") if body.definition is not None else None
    )
    service.update_draft(session, version, definition, body.name, body.description)
    return service.version_detail(version)


@router.post(
    "/{questionnaire_id}/versions/{number}/publish",
    response_model=VersionDetailOut,
    responses=errors(409),
)
def publish_version(
    questionnaire_id: uuid.UUID, number: Number, viewer: Writer, session: SessionDep
) -> dict[str, Any]:
    """Freeze the draft: answers may point at it from now on; 409 if already published."""
    version = service.get_version(session, questionnaire_id, number)
    publications.publish_version(session, version, viewer.user.username)
    detail = {"number": number, "version_id": str(version.id)}
    record_by(session, viewer, "questionnaire.published", "questionnaire", questionnaire_id, detail)
    return service.version_detail(version)


@router.post("/{questionnaire_id}/versions/{number}/check", response_model=CheckOut)
def check_answers(
    questionnaire_id: uuid.UUID,
    number: Number,
    body: AnswersIn,
    viewer: Reader,
    session: SessionDep,
) -> dict[str, Any]:
    """Which of these answers the version accepts, and why not the others; stores nothing."""
    version = service.get_version(session, questionnaire_id, number)
    result = service.check_version_answers(version, body.answers)
    return {
        "valid": result.valid,
        "shown": result.shown,
        "accepted": result.accepted,
        "errors": result.errors,
    }
