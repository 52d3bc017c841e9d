"""Events from a live PBX connection, whichever way they came (POST /api/v1/cti/events or
the Manager Interface follower): kept as queue_log lines are, and the screen pops they
make. One path, so both sources store and pop alike."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from node.callcenter.importer import ImportReport, store_events
from node.callcenter.kpis import Rules
from node.callcenter.queue_log import QueueEvent
from node.callcenter.screen_pop import LIVE_EVENTS, Pop, pops_for


def take_live_events(
    session: Session, events: Sequence[QueueEvent], rules: Rules
) -> tuple[ImportReport, list[Pop]]:
    """Store the events the node does not hold yet (AGENTCALLED, live only, is not kept)
    in the caller's transaction, and return the pops they make for the caller to publish."""
    report = store_events(session, [e for e in events if e.event not in LIVE_EVENTS], rules)
    return report, pops_for(session, events)
