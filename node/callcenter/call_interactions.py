"""Queued calls become interactions by themselves (issue 20 §3).

A call the PBX reported (one callid, in one queue or several) is one interaction of the
customer whose phone is the caller's number, with the agent who answered: queue, wait,
ring and talk seconds, answered or how the queue ended it, transferred. Its id is
derived from the node and the callid, so importing a line again, or the same call
arriving over several batches, updates one row; what a person wrote on it (outcome,
summary, ticket, the customer they chose) is never overwritten. A caller matching no
customer gets no interaction until the desk logs the call (node.web.pages_customer_call),
which attaches to the same row."""

from __future__ import annotations

import functools
import itertools
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from node.callcenter.agent_names import agents_by_name, member_name
from node.callcenter.callbacks import caller_number
from node.callcenter.calls import Outcome, QueueCall, assemble
from node.callcenter.queue_log import CALL_EVENTS, QueueEvent
from node.callcenter.stored_events import IN_CHUNK, events_of_calls
from node.customers.models import Customer
from node.db.base import table_of
from node.db.stamping import stamp_new
from node.interactions.models import CallResult, Channel, Direction, Interaction

_NAMESPACE = uuid.UUID("5d1f0c3a-7e2b-4f7a-9c61-3b8e0a9d2c47")
MAX_RING, MAX_TALK = 3600, 86_400  # the interactions' own value rules


def interaction_id(node: str, callid: str) -> uuid.UUID:
    """The interaction of call `callid` at node `node`, whoever writes it first."""
    return uuid.uuid5(_NAMESPACE, f"{node}:{callid}")


@dataclass(frozen=True)
class CallFacts:
    """What one customer call was, from all its queue legs."""

    callid: str
    caller: str | None  # as the node stores phone numbers; None when withheld
    started_at: datetime
    queue: str
    wait: int  # seconds waited in queues, all legs
    ring: int
    talk: int
    result: CallResult
    transferred: bool
    agent: str  # the member who answered, as the PBX names it; "" when nobody did

    def derived(self, agent_id: uuid.UUID | None) -> dict[str, Any]:
        """The interaction's columns the PBX decides."""
        return {
            "call_id": self.callid,
            "channel": Channel.phone.value,
            "direction": Direction.inbound.value,
            "started_at": self.started_at,
            "queue": self.queue,
            "wait_seconds": min(self.wait, MAX_TALK),
            "ring_seconds": min(self.ring, MAX_RING),
            "talk_seconds": min(self.talk, MAX_TALK),
            "answered": self.result is CallResult.answered,
            "call_result": self.result.value,
            "transferred": self.transferred,
            **({"agent_id": agent_id} if agent_id is not None else {}),
        }


def facts_of(legs: list[QueueCall]) -> CallFacts | None:
    """One call from its legs (sorted by entry); None while its caller still waits."""
    answered = [leg for leg in legs if leg.outcome is Outcome.answered]
    if not answered and legs[-1].outcome is Outcome.waiting:
        return None
    main = answered[-1] if answered else legs[-1]
    return CallFacts(
        callid=main.callid,
        caller=_number(legs[0].caller),
        started_at=datetime.fromtimestamp(legs[0].entered, UTC),
        queue=main.queue,
        wait=sum(leg.waited for leg in legs),
        ring=main.ring,
        talk=main.talk,
        result=CallResult(main.outcome.value),
        transferred=any(leg.transferred for leg in legs),
        agent=main.agent,
    )


def calls_of(events: Iterable[QueueCall]) -> list[CallFacts]:
    """The decided calls among these legs, one per callid."""
    by_callid: dict[str, list[QueueCall]] = {}
    for leg in events:
        by_callid.setdefault(leg.callid, []).append(leg)
    found = (facts_of(sorted(legs, key=lambda leg: leg.entered)) for legs in by_callid.values())
    return [facts for facts in found if facts is not None]


_MOBILE = re.compile(r"1[3-9]\d{9}")


@functools.lru_cache(maxsize=65_536)
def _number(raw: str) -> str | None:
    # Most callers are mobiles sent as their 11 digits, as customers' phones are kept:
    # those need no parsing (phonenumbers takes ~100 µs a number, a month has a million).
    # Callers ring again and again: the others are parsed once each.
    return raw if _MOBILE.fullmatch(raw) else caller_number(raw)


class CallInteractions:
    """Keeps the interactions of the calls a batch of events touched up to date."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.node: str = session.info["node_code"]
        self.agents = agents_by_name(session)
        self.added = 0
        self.updated = 0

    def take(self, events: list[QueueEvent], new: set[str]) -> list[QueueCall]:
        """Put the calls these events belong to together whole and write the
        interactions of those decided; returns the calls' legs (node.callcenter
        .figures_store counts them). A call's lines may have come in any batch, in any
        order: those of the calls in `new` (no line of theirs was held before this
        batch) are all here; the others are read again."""
        # Log-ins and pauses carry the callid NONE.
        callids = {e.callid for e in events if e.event in CALL_EVENTS and e.callid != "NONE"}
        if not callids:
            return []
        here = {e.key: e for e in events if e.callid in new}  # a line twice is one
        held = events_of_calls(self.session, callids - new)
        legs = assemble(itertools.chain(here.values(), held))
        calls = calls_of(legs)
        if calls:
            self._write(calls)
        return legs

    def _write(self, calls: list[CallFacts]) -> None:
        ids = {interaction_id(self.node, c.callid): c for c in calls}
        held = self._held(list(ids))
        customers = _customers_by_phone(self.session, {c.caller for c in calls if c.caller})
        new: list[dict[str, Any]] = []
        for row_id, facts in ids.items():
            values = facts.derived(self.agents.get(member_name(facts.agent)))
            row = held.get(row_id)
            if row is not None:
                self.updated += _update(row, values)
            elif facts.caller in customers:
                new.append(_new_row(row_id, customers[facts.caller], values))
        self.session.flush()
        # New ones as stamped plain rows: a month of calls is millions of them.
        stamp_new(self.session, new)
        if new:
            self.session.connection().execute(insert(table_of(Interaction)), new)
        self.added += len(new)

    def _held(self, ids: list[uuid.UUID]) -> dict[uuid.UUID, Interaction]:
        held: dict[uuid.UUID, Interaction] = {}
        for start in range(0, len(ids), IN_CHUNK):
            rows = self.session.execute(
                select(Interaction).where(Interaction.id.in_(ids[start : start + IN_CHUNK]))
            ).scalars()
            held.update({row.id: row for row in rows})
        return held


def _new_row(row_id: uuid.UUID, customer_id: uuid.UUID, values: dict[str, Any]) -> dict[str, Any]:
    """Every column of a new interaction, the PBX's values and the columns' defaults."""
    return {
        "id": row_id,
        "customer_id": customer_id,
        "agent_id": None,
        "outcome": None,
        "summary": None,
        "ticket_id": None,
        **values,
    }


def _update(row: Interaction, values: dict[str, Any]) -> int:
    """Set what changed (an unchanged row is not a change to replicate); 1 if any did.
    A deleted interaction stays deleted."""
    if row.deleted_at is not None:
        return 0
    changed = {k: v for k, v in values.items() if getattr(row, k) != v}
    for name, value in changed.items():
        setattr(row, name, value)
    return 1 if changed else 0


def _customers_by_phone(session: Session, numbers: set[str]) -> dict[str, uuid.UUID]:
    """This node's live customer holding each number (the most recently changed wins)."""
    found: dict[str, uuid.UUID] = {}
    wanted = sorted(numbers)
    for start in range(0, len(wanted), IN_CHUNK):
        rows = session.execute(
            select(Customer.phone, Customer.id)
            .where(Customer.phone.in_(wanted[start : start + IN_CHUNK]))
            .where(Customer.deleted_at.is_(None), Customer.origin == session.info["node_code"])
            .order_by(Customer.seq)
        ).all()
        found.update({phone: cid for phone, cid in rows if phone})
    return found
