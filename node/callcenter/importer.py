"""`fedcrm cti import`: a queue_log file into the node, idempotently.

Every line is read and checked first. Lines already held (the same file twice,
overlapping files, a line Asterisk wrote twice) change nothing; events fedcrm does not
keep are counted by name; agents' log-ins, pauses and calls become their states
(node.callcenter.pbx_states), once however often a line comes; malformed lines are
listed by line number and skipped, or, with `strict`, nothing at all is imported."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from node.callcenter.models import QueueLogEvent
from node.callcenter.pbx_states import PbxStates
from node.callcenter.queue_log import KNOWN_EVENTS, MalformedLine, QueueEvent, parse_line

BATCH = 5000


@dataclass
class ImportReport:
    lines: int = 0
    events: int = 0  # lines fedcrm keeps
    added: int = 0  # of those, new here
    unknown: Counter[str] = field(default_factory=Counter)
    malformed: list[tuple[int, str]] = field(default_factory=list)  # (line number, why)
    states_added: int = 0  # agents' state events the lines gave (node.callcenter.pbx_states)
    unmapped_agents: Counter[str] = field(default_factory=Counter)  # agent → events

    @property
    def already_held(self) -> int:
        return self.events - self.added


def read_queue_log(path: Path, report: ImportReport) -> Iterator[QueueEvent]:
    """The events of the file worth keeping; the rest is counted in `report`."""
    with path.open("rb") as lines:
        for number, raw in enumerate(lines, start=1):
            report.lines += 1
            text = raw.rstrip(b"\r\n")
            if not text.strip():
                continue
            try:
                event = parse_line(text.decode("utf-8"))
            except UnicodeDecodeError:
                report.malformed.append((number, "不是 UTF-8 文本 (not UTF-8 text)"))
                continue
            except MalformedLine as exc:
                report.malformed.append((number, str(exc)))
                continue
            if event.event not in KNOWN_EVENTS:
                report.unknown[event.event] += 1
                continue
            report.events += 1
            yield event


def import_queue_log(session: Session, path: Path, strict: bool = False) -> ImportReport:
    """Add the file's events the node does not hold yet, in the caller's transaction,
    a batch at a time (a month of a large center is tens of millions of lines)."""
    if strict:  # a first pass that only checks: nothing is written if a line is bad
        checked = ImportReport()
        for _ in read_queue_log(path, checked):
            pass
        if checked.malformed:
            checked.events = 0
            return checked
    report = ImportReport()
    before = session.scalar(select(func.count()).select_from(QueueLogEvent)) or 0
    statement = _insert_new(session)
    events = read_queue_log(path, report)
    states = PbxStates(session)
    while chunk := list(itertools.islice(events, BATCH)):
        session.execute(statement, [_row(e) for e in chunk])
        states.take(chunk)
    after = session.scalar(select(func.count()).select_from(QueueLogEvent)) or 0
    report.added = after - before
    report.states_added, report.unmapped_agents = states.added, states.unmapped
    return report


def _insert_new(session: Session) -> Any:
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(QueueLogEvent).on_conflict_do_nothing(index_elements=["key"])


def _row(event: QueueEvent) -> dict[str, Any]:
    data = {f"data{n}": event.field(n) for n in range(1, 6)}
    return {
        "key": event.key,
        "epoch": event.epoch,
        "callid": event.callid,
        "queue": event.queue,
        "agent": event.agent,
        "event": event.event,
        **data,
    }
