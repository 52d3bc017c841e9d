"""CCmonitor's per-agent section (issue 20 §7): each agent's answered calls and talk
time in the period with their Worktime from their state changes (node.callcenter
.worktime). State changes and users replicate upward, so every level can read it for
its subtree."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from node.auth.accounts import User
from node.callcenter.agent_time_store import running_states, summed_time
from node.callcenter.models import (
    AgentState,
    AgentStateEvent,
    AgentTimeDayFigures,
    AgentTimeFigures,
)
from node.callcenter.schemas import KpiQuery
from node.callcenter.worktime import AgentTime, Change, agent_time

E = AgentStateEvent


def agent_rows(
    session: Session,
    query: KpiQuery,
    calls_by_user: Mapping[uuid.UUID, tuple[int, int]],
    wrap_up_max: int,
    now: datetime,
) -> list[dict[str, object]]:
    """A row per agent who was signed in or answered a call in the period (up to `now`),
    those of the query's group only when it names one; `calls_by_user` holds each
    agent's (answered, talk seconds) under the query's filters."""
    low, high = query.start, min(query.end, now)
    times = _times(session, query, high, wrap_up_max) if high > low else {}
    ids = set(times) | set(calls_by_user)
    if query.agent is not None:
        ids &= set(calls_by_user)
    users: list[User] = (
        list(session.execute(select(User).where(User.id.in_(ids))).scalars()) if ids else []
    )
    rows = []
    for user in users:
        if query.group is not None and user.agent_group != query.group:
            continue
        time = times.get(user.id, AgentTime())
        answered, talk = calls_by_user.get(user.id, (0, 0))
        if time.signed_in == 0 and answered == 0:
            continue
        rows.append({**_who(user), **time.shown(answered, talk)})
    return sorted(rows, key=lambda r: tuple(str(r[k] or "") for k in _ORDER))


_ORDER = ("node", "agent_group", "agent_no", "extension", "name")


def _who(user: User) -> dict[str, object]:
    return {
        "user_id": str(user.id),
        "node": user.origin,
        "name": user.display_name,
        "agent_no": user.agent_no,
        "extension": user.extension,
        "agent_group": user.agent_group,
    }


def _times(
    session: Session, query: KpiQuery, high: datetime, wrap_up_max: int
) -> dict[uuid.UUID, AgentTime]:
    """Each agent's time in [query.start, high): on quarter hours from the sums of their
    ended spans (per office day over whole days, a 96th of the rows) plus their running
    state; otherwise from their changes."""
    if not query.on_quarter_hours:
        changes = _changes(session, query.start, high)
        return {
            user_id: agent_time(own, query.start, high, wrap_up_max)
            for user_id, own in changes.items()
        }
    sums = AgentTimeDayFigures if query.on_office_days else AgentTimeFigures
    times = summed_time(session, *query.epochs, sums)
    for user_id, change in running_states(session).items():
        running = agent_time([change], query.start, high, wrap_up_max)
        if running.counts:  # most agents at a parent are signed out: no row for them
            times.setdefault(user_id, AgentTime()).merge(running)
    return times


def _changes(session: Session, low: datetime, high: datetime) -> dict[uuid.UUID, list[Change]]:
    """Every agent's changes in [low, high), after their latest one before `low`. Read as
    plain columns: a month of a large center is millions of changes."""
    latest = (
        select(E.user_id, func.max(E.at).label("at"))
        .where(E.at < low, E.deleted_at.is_(None))
        .group_by(E.user_id)
        .subquery()
    )
    columns = (E.user_id, E.at, E.seq, E.state, E.reason)
    before = select(*columns).join(latest, and_(E.user_id == latest.c.user_id, E.at == latest.c.at))
    during = select(*columns).where(E.at >= low, E.at < high, E.deleted_at.is_(None))
    found: dict[uuid.UUID, set[tuple[datetime, int, str, str | None]]] = {}
    for stmt in (before, during):
        for user_id, at, seq, state, reason in session.execute(stmt):
            found.setdefault(user_id, set()).add((at, seq, state, reason))
    states = {s.value: s for s in AgentState}
    return {
        user_id: [Change(at, states[state], reason) for at, _, state, reason in sorted(rows)]
        for user_id, rows in found.items()
    }
