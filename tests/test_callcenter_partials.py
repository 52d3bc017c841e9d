"""Issue 20 §7: the figures read from the stored 15-minute partial sums equal those
computed from the calls themselves, for every slot and grouping (a period on quarter
hours reads the sums; one to the minute computes from the calls), and agent groups
(组) group and filter the figures. Agents 1001 and 1002 of the golden log are in
group_1 and group_2; the expected group figures are read off the log by hand."""

from __future__ import annotations

import pytest

from node.auth.accounts import Role
from node.callcenter import importer
from node.callcenter.importer import import_queue_log, store_events
from node.callcenter.kpis import GroupBy, Rules, Slot
from node.callcenter.models import CallFigures
from node.callcenter.queue_log import parse_line
from tests.test_callcenter_queue_log import D1, GOLDEN, t, write

# The golden calls enter between 08:29:50 on the 1st and 09:00 on the 2nd: both
# periods hold the same calls, the first on quarter hours, the second to the minute.
ON_QUARTERS = {"from": f"{D1}T07:45", "to": "2026-12-03T00:15"}
TO_THE_MINUTE = {"from": f"{D1}T07:59", "to": "2026-12-03T00:01"}


def _agents_in_groups(client, admin, login) -> None:  # type: ignore[no-untyped-def]
    for agent_no, group in (("1001", "group_1"), ("1002", "group_2")):
        user = login(Role.agent)
        patch = {"agent_no": agent_no, "agent_group": group}
        resp = client.patch(f"/api/v1/users/{user['x-user-id']}", json=patch, headers=admin)
        assert resp.status_code == 200, resp.text


@pytest.fixture
def grouped_golden(client, admin, login, database, tmp_path):  # type: ignore[no-untyped-def]
    _agents_in_groups(client, admin, login)
    with database.unit_of_work() as session:
        import_queue_log(session, write(tmp_path / "queue_log", GOLDEN))


@pytest.mark.parametrize("group_by", ["slot", "agent", "queue"])
def test_the_sums_do_not_depend_on_how_the_lines_came(
    client, admin, login, database, tmp_path, group_by
):
    """The golden log in three files, the last first and then the first twice: a slot's
    calls come partly from an earlier import, so it is put together from what is stored."""
    _agents_in_groups(client, admin, login)
    third = len(GOLDEN) // 3 + 1
    parts = [GOLDEN[i : i + third] for i in range(0, len(GOLDEN), third)]
    for n, lines in enumerate([parts[2], parts[0], parts[1], parts[0]]):
        with database.unit_of_work() as session:
            import_queue_log(session, write(tmp_path / f"queue_log.{n}", lines))
    params = {"slot": "15m", "group_by": group_by}
    rows, total = _kpis(client, admin, **ON_QUARTERS, **params)
    assert (rows, total) == _kpis(client, admin, **TO_THE_MINUTE, **params)
    assert (total["offered"], total["answered"]) == (8, 3)  # as the golden test counts them


def _kpis(client, admin, **params):  # type: ignore[no-untyped-def]
    resp = client.get("/api/v1/callcenter/kpis", params=params, headers=admin)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    return body["rows"], body["total"]


@pytest.mark.parametrize("slot", [s.value for s in Slot])
@pytest.mark.parametrize("group_by", [g.value for g in GroupBy])
def test_the_sums_and_the_calls_give_the_same_figures(
    client, admin, grouped_golden, slot, group_by
):
    params = {"slot": slot, "group_by": group_by}
    assert _kpis(client, admin, **ON_QUARTERS, **params) == _kpis(
        client, admin, **TO_THE_MINUTE, **params
    )


def test_figures_by_group(client, admin, grouped_golden):
    rows, total = _kpis(client, admin, **ON_QUARTERS, slot="day", group_by="group")
    got = {(r["slot_start"][:10], r["group"]): r for r in rows}
    assert sorted(got) == [(D1, "group_1"), (D1, "group_2")]
    one, two = got[(D1, "group_1")], got[(D1, "group_2")]
    # group_1 is 1001: answered C1 and C2 (hold 15 + 30, talk 120 + 300).
    assert (one["answered"], one["hold_seconds"], one["talk_seconds"]) == (2, 45, 420)
    # group_2 is 1002: answered C6 (hold 20, talk 180, transferred), C2 rang unanswered.
    assert (two["answered"], two["talk_seconds"], two["transfers"]) == (1, 180, 1)
    assert two["ring_no_answer"] == 1
    assert total["offered"] == 8  # the unanswered calls count in the total only
    for period in (ON_QUARTERS, TO_THE_MINUTE):
        _, only = _kpis(client, admin, **period, group="group_2")
        assert (only["offered"], only["answered"], only["ring_no_answer"]) == (1, 1, 1)


def test_a_late_line_moves_a_call_between_rows(database):
    """A call first seen waiting is offered under nobody; its CONNECT, arriving later,
    moves it under the agent: the stale row is set to zero, so nothing counts twice."""
    lines = [
        f"{t(D1 + ' 10:00:00')}|m1|q|NONE|ENTERQUEUE||13907310001|1",
        f"{t(D1 + ' 10:00:05')}|m1|q|SIP/8001|CONNECT|5|m1.1|2",
    ]
    with database.unit_of_work() as session:
        store_events(session, [parse_line(lines[0])], Rules())
        store_events(session, [parse_line(lines[1])], Rules())
    with database.unit_of_work() as session:
        rows = {(r.agent, r.offered, r.answered) for r in session.query(CallFigures)}
    assert rows == {("", 0, 0), ("SIP/8001", 1, 1)}


def test_a_long_file_writes_its_sums_as_it_goes(client, admin, login, database, tmp_path):
    """Batches of 3 lines, sums written whenever 2 calls are held (a month's file does
    not hold its calls at once): the same figures as computed from the calls."""
    _agents_in_groups(client, admin, login)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(importer, "BATCH", 3)
        patch.setattr(importer, "CALLS_HELD", 2)
        with database.unit_of_work() as session:
            import_queue_log(session, write(tmp_path / "queue_log", GOLDEN))
    for group_by in ("slot", "agent"):
        params = {"slot": "15m", "group_by": group_by}
        assert _kpis(client, admin, **ON_QUARTERS, **params) == _kpis(
            client, admin, **TO_THE_MINUTE, **params
        )
