"""Agents' states (issue 20 §1): every change is an `agent_state_events` row with its
time, replicated upward; an agent's state is their latest event (none: signed out).

The moves an agent (or the page, or the API) may make, from the state as it reads now:

    from          to                       meaning
    signed_out    ready                    签到 (sign in)
    ready         not_ready (reason)       示忙 (not ready, with a not_ready_reason)
    not_ready     ready                    示闲 (ready again)
    not_ready     not_ready (reason)       another reason
    ready         signed_out               签退 (sign out)
    not_ready     signed_out               签退
    ready         ringing                  a queue call rings
    ringing       on_call                  answered
    ringing       ready                    not answered
    on_call       wrap_up                  话后处理 (after the call)
    wrap_up       ready                    done
    wrap_up       not_ready (reason)       done, and busy

A wrap-up older than `callcenter.wrap_up_max_seconds` reads as ready from the moment it
ran out (an explicit ready after it is still accepted). Anything else is refused (409,
naming both states). Events from the PBX (source `pbx`) are recorded as they come: the
telephone is what happened, whatever the table says.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from node.auth.accounts import Role, User
from node.callcenter.agent_time_store import TouchedAgents, refresh_agent_time
from node.callcenter.models import AgentState, AgentStateEvent, StateSource
from node.dictionaries.lookup import dictionary_entry
from node.dictionaries.models import DictionaryKind
from node.errors import Conflict, invalid
from node.surveys.pool import release_agent

S = AgentState
ALLOWED: dict[AgentState, frozenset[AgentState]] = {
    S.signed_out: frozenset({S.ready}),
    S.ready: frozenset({S.not_ready, S.signed_out, S.ringing}),
    S.not_ready: frozenset({S.ready, S.not_ready, S.signed_out}),
    S.ringing: frozenset({S.on_call, S.ready}),
    S.on_call: frozenset({S.wrap_up}),
    S.wrap_up: frozenset({S.ready, S.not_ready}),
}

# The moves that hand the agent's reserved callback back to the pool (issue 21 §3).
RELEASING = frozenset({S.not_ready, S.signed_out})

# How people name each state (Chinese first, English in brackets in messages).
STATE_NAMES: dict[AgentState, str] = {
    S.signed_out: "签退",
    S.ready: "示闲",
    S.not_ready: "示忙",
    S.ringing: "振铃",
    S.on_call: "通话中",
    S.wrap_up: "话后处理",
}

# Whose state the board shows: people whose role takes calls, or who have a 工号.
CALL_ROLES = (Role.agent.value, Role.team_lead.value)


@dataclass(frozen=True)
class Reading:
    """An agent's state as it reads at `now`."""

    state: AgentState
    reason: str | None
    since: datetime | None  # None: never signed in
    recorded: AgentState  # the latest event's state (wrap_up when it has run out)

    def seconds(self, now: datetime) -> int | None:
        return None if self.since is None else max(0, int((now - self.since).total_seconds()))


SIGNED_OUT = Reading(S.signed_out, None, None, S.signed_out)


def read_event(event: AgentStateEvent | None, now: datetime, wrap_up_max: int) -> Reading:
    """What `event` (an agent's latest) means at `now`."""
    if event is None:
        return SIGNED_OUT
    state = AgentState(event.state)
    if state is S.wrap_up:
        ends = event.at + timedelta(seconds=wrap_up_max)
        if now >= ends:
            return Reading(S.ready, None, ends, state)
    return Reading(state, event.reason, event.at, state)


def latest_event(session: Session, user_id: uuid.UUID) -> AgentStateEvent | None:
    return session.execute(
        select(AgentStateEvent)
        .where(AgentStateEvent.user_id == user_id, AgentStateEvent.deleted_at.is_(None))
        .order_by(AgentStateEvent.at.desc(), AgentStateEvent.seq.desc())
        .limit(1)
    ).scalar_one_or_none()


def current_state(session: Session, user_id: uuid.UUID, now: datetime, wrap_up_max: int) -> Reading:
    return read_event(latest_event(session, user_id), now, wrap_up_max)


def may_move(reading: Reading, to: AgentState) -> bool:
    """Whether the table above lets an agent in `reading` go to `to`."""
    if to in ALLOWED[reading.state]:
        return True
    # A wrap-up that ran out reads as ready; saying so is still a move it allows.
    return reading.recorded is S.wrap_up and to in ALLOWED[S.wrap_up]


def change_state(
    session: Session,
    user: User,
    to: AgentState,
    reason: str | None,
    source: StateSource,
    now: datetime,
    wrap_up_max: int,
    callid: str | None = None,
) -> AgentStateEvent:
    """Record `user` going to `to` at `now`; refused (422 naming `reason`, 409 naming the
    states) unless the move is allowed and a not_ready carries a dictionary reason."""
    if to is S.not_ready:
        if not reason:
            raise invalid(
                "reason",
                "示忙需要原因 (not_ready needs a reason: a not_ready_reason code; see "
                "GET /api/v1/dictionaries?kind=not_ready_reason)",
            )
        dictionary_entry(session, DictionaryKind.not_ready_reason, reason, "reason")
    elif reason is not None:
        raise invalid("reason", "只有示忙有原因 (only not_ready takes a reason)")
    reading = current_state(session, user.id, now, wrap_up_max)
    if source is not StateSource.pbx and not may_move(reading, to):
        raise Conflict(
            f"不能从「{STATE_NAMES[reading.state]}」转为「{STATE_NAMES[to]}」 "
            f"(cannot go from {reading.state.value} to {to.value})"
        )
    event = AgentStateEvent(
        user_id=user.id, state=to.value, reason=reason, at=now, source=source.value, callid=callid
    )
    session.add(event)
    if to in RELEASING:
        # A callback reserved by someone who stops taking calls goes back to the pool.
        release_agent(session, user.id, now)
    refresh_agent_time(session, TouchedAgents({user.id: (now, now)}), wrap_up_max)
    return event


def node_agents(session: Session) -> list[User]:
    """This node's active people who take calls: agents and team leads, and anyone with
    a 工号, by group then 工号 then name."""
    return list(
        session.execute(
            select(User)
            .where(User.origin == session.info["node_code"], User.deleted_at.is_(None))
            .where(User.active.is_(True))
            .where(or_(User.role.in_(CALL_ROLES), User.agent_no.is_not(None)))
            .order_by(User.agent_group, User.agent_no, User.display_name)
        ).scalars()
    )


def latest_events(session: Session, user_ids: list[uuid.UUID]) -> dict[uuid.UUID, AgentStateEvent]:
    """Each user's latest state event (the users without any are absent)."""
    if not user_ids:
        return {}
    rank = (
        func.row_number()
        .over(
            partition_by=AgentStateEvent.user_id,
            order_by=(AgentStateEvent.at.desc(), AgentStateEvent.seq.desc()),
        )
        .label("rank")
    )
    ranked = (
        select(AgentStateEvent.id, rank)
        .where(AgentStateEvent.user_id.in_(user_ids), AgentStateEvent.deleted_at.is_(None))
        .subquery()
    )
    latest = select(ranked.c.id).where(ranked.c.rank == 1)
    rows = session.execute(select(AgentStateEvent).where(AgentStateEvent.id.in_(latest)))
    return {e.user_id: e for e in rows.scalars()}


def agent_states(session: Session, now: datetime, wrap_up_max: int) -> list[tuple[User, Reading]]:
    """Every agent of this node with their state as it reads at `now`."""
    people = node_agents(session)
    latest = latest_events(session, [u.id for u in people])
    return [(u, read_event(latest.get(u.id), now, wrap_up_max)) for u in people]
