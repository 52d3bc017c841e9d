"""Issue 20 §7 per agent: signed-in seconds (Worktime), not-ready seconds by reason,
wrap-up, occupancy = (talk + wrap-up) / (signed in - not ready) and AHT = ATT + mean
wrap-up, from the agents' state changes. Every expected value is worked out by hand
from the changes written here or the golden queue_log's lines."""

from __future__ import annotations

from datetime import datetime

import pytest

from node.auth.accounts import Role
from node.callcenter.importer import import_queue_log
from node.callcenter.models import AgentState as S
from node.callcenter.worktime import Change, agent_time
from node.office_time import OFFICE_TZ
from tests.conftest import PASSWORD
from tests.test_callcenter_queue_log import D1, GOLDEN, write
from tests.test_web_pages import web_login


def at(clock: str) -> datetime:
    return datetime.fromisoformat(f"{D1}T{clock}").replace(tzinfo=OFFICE_TZ)


def test_a_morning_worked_out_by_hand():
    changes = [
        Change(at("08:50"), S.ready),  # before the period: ready when it begins
        Change(at("09:10"), S.not_ready, "training"),
        Change(at("09:40"), S.ready),
        Change(at("10:00"), S.on_call),
        Change(at("10:05"), S.wrap_up),  # 5 min until the next change; 60 s count
        Change(at("10:10"), S.ready),
        Change(at("10:30"), S.not_ready, "meal"),
        Change(at("10:45"), S.ready),
        Change(at("11:00"), S.signed_out),
    ]
    time = agent_time(changes, at("09:00"), at("12:00"), wrap_up_max=60)
    # Signed in 09:00-11:00; not ready 09:10-09:40 (training) and 10:30-10:45 (meal).
    assert time.signed_in == 7200
    assert time.not_ready == {"training": 1800, "meal": 900}
    assert (time.wrap_up, time.wrap_ups) == (60, 1)
    shown = time.shown(answered=1, talk=300)
    # (300 + 60) / (7200 - 2700); AHT 300 + 60.
    assert shown["occupancy"] == pytest.approx(360 / 4500)
    assert shown["aht"] == 360.0


def test_a_period_that_cuts_a_state_counts_only_its_part():
    changes = [Change(at("08:00"), S.not_ready, None), Change(at("10:00"), S.signed_out)]
    time = agent_time(changes, at("09:30"), at("12:00"), wrap_up_max=60)
    assert (time.signed_in, time.not_ready) == (1800, {"": 1800})
    shown = time.shown(0, 0)
    assert shown["occupancy"] is None  # never available: nothing to divide by
    assert shown["aht"] is None  # nothing answered


# The sums per slot must not depend on the order lines arrive in: the last third of the
# day first, then the middle, then the start (each change alters the span before it).
@pytest.fixture(params=["in order", "backwards in three files"])
def agents_and_golden(request, client, admin, login, database, tmp_path):  # type: ignore[no-untyped-def]
    made = {}
    for agent_no, group in (("1001", "group_1"), ("1002", "group_2")):
        user = login(Role.agent)
        patch = {"agent_no": agent_no, "agent_group": group}
        resp = client.patch(f"/api/v1/users/{user['x-user-id']}", json=patch, headers=admin)
        assert resp.status_code == 200, resp.text
        made[agent_no] = user["x-user-id"]
    third = len(GOLDEN) // 3 + 1
    parts = [GOLDEN[i : i + third] for i in range(0, len(GOLDEN), third)]
    files = [GOLDEN] if request.param == "in order" else parts[::-1]
    for n, lines in enumerate(files):
        with database.unit_of_work() as session:
            import_queue_log(session, write(tmp_path / f"queue_log.{n}", lines))
    return made


@pytest.mark.parametrize(
    "period",
    [
        {"from": f"{D1}T00:00", "to": "2026-12-02T00:00"},  # quarter hours: the sums
        {"from": f"{D1}T00:01", "to": "2026-12-01T23:59:59"},  # to the minute: the calls
    ],
)
def test_each_agents_worktime_from_the_pbx(client, admin, agents_and_golden, period):
    params = period | {"slot": "day", "group_by": "agent"}
    body = client.get("/api/v1/callcenter/kpis", params=params, headers=admin).json()
    rows = {r["agent_no"]: r for r in body["agents"]}
    one = rows["1001"]
    # 1001 (golden log): ADDMEMBER and PAUSEALL at 08:00:00 (not ready, 培训 is no
    # reason code), CONNECT 08:30:05, COMPLETECALLER 08:32:05 (wrap-up, 60 s count),
    # CONNECT 08:40:30, COMPLETEAGENT 08:45:30 (wrap-up, 60 s), then wrap-up read as
    # ready until the period ends. Answered C1 and C2: 120 + 300 s of talk.
    end = 86_400 if period["to"].endswith("02T00:00") else 86_399
    start = 8 * 3600
    signed_in = end - start
    assert one["signed_in_seconds"] == signed_in
    assert one["not_ready_by_reason"] == {"": 1805}  # 08:00:00 to 08:30:05
    assert (one["wrap_up_seconds"], one["answered"], one["talk_seconds"]) == (120, 2, 420)
    assert one["occupancy"] == pytest.approx((420 + 120) / (signed_in - 1805))
    assert one["aht"] == pytest.approx(420 / 2 + 120 / 2)
    assert (one["agent_group"], one["node"]) == ("group_1", "430100")
    # 1002 answered C6 (entered 23:59:50 on the 1st, 180 s) but signed in on the 2nd
    # only (CONNECT at 00:00:10): no working time on the 1st.
    two = rows["1002"]
    assert (two["signed_in_seconds"], two["answered"], two["talk_seconds"]) == (0, 1, 180)
    assert two["occupancy"] is None and two["aht"] == 180.0
    only = client.get(
        "/api/v1/callcenter/kpis", params=params | {"group": "group_2"}, headers=admin
    ).json()
    assert [r["agent_no"] for r in only["agents"]] == ["1002"]


def test_no_agents_section_by_slot(client, admin, agents_and_golden):
    params = {"from": f"{D1}T00:00", "to": "2026-12-02T00:00"}
    assert (
        "agents" not in client.get("/api/v1/callcenter/kpis", params=params, headers=admin).json()
    )


def test_the_page_shows_each_agents_working_time(client, admin, agents_and_golden):
    username = client.get(f"/api/v1/users/{admin['x-user-id']}", headers=admin).json()["username"]
    browser = web_login(client.app, username, PASSWORD)
    params = {"from": f"{D1}T00:00", "to": "2026-12-02T00:00", "slot": "day", "group_by": "agent"}
    page = browser.get("/ui/callcenter", params=params)
    assert page.status_code == 200, page.text
    section = page.text.split("坐席工作时长", 1)[1]
    assert "<td>57600</td>" in section and "<td>1805</td>" in section  # 1001, as above
    sheet = browser.get("/ui/callcenter", params=params | {"export": "xlsx", "table": "agents"})
    assert sheet.status_code == 200
    assert sheet.headers["content-type"].startswith("application/vnd.openxmlformats")
