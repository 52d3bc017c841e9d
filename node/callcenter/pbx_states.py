"""Agents' states following the telephone (issue 20 §1): queue_log events imported with
`fedcrm cti import` become `agent_state_events` (source `pbx`).

    AGENTLOGIN, ADDMEMBER                       ready       (签到)
    AGENTLOGOFF, REMOVEMEMBER                   signed_out  (签退)
    PAUSE, PAUSEALL                             not_ready   (reason: data1 when it is a
                                                             not_ready_reason code)
    UNPAUSE, UNPAUSEALL                         ready
    CONNECT                                     on_call     (with the callid)
    COMPLETECALLER, COMPLETEAGENT, TRANSFER,
    BLINDTRANSFER, ATTENDEDTRANSFER             wrap_up     (with the callid)

The agent field names the member as the PBX does (SIP/8001, PJSIP/8001, Agent/1001,
Local/8001@from-queue/n): without its technology and @context it is matched to this
node's users by 分机 (extension), then by 工号 (agent_no). An agent matching nobody is
counted by name for the import report. Each event's id is derived from the line's
fingerprint, so importing a line again adds nothing.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from node.callcenter.agent_names import agents_by_name, member_name
from node.callcenter.agent_time_store import TouchedAgents
from node.callcenter.models import AgentState, AgentStateEvent, StateSource
from node.callcenter.queue_log import QueueEvent
from node.db.base import table_of
from node.db.stamping import stamp_new
from node.dictionaries.lookup import usable_entries
from node.dictionaries.models import DictionaryKind

S = AgentState
STATE_OF_EVENT: dict[str, AgentState] = {
    "AGENTLOGIN": S.ready,
    "ADDMEMBER": S.ready,
    "AGENTLOGOFF": S.signed_out,
    "REMOVEMEMBER": S.signed_out,
    "PAUSE": S.not_ready,
    "PAUSEALL": S.not_ready,
    "UNPAUSE": S.ready,
    "UNPAUSEALL": S.ready,
    "CONNECT": S.on_call,
    "COMPLETECALLER": S.wrap_up,
    "COMPLETEAGENT": S.wrap_up,
    "TRANSFER": S.wrap_up,
    "BLINDTRANSFER": S.wrap_up,
    "ATTENDEDTRANSFER": S.wrap_up,
}
_WITH_CALL = frozenset({S.on_call, S.wrap_up})
# Derived ids: one line at one node is one state event, however often it is imported.
_NAMESPACE = uuid.UUID("0b6f2f8e-9a55-4c1e-8f57-2f7c5e2a4d10")


class PbxStates:
    """Turns a file's events into state events, a batch at a time."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.node = session.info["node_code"]
        self.by_name = agents_by_name(session)
        self.reasons = {
            e.code for e in usable_entries(session, DictionaryKind.not_ready_reason) if e.active
        }
        self.added = 0
        self.unmapped: Counter[str] = Counter()
        self.touched = TouchedAgents()  # for node.callcenter.agent_time_store

    def take(self, events: Iterable[QueueEvent]) -> None:
        """Record the state events of `events` this node does not hold yet."""
        rows: dict[uuid.UUID, dict[str, Any]] = {}
        for event in events:
            state = STATE_OF_EVENT.get(event.event)
            if state is None:
                continue
            user_id = self.by_name.get(member_name(event.agent))
            if user_id is None:
                self.unmapped[event.agent] += 1
                continue
            reason = event.field(1) if state is S.not_ready else ""
            row_id = uuid.uuid5(_NAMESPACE, f"{self.node}:{event.key}")
            rows[row_id] = {
                "id": row_id,
                "user_id": user_id,
                "state": state.value,
                "reason": reason if reason in self.reasons else None,
                "at": datetime.fromtimestamp(event.epoch, UTC),
                "source": StateSource.pbx.value,
                "callid": event.callid[:80] if state in _WITH_CALL else None,
            }
        if not rows:
            return
        held = set(
            self.session.execute(
                select(AgentStateEvent.id).where(AgentStateEvent.id.in_(list(rows)))
            ).scalars()
        )
        new = [row for row_id, row in rows.items() if row_id not in held]
        new.sort(key=lambda r: r["at"])  # stamped in time order: ties read as the file says
        # Plain rows, stamped here: a month of a large center is millions of changes.
        stamp_new(self.session, new)
        if new:
            self.session.connection().execute(insert(table_of(AgentStateEvent)), new)
        self.added += len(new)
        for row in new:
            self.touched.take(row["user_id"], row["at"])
