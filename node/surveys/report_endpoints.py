"""/api/v1/surveys/report and /api/v1/surveys/report/answers: the callback figures of
Beijing days, at any level (a province reads its cities', HQ everyone's), and
/api/v1/surveys/attempts: the dials this node made, looked up by time, customer, work
order or number."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from node.api.deps import SessionDep, require
from node.auth.permissions import Perm
from node.auth.viewer import Viewer
from node.surveys.attempts import find_attempts
from node.surveys.figures_report import Period, answers_report, survey_report
from node.surveys.report_schemas import AnswersQuery, AttemptPageOut, AttemptQuery, ReportQuery

router = APIRouter(prefix="/api/v1/surveys", tags=["surveys"])
Reader = Annotated[Viewer, Depends(require(Perm.surveys_read))]


@router.get("/report")
def report(
    query: Annotated[ReportQuery, Query()], viewer: Reader, session: SessionDep
) -> dict[str, Any]:
    """Dials, contacts and final tasks by AAPOR disposition with RR1 and COOP1, per
    campaign, node, agent or day (each agent's callbacks of the day: group_by=agent
    with from = to = the day)."""
    period = Period(query.first, query.last, query.campaign_id)
    return survey_report(session, period, query.group_by)


@router.get("/report/answers")
def answers(
    query: Annotated[AnswersQuery, Query()], viewer: Reader, session: SessionDep
) -> dict[str, Any]:
    """Each question's answers with their shares; satisfaction (share of 4-5) on 1-5
    questions and NPS on 0-10 ones; by work-order kind or technician when asked."""
    period = Period(query.first, query.last, query.campaign_id)
    return {"questions": answers_report(session, period, query.by)}


@router.get("/attempts", response_model=AttemptPageOut)
def attempts(
    query: Annotated[AttemptQuery, Query()], viewer: Reader, session: SessionDep
) -> dict[str, Any]:
    """This node's dials, newest first, filtered by time, customer, work order, number
    or campaign; paged by `next_cursor`."""
    return find_attempts(session, query)
