"""A campaign's progress as a team lead watches it (issue 21 §6): the tasks waiting in
the pool, the retries waiting for their time, the ones reserved now, the final ones by
outcome, and the open ones whose number is suppressed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from node.surveys.campaign_models import CallTask, SurveyCampaign, TaskOutcome
from node.surveys.suppression import not_suppressed


def campaign_progress(session: Session, campaign: SurveyCampaign, now: datetime) -> dict[str, Any]:
    """Counts of the campaign's tasks at `now` (one query)."""
    leased = and_(CallTask.lease_agent_id.is_not(None), CallTask.lease_until >= now)
    free = and_(CallTask.is_open.is_(True), ~leased, not_suppressed(CallTask.phone))

    def count(condition: Any) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    row = session.execute(
        select(
            func.count(CallTask.id),
            count(and_(free, CallTask.next_attempt_at <= now)),
            count(and_(free, CallTask.next_attempt_at > now)),
            count(and_(CallTask.is_open.is_(True), leased)),
            count(and_(CallTask.is_open.is_(True), ~not_suppressed(CallTask.phone))),
            *(count(CallTask.outcome == outcome.value) for outcome in TaskOutcome),
        ).where(CallTask.campaign_id == campaign.id)
    ).one()
    total, pool, waiting, reserved, suppressed, *finals = (int(v) for v in row)
    return {
        "tasks": total,
        "pool": pool,
        "retries_waiting": waiting,
        "reserved": reserved,
        "suppressed": suppressed,
        "final": {o.value: n for o, n in zip(TaskOutcome, finals, strict=True)},
    }
