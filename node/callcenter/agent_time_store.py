"""Agents' working time as mergeable sums (`agent_time_figures`), kept up to date as
their state changes arrive (issue 20 §7, seed 001's Worktime).

A new change alters the span before it (which now ends at it) and its own span (which
ends at the next change). Whoever adds changes (a state button, a file import, a live
post) names the agents and times they touched; the 15-minute slots from the change
before the earliest to the change after the latest are computed again from the agent's
changes (node.callcenter.worktime.time_by_slot) and written over what was there
(node.callcenter.sums_writer), and the agent's days of those slots are summed again
(node.callcenter.agent_time_days). Only ended spans are summed: the report adds each agent's
running state up to the moment it is asked (node.callcenter.agent_report)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from node.auth.accounts import User
from node.callcenter.agent_time_days import TimeDaysWriter, office_days
from node.callcenter.kpis import PARTIAL_SLOT, slot_start
from node.callcenter.models import (
    AgentState,
    AgentStateEvent,
    AgentTimeDayFigures,
    AgentTimeFigures,
)
from node.callcenter.sums_writer import SumsWriter
from node.callcenter.worktime import AgentTime, Change, time_by_slot

E = AgentStateEvent
SLOT = PARTIAL_SLOT.seconds
SUMS = ("signed_in", "not_ready", "wrap_up", "wrap_ups")
_NAMESPACE = uuid.UUID("5d0e7a3c-41b2-4f8e-9c6d-2a1b3c4d5e6f")
_STATES = {s.value: s for s in AgentState}
_PAIRS = 500  # (user, moment) pairs per statement


def time_figures_id(node: str, start: int, user_id: uuid.UUID, reason: str) -> uuid.UUID:
    return uuid.uuid5(_NAMESPACE, f"{node}:{start}:{user_id.hex}:{reason}")


@dataclass
class TouchedAgents:
    """The agents whose changes were added, with the earliest and latest of them."""

    spans: dict[uuid.UUID, tuple[datetime, datetime]] = field(default_factory=dict)

    def take(self, user_id: uuid.UUID, at: datetime) -> None:
        first, last = self.spans.get(user_id, (at, at))
        self.spans[user_id] = (min(first, at), max(last, at))


def refresh_agent_time(session: Session, touched: TouchedAgents, wrap_up_max: int) -> int:
    """Compute the touched agents' slots again and write them; returns the rows changed."""
    session.flush()  # ORM-added changes (the state buttons) are read back below
    node: str = session.info["node_code"]
    writer = SumsWriter(session, AgentTimeFigures, SUMS)
    days = TimeDaysWriter(session, SUMS)
    for user_id, (first, last) in touched.spans.items():
        low, high = _window(session, user_id, first, last)
        changes = _changes(session, user_id, low, high)
        computed = {
            time_figures_id(node, start, user_id, reason): {
                "slot_start": start,
                "user_id": user_id,
                "reason": reason,
                **sums,
            }
            for start, time in time_by_slot(changes, low, high, wrap_up_max, SLOT).items()
            for reason, sums in _rows(time)
        }
        held = list(
            session.execute(
                select(AgentTimeFigures)
                .where(AgentTimeFigures.origin == node, AgentTimeFigures.user_id == user_id)
                .where(AgentTimeFigures.slot_start >= low, AgentTimeFigures.slot_start < high)
            ).scalars()
        )
        # The days of the slots before and after, not every day of the window: an agent
        # back after a month signed out has a month-long window and one span in it.
        starts = {row.slot_start for row in held} | {v["slot_start"] for v in computed.values()}
        writer.write(held, computed)
        days.write(sorted(office_days(starts)), user_id)
    session.flush()
    return writer.changed + days.changed


def _window(
    session: Session, user_id: uuid.UUID, first: datetime, last: datetime
) -> tuple[int, int]:
    """The slots [low, high) whose sums the changes in [first, last] can alter: from the
    change before `first` to the one after `last`."""
    mine = (E.user_id == user_id, E.deleted_at.is_(None))
    before = session.scalar(select(func.max(E.at)).where(*mine, E.at < first)) or first
    after = session.scalar(select(func.min(E.at)).where(*mine, E.at > last)) or last
    return _slot(before), _slot(after) + SLOT


def _changes(session: Session, user_id: uuid.UUID, low: int, high: int) -> list[Change]:
    """The agent's changes in [low, high) with the one before (the state at `low`) and
    the one after (which ends the last span), in the order they happened."""
    start, end = (datetime.fromtimestamp(t, UTC) for t in (low, high))
    mine = (E.user_id == user_id, E.deleted_at.is_(None))
    columns = (E.at, E.seq, E.state, E.reason)
    before = session.scalar(select(func.max(E.at)).where(*mine, E.at < start))
    after = session.scalar(select(func.min(E.at)).where(*mine, E.at >= end))
    rows = session.execute(
        select(*columns).where(*mine, E.at >= (before or start), E.at <= (after or end))
    ).all()
    return [Change(at, _STATES[state], reason) for at, _, state, reason in sorted(rows)]


def _rows(time: AgentTime) -> list[tuple[str, dict[str, Any]]]:
    """The rows of one slot: "" with signed-in and wrap-up time, one per reason."""
    main = {
        "signed_in": time.signed_in,
        "not_ready": time.not_ready.get("", 0),
        "wrap_up": time.wrap_up,
        "wrap_ups": time.wrap_ups,
    }
    reasons = [
        (reason, {"signed_in": 0, "not_ready": seconds, "wrap_up": 0, "wrap_ups": 0})
        for reason, seconds in time.not_ready.items()
        if reason
    ]
    return [("", main), *reasons]


def _slot(moment: datetime) -> int:
    return slot_start(int(moment.timestamp()), PARTIAL_SLOT)


def summed_time(
    session: Session,
    low: int,
    high: int,
    F: type[AgentTimeFigures] | type[AgentTimeDayFigures] = AgentTimeFigures,
) -> dict[uuid.UUID, AgentTime]:
    """Each agent's ended spans in the slots of [low, high), from the sums the subtree
    holds: per 15-minute slot, or per office day (`F` AgentTimeDayFigures, for a period
    on whole days)."""
    totals = (
        func.sum(F.signed_in),
        func.sum(F.not_ready),
        func.sum(F.wrap_up),
        func.sum(F.wrap_ups),
    )
    rows = session.execute(
        select(F.user_id, F.reason, *totals)
        .where(F.slot_start >= low, F.slot_start < high, F.deleted_at.is_(None))
        .group_by(F.user_id, F.reason)
    )
    times: dict[uuid.UUID, AgentTime] = {}
    for user_id, reason, signed_in, not_ready, wrap_up, wrap_ups in rows:
        time = times.setdefault(user_id, AgentTime())
        time.signed_in += int(signed_in)
        time.wrap_up += int(wrap_up)
        time.wrap_ups += int(wrap_ups)
        if not_ready:
            time.not_ready[reason] = time.not_ready.get(reason, 0) + int(not_ready)
    return times


def running_states(session: Session) -> dict[uuid.UUID, Change]:
    """Each agent's latest change: the state still running, which no sum holds yet. One
    index look-up per user rather than a scan of millions of changes."""
    moment = (
        select(func.max(E.at))
        .where(E.user_id == User.id, E.deleted_at.is_(None))
        .correlate(User)
        .scalar_subquery()
    )
    # Each user's moment first (a look-up per user), then their changes at it, by the
    # (user_id, at) index: asked in one statement, SQLite scans every change instead.
    moments = [(u, at) for u, at in session.execute(select(User.id, moment)) if at is not None]
    rows: list[Any] = []
    for start in range(0, len(moments), _PAIRS):
        pairs = [and_(E.user_id == u, E.at == at) for u, at in moments[start : start + _PAIRS]]
        rows += session.execute(
            select(E.user_id, E.at, E.seq, E.state, E.reason).where(
                or_(*pairs), E.deleted_at.is_(None)
            )
        ).all()
    found: dict[uuid.UUID, Change] = {}
    for user_id, at, _, state, reason in sorted(rows, key=lambda r: (r[1], r[2])):
        found[user_id] = Change(at, _STATES[state], reason)  # the last of a tie wins
    return found
