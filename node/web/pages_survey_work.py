"""外呼回访: the agent's callback page (issue 21 §6). 下一个回访 reserves the next task
from the pool; the page shows its campaign, the numbers, the customer and the work
order beside the questionnaire, and one button per dial result. A result goes through
node.surveys.results.record_result: refused answers come back under their questions
(nothing recorded), a lost reservation says so with a way to the next task. A small
script renews the lease every minute while the page is open; without it the lease
simply runs its campaign's length."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from node.api.deps import SessionDep
from node.auth.permissions import Perm
from node.auth.viewer import Viewer
from node.callcenter.callback_seat import NotReady, reserve_when_ready
from node.db.types import utcnow
from node.errors import Conflict, DomainError, InvalidFields, invalid
from node.office_time import OFFICE_TZ
from node.surveys import pool
from node.surveys.branching import shown_questions
from node.surveys.campaign_models import CallTask, DialResult
from node.surveys.models import QuestionnaireVersion
from node.surveys.results import Report, record_result
from node.surveys.work_view import beijing_day, my_dials, next_due, task_view
from node.web.choices import kind_labels
from node.web.errors import WebRoute
from node.web.forms import as_form_errors
from node.web.i18n import translator
from node.web.pages_survey_branching import shown_url
from node.web.rendering import lang_of, local_time, render
from node.web.session import PostingViewer, WebViewer, need
from node.web.survey_answers_form import answers_from_form, question_errors

router = APIRouter(prefix="/ui/surveys/work", include_in_schema=False, route_class=WebRoute)
HOME = "/ui/surveys/work"
# The buttons, in the order the agent reads them: the completed call first.
RESULTS = tuple(DialResult)


def _live(task: CallTask | None, now: datetime) -> bool:
    return (
        task is not None
        and task.is_open
        and task.lease_until is not None
        and task.lease_until >= now
    )


def _today(session: Session, viewer: Viewer, now: datetime, t: Any) -> dict[str, Any]:
    counts = my_dials(session, viewer.user.id, beijing_day(now))
    rows = [(t(f"dial.{r.value}"), counts[r.value]) for r in RESULTS if r.value in counts]
    return {"rows": rows, "total": sum(counts.values())}


def _page(
    request: Request,
    session: Session,
    viewer: Viewer,
    now: datetime,
    task: CallTask | None,
    extra: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    t = translator(lang_of(request))
    view = task_view(session, task) if task is not None else None
    context: dict[str, Any] = {
        "view": view,
        "kinds": kind_labels(session),
        "results": [(r.value, t(f"dial.{r.value}")) for r in RESULTS],
        "today": _today(session, viewer, now, t),
        "answers": {},
        "errors": {},
        "message": None,
        "notice": None,
        "stale": False,
        "values": {},
        **(extra or {}),
    }
    if view is not None:
        # The questions branching asks for the answers so far, so the form starts as
        # its script (survey_branching.js) would leave it.
        context["shown"] = shown_questions(view.definition, context["answers"])
        context["view_shown_url"] = _shown_url(session, view.campaign.questionnaire_version_id)
    return render(request, "survey_work.html", viewer, context, status_code)


def _shown_url(session: Session, version_id: uuid.UUID) -> str:
    version = session.get(QuestionnaireVersion, version_id)
    if version is None:  # a campaign's version is never deleted; a broken one is a bug
        raise RuntimeError(f"no questionnaire version {version_id}")
    return shown_url(version)


@router.get("")
def work_page(request: Request, viewer: WebViewer, session: SessionDep) -> Response:
    """The task I hold (while its lease runs), else the 下一个回访 button, with what the
    last step did (`done`, `none`) and my dials of today."""
    need(viewer, Perm.surveys_read)
    now = utcnow()
    t = translator(lang_of(request))
    held = pool.held_task(session, viewer.user.id)
    extra: dict[str, Any] = {}
    done = request.query_params.get("done", "")
    if done in {r.value for r in RESULTS}:
        extra["notice"] = t("sw.recorded", result=t(f"dial.{done}"))
    if request.query_params.get("not_ready") == "1" and not _live(held, now):
        extra["message"] = t("sw.not_ready")
    if request.query_params.get("none") == "1" and not _live(held, now):
        due = next_due(session, viewer.user.id, now)
        extra["message"] = t("sw.none") + (
            "；" + t("sw.next_due", at=local_time(due)) if due is not None else ""
        )
    return _page(request, session, viewer, now, held if _live(held, now) else None, extra)


@router.post("/next")
def take_next(request: Request, viewer: PostingViewer, session: SessionDep) -> Response:
    """Reserve the next callback for me (the one I hold, renewed, if its lease runs)."""
    need(viewer, Perm.surveys_read)
    need(viewer, Perm.interactions_write)  # taking a callback is taking a call
    try:
        task = reserve_when_ready(session, viewer.user.id, utcnow(), _wrap_up_max(request))
    except NotReady:
        return RedirectResponse(f"{HOME}?not_ready=1", status_code=303)
    return RedirectResponse(HOME if task is not None else f"{HOME}?none=1", status_code=303)


@router.post("/tasks/{task_id}/renew")
def renew_lease(task_id: uuid.UUID, viewer: PostingViewer, session: SessionDep) -> Response:
    """Extend my lease (the page's script calls this every minute); 409 if it is lost."""
    need(viewer, Perm.surveys_read)
    task = pool.renew(session, task_id, viewer.user.id, utcnow())
    until = task.lease_until.isoformat() if task.lease_until else None
    return JSONResponse({"lease_until": until})


def _wrap_up_max(request: Request) -> int:
    return int(request.app.state.settings.callcenter.wrap_up_max_seconds)


def _appointment(raw: str, mine: bool, t: Any) -> tuple[datetime | None, bool]:
    """The picker's Beijing wall-clock time as an aware moment (None when blank)."""
    if not raw.strip():
        return None, mine
    try:
        moment = datetime.fromisoformat(raw.strip())
    except ValueError:
        raise invalid("appointment_at", t("sw.bad_time")) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=OFFICE_TZ)
    return moment, mine


@router.post("/tasks/{task_id}/result")
async def post_result(
    request: Request, task_id: uuid.UUID, viewer: PostingViewer, session: SessionDep
) -> Response:
    """Record the dial's result; the answers only with 拨打成功, the time only with 预约."""
    need(viewer, Perm.surveys_read)
    lang = lang_of(request)
    t = translator(lang)
    now = utcnow()
    form = await request.form()
    raw_result = form.get("result")
    raw_time = form.get("appointment_at")
    values = {
        "appointment_at": raw_time if isinstance(raw_time, str) else "",
        "appointment_mine": form.get("appointment_mine") == "1",
    }
    held = session.get(CallTask, task_id)
    view_task = held if held is not None and held.lease_agent_id == viewer.user.id else None
    answers: dict[str, Any] = {}
    try:
        task = pool.holding(session, task_id, viewer.user.id, now)
        view_task = task
        if raw_result not in {r.value for r in RESULTS}:
            raise invalid("result", t("sw.results"))
        result = DialResult(str(raw_result))
        definition = task_view(session, task).definition
        answers = answers_from_form(definition, form)
        at, mine = _appointment(str(values["appointment_at"]), bool(values["appointment_mine"]), t)
        report = Report(
            result,
            answers if result is DialResult.completed else None,
            at if result is DialResult.appointment else None,
            mine if result is DialResult.appointment else False,
        )
        if result is DialResult.appointment and at is None:
            raise invalid("appointment_at", t("sw.bad_time"))
        record_result(session, task.id, viewer.user.id, report, now)
    except Conflict:
        extra = {"stale": True, "message": t("sw.stale")}
        return _page(request, session, viewer, now, None, extra, 409)
    except InvalidFields as exc:
        refused = as_form_errors(exc, lang)
        extra = {
            "answers": answers,
            "errors": question_errors(refused.fields),
            "message": t("sw.refused"),
            "values": values,
        }
        return _page(request, session, viewer, now, view_task, extra, 422)
    except DomainError as exc:  # an unknown task: 404 with its message
        refused = as_form_errors(exc, lang)
        extra = {"stale": True, "message": refused.message}
        return _page(request, session, viewer, now, None, extra, refused.status_code)
    return RedirectResponse(f"{HOME}?done={result.value}", status_code=303)
