"""Which agent's screen pops, and with which caller: a call ringing at an agent's phone
(AGENTCALLED, the live connector's event for Asterisk's AgentCalled) or connected to it
(CONNECT). The agent field names a phone or an agent; node.callcenter.agent_names finds
the user, as it does for the agents' states."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlencode

from sqlalchemy import select
from sqlalchemy.orm import Session

from node.callcenter.agent_names import agents_by_name, member_name
from node.callcenter.models import QueueLogEvent
from node.callcenter.queue_log import QueueEvent

POP_EVENTS = frozenset({"AGENTCALLED", "CONNECT"})
LIVE_EVENTS = frozenset({"AGENTCALLED"})  # the connector's only; never in a queue_log file


@dataclass(frozen=True)
class Pop:
    user_id: uuid.UUID
    url: str  # the caller pop-up, which lands on the 360, a list or the new-customer form


def pops_for(session: Session, events: Iterable[QueueEvent]) -> list[Pop]:
    """The pops these events make: one per ringing or connected call at a known agent
    whose caller is known (from the event, this batch's ENTERQUEUE or the stored one)."""
    wanted = [e for e in events if e.event in POP_EVENTS]
    if not wanted:
        return []
    callers = _callers(session, events, {e.callid for e in wanted})
    agents = agents_by_name(session)
    pops = []
    for event in wanted:
        user_id = agents.get(member_name(event.agent))
        caller = (event.field(1) if event.event == "AGENTCALLED" else "") or callers.get(
            event.callid, ""
        )
        if user_id is not None and caller.strip():
            pops.append(Pop(user_id, "/ui/pop?" + urlencode({"number": caller.strip()})))
    return pops


def _callers(session: Session, events: Iterable[QueueEvent], callids: set[str]) -> dict[str, str]:
    found = {e.callid: e.field(2) for e in events if e.event == "ENTERQUEUE"}
    missing = callids - set(found)
    if missing:
        rows = session.execute(
            select(QueueLogEvent.callid, QueueLogEvent.data2).where(
                QueueLogEvent.event == "ENTERQUEUE", QueueLogEvent.callid.in_(missing)
            )
        ).all()
        found.update({callid: caller for callid, caller in rows})
    return found
