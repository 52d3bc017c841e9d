"""POST /api/v1/cti/events: telephone events from a live PBX connector, in queue_log's
terms, stored exactly as `fedcrm cti import` stores the same lines."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import Field

from node.api.deps import SessionDep, require
from node.auth.permissions import Perm
from node.auth.viewer import Viewer
from node.callcenter.live_events import take_live_events
from node.callcenter.queue_log import MAX_NAME, MalformedLine, QueueEvent, parse_line
from node.callcenter.service import rules_of
from node.crud.schemas import StrictInput
from node.errors import InvalidFields

router = APIRouter(prefix="/api/v1/cti", tags=["callcenter"])
MAX_EVENTS = 1000
_SEPARATORS = ("|", "\n", "\r")


class EventIn(StrictInput):
    """One queue_log line's fields: `time` is its Unix time, `data` its data1..data5."""

    time: int
    callid: str = Field(max_length=MAX_NAME)
    queue: str = Field(max_length=MAX_NAME)
    agent: str = Field(max_length=MAX_NAME)
    event: str = Field(min_length=1, max_length=20)
    data: list[str] = Field(default_factory=list, max_length=5)


class EventsIn(StrictInput):
    events: list[EventIn] = Field(min_length=1, max_length=MAX_EVENTS)


@router.post("/events")
def post_events(
    request: Request,
    body: EventsIn,
    viewer: Annotated[Viewer, Depends(require(Perm.cti_write))],
    session: SessionDep,
) -> dict[str, Any]:
    """Store the events the node does not hold yet (sending one twice changes nothing).
    Every event is checked first: one bad event refuses them all, naming it (422).
    Events fedcrm does not keep are counted by name. A call ringing (AGENTCALLED, live
    only: data1 is the caller) or connected at an agent pops the caller's page on the
    agent's open pages (`popped`: how many pages it reached)."""
    events = [_parsed(i, e) for i, e in enumerate(body.events)]
    rules = rules_of(request.app.state.settings.callcenter)
    report, pops = take_live_events(session, events, rules)
    broker = request.app.state.pop_broker
    popped = sum(broker.publish(pop.user_id, pop.url) for pop in pops)
    return {
        "received": len(events),
        "added": report.added,
        "already_held": report.already_held,
        "unknown": dict(report.unknown),
        "interactions_added": report.interactions_added,
        "interactions_updated": report.interactions_updated,
        "popped": popped,
    }


def _parsed(index: int, event: EventIn) -> QueueEvent:
    fields = [event.callid, event.queue, event.agent, event.event, *event.data]
    for name, value in zip(("callid", "queue", "agent", "event"), fields, strict=False):
        if any(mark in value for mark in _SEPARATORS):
            raise InvalidFields({f"events.{index}.{name}": "不能含 | 或换行 (no | or line break)"})
    if any(mark in value for value in event.data for mark in _SEPARATORS):
        raise InvalidFields({f"events.{index}.data": "不能含 | 或换行 (no | or line break)"})
    try:
        return parse_line("|".join([str(event.time), *fields]))
    except MalformedLine as exc:
        raise InvalidFields({f"events.{index}": str(exc)}) from None
