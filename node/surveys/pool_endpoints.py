"""/api/v1/surveys/tasks/{task_id}/...: the agent renews the lease of the callback they
took (POST /api/v1/surveys/next, node.callcenter.callback_endpoints: only when ready)
while working, and posts the dial result. One transaction per request (a write one:
BEGIN IMMEDIATE on SQLite)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends

from node.api.deps import SessionDep, require
from node.api.openapi import errors
from node.auth.permissions import Perm
from node.auth.viewer import Viewer
from node.db.types import utcnow
from node.surveys import pool
from node.surveys.campaign_models import CallTask, SurveyCampaign
from node.surveys.campaign_schemas import ResultIn, TaskOut
from node.surveys.models import QuestionnaireVersion
from node.surveys.results import Report, record_result

router = APIRouter(prefix="/api/v1/surveys", tags=["surveys"])
Agent = Annotated[Viewer, Depends(require(Perm.surveys_read))]


def task_out(task: CallTask) -> dict[str, Any]:
    """The task as the API shows it."""
    return {
        "id": task.id,
        "campaign_id": task.campaign_id,
        "customer_key": task.customer_key,
        "customer_id": task.customer_id,
        "ticket_id": task.ticket_id,
        "phone": task.phone,
        "phones": orjson.loads(task.phones),
        "priority": task.priority,
        "is_open": task.is_open,
        "outcome": task.outcome,
        "attempts": task.attempts,
        "next_attempt_at": task.next_attempt_at,
        "lease_until": task.lease_until,
        "appointment_agent_id": task.appointment_agent_id,
    }


def next_out(session: SessionDep, task: CallTask | None) -> dict[str, Any]:
    """The reserved task with its campaign's name and questionnaire definition."""
    if task is None:
        return {"task": None}
    campaign = session.get(SurveyCampaign, task.campaign_id)
    version = (
        session.get(QuestionnaireVersion, campaign.questionnaire_version_id) if campaign else None
    )
    return {
        "task": task_out(task),
        "campaign_name": campaign.name if campaign else None,
        "definition": orjson.loads(version.definition) if version else None,
    }


@router.post("/tasks/{task_id}/renew", response_model=TaskOut, responses=errors(409))
def renew(task_id: uuid.UUID, viewer: Agent, session: SessionDep) -> dict[str, Any]:
    """Extend my lease; 409 naming the task if I do not hold it."""
    return task_out(pool.renew(session, task_id, viewer.user.id, utcnow()))


@router.post("/tasks/{task_id}/result", response_model=TaskOut, responses=errors(409))
def post_result(
    task_id: uuid.UUID, body: ResultIn, viewer: Agent, session: SessionDep
) -> dict[str, Any]:
    """Record the dial's result; the task is retried, moves on or closes as §4 says."""
    report = Report(body.result, body.answers, body.appointment_at, body.appointment_mine)
    return task_out(record_result(session, task_id, viewer.user.id, report, utcnow()))
