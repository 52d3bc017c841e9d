"""Dial results and what each one does to its task (issue 21 §4).

    result                    the task
    completed                 final; the answers stored (missing required ones: partial)
    no_answer, busy           retried at +first_retry, then +second_retry minutes
    soft_refusal              retried once after soft_refusal_days; a second one is final
    wrong_number,             the number is final: the next number at once, if any
      disconnected
    refused, do_not_call      final; the number goes on the suppression list
    appointment               offered again at the time the customer named (to this
                              agent only, or to anyone)

Every dial but an appointment counts toward one cap per task (`max_attempts`, 3):
whatever caused a retry, a task that reached it closes instead. An appointment is the
customer's own request, so it does not use up the task's tries.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson
from sqlalchemy.orm import Session

from node.errors import InvalidFields, invalid
from node.surveys import figures_store
from node.surveys.answers import AnswerCheck
from node.surveys.campaign_models import (
    SUPPRESSING,
    CallAttempt,
    CallTask,
    DialResult,
    SurveyCampaign,
    SurveyResponse,
    TaskOutcome,
)
from node.surveys.models import QuestionnaireVersion
from node.surveys.pool import holding
from node.surveys.service import check_version_answers
from node.surveys.suppression import suppress

R = DialResult
RETRIED = frozenset({R.no_answer, R.busy})
NUMBER_FINAL = frozenset({R.wrong_number, R.disconnected})
REQUIRED = "is required"


@dataclass(frozen=True)
class Report:
    """What the agent says about one dial."""

    result: DialResult
    answers: dict[str, Any] | None = None
    appointment_at: datetime | None = None
    appointment_mine: bool = False


def _checked_answers(session: Session, campaign: SurveyCampaign, report: Report) -> AnswerCheck:
    """The answers checked against the campaign's version: only missing required ones
    are allowed (the response is then partial); any other error is a 422 naming it."""
    if report.answers is None:
        raise invalid("answers", "a completed call carries the answers")
    version = session.get(QuestionnaireVersion, campaign.questionnaire_version_id)
    if version is None:  # versions are never deleted; a broken reference is a bug
        raise RuntimeError(f"campaign {campaign.id} names no version")
    check = check_version_answers(version, report.answers)
    wrong = {k: v for k, v in check.errors.items() if v != REQUIRED}
    if wrong:
        raise InvalidFields(wrong)
    return check


def _check_report(report: Report, now: datetime) -> None:
    if report.result is R.appointment:
        if report.appointment_at is None:
            raise invalid("appointment_at", "an appointment needs the time the customer named")
        if report.appointment_at <= now:
            raise invalid("appointment_at", "must be in the future")
    elif report.appointment_at is not None:
        raise invalid("appointment_at", "only an appointment carries a time")
    if report.answers is not None and report.result is not R.completed:
        raise invalid("answers", "only a completed call carries answers")


def _close(task: CallTask, outcome: TaskOutcome) -> None:
    task.is_open = False
    task.outcome = outcome.value


def _retry_or_close(
    task: CallTask, campaign: SurveyCampaign, delay: timedelta, now: datetime
) -> None:
    if task.attempts >= campaign.max_attempts:
        _close(task, TaskOutcome.exhausted)
    else:
        task.next_attempt_at = now + delay


def _retry_delay(task: CallTask, campaign: SurveyCampaign) -> timedelta:
    minutes = campaign.first_retry_minutes if task.attempts <= 1 else campaign.second_retry_minutes
    return timedelta(minutes=minutes)


def _next_number(task: CallTask, campaign: SurveyCampaign, now: datetime) -> None:
    phones: list[str] = orjson.loads(task.phones)
    if task.phone_index + 1 >= len(phones):
        _close(task, TaskOutcome.no_number)
        return
    task.phone_index += 1
    task.phone = phones[task.phone_index]
    _retry_or_close(task, campaign, timedelta(0), now)


def _apply(
    session: Session,
    task: CallTask,
    campaign: SurveyCampaign,
    report: Report,
    agent_id: uuid.UUID,
    now: datetime,
) -> None:
    result = report.result
    if result is not R.appointment:
        task.attempts += 1
        task.appointment_agent_id = None
    if result is R.completed:
        _close(task, TaskOutcome.completed)
    elif result in RETRIED:
        _retry_or_close(task, campaign, _retry_delay(task, campaign), now)
    elif result is R.soft_refusal:
        task.soft_refusals += 1
        if task.soft_refusals > 1:
            _close(task, TaskOutcome.refused)
        else:
            _retry_or_close(task, campaign, timedelta(days=campaign.soft_refusal_days), now)
    elif result in NUMBER_FINAL:
        _next_number(task, campaign, now)
    elif result in SUPPRESSING:
        _close(task, TaskOutcome.refused)
        suppress(session, task.phone, result.value, agent_id, now)
    elif report.appointment_at is not None:
        task.next_attempt_at = report.appointment_at
        task.appointment_agent_id = agent_id if report.appointment_mine else None


def record_result(
    session: Session, task_id: uuid.UUID, agent_id: uuid.UUID, report: Report, now: datetime
) -> CallTask:
    """Record one dial of the task the agent holds and apply its consequence; the lease
    ends. 409 naming the task unless the agent holds it; 422 naming the field for bad
    answers or appointment (nothing changed then)."""
    task = holding(session, task_id, agent_id, now)
    campaign = session.get(SurveyCampaign, task.campaign_id)
    if campaign is None:
        raise RuntimeError(f"task {task.id} names no campaign")
    _check_report(report, now)
    check = _checked_answers(session, campaign, report) if report.result is R.completed else None
    session.add(
        CallAttempt(
            task_id=task.id, agent_id=agent_id, phone=task.phone, result=report.result, at=now
        )
    )
    if check is not None:
        session.add(
            SurveyResponse(
                task_id=task.id,
                campaign_id=campaign.id,
                questionnaire_version_id=campaign.questionnaire_version_id,
                agent_id=agent_id,
                answers=orjson.dumps(check.accepted).decode(),
                partial=not check.valid,
                at=now,
            )
        )
    _apply(session, task, campaign, report, agent_id, now)
    accepted, partial = (check.accepted, not check.valid) if check is not None else (None, False)
    dial = figures_store.Dial(agent_id, now, report.result, accepted, partial)
    figures_store.count_dial(session, task, campaign, dial)
    task.lease_agent_id = None
    task.lease_until = None
    task.updated_at = now
    session.flush()
    return task
