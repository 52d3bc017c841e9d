"""回访问卷: the questionnaire list, the builder (a draft's definition as JSON, checked on
save with each bad path named; publish; a new draft) and the preview, which renders a
version's questions as a form and shows on submit which questions branching asks and
which answers it accepts. Nothing the preview receives is stored."""

from __future__ import annotations

import json
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from node.api.deps import SessionDep
from node.audit.service import record_by
from node.auth.permissions import Perm
from node.auth.viewer import Viewer
from node.errors import DomainError, invalid
from node.surveys import publications, service
from node.surveys.branching import shown_questions
from node.surveys.definition import Definition, parse_definition
from node.surveys.models import NAME_MAX, VersionStatus
from node.web.errors import WebRoute
from node.web.forms import as_form_errors
from node.web.i18n import translator
from node.web.pages_survey_branching import shown_url
from node.web.rendering import lang_of, render
from node.web.session import PostingViewer, WebViewer, need
from node.web.survey_answers_form import answers_from_form, question_errors

router = APIRouter(prefix="/ui/questionnaires", include_in_schema=False, route_class=WebRoute)
EXAMPLE = {
    "intro": "您好，这里是96296，回访您的报修",
    "questions": [
        {
            "code": "fixed",
            "type": "single",
            "text": "故障修好了吗？",
            "required": True,
            "choices": [
                {"code": "yes", "label": "修好了"},
                {"code": "no", "label": "没修好", "jump_to": "END"},
            ],
        },
        {"code": "score", "type": "rating", "text": "对维修服务满意吗？", "required": True},
    ],
}


def _pretty(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)


def _definition_from_text(text: str) -> Definition:
    """The textarea's JSON as a checked definition; InvalidFields naming the path."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise invalid("definition", f"不是有效的 JSON (not JSON): {exc}") from None
    return parse_definition(data)


@router.get("")
def questionnaires_page(request: Request, viewer: WebViewer, session: SessionDep) -> Response:
    """Every questionnaire (newest first) with its latest version, and the new-one form."""
    need(viewer, Perm.surveys_read)
    return _list(request, session, viewer, {}, None, {"definition": _pretty(EXAMPLE)})


def _list(
    request: Request,
    session: SessionDep,
    viewer: Viewer,
    errors: dict[str, str],
    message: str | None,
    form: dict[str, str],
    status_code: int = 200,
) -> Response:
    page = service.list_questionnaires(session, 200, None, None)
    latest = service.latest_versions(session, [q.id for q in page.rows])
    rows = [(q, latest.get(q.id)) for q in page.rows]
    context = {
        "rows": rows,
        "errors": errors,
        "message": message,
        "form": form,
        "can_write": viewer.can(Perm.surveys_write),
    }
    return render(request, "questionnaires.html", viewer, context, status_code)


@router.post("")
def create_from_form(
    request: Request,
    viewer: PostingViewer,
    session: SessionDep,
    name: Annotated[str, Form()] = "",
    definition: Annotated[str, Form()] = "",
) -> Response:
    """A new questionnaire from the form; its version 1 is a draft."""
    need(viewer, Perm.surveys_write)
    t = translator(lang_of(request))
    form = {"name": name, "definition": definition}
    try:
        if not name.strip() or len(name.strip()) > NAME_MAX:
            raise invalid("name", t("qn.need_name", max=NAME_MAX))
        parsed = _definition_from_text(definition)
        questionnaire, _ = service.create_questionnaire(session, name.strip(), "", parsed)
        record_by(session, viewer, "questionnaire.created", "questionnaire", questionnaire.id)
    except DomainError as exc:
        refused = as_form_errors(exc)
        return _list(request, session, viewer, refused.fields, refused.message, form, 422)
    return RedirectResponse(f"/ui/questionnaires/{questionnaire.id}", status_code=303)


@router.get("/{questionnaire_id}")
def builder_page(
    request: Request, questionnaire_id: uuid.UUID, viewer: WebViewer, session: SessionDep
) -> Response:
    """The questionnaire's versions; its draft's definition in an editable box."""
    need(viewer, Perm.surveys_read)
    saved = request.query_params.get("saved", "")
    return _builder(request, session, viewer, questionnaire_id, {}, None, None, saved=saved)


def _builder(
    request: Request,
    session: SessionDep,
    viewer: Viewer,
    questionnaire_id: uuid.UUID,
    errors: dict[str, str],
    message: str | None,
    text: str | None,
    status_code: int = 200,
    saved: str = "",
) -> Response:
    questionnaire = service.get_questionnaire(session, questionnaire_id)
    versions = service.versions_of(session, questionnaire.id)
    draft = next((v for v in versions if v.status == VersionStatus.draft), None)
    if text is None and draft is not None:
        text = _pretty(service.definition_of(draft).model_dump(mode="json", exclude_none=True))
    context = {
        "questionnaire": questionnaire,
        "versions": versions,
        "draft": draft,
        "text": text or "",
        "errors": errors,
        "message": message,
        "saved": saved,
        "can_write": viewer.can(Perm.surveys_write),
    }
    return render(request, "questionnaire.html", viewer, context, status_code)


@router.post("/{questionnaire_id}/versions/{number}")
def save_draft(
    request: Request,
    questionnaire_id: uuid.UUID,
    number: int,
    viewer: PostingViewer,
    session: SessionDep,
    definition: Annotated[str, Form()] = "",
) -> Response:
    """Save the draft's definition; refused paths are listed beside the box."""
    need(viewer, Perm.surveys_write)
    try:
        version = service.get_version(session, questionnaire_id, number)
        service.update_draft(session, version, _definition_from_text(definition))
    except DomainError as exc:
        refused = as_form_errors(exc)
        return _builder(
            request, session, viewer, questionnaire_id, refused.fields, refused.message,
            definition, refused.status_code,
        )  # fmt: skip
    return RedirectResponse(f"/ui/questionnaires/{questionnaire_id}?saved=1", status_code=303)


@router.post("/{questionnaire_id}/versions/{number}/publish")
def publish_draft(
    request: Request,
    questionnaire_id: uuid.UUID,
    number: int,
    viewer: PostingViewer,
    session: SessionDep,
) -> Response:
    """Publish (freeze) the draft."""
    need(viewer, Perm.surveys_write)
    try:
        version = service.get_version(session, questionnaire_id, number)
        publications.publish_version(session, version, viewer.user.username)
        detail = {"number": number, "version_id": str(version.id)}
        record_by(
            session, viewer, "questionnaire.published", "questionnaire", questionnaire_id, detail
        )
    except DomainError as exc:
        refused = as_form_errors(exc)
        return _builder(
            request, session, viewer, questionnaire_id, {}, refused.message, None,
            refused.status_code,
        )  # fmt: skip
    return RedirectResponse(f"/ui/questionnaires/{questionnaire_id}?saved=1", status_code=303)


@router.post("/{questionnaire_id}/versions")
def start_draft(
    request: Request, questionnaire_id: uuid.UUID, viewer: PostingViewer, session: SessionDep
) -> Response:
    """A new draft copying the latest version."""
    need(viewer, Perm.surveys_write)
    try:
        service.new_draft(session, questionnaire_id)
    except DomainError as exc:
        refused = as_form_errors(exc)
        return _builder(
            request, session, viewer, questionnaire_id, {}, refused.message, None,
            refused.status_code,
        )  # fmt: skip
    return RedirectResponse(f"/ui/questionnaires/{questionnaire_id}", status_code=303)


@router.get("/{questionnaire_id}/versions/{number}/preview")
def preview_page(
    request: Request,
    questionnaire_id: uuid.UUID,
    number: int,
    viewer: WebViewer,
    session: SessionDep,
) -> Response:
    """The version's questions as a form, those branching asks following the answers
    as they are given (survey_branching.js); the check on submit says which it asks."""
    need(viewer, Perm.surveys_read)
    version = service.get_version(session, questionnaire_id, number)
    return _preview(request, viewer, version, {}, None)


@router.post("/{questionnaire_id}/versions/{number}/preview")
async def preview_check(
    request: Request,
    questionnaire_id: uuid.UUID,
    number: int,
    viewer: PostingViewer,
    session: SessionDep,
) -> Response:
    """Check the submitted answers: which questions are asked, which answers are refused."""
    need(viewer, Perm.surveys_read)
    version = service.get_version(session, questionnaire_id, number)
    form = await request.form()
    answers = answers_from_form(service.definition_of(version), form)
    result = service.check_version_answers(version, answers)
    status = 200 if result.valid else 422
    return _preview(request, viewer, version, answers, result, status)


def _preview(
    request: Request,
    viewer: Viewer,
    version: Any,
    answers: dict[str, Any],
    result: Any,
    status_code: int = 200,
) -> Response:
    definition = service.definition_of(version)
    context = {
        "version": version,
        "definition": definition,
        "answers": answers,
        "result": result,
        "errors": question_errors(result.errors) if result else {},
        # Before a check, the questions asked for no answers (survey_branching.js then
        # follows each change); after it, those the check asked.
        "shown": result.shown if result else shown_questions(definition, {}),
        "shown_url": shown_url(version),
        "scales": {"rating": range(1, 6), "nps": range(0, 11)},
    }
    return render(request, "questionnaire_preview.html", viewer, context, status_code)
