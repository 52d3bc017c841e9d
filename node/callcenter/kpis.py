"""CCmonitor's figures (seed 001) from queue calls, per time slot and queue or agent.

Definitions (issue 20 §7), in office time (Asia/Shanghai): a call belongs to the slot
its ENTERQUEUE falls in, however late it ends.
- offered: calls that entered a queue; answered: those with CONNECT (hold = its data1);
  abandoned (short: waited at most `short_abandon` seconds); timeouts, exit_empty,
  exit_key.
- answered_within_sl: answered with hold at most the service-level seconds.
- service_level = answered_within_sl / (offered - short abandons);
  abandon_rate = abandoned / offered; asa: mean hold of answered calls; att: mean talk
  of answered calls; max_wait: the longest any caller waited.
Rows keep their sums, so slots merge into longer ones and nodes into their parent:
`partials` are the sums per 15-minute slot, queue and agent that node.callcenter
.figures_store keeps and replicates upward.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from node.callcenter.calls import Outcome, QueueCall
from node.callcenter.cdr import CallRecord
from node.callcenter.queue_log import QueueEvent

OFFICE_OFFSET = 8 * 3600  # Asia/Shanghai has kept UTC+8, without summer time, since 1991


class Slot(StrEnum):
    m15 = "15m"
    m30 = "30m"
    m60 = "60m"
    day = "day"

    @property
    def seconds(self) -> int:
        return {"15m": 900, "30m": 1800, "60m": 3600, "day": 86_400}[self.value]


class GroupBy(StrEnum):
    slot = "slot"
    queue = "queue"
    agent = "agent"
    group = "group"  # the answering agent's group (组)
    node = "node"  # the node whose PBX took the calls: a parent compares its children


@dataclass(frozen=True)
class Rules:
    """The thresholds the figures depend on (node.toml may set them per node)."""

    service_level_seconds: int = 20
    short_abandon_seconds: int = 5
    wrap_up_max_seconds: int = 60  # a longer wrap-up counts as ready after it


def slot_start(epoch: int, slot: Slot) -> int:
    """The Unix time the office-time slot holding `epoch` starts at."""
    return epoch - (epoch + OFFICE_OFFSET) % slot.seconds


@dataclass
class Figures:
    """The sums of one row; the rates and means are read from them."""

    offered: int = 0
    answered: int = 0
    abandoned: int = 0
    short_abandoned: int = 0
    timeouts: int = 0
    exit_empty: int = 0
    exit_key: int = 0
    answered_within_sl: int = 0
    transfers: int = 0
    ring_no_answer: int = 0
    outbound_calls: int = 0  # calls an extension made to an outside number (CDR)
    outbound_talk_seconds: int = 0
    hold_seconds: int = 0
    talk_seconds: int = 0
    max_wait: int = 0

    def add(self, call: QueueCall, rules: Rules) -> None:
        self.offered += 1
        self.max_wait = max(self.max_wait, call.waited)
        self.transfers += call.transferred
        if call.outcome is Outcome.answered:
            self.answered += 1
            self.hold_seconds += call.hold
            self.talk_seconds += call.talk
            self.answered_within_sl += call.hold <= rules.service_level_seconds
        elif call.outcome is Outcome.abandoned:
            self.abandoned += 1
            self.short_abandoned += call.wait <= rules.short_abandon_seconds
        elif call.outcome is Outcome.timeout:
            self.timeouts += 1
        elif call.outcome is Outcome.exit_empty:
            self.exit_empty += 1
        elif call.outcome is Outcome.exit_key:
            self.exit_key += 1

    def merge(self, other: Figures) -> None:
        for name in self.__dataclass_fields__:
            if name == "max_wait":
                self.max_wait = max(self.max_wait, other.max_wait)
            else:
                setattr(self, name, getattr(self, name) + getattr(other, name))

    def shown(self) -> dict[str, Any]:
        """The sums with the rates and means (None where nothing was there to divide)."""
        counted = self.offered - self.short_abandoned
        return {
            **{name: getattr(self, name) for name in self.__dataclass_fields__},
            "service_level": _ratio(self.answered_within_sl, counted),
            "abandon_rate": _ratio(self.abandoned, self.offered),
            "asa": _ratio(self.hold_seconds, self.answered),
            "att": _ratio(self.talk_seconds, self.answered),
        }


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass
class Report:
    """Rows keyed by (slot start, queue or agent or "") and their total."""

    rows: dict[tuple[int, str], Figures] = field(default_factory=dict)
    total: Figures = field(default_factory=Figures)
    # Each agent's (answered, talk seconds), by user, for the Worktime section.
    by_user: dict[uuid.UUID, tuple[int, int]] = field(default_factory=dict)

    def row(self, start: int, key: str) -> Figures:
        return self.rows.setdefault((start, key), Figures())


@dataclass(frozen=True)
class Naming:
    """What a row is keyed by when grouped by group or node: each agent's group (as the
    PBX names the agent; "" for none) and this node's code."""

    groups: Mapping[str, str] = field(default_factory=dict)
    node: str = ""


def row_key(group_by: GroupBy, queue: str, agent: str, naming: Naming) -> str:
    """What a row of `group_by` is of, for something in `queue` at `agent`."""
    if group_by is GroupBy.queue:
        return queue
    if group_by is GroupBy.agent:
        return agent
    if group_by is GroupBy.group:
        return naming.groups.get(agent, "")
    return naming.node if group_by is GroupBy.node else ""


def compute(
    calls: Iterable[QueueCall],
    agent_events: Iterable[QueueEvent],
    slot: Slot,
    group_by: GroupBy,
    rules: Rules,
    records: Iterable[CallRecord] = (),
    naming: Naming = Naming(),
) -> Report:
    """The figures of `calls` by slot (and queue, answering agent, its group or node).
    Per agent or group, a row holds the calls answered, the RINGNOANSWER events and the
    outbound calls its phones made (`records`; by queue they count in the total only)."""
    report = Report()
    by_agent = group_by in (GroupBy.agent, GroupBy.group)
    for call in calls:
        report.total.add(call, rules)
        if by_agent and call.outcome is not Outcome.answered:
            continue
        key = row_key(group_by, call.queue, call.agent, naming)
        report.row(slot_start(call.entered, slot), key).add(call, rules)
    for event in agent_events:
        if event.event != "RINGNOANSWER":
            continue
        key = row_key(group_by, event.queue, event.agent, naming)
        report.row(slot_start(event.epoch, slot), key).ring_no_answer += 1
        report.total.ring_no_answer += 1
    for record in records:
        if record.outbound_number is None:
            continue
        figures = [report.total]
        if group_by is not GroupBy.queue:
            key = row_key(group_by, "", record.peer, naming)
            figures.append(report.row(slot_start(record.start, slot), key))
        for f in figures:
            f.outbound_calls += 1
            f.outbound_talk_seconds += record.billsec if record.answered else 0
    return report


PARTIAL_SLOT = Slot.m15
PartialKey = tuple[int, str, str]  # (15-minute slot start, queue, agent)


def partials(
    calls: Iterable[QueueCall],
    agent_events: Iterable[QueueEvent],
    records: Iterable[CallRecord],
    rules: Rules,
) -> dict[PartialKey, Figures]:
    """The sums `compute` merges, per 15-minute slot, queue and agent: a call under the
    agent who answered it ("" when nobody did), a ring-no-answer under its agent, an
    outbound call under queue "" and the phone that made it. Any grouping of `compute`
    is a merge of these."""
    rows: dict[PartialKey, Figures] = {}

    def row(at: int, queue: str, agent: str) -> Figures:
        return rows.setdefault((slot_start(at, PARTIAL_SLOT), queue, agent), Figures())

    for call in calls:
        answered_by = call.agent if call.outcome is Outcome.answered else ""
        row(call.entered, call.queue, answered_by).add(call, rules)
    for event in agent_events:
        if event.event == "RINGNOANSWER":
            row(event.epoch, event.queue, event.agent).ring_no_answer += 1
    for record in records:
        if record.outbound_number is not None:
            figures = row(record.start, "", record.peer)
            figures.outbound_calls += 1
            figures.outbound_talk_seconds += record.billsec if record.answered else 0
    return rows
