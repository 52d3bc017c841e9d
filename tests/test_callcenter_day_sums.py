"""Issue 20 §7: the sums per office day (`call_day_figures`, `agent_time_day_figures`).

A report by day over whole days by agent or group (or filtered by one) reads them, and
so does the Worktime of a period on whole days. The golden log's figures by agent and
day are the ones worked out by hand in test_callcenter_queue_log (written out again
here, row by row); for any events arriving in any batches, the day report equals the
15-minute report added up by day, and the day rows equal what `fedcrm cti refigure`
sums from scratch."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from node.auth.accounts import Role, User
from node.callcenter.agent_time_days import refigure_time_days
from node.callcenter.agent_time_store import SUMS as TIME_SUMS
from node.callcenter.agent_time_store import TouchedAgents, refresh_agent_time, summed_time
from node.callcenter.day_sums import refigure_days
from node.callcenter.figures_report import figures_report, table_read
from node.callcenter.figures_store import SUMS
from node.callcenter.importer import import_queue_log, store_events
from node.callcenter.kpis import Figures, Report, Rules, Slot, slot_start
from node.callcenter.models import (
    AgentState,
    AgentStateEvent,
    AgentTimeDayFigures,
    AgentTimeFigures,
    CallDayFigures,
    CallFigures,
    CallQueueFigures,
)
from node.callcenter.queue_log import parse_line
from node.callcenter.schemas import KpiQuery
from node.callcenter.worktime import AgentTime
from node.cli.main import app
from node.db.unit_of_work import Database
from node.users.resource import add_user
from tests.conftest import PASSWORD
from tests.test_callcenter_queue_log import D1, D2, GOLDEN, t, write

runner = CliRunner()
D3 = "2026-12-03"
WHOLE = {"from": f"{D1}T00:00", "to": f"{D3}T00:00"}
SHOWN = ("offered", "answered", "answered_within_sl", "hold_seconds", "talk_seconds",
         "max_wait", "transfers", "ring_no_answer")  # fmt: skip


def _agent(session: Session, agent_no: str, group: str | None) -> User:
    user = add_user(session, f"a{agent_no}", f"坐席{agent_no}", Role.agent, PASSWORD)
    user.agent_no, user.agent_group = agent_no, group
    return user


def _state(
    session: Session, user: User, moment: str, state: AgentState, reason: str | None = None
) -> datetime:
    at = datetime.fromtimestamp(t(moment), UTC)
    session.add(AgentStateEvent(user_id=user.id, state=state, reason=reason, at=at, source="api"))
    return at


@pytest.fixture
def golden(database, tmp_path):  # type: ignore[no-untyped-def]
    """The golden log, Agent/1001 being 工号 1001 of 一组 (whose states then follow the
    PBX's events); 工号 2001, who takes no call, signs in at 23:00 on the 1st, goes not
    ready (meal) at 00:30 on the 2nd and signs out at 01:00. Returns both users' ids."""
    with database.unit_of_work() as session:
        user, other = _agent(session, "1001", "一组"), _agent(session, "2001", None)
        session.flush()
        ids = user.id, other.id
        import_queue_log(session, write(tmp_path / "queue_log", GOLDEN))
        first = _state(session, other, f"{D1} 23:00:00", AgentState.ready)
        _state(session, other, f"{D2} 00:30:00", AgentState.not_ready, "meal")
        last = _state(session, other, f"{D2} 01:00:00", AgentState.signed_out)
        refresh_agent_time(session, TouchedAgents({other.id: (first, last)}), 60)
    return ids


def _kpis(client, admin, **params):  # type: ignore[no-untyped-def]
    resp = client.get("/api/v1/callcenter/kpis", params=WHOLE | params, headers=admin)
    assert resp.status_code == 200, resp.text
    return resp.json()


def _picked(row: dict) -> tuple[int, ...]:
    return tuple(row[name] for name in SHOWN)


def test_the_day_rows_are_the_hand_computed_ones(database, golden):
    """Per office day, queue and agent, from the calls described beside GOLDEN."""
    D = CallDayFigures
    with database.unit_of_work(write=False) as session:
        rows = {
            (day, queue, agent): (user_id, group, offered, answered, abandoned, timeouts, rings)
            for day, queue, agent, user_id, group, offered, answered, abandoned, timeouts, rings
            in session.execute(
                select(D.slot_start, D.queue, D.agent, D.user_id, D.agent_group, D.offered,
                       D.answered, D.abandoned, D.timeouts, D.ring_no_answer)
            )
        }  # fmt: skip
    d1, d2 = t(f"{D1} 00:00:00"), t(f"{D2} 00:00:00")
    assert rows == {
        # C1 and C2, answered by 1001 (工号 1001, 一组).
        (d1, "96296", "Agent/1001"): (golden[0], "一组", 2, 2, 0, 0, 0),
        # 1002 let C2 ring unanswered: a ring-no-answer only (1002 is nobody's 工号).
        (d1, "96296", "Agent/1002"): (None, None, 0, 0, 0, 0, 1),
        # C3, C4 abandoned, C5 timed out, C8 left with a key: nobody answered.
        (d1, "96296", ""): (None, None, 4, 0, 2, 1, 0),
        # C6 entered at 23:59:50 on the 1st: the 1st's, though answered on the 2nd.
        (d1, "billing", "Agent/1002"): (None, None, 1, 1, 0, 0, 0),
        # C7 on the 2nd, nobody logged in.
        (d2, "billing", ""): (None, None, 1, 0, 0, 0, 0),
    }


def test_by_agent_and_day_the_hand_computed_figures(client, admin, golden):
    body = _kpis(client, admin, slot="day", group_by="agent")
    rows = {(r["slot_start"][:10], r["agent"]): _picked(r) for r in body["rows"]}
    # (offered, answered, within 20 s, hold, talk, max wait, transfers, ring-no-answers)
    assert rows == {
        # C1 (hold 15, talk 120) and C2 (hold 30, outside the level, talk 300).
        (D1, "Agent/1001"): (2, 2, 1, 45, 420, 30, 0, 0),
        # C6 (hold exactly 20, talk 180, transferred) and C2's ring-no-answer.
        (D1, "Agent/1002"): (1, 1, 1, 20, 180, 20, 1, 1),
    }
    # The total holds every call of both days: 8, 3 answered, 2 abandoned.
    total = body["total"]
    assert (total["offered"], total["answered"], total["abandoned"]) == (8, 3, 2)
    # 1001's calls by user, from the day rows: C1 and C2.
    agents = {a["agent_no"]: a for a in body["agents"]}
    assert agents["1001"]["agent_group"] == "一组"
    assert (agents["1001"]["answered"], agents["1001"]["talk_seconds"]) == (2, 420)
    # 2001's Worktime from the day sums: 23:00-00:00 ready on the 1st, 00:00-00:30 ready
    # and 00:30-01:00 at a meal on the 2nd; no call, so occupancy 0 / (7200 - 1800).
    other = agents["2001"]
    assert (other["signed_in_seconds"], other["not_ready_seconds"]) == (7200, 1800)
    assert other["not_ready_by_reason"] == {"meal": 1800}
    assert (other["answered"], other["occupancy"], other["aht"]) == (0, 0.0, None)


def test_by_group_and_filtered_by_agent_or_group(client, admin, golden):
    by_group = _kpis(client, admin, slot="day", group_by="group")
    rows = {(r["slot_start"][:10], r["group"]): _picked(r) for r in by_group["rows"]}
    assert rows == {
        (D1, "一组"): (2, 2, 1, 45, 420, 30, 0, 0),  # 1001's
        (D1, ""): (1, 1, 1, 20, 180, 20, 1, 1),  # 1002, in no group
    }
    one = _kpis(client, admin, slot="day", agent="Agent/1002")
    assert [(r["slot_start"][:10], _picked(r)) for r in one["rows"]] == [
        (D1, (1, 1, 1, 20, 180, 20, 1, 1))
    ]
    group = _kpis(client, admin, slot="day", group_by="agent", group="一组")
    assert [r["agent"] for r in group["rows"]] == ["Agent/1001"]
    assert group["total"]["answered"] == 2
    # The 2nd alone: 2001's time 00:00-01:00 (a meal from 00:30); no call answered.
    second = _kpis(client, admin, slot="day", group_by="agent", **{"from": f"{D2}T00:00"})
    assert second["rows"] == []
    other = next(a for a in second["agents"] if a["agent_no"] == "2001")
    assert (other["signed_in_seconds"], other["not_ready_seconds"]) == (3600, 1800)


def test_the_agents_day_time_rows_are_the_hand_computed_ones(database, golden):
    D = AgentTimeDayFigures
    with database.unit_of_work(write=False) as session:
        rows = {
            (day, user_id, reason): (signed_in, not_ready, wrap_up, wrap_ups)
            for day, user_id, reason, signed_in, not_ready, wrap_up, wrap_ups in session.execute(
                select(D.slot_start, D.user_id, D.reason, D.signed_in, D.not_ready, D.wrap_up,
                       D.wrap_ups).where(D.user_id == golden[1])
            )
        }  # fmt: skip
    d1, d2 = t(f"{D1} 00:00:00"), t(f"{D2} 00:00:00")
    assert rows == {
        (d1, golden[1], ""): (3600, 0, 0, 0),  # ready 23:00-00:00
        (d2, golden[1], ""): (3600, 0, 0, 0),  # ready 00:00-00:30, the meal 00:30-01:00
        (d2, golden[1], "meal"): (0, 1800, 0, 0),
    }


@pytest.mark.parametrize(
    "params, source",
    [
        ({"slot": "day", "group_by": "agent"}, CallDayFigures),
        ({"slot": "day", "group_by": "group"}, CallDayFigures),
        ({"slot": "day", "agent": "SIP/8001"}, CallDayFigures),
        ({"slot": "day", "group_by": "queue", "group": "一组"}, CallDayFigures),
        # Not whole office days: the day rows would count hours outside the period.
        ({"slot": "day", "group_by": "agent", "from": f"{D1}T08:00"}, CallFigures),
        ({"slot": "60m", "group_by": "agent"}, CallFigures),
        ({"slot": "day", "group_by": "queue"}, CallQueueFigures),
        ({"slot": "day", "group_by": "node"}, CallQueueFigures),
    ],
)
def test_which_sums_a_report_reads(params, source):
    assert table_read(KpiQuery.model_validate(WHOLE | params)) is source


def test_a_late_connect_moves_the_call_between_day_rows(database):
    lines = [
        f"{t(D1 + ' 10:00:00')}|m1|q|NONE|ENTERQUEUE||13907310001|1",
        f"{t(D1 + ' 10:00:05')}|m1|q|SIP/8001|CONNECT|5|m1.1|2",
    ]

    def day_rows() -> set[tuple[str, int, int, int]]:
        D = CallDayFigures
        with database.unit_of_work(write=False) as session:
            found = session.execute(select(D.agent, D.offered, D.answered, D.hold_seconds))
            return {row for row in found if any(row[1:])}  # type: ignore[misc]

    with database.unit_of_work() as session:
        store_events(session, [parse_line(lines[0])], Rules())
    assert day_rows() == {("", 1, 0, 0)}
    with database.unit_of_work() as session:
        store_events(session, [parse_line(lines[1])], Rules())
    assert day_rows() == {("SIP/8001", 1, 1, 5)}


def test_refigure_fills_the_day_tables(tmp_path: Path):
    node_dir, url = tmp_path / "cz", f"sqlite:///{tmp_path / 'cz'}.db"
    args = ["init", str(node_dir), "--level", "city", "--code", "320400", "--name", "常州"]
    assert runner.invoke(app, [*args, "--db", url]).exit_code == 0
    database = Database(url, "320400")
    tables = (CallDayFigures, AgentTimeDayFigures)
    try:
        with database.unit_of_work() as session:
            user = _agent(session, "1001", "一组")
            session.flush()
            import_queue_log(session, write(tmp_path / "queue_log", GOLDEN))
            first = _state(session, user, f"{D1} 23:00:00", AgentState.ready)
            last = _state(session, user, f"{D2} 01:00:00", AgentState.signed_out)
            refresh_agent_time(session, TouchedAgents({user.id: (first, last)}), 60)
        written = {model: _rows(database, model) for model in tables}
        # Five call rows (test_the_day_rows_are_the_hand_computed_ones), two of time.
        assert [len(written[model]) for model in tables] == [5, 2]
        with database.unit_of_work() as session:  # a node from before migration 0026
            for model in tables:
                session.execute(delete(model))
        result = runner.invoke(app, ["cti", "refigure", str(node_dir)])
        assert result.exit_code == 0, result.output
        assert {model: _rows(database, model) for model in tables} == written
        assert "call rows per day written: 5)" in result.output
        assert "working time rows per day written: 2)" in result.output
        again = runner.invoke(app, ["cti", "refigure", str(node_dir)])
        assert "call rows per day written: 0)" in again.output
        assert "working time rows per day written: 0)" in again.output
    finally:
        database.dispose()


STAMPS = {"seq", "origin_version", "created_at", "updated_at"}  # when, not what


def _rows(database: Database, model: Any) -> set[tuple[Any, ...]]:
    with database.unit_of_work(write=False) as session:
        return {
            tuple(getattr(row, c.name) for c in model.__table__.columns if c.name not in STAMPS)
            for row in session.execute(select(model)).scalars()
        }


# The property: events of three days, in any batches and order, by random agents.
AGENTS = ("SIP/8001", "SIP/8002", "SIP/8003", "SIP/8004")  # 8001, 8002 in 一组; 8003 in 二组
_calls = st.lists(
    st.tuples(
        st.integers(0, 3 * 86_400 - 1),  # entered, seconds into the three days
        st.sampled_from(["q1", "q2"]),
        st.sampled_from([None, *AGENTS]),  # who answered (None: abandoned)
        st.integers(0, 40),  # hold or wait
        st.integers(1, 1200),  # talk
        st.sampled_from([None, *AGENTS]),  # who let it ring unanswered first
    ),
    min_size=1,
    max_size=12,
)


NEEDING_THE_AGENT: tuple[dict[str, str], ...] = (
    {"group_by": "agent"},
    {"group_by": "group"},
    {"agent": "SIP/8002"},
    {"group": "一组", "group_by": "queue"},
)


def _lines(n: int, base: int, call: tuple[Any, ...]) -> list[str]:
    entered, queue, agent, wait, talk, rang = call
    at = base + entered
    lines = [f"{at}|x{n}|{queue}|NONE|ENTERQUEUE||1390731{n:04}|1"]
    if rang is not None:
        lines.append(f"{at}|x{n}|{queue}|{rang}|RINGNOANSWER|1000")
    if agent is None:
        lines.append(f"{at + wait}|x{n}|{queue}|NONE|ABANDON|1|1|{wait}")
    else:
        lines.append(f"{at + wait}|x{n}|{queue}|{agent}|CONNECT|{wait}|x{n}.1|1")
        lines.append(f"{at + wait + talk}|x{n}|{queue}|{agent}|COMPLETECALLER|{wait}|{talk}|1")
    return lines


def _by_day(report: Report) -> dict[tuple[int, str], Figures]:
    """The report's rows added up by office day; rows of nothing left out."""
    days: dict[tuple[int, str], Figures] = {}
    for (start, key), figures in report.rows.items():
        days.setdefault((slot_start(start, Slot.day), key), Figures()).merge(figures)
    return {key: f for key, f in days.items() if f != Figures()}


def test_the_day_report_is_the_15_minute_report_by_day(database):
    with database.unit_of_work() as session:
        for no, group in (("8001", "一组"), ("8002", "一组"), ("8003", "二组")):
            _agent(session, no, group).extension = no
    examples = itertools.count()

    @settings(max_examples=20, deadline=None)
    @given(calls=_calls, cuts=st.lists(st.integers(0, 60), max_size=3), seed=st.randoms())
    def check(calls, cuts, seed):  # type: ignore[no-untyped-def]
        # Each example three days of its own: no example sees another's rows.
        base = t(f"{D1} 00:00:00") + 3 * 86_400 * next(examples)
        events = [parse_line(line) for n, c in enumerate(calls) for line in _lines(n, base, c)]
        seed.shuffle(events)  # lines come late, in other batches
        bounds = sorted({0, len(events), *(min(c, len(events)) for c in cuts)})
        for low, high in itertools.pairwise(bounds):
            with database.unit_of_work() as session:
                store_events(session, events[low:high], Rules())
        period = {"from": _iso(base), "to": _iso(base + 3 * 86_400)}
        with database.unit_of_work() as session:
            for extra in NEEDING_THE_AGENT:
                day = KpiQuery.model_validate(period | extra | {"slot": "day"})
                slots = KpiQuery.model_validate(period | extra | {"slot": "15m"})
                assert table_read(day) is CallDayFigures
                by_day, by_slot = figures_report(session, day), figures_report(session, slots)
                assert _by_day(by_day) == _by_day(by_slot)
                assert by_day.total == by_slot.total and by_day.by_user == by_slot.by_user
            # Summed from scratch, the day rows are what the writes made them.
            assert refigure_days(session, SUMS) == 0

    check()


def _iso(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat()


_changes = st.lists(
    st.tuples(
        st.integers(0, 2),  # which agent
        st.integers(0, 3 * 86_400 - 1),  # when, seconds into the three days
        st.sampled_from(list(AgentState)),
        st.sampled_from(["meal", "training"]),
    ),
    min_size=1,
    max_size=14,
)


def test_the_day_time_is_the_15_minute_time_by_day(database):
    examples = itertools.count()

    @settings(max_examples=20, deadline=None)
    @given(changes=_changes, batches=st.integers(1, 3), days=st.sampled_from([(0, 3), (1, 2)]))
    def check(changes, batches, days):  # type: ignore[no-untyped-def]
        n = next(examples)
        base = t(f"{D1} 00:00:00") + 3 * 86_400 * n
        with database.unit_of_work() as session:
            users = [_agent(session, f"9{n}0{i}", None) for i in range(3)]
            session.flush()
        # The changes in `batches` transactions, each computing its agents' slots again.
        for part in range(batches):
            with database.unit_of_work() as session:
                touched = TouchedAgents()
                for who, second, state, reason in changes[part::batches]:
                    at = datetime.fromtimestamp(base + second, UTC)
                    reason = reason if state is AgentState.not_ready else None
                    session.add(AgentStateEvent(user_id=users[who].id, state=state,
                                                reason=reason, at=at, source="api"))  # fmt: skip
                    touched.take(users[who].id, at)
                refresh_agent_time(session, touched, 60)
        low, high = base + days[0] * 86_400, base + days[1] * 86_400
        with database.unit_of_work() as session:
            by_day = summed_time(session, low, high, AgentTimeDayFigures)
            by_slot = summed_time(session, low, high, AgentTimeFigures)
            assert _worked(by_day) == _worked(by_slot)
            assert refigure_time_days(session, TIME_SUMS) == 0

    check()


def _worked(times: dict[uuid.UUID, AgentTime]) -> dict[uuid.UUID, AgentTime]:
    return {user: time for user, time in times.items() if time != AgentTime()}
