"""An agent's current call, which the desk's log-call form attaches to (issue 20 §3).

The current call is the agent's latest call by their state events (the PBX's CONNECT,
COMPLETE*, TRANSFER): the one they are on, or one that ended within WRAP_UP_WINDOW,
which nobody has written a summary for yet. Logging it writes the call's own
interaction (node.callcenter.call_interactions), so the PBX's figures and the agent's
notes are one record, whichever comes first."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from node.auth.viewer import Viewer
from node.callcenter.call_interactions import calls_of, interaction_id
from node.callcenter.calls import assemble
from node.callcenter.models import AgentState, AgentStateEvent
from node.callcenter.stored_events import events_of_calls
from node.errors import invalid
from node.interactions.models import Interaction
from node.interactions.resource import InteractionIn, InteractionResource

# What the agent's form decides on a call's interaction; the rest is the PBX's.
_WRITTEN_BY_PEOPLE = ("customer_id", "agent_id", "outcome", "summary", "ticket_id")
WRAP_UP_WINDOW = timedelta(minutes=30)  # an ended call stays current this long
LONGEST_CALL = timedelta(hours=4)  # an on_call older than this lost its ending event


@dataclass(frozen=True)
class CurrentCall:
    callid: str
    caller: str  # the caller ID as the PBX sent it; "" when withheld
    since: datetime  # when the agent's latest state of this call began
    on_call: bool  # still talking (else ended, in or after wrap-up)


def current_call(session: Session, user_id: uuid.UUID, now: datetime) -> CurrentCall | None:
    """The call `user_id` may log now, or None."""
    event = session.execute(
        select(AgentStateEvent)
        .where(AgentStateEvent.user_id == user_id, AgentStateEvent.callid.is_not(None))
        .where(AgentStateEvent.deleted_at.is_(None))
        .order_by(AgentStateEvent.at.desc(), AgentStateEvent.seq.desc())
        .limit(1)
    ).scalar_one_or_none()
    if event is None or event.callid is None:
        return None
    on_call = event.state == AgentState.on_call.value
    if now - event.at > (LONGEST_CALL if on_call else WRAP_UP_WINDOW):
        return None
    if _logged(session, event.callid):
        return None
    return CurrentCall(event.callid, _caller(session, event.callid), event.at, on_call)


def agents_call(session: Session, user_id: uuid.UUID, callid: str) -> bool:
    """Whether the PBX put call `callid` through to this agent."""
    return (
        session.execute(
            select(AgentStateEvent.id)
            .where(AgentStateEvent.user_id == user_id, AgentStateEvent.callid == callid)
            .limit(1)
        ).first()
        is not None
    )


def record_call(
    session: Session,
    viewer: Viewer,
    resource: InteractionResource,
    payload: InteractionIn,
    callid: str,
) -> Interaction:
    """Log call `callid` as the agent wrote it (customer, outcome, summary, ticket) on
    the call's own interaction, which the PBX's events may already have made: one record
    either way, with the PBX's figures where it has them. Refused (422 naming
    `call_id`) for a call that was not put through to this agent."""
    if not agents_call(session, viewer.user.id, callid):
        raise invalid("call_id", "这不是您接听的通话 (this call was not put through to you)")
    values = resource.check_values(session, viewer, payload.model_dump(), None)
    values.update(_pbx_values(session, callid))
    row_id = interaction_id(session.info["node_code"], callid)
    row = session.get(Interaction, row_id)
    if row is None:
        resource.check_storage(session, values, None)
        row = Interaction(id=row_id, **values)
        session.add(row)
    elif row.deleted_at is not None:
        raise invalid("call_id", "这通电话的记录已删除 (this call's record was deleted)")
    else:
        for name in _WRITTEN_BY_PEOPLE:
            setattr(row, name, values[name])
    session.flush()
    return row


def _pbx_values(session: Session, callid: str) -> dict[str, Any]:
    """What the PBX's events say of the call; only its id while it is still going."""
    calls = calls_of(assemble(events_of_calls(session, [callid])))
    if not calls:
        return {"call_id": callid}
    return {k: v for k, v in calls[0].derived(agent_id=None).items() if k != "agent_id"}


def _logged(session: Session, callid: str) -> bool:
    row = session.get(Interaction, interaction_id(session.info["node_code"], callid))
    return row is not None and row.summary is not None


def _caller(session: Session, callid: str) -> str:
    for event in events_of_calls(session, [callid]):
        if event.event == "ENTERQUEUE" and event.field(2):
            return event.field(2)
    return ""
