"""Counting the survey figures (node.surveys.figure_models) as results arrive: each dial
adds to its day's, campaign's and agent's row, a task that becomes final adds its
AAPOR disposition, a completed call its answers, and closing a campaign the tasks it
ends. Rows have ids made from their key, so the same key always finds its row.

What a request adds is written as local deltas (SurveyFigureDelta), folded into the
replicated rows by node.surveys.figures_fold: plain inserts, so no result waits for
another's transaction on the node's change counter."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import and_, case, exists, func, select
from sqlalchemy.orm import Session

from node.surveys.calling_window import BEIJING
from node.surveys.campaign_models import CallAttempt, CallTask, SurveyCampaign, TaskOutcome
from node.surveys.definition import CHOICE_TYPES, SCALES, QuestionType
from node.surveys.dispositions import CONTACT_RESULTS, disposition
from node.surveys.figure_models import SurveyFigureDelta
from node.surveys.models import QuestionnaireVersion
from node.surveys.service import definition_of
from node.tickets.models import Ticket

_NAMESPACE = uuid.UUID("5b0e7c52-8f1d-4c3a-9e2b-6a7d8c9e0f11")
COUNTED_ANSWERS = CHOICE_TYPES | set(SCALES)
FIGURES, ANSWERS = "survey_figures", "survey_answer_figures"


def _row_id(*key: Any) -> uuid.UUID:
    return uuid.uuid5(_NAMESPACE, ":".join("" if part is None else str(part) for part in key))


def _delta(target: str, row_id: uuid.UUID, key: dict[str, Any], sums: dict[str, int]) -> Any:
    return SurveyFigureDelta(
        target=target,
        row_id=row_id,
        key=orjson.dumps(key, default=str).decode(),
        sums=orjson.dumps(sums).decode(),
    )


def _add_to_figures(
    session: Session,
    campaign: SurveyCampaign,
    user_id: uuid.UUID,
    now: datetime,
    sums: dict[str, int],
) -> None:
    day = now.astimezone(BEIJING).date()
    row_id = _row_id(session.info["node_code"], day, campaign.id, user_id)
    key = {"day": day, "campaign_id": campaign.id, "campaign_name": campaign.name,
           "user_id": user_id}  # fmt: skip
    session.add(_delta(FIGURES, row_id, key, sums))


@dataclass(frozen=True)
class Dial:
    """One dial as the figures count it: who, when, its result, the answers accepted
    (None unless completed) and whether they were partial."""

    agent_id: uuid.UUID
    now: datetime
    result: str
    accepted: dict[str, Any] | None = None
    partial: bool = False


def count_dial(session: Session, task: CallTask, campaign: SurveyCampaign, dial: Dial) -> None:
    """Count one dial of `task` (already changed by its result): the attempt, a contact,
    the task's disposition when it became final, and a completed call's answers."""
    reached = dial.result in CONTACT_RESULTS
    sums = {"attempts": 1, "contacts": int(reached)}
    if not task.is_open and task.outcome is not None:
        contacted = reached or _was_reached(session, task.id)
        group = disposition(TaskOutcome(task.outcome), dial.partial, task.attempts, contacted)
        sums[group] = 1
    _add_to_figures(session, campaign, dial.agent_id, dial.now, sums)
    if dial.accepted:
        for row_id, key in _answer_keys(session, task, campaign, dial):
            session.add(_delta(ANSWERS, row_id, key, {"responses": 1}))


def _was_reached(session: Session, task_id: uuid.UUID) -> bool:
    reached = select(CallAttempt.id).where(
        CallAttempt.task_id == task_id, CallAttempt.result.in_(CONTACT_RESULTS)
    )
    return session.execute(reached.limit(1)).first() is not None


def count_closing(
    session: Session, campaign: SurveyCampaign, user_id: uuid.UUID, now: datetime
) -> None:
    """Count the dispositions of the open tasks closing the campaign is about to end
    (call before they are closed)."""
    reached = exists().where(
        CallAttempt.task_id == CallTask.id, CallAttempt.result.in_(CONTACT_RESULTS)
    )
    group = case(
        (CallTask.attempts == 0, "unknown"),
        (reached, "others"),
        else_="non_contacts",
    )
    counts = session.execute(
        select(group, func.count())
        .where(and_(CallTask.campaign_id == campaign.id, CallTask.is_open.is_(True)))
        .group_by(group)
    ).all()
    if counts:
        _add_to_figures(session, campaign, user_id, now, {str(g): int(n) for g, n in counts})


def _answer_keys(
    session: Session, task: CallTask, campaign: SurveyCampaign, dial: Dial
) -> list[tuple[uuid.UUID, dict[str, Any]]]:
    """The answer rows (their ids and key columns) a completed call adds one to, by its
    work order's kind and technician (none for a task without a work order)."""
    version = session.get(QuestionnaireVersion, campaign.questionnaire_version_id)
    if version is None:  # versions are never deleted; a broken reference is a bug
        raise RuntimeError(f"campaign {campaign.id} names no version")
    types = {q.code: q.type for q in definition_of(version).questions}
    ticket = session.get(Ticket, task.ticket_id) if task.ticket_id is not None else None
    kind = ticket.kind if ticket is not None else ""
    technician = ticket.technician_id if ticket is not None else None
    day = dial.now.astimezone(BEIJING).date()
    node = session.info["node_code"]
    keys = []
    for code, value in (dial.accepted or {}).items():
        qtype = types[code]
        for answer in ("", *_counted(qtype, value)):
            key = (node, day, campaign.id, dial.agent_id, code, answer, kind, technician)
            keys.append(
                (_row_id(*key),
                 {"day": day, "campaign_id": campaign.id, "user_id": dial.agent_id,
                  "question": code, "question_type": qtype.value, "answer": answer,
                  "ticket_kind": kind, "technician_id": technician})
            )  # fmt: skip
    return keys


def _counted(qtype: QuestionType, value: Any) -> Iterable[str]:
    """The answer values a question's distribution counts: choices and scale points."""
    if qtype not in COUNTED_ANSWERS:
        return ()
    if qtype is QuestionType.multiple:
        return tuple(str(code) for code in value)
    return (str(value),)
