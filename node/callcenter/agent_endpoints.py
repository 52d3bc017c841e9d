"""Agents' states over the API: one's own (签到, 示闲, 示忙, 签退) and the board's list.

Changing one's own state needs interactions:write: it is what the people who take and
log calls hold (agents, team leads, account managers, admins), and a state is part of
taking calls. Every agent's state needs callcenter:monitor (team leads and admins)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import Field

from node.api.deps import SessionDep, require
from node.auth.accounts import User
from node.auth.permissions import Perm
from node.auth.viewer import Viewer
from node.callcenter.agent_states import (
    Reading,
    agent_states,
    change_state,
    current_state,
)
from node.callcenter.models import AgentState, StateSource
from node.crud.schemas import StrictInput
from node.db.types import utcnow

router = APIRouter(prefix="/api/v1/agents", tags=["callcenter"])


class StateChange(StrictInput):
    """The state to go to; `reason` (a not_ready_reason code) with not_ready only."""

    state: AgentState
    reason: str | None = Field(None, max_length=40)


def wrap_up_max(request: Request) -> int:
    return int(request.app.state.settings.callcenter.wrap_up_max_seconds)


def shown(reading: Reading, now: datetime) -> dict[str, Any]:
    return {
        "state": reading.state.value,
        "reason": reading.reason,
        "since": reading.since.isoformat() if reading.since else None,
        "seconds": reading.seconds(now),
    }


@router.get("/me/state")
def my_state(
    request: Request,
    viewer: Annotated[Viewer, Depends(require(Perm.interactions_write))],
    session: SessionDep,
) -> dict[str, Any]:
    """The caller's own state: signed_out when they never signed in."""
    now = utcnow()
    return shown(current_state(session, viewer.user.id, now, wrap_up_max(request)), now)


@router.post("/me/state")
def change_my_state(
    request: Request,
    body: StateChange,
    viewer: Annotated[Viewer, Depends(require(Perm.interactions_write))],
    session: SessionDep,
) -> dict[str, Any]:
    """Go to another state (the moves allowed are in node/callcenter/agent_states.py):
    409 naming both states for a move not allowed, 422 naming `reason` for a not_ready
    without a not_ready_reason code (or any other state with one)."""
    now, limit = utcnow(), wrap_up_max(request)
    change_state(session, viewer.user, body.state, body.reason, StateSource.api, now, limit)
    return shown(current_state(session, viewer.user.id, now, limit), now)


@router.get("/states")
def every_agent_state(
    request: Request,
    viewer: Annotated[Viewer, Depends(require(Perm.callcenter_monitor))],
    session: SessionDep,
) -> dict[str, Any]:
    """班长监控: every agent of this node (agents, team leads, anyone with a 工号) with
    their state, its reason, since when and for how many seconds."""
    now = utcnow()
    rows = [
        _agent(user, reading, now)
        for user, reading in agent_states(session, now, wrap_up_max(request))
    ]
    return {"at": now.isoformat(), "count": len(rows), "rows": rows}


def _agent(user: User, reading: Reading, now: datetime) -> dict[str, Any]:
    return {
        "user_id": str(user.id),
        "username": user.username,
        "display_name": user.display_name,
        "agent_no": user.agent_no,
        "extension": user.extension,
        "agent_group": user.agent_group,
    } | shown(reading, now)
