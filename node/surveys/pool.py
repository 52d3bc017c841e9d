"""The pool agents pull callbacks from (issue 21 §3).

`reserve` hands the signed-in agent the highest-priority eligible task with a lease:
on PostgreSQL the row is taken with `SELECT ... FOR UPDATE SKIP LOCKED`, so fifty agents
asking at once each get a different one without waiting for each other; on SQLite the
request's write transaction began with BEGIN IMMEDIATE (node.db.engine), so requests
reserve one after the other. The unique index on `lease_agent_id` holds one reservation
per agent in the database whatever the code does.

Eligible: an open task of an open campaign, its next attempt due, not leased (or its
lease ran out: an expired lease returns the task to the pool), not an appointment for
another agent, inside its campaign's calling window, its number not suppressed.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from node.errors import Conflict, NotFound
from node.surveys.calling_window import may_call
from node.surveys.campaign_models import CallTask, CampaignStatus, SurveyCampaign
from node.surveys.suppression import not_suppressed


def held_task(session: Session, agent_id: uuid.UUID) -> CallTask | None:
    """The task the agent's reservation names (its lease may have run out)."""
    return session.execute(
        select(CallTask).where(CallTask.lease_agent_id == agent_id)
    ).scalar_one_or_none()


def _callable_campaigns(session: Session, now: datetime) -> dict[uuid.UUID, int]:
    """Open campaigns inside their calling window now -> their lease seconds."""
    campaigns = session.execute(
        select(SurveyCampaign).where(SurveyCampaign.status == CampaignStatus.open.value)
    ).scalars()
    return {
        c.id: c.lease_seconds
        for c in campaigns
        if may_call(now, c.weekday_window, c.weekend_window)
    }


def _lease(task: CallTask, agent_id: uuid.UUID, seconds: int, now: datetime) -> CallTask:
    task.lease_agent_id = agent_id
    task.lease_until = now + timedelta(seconds=seconds)
    task.updated_at = now
    return task


def _release(session: Session, task: CallTask, now: datetime) -> None:
    task.lease_agent_id = None
    task.lease_until = None
    task.updated_at = now
    # Flushed now: the agent's next reservation must not meet this one in the index.
    session.flush()


def _pick(
    session: Session, campaigns: dict[uuid.UUID, int], agent_id: uuid.UUID, now: datetime
) -> CallTask | None:
    stmt = (
        select(CallTask)
        .where(CallTask.campaign_id.in_(campaigns), CallTask.is_open.is_(True))
        .where(CallTask.next_attempt_at <= now)
        .where(or_(CallTask.lease_agent_id.is_(None), CallTask.lease_until < now))
        .where(
            or_(CallTask.appointment_agent_id.is_(None), CallTask.appointment_agent_id == agent_id)
        )
        .where(not_suppressed(CallTask.phone))
        .order_by(CallTask.priority.desc(), CallTask.next_attempt_at, CallTask.id)
        .limit(1)
    )
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True, of=CallTask)
    return session.execute(stmt).scalar_one_or_none()


def reserve(session: Session, agent_id: uuid.UUID, now: datetime) -> CallTask | None:
    """The agent's task, leased until now + its campaign's lease: the one they hold
    (renewed) if its lease still runs, else the best eligible one; None if none is."""
    campaigns = _callable_campaigns(session, now)
    held = held_task(session, agent_id)
    if held is not None:
        if held.lease_until is not None and held.lease_until >= now and held.is_open:
            seconds = campaigns.get(held.campaign_id)
            if seconds is not None:
                return _lease(held, agent_id, seconds, now)
        _release(session, held, now)
    if not campaigns:
        return None
    task = _pick(session, campaigns, agent_id, now)
    if task is None:
        return None
    _lease(task, agent_id, campaigns[task.campaign_id], now)
    session.flush()
    return task


def holding(session: Session, task_id: uuid.UUID, agent_id: uuid.UUID, now: datetime) -> CallTask:
    """The task if this agent holds its lease now; 404 unknown, 409 naming it otherwise."""
    task = session.get(CallTask, task_id)
    if task is None:
        raise NotFound(f"no call task {task_id}")
    if task.lease_agent_id != agent_id or task.lease_until is None or task.lease_until < now:
        raise Conflict(
            f"回访任务 {task_id} 不在你的预留中 (task {task_id} is not reserved by you: "
            "its lease ran out or another agent holds it; ask for the next task)"
        )
    return task


def renew(session: Session, task_id: uuid.UUID, agent_id: uuid.UUID, now: datetime) -> CallTask:
    """Extend the agent's lease on the task by its campaign's lease seconds."""
    task = holding(session, task_id, agent_id, now)
    campaign = session.get(SurveyCampaign, task.campaign_id)
    seconds = campaign.lease_seconds if campaign is not None else 120
    _lease(task, agent_id, seconds, now)
    session.flush()
    return task


def release_agent(session: Session, agent_id: uuid.UUID, now: datetime) -> None:
    """Give the agent's reservation back to the pool (not ready, signed out)."""
    task = held_task(session, agent_id)
    if task is not None:
        _release(session, task, now)
