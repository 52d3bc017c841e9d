"""Callbacks from the seat (issue 21 §3): an agent takes the next callback from the pool
only while ready (示闲), as the call center knows their state. Going not ready or
signing out gives a reserved callback back (node.callcenter.agent_states), so a task
is only ever held by someone at their seat."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.orm import Session

from node.callcenter.agent_states import current_state
from node.callcenter.models import AgentState
from node.errors import Conflict
from node.surveys import pool
from node.surveys.campaign_models import CallTask

STATE_NAMES = {
    AgentState.signed_out: "签退",
    AgentState.not_ready: "示忙",
    AgentState.ringing: "振铃",
    AgentState.on_call: "通话中",
    AgentState.wrap_up: "话后处理",
}


class NotReady(Conflict):
    """The agent is not ready: the pool offers them nothing."""


def reserve_when_ready(
    session: Session, user_id: uuid.UUID, now: datetime, wrap_up_max: int
) -> CallTask | None:
    """The pool's next task for `user_id` (the one they hold, renewed, if any); 409
    naming their state unless they are ready (a wrap-up past its maximum reads ready)."""
    reading = current_state(session, user_id, now, wrap_up_max)
    if reading.state is not AgentState.ready:
        name = STATE_NAMES.get(reading.state, reading.state.value)
        raise NotReady(
            f"示闲后才能领取回访，您现在是{name} "
            f"(set yourself ready to take callbacks; you are {reading.state.value})"
        )
    return pool.reserve(session, user_id, now)
