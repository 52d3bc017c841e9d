"""Live branching for the questionnaire forms (the agent's 外呼回访 and the preview): the
form posts its current answers here on every change and gets back the codes of the
questions asked for them, from node.surveys.branching.shown_questions, the one walk of
conditions and jumps; the page's script hides and disables the others. The pages render
with the same function applied, so a form starts as the script would leave it."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from node.api.deps import SessionDep
from node.auth.permissions import Perm
from node.surveys import service
from node.surveys.branching import shown_questions
from node.surveys.models import QuestionnaireVersion
from node.web.errors import WebRoute
from node.web.session import PostingViewer, need
from node.web.survey_answers_form import answers_from_form

router = APIRouter(prefix="/ui/questionnaires", include_in_schema=False, route_class=WebRoute)


def shown_url(version: QuestionnaireVersion) -> str:
    """Where a form of this version posts its answers to learn which questions show."""
    return f"/ui/questionnaires/{version.questionnaire_id}/versions/{version.number}/shown"


@router.post("/{questionnaire_id}/versions/{number}/shown")
async def shown(
    request: Request,
    questionnaire_id: uuid.UUID,
    number: int,
    viewer: PostingViewer,
    session: SessionDep,
) -> Response:
    """`{"shown": [codes]}`: the questions asked, in order, for the posted `a.<code>`
    answers (CSRF-checked like every post; nothing is stored)."""
    need(viewer, Perm.surveys_read)
    version = service.get_version(session, questionnaire_id, number)
    definition = service.definition_of(version)
    answers = answers_from_form(definition, await request.form())
    return JSONResponse({"shown": shown_questions(definition, answers)})
