"""`fedcrm cti import`: the PBX's files into the node, idempotently.

Every line is read and checked first. Lines already held (the same file twice,
overlapping files, a line written twice) change nothing; queue_log events fedcrm does
not keep are counted by name; agents' log-ins, pauses and calls become their states
(node.callcenter.pbx_states) and calls become interactions
(node.callcenter.call_interactions), once however often a line comes; malformed lines are
listed by line number and skipped, or, with `strict`, nothing at all is imported."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from node.callcenter.agent_time_store import refresh_agent_time
from node.callcenter.call_interactions import CallInteractions
from node.callcenter.cdr import CallRecord, parse_record
from node.callcenter.figures_store import Touched, refresh
from node.callcenter.kpis import Rules
from node.callcenter.models import CallDetailRecord, QueueLogEvent
from node.callcenter.pbx_states import PbxStates
from node.callcenter.queue_log import KNOWN_EVENTS, QueueEvent, parse_line
from node.callcenter.stored_events import held_callids
from node.db.base import Base

BATCH = 5000
CALLS_HELD = 200_000  # calls kept for the figures before they are written
DEFAULT_RULES = Rules()  # node.toml's [callcenter] defaults


@dataclass
class ImportReport:
    lines: int = 0
    events: int = 0  # lines fedcrm keeps
    added: int = 0  # of those, new here
    unknown: Counter[str] = field(default_factory=Counter)
    malformed: list[tuple[int, str]] = field(default_factory=list)  # (line number, why)
    states_added: int = 0  # agents' state events the lines gave (node.callcenter.pbx_states)
    unmapped_agents: Counter[str] = field(default_factory=Counter)  # agent -> events
    # Calls recorded as interactions (node.callcenter.call_interactions), new and changed.
    interactions_added: int = 0
    interactions_updated: int = 0
    figures_changed: int = 0  # call_figures rows written (node.callcenter.figures_store)
    agent_time_changed: int = 0  # agent_time_figures rows (node.callcenter.agent_time_store)

    @property
    def already_held(self) -> int:
        return self.events - self.added


@dataclass(frozen=True)
class FileKind:
    """How one kind of PBX file is read and kept."""

    parse: Callable[[str], Any]  # a line to its record; ValueError says why it is not one
    model: type[Base]
    row: Callable[[Any], dict[str, Any]]
    # What a batch of records touched of the figures (node.callcenter.figures_store).
    touch: Callable[[Touched, list[Any]], None]
    kept: Callable[[Any, ImportReport], bool] = lambda record, report: True
    # queue_log: its lines move the agents' states and make the calls' interactions.
    drives_states: bool = False


def read_lines(path: Path, kind: FileKind, report: ImportReport) -> Iterator[Any]:
    """The records of the file worth keeping; the rest is counted in `report`."""
    with path.open("rb") as lines:
        for number, raw in enumerate(lines, start=1):
            report.lines += 1
            text = raw.rstrip(b"\r\n")
            if not text.strip():
                continue
            try:
                record = kind.parse(text.decode("utf-8"))
            except UnicodeDecodeError:
                report.malformed.append((number, "不是 UTF-8 文本 (not UTF-8 text)"))
                continue
            except ValueError as exc:
                report.malformed.append((number, str(exc)))
                continue
            if kind.kept(record, report):
                report.events += 1
                yield record


def import_file(
    session: Session, path: Path, kind: FileKind, strict: bool, rules: Rules
) -> ImportReport:
    """Add the file's records the node does not hold yet, in the caller's transaction,
    a batch at a time (a month of a large center is tens of millions of lines); the
    figures of the slots they touched are computed again under `rules`."""
    if strict:  # a first pass that only checks: nothing is written if a line is bad
        checked = ImportReport()
        for _ in read_lines(path, kind, checked):
            pass
        if checked.malformed:
            checked.events = 0
            return checked
    report = ImportReport()
    store(session, kind, read_lines(path, kind, report), report, rules)
    return report


def store(
    session: Session, kind: FileKind, records: Iterator[Any], report: ImportReport, rules: Rules
) -> None:
    """Insert the records the node does not hold yet; count in `report` how many were new
    (and, for queue_log, the agents' states they gave). New ones are counted by the
    insert itself (a line held already conflicts on its key and adds nothing), never by
    counting the table: a live post must not cost a scan of millions of rows."""
    statement = _insert_new(session, kind.model)
    states = PbxStates(session) if kind.drives_states else None
    calls = CallInteractions(session) if kind.drives_states else None
    touched = Touched()
    while chunk := list(itertools.islice(records, BATCH)):
        new = _new_calls(session, chunk) if calls is not None else set()
        # Core, no ORM bulk machinery; RETURNING names the rows the insert added.
        added = session.connection().execute(statement, [kind.row(r) for r in chunk])
        report.added += len(added.all())
        kind.touch(touched, chunk)
        if states is not None and calls is not None:
            states.take(chunk)
            touched.take_calls(calls.take(chunk, new))
        if len(touched.calls) >= CALLS_HELD:  # a month's calls are not held at once
            report.figures_changed += refresh(session, touched, rules)
            touched = Touched()
    if states is not None and calls is not None:
        report.states_added, report.unmapped_agents = states.added, states.unmapped
        report.interactions_added, report.interactions_updated = calls.added, calls.updated
    report.figures_changed += refresh(session, touched, rules)
    if states is not None:
        report.agent_time_changed = refresh_agent_time(
            session, states.touched, rules.wrap_up_max_seconds
        )


def store_events(session: Session, events: list[QueueEvent], rules: Rules) -> ImportReport:
    """Events a live connector sent (already parsed): kept as a queue_log line would be."""
    report = ImportReport(lines=len(events))
    kept = [e for e in events if _known(e, report)]
    report.events = len(kept)
    store(session, QUEUE_LOG, iter(kept), report, rules)
    return report


def import_queue_log(
    session: Session, path: Path, strict: bool = False, rules: Rules = DEFAULT_RULES
) -> ImportReport:
    """Asterisk's queue_log (`epoch|callid|queue|agent|EVENT|data...`)."""
    return import_file(session, path, QUEUE_LOG, strict, rules)


def import_call_records(
    session: Session, path: Path, strict: bool = False, rules: Rules = DEFAULT_RULES
) -> ImportReport:
    """Asterisk's call detail records (cdr_csv's Master.csv)."""
    return import_file(session, path, CDR_CSV, strict, rules)


def _new_calls(session: Session, events: list[QueueEvent]) -> set[str]:
    """The calls the node holds no line of yet, read before the batch is inserted: the
    batch holds all their lines, so they need not be read back."""
    callids = {e.callid for e in events}
    return callids - held_callids(session, callids)


def _insert_new(session: Session, model: type[Base]) -> Any:
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = model.__table__
    assert isinstance(table, Table)  # declared with __tablename__
    return insert(table).on_conflict_do_nothing(index_elements=["key"]).returning(table.c.id)


def _known(event: QueueEvent, report: ImportReport) -> bool:
    if event.event in KNOWN_EVENTS:
        return True
    report.unknown[event.event] += 1
    return False


def _event_row(event: QueueEvent) -> dict[str, Any]:
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


def _record_row(record: CallRecord) -> dict[str, Any]:
    names = ("key", "start", "src", "dst", "channel", "disposition", "duration", "billsec")
    return {name: getattr(record, name) for name in names}


QUEUE_LOG = FileKind(
    parse_line, QueueLogEvent, _event_row, Touched.take_events, _known, drives_states=True
)
CDR_CSV = FileKind(parse_record, CallDetailRecord, _record_row, Touched.take_records)
