"""Issue 20 §1 and §5: agents' states (签到, 示闲, 示忙, 签退, and the telephone's ringing,
on a call, wrap-up) and 班长监控. Every expected value below is worked out by hand."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, select

from node.auth.accounts import Role, User
from node.callcenter.agent_states import (
    ALLOWED,
    change_state,
    current_state,
    may_move,
    read_event,
)
from node.callcenter.importer import import_queue_log
from node.callcenter.models import AgentState, AgentStateEvent, StateSource
from node.dictionaries.models import DictionaryEntry, DictionaryKind
from node.dictionaries.resource import seed_dictionaries
from node.errors import Conflict
from tests.test_apply_batch import _apply, _batch
from tests.test_callcenter_queue_log import t, write
from tests.test_web_pages import csrf_of, web_login

S = AgentState
T0 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # 10:00 in Beijing
WRAP = 60

# (from, to) pairs the table allows; every other pair is refused.
ALLOWED_MOVES = {
    (S.signed_out, S.ready),
    (S.ready, S.not_ready),
    (S.ready, S.signed_out),
    (S.ready, S.ringing),
    (S.not_ready, S.ready),
    (S.not_ready, S.not_ready),
    (S.not_ready, S.signed_out),
    (S.ringing, S.on_call),
    (S.ringing, S.ready),
    (S.on_call, S.wrap_up),
    (S.wrap_up, S.ready),
    (S.wrap_up, S.not_ready),
}


def _event(state: AgentState, at: datetime, reason: str | None = None) -> AgentStateEvent:
    return AgentStateEvent(
        user_id=uuid.uuid4(), state=state.value, reason=reason, at=at, source="api"
    )


@pytest.mark.parametrize("start", list(S))
@pytest.mark.parametrize("to", list(S))
def test_the_transition_table(start, to):
    reading = read_event(_event(start, T0), T0 + timedelta(seconds=1), WRAP)
    assert may_move(reading, to) is ((start, to) in ALLOWED_MOVES)
    assert (to in ALLOWED[start]) is ((start, to) in ALLOWED_MOVES)


def test_no_event_reads_as_signed_out():
    reading = read_event(None, T0, WRAP)
    assert (reading.state, reading.since, reading.seconds(T0)) == (S.signed_out, None, None)
    assert may_move(reading, S.ready) and not may_move(reading, S.not_ready)


def test_a_wrap_up_older_than_the_maximum_reads_as_ready():
    event = _event(S.wrap_up, T0)
    at_59 = read_event(event, T0 + timedelta(seconds=59), WRAP)
    assert (at_59.state, at_59.since, at_59.seconds(T0 + timedelta(seconds=59))) == (
        S.wrap_up,
        T0,
        59,
    )
    at_60 = read_event(event, T0 + timedelta(seconds=60), WRAP)
    assert (at_60.state, at_60.since) == (S.ready, T0 + timedelta(seconds=60))
    at_90 = read_event(event, T0 + timedelta(seconds=90), WRAP)
    assert (at_90.state, at_90.seconds(T0 + timedelta(seconds=90))) == (S.ready, 30)
    # Read as ready, it may ring; saying ready explicitly is still allowed too.
    assert may_move(at_90, S.ringing) and may_move(at_90, S.ready)
    assert not may_move(at_90, S.on_call)


def test_a_call_cycle_in_the_database_with_a_fixed_clock(client, make_user, database):
    agent = make_user(Role.agent)
    with database.unit_of_work() as session:
        user = session.get(User, uuid.UUID(agent["id"]))
        assert user is not None
        steps = [(S.ready, 0), (S.ringing, 10), (S.on_call, 15), (S.wrap_up, 100)]
        for state, seconds in steps:
            change_state(
                session, user, state, None, StateSource.api, T0 + timedelta(seconds=seconds), WRAP
            )
        assert current_state(session, user.id, T0 + timedelta(seconds=159), WRAP).state is (
            S.wrap_up
        )
        late = current_state(session, user.id, T0 + timedelta(seconds=160), WRAP)
        assert (late.state, late.since) == (S.ready, T0 + timedelta(seconds=160))
        with pytest.raises(Conflict, match=r"不能从「示闲」转为「通话中」 \(cannot go from ready"):
            change_state(
                session, user, S.on_call, None, StateSource.web, T0 + timedelta(seconds=170), WRAP
            )
        # The telephone is recorded as it happened, whatever the table says.
        change_state(
            session, user, S.on_call, None, StateSource.pbx, T0 + timedelta(seconds=170), WRAP
        )
        assert current_state(session, user.id, T0 + timedelta(seconds=171), WRAP).state is (
            S.on_call
        )


def _post(client, headers, state, reason=None):  # type: ignore[no-untyped-def]
    body = {"state": state} if reason is None else {"state": state, "reason": reason}
    return client.post("/api/v1/agents/me/state", json=body, headers=headers)


def test_an_agent_changes_their_own_state_through_the_api(client, login):
    agent = login(Role.agent)
    me = client.get("/api/v1/agents/me/state", headers=agent).json()
    assert me == {"state": "signed_out", "reason": None, "since": None, "seconds": None}
    early = _post(client, agent, "not_ready", "meal")
    assert early.status_code == 409, early.text
    assert "不能从「签退」转为「示忙」 (cannot go from signed_out to not_ready)" in early.text
    signed_in = _post(client, agent, "ready")
    assert signed_in.status_code == 200, signed_in.text
    assert signed_in.json()["state"] == "ready" and signed_in.json()["seconds"] == 0
    no_reason = _post(client, agent, "not_ready")
    assert no_reason.status_code == 422 and "reason" in no_reason.json()["error"]["fields"]
    unknown = _post(client, agent, "not_ready", "nap")
    assert unknown.status_code == 422 and "reason" in unknown.json()["error"]["fields"]
    stray = _post(client, agent, "ready", "meal")
    assert stray.status_code == 422 and "reason" in stray.json()["error"]["fields"]
    bad_state = _post(client, agent, "dancing")
    assert bad_state.status_code == 422 and "state" in bad_state.json()["error"]["fields"]
    busy = _post(client, agent, "not_ready", "meal")
    assert busy.status_code == 200, busy.text
    assert (busy.json()["state"], busy.json()["reason"]) == ("not_ready", "meal")
    assert client.get("/api/v1/agents/me/state", headers=agent).json()["reason"] == "meal"
    assert _post(client, agent, "on_call").status_code == 409
    assert _post(client, agent, "signed_out").status_code == 200
    assert _post(client, agent, "signed_out").status_code == 409
    assert client.get("/api/v1/agents/states", headers=agent).status_code == 403


def test_team_leads_see_every_agent_of_the_node(client, admin, login, make_user):
    lead = login(Role.team_lead)
    agent = login(Role.agent)
    make_user(Role.technician)  # takes no calls: not listed
    patch = {"agent_no": "1001", "extension": "8001", "agent_group": "group_1"}
    resp = client.patch(f"/api/v1/users/{agent['x-user-id']}", json=patch, headers=admin)
    assert resp.status_code == 200, resp.text
    assert _post(client, agent, "ready").status_code == 200
    assert _post(client, agent, "not_ready", "training").status_code == 200
    board = client.get("/api/v1/agents/states", headers=lead)
    assert board.status_code == 200, board.text
    rows = {r["user_id"]: r for r in board.json()["rows"]}
    assert set(rows) == {agent["x-user-id"], lead["x-user-id"]}
    mine = rows[agent["x-user-id"]]
    assert (mine["state"], mine["reason"], mine["agent_no"], mine["extension"]) == (
        "not_ready",
        "training",
        "1001",
        "8001",
    )
    assert mine["agent_group"] == "group_1" and mine["since"] is not None
    assert rows[lead["x-user-id"]]["state"] == "signed_out"


def test_db_upgrade_adds_the_not_ready_reasons_to_an_older_node(database):
    with database.unit_of_work() as session:
        session.execute(
            delete(DictionaryEntry).where(DictionaryEntry.kind == DictionaryKind.not_ready_reason)
        )
    with database.unit_of_work() as session:
        assert seed_dictionaries(session) == 4
        codes = session.execute(
            select(DictionaryEntry.code, DictionaryEntry.label)
            .where(DictionaryEntry.kind == DictionaryKind.not_ready_reason)
            .order_by(DictionaryEntry.sort_order)
        ).all()
    assert [tuple(c) for c in codes] == [
        ("break", "小休"),
        ("training", "培训"),
        ("meeting", "会议"),
        ("meal", "就餐"),
    ]


def test_state_events_reach_the_parent(client, login, database, parent_database):
    agent = login(Role.agent)
    for state, reason in (("ready", None), ("not_ready", "meeting"), ("signed_out", None)):
        assert _post(client, agent, state, reason).status_code == 200
    manifest, body = _batch(database, "agent_state_events")
    applied = _apply(parent_database, manifest, body)
    assert applied.applied == 3
    with parent_database.unit_of_work() as session:
        rows = session.execute(select(AgentStateEvent).order_by(AgentStateEvent.at)).scalars()
        got = [(r.user_id, r.state, r.reason, r.source, r.origin) for r in rows]
    user = uuid.UUID(agent["x-user-id"])
    origin = manifest.sender
    assert got == [
        (user, "ready", None, "api", origin),
        (user, "not_ready", "meeting", "api", origin),
        (user, "signed_out", None, "api", origin),
    ]


# ---- the web: the state bar and 班长监控 -----------------------------------------------


def test_the_state_bar_buttons(client, make_user):
    agent = make_user(Role.agent)
    browser = web_login(client.app, agent["username"])
    page = browser.get("/ui/agent-state")
    assert page.status_code == 200 and "已签退" in page.text and ">签到<" in page.text
    assert ">示忙<" not in page.text  # signed out: only 签到
    refused = browser.post("/ui/agent-state", data={"state": "ready"}, follow_redirects=False)
    assert refused.status_code == 403  # no CSRF token
    token = csrf_of(page.text)
    resp = browser.post(
        "/ui/agent-state", data={"state": "ready", "csrf_token": token}, follow_redirects=False
    )
    assert (resp.status_code, resp.headers["location"]) == (303, "/ui/agent-state")
    page = browser.get("/ui/agent-state").text
    assert 'data-field="agent-state">示闲<' in page and ">示忙<" in page and ">签退<" in page
    assert '<option value="meal">就餐</option>' in page
    no_reason = browser.post("/ui/agent-state", data={"state": "not_ready", "csrf_token": token})
    assert no_reason.status_code == 422 and "示忙需要原因" in no_reason.text
    resp = browser.post(
        "/ui/agent-state",
        data={"state": "not_ready", "reason": "meal", "csrf_token": token},
        follow_redirects=False,
    )
    assert resp.status_code == 303
    page = browser.get("/ui/agent-state").text
    assert 'data-field="agent-state">示忙<' in page and "（就餐）" in page
    wrong = browser.post("/ui/agent-state", data={"state": "ringing", "csrf_token": token})
    assert wrong.status_code == 409 and "不能从「示忙」转为「振铃」" in wrong.text
    browser.get("/ui/lang/en?next=/ui/agent-state")
    english = browser.get("/ui/agent-state").text
    assert 'data-field="agent-state">Not ready<' in english and ">Sign out<" in english


# One morning's queue at 10:00 (Beijing), hand-worked: five calls entered 96296 or
# billing today; c1 answered after 8 s (within the 20 s service level), c2 abandoned
# after 50 s, c3, c4 and c5 still waiting; yesterday's waiting call does not count.
BOARD_DAY = "2026-12-01"
BOARD_LOG = [
    f"{t(BOARD_DAY + ' 09:50:00')}|c1|96296|NONE|ENTERQUEUE||13907310001|1",
    f"{t(BOARD_DAY + ' 09:50:08')}|c1|96296|PJSIP/8001|CONNECT|8|c1.1|2",
    f"{t(BOARD_DAY + ' 09:53:00')}|c1|96296|PJSIP/8001|COMPLETECALLER|8|172|1",
    f"{t(BOARD_DAY + ' 09:55:00')}|c2|96296|NONE|ENTERQUEUE||13907310002|1",
    f"{t(BOARD_DAY + ' 09:55:50')}|c2|96296|NONE|ABANDON|1|1|50",
    f"{t(BOARD_DAY + ' 09:58:00')}|c3|96296|NONE|ENTERQUEUE||13907310003|1",
    f"{t(BOARD_DAY + ' 09:59:00')}|c4|billing|NONE|ENTERQUEUE||13907310004|1",
    f"{t(BOARD_DAY + ' 09:59:30')}|c5|96296|NONE|ENTERQUEUE||13907310005|2",
    f"{t('2026-11-30 23:59:00')}|old|96296|NONE|ENTERQUEUE||13907310006|1",
]


def test_the_supervisor_board(client, admin, make_user, database, tmp_path, monkeypatch):
    import node.web.pages_agents as pages

    monkeypatch.setattr(pages, "utcnow", lambda: T0)  # 2026-12-01 10:00 Beijing
    lead = make_user(Role.team_lead)
    agent = make_user(Role.agent)
    with database.unit_of_work() as session:
        import_queue_log(session, write(tmp_path / "queue_log", BOARD_LOG))
        user = session.get(User, uuid.UUID(agent["id"]))
        assert user is not None
        user.agent_no, user.extension, user.agent_group = "1001", "8001", "group_1"
        for state, reason, seconds in (("ready", None, -600), ("not_ready", "break", -125)):
            at = T0 + timedelta(seconds=seconds)
            change_state(session, user, S(state), reason, StateSource.api, at, WRAP)
    browser = web_login(client.app, lead["username"])
    page = browser.get("/ui/callcenter/board")
    assert page.status_code == 200, page.text
    html = page.text
    assert '<meta http-equiv="refresh" content="15">' in html
    assert '<a href="/ui/callcenter/board" aria-current="page">' in html
    assert '<a href="/ui/callcenter" aria-current' not in html  # only the board is current
    assert 'data-field="offered">5<' in html and 'data-field="answered">1<' in html
    assert 'data-field="abandoned">1<' in html
    assert 'data-field="service-level">20.0%<' in html  # 1 within 20 s / (5 − 0 short)
    # 96296: c3 (120 s) and c5 (30 s) waiting; billing: c4 (60 s).
    assert '<tr data-queue="96296"><td>96296</td><td>2</td><td>120</td></tr>' in html
    assert '<tr data-queue="billing"><td>billing</td><td>1</td><td>60</td></tr>' in html
    row = html.split('<tr data-agent="1001">', 1)[1].split("</tr>", 1)[0]
    assert "示忙" in row and "小休" in row and "2:05" in row and "8001" in row
    assert "<h3>一组</h3>" in html and "<h3>未分组</h3>" in html  # the lead has no group
    notice = html.split('data-field="callbacks-due"', 1)[1].split("</p>", 1)[0]
    # c2 abandoned at 09:55:50, 4 minutes before 10:00: to call back, not yet overdue.
    assert "共 1 位来电者待回拨，其中 0 位已超过 30 分钟" in notice, notice
    agent_browser = web_login(client.app, agent["username"])
    assert agent_browser.get("/ui/callcenter/board").status_code == 403


# ---- the telephone drives the states (fedcrm cti import) -------------------------------

PBX_DAY = "2026-12-01"
PBX_LOG = [
    f"{t(PBX_DAY + ' 09:00:00')}|NONE|96296|PJSIP/8001|ADDMEMBER|",
    f"{t(PBX_DAY + ' 09:00:05')}|NONE|96296|Agent/1002|AGENTLOGIN|",
    f"{t(PBX_DAY + ' 09:01:00')}|NONE|96296|SIP/8001|PAUSE|meal",
    f"{t(PBX_DAY + ' 09:05:00')}|NONE|96296|SIP/8001|UNPAUSE|",
    f"{t(PBX_DAY + ' 09:06:00')}|c1|96296|NONE|ENTERQUEUE||13907310001|1",
    f"{t(PBX_DAY + ' 09:06:04')}|c1|96296|Local/8001@from-queue/n|CONNECT|4|c1.1|2",
    f"{t(PBX_DAY + ' 09:07:00')}|NONE|96296|Agent/1002|PAUSE|lunch",
    f"{t(PBX_DAY + ' 09:08:00')}|c1|96296|Local/8001@from-queue/n|COMPLETEAGENT|4|116|1",
    f"{t(PBX_DAY + ' 09:09:00')}|NONE|96296|PJSIP/9999|ADDMEMBER|",
    f"{t(PBX_DAY + ' 09:10:00')}|NONE|96296|Agent/1002|AGENTLOGOFF|",
]


def test_queue_log_events_drive_the_states_once(client, admin, make_user, database, tmp_path):
    first, second = make_user(Role.agent), make_user(Role.agent)
    for made, patch in ((first, {"extension": "8001"}), (second, {"agent_no": "1002"})):
        resp = client.patch(f"/api/v1/users/{made['id']}", json=patch, headers=admin)
        assert resp.status_code == 200, resp.text
    with database.unit_of_work() as session:
        report = import_queue_log(session, write(tmp_path / "queue_log", PBX_LOG))
    assert report.states_added == 8  # 5 for 8001, 3 for 1002; 9999 is nobody's
    assert dict(report.unmapped_agents) == {"PJSIP/9999": 1}

    def states(user: dict) -> list[tuple[str, str | None, str | None, str]]:
        with database.unit_of_work() as session:
            rows = session.execute(
                select(AgentStateEvent)
                .where(AgentStateEvent.user_id == uuid.UUID(user["id"]))
                .order_by(AgentStateEvent.at)
            ).scalars()
            return [(r.state, r.reason, r.callid, r.source) for r in rows]

    assert states(first) == [
        ("ready", None, None, "pbx"),
        ("not_ready", "meal", None, "pbx"),
        ("ready", None, None, "pbx"),
        ("on_call", None, "c1", "pbx"),
        ("wrap_up", None, "c1", "pbx"),
    ]
    # "lunch" is no not_ready_reason code: not ready, reason unknown.
    assert states(second) == [
        ("ready", None, None, "pbx"),
        ("not_ready", None, None, "pbx"),
        ("signed_out", None, None, "pbx"),
    ]
    with database.unit_of_work() as session:
        user_id = uuid.UUID(first["id"])
        wrap = datetime(2026, 12, 1, 1, 8, tzinfo=UTC)  # 09:08 Beijing
        assert current_state(session, user_id, wrap + timedelta(seconds=59), WRAP).state is (
            S.wrap_up
        )
        assert current_state(session, user_id, wrap + timedelta(seconds=60), WRAP).state is S.ready
    # The same file again, and an overlapping one with one new line: only that line counts.
    with database.unit_of_work() as session:
        again = import_queue_log(session, write(tmp_path / "queue_log", PBX_LOG))
    assert again.states_added == 0
    later = [*PBX_LOG[5:], f"{t(PBX_DAY + ' 09:20:00')}|NONE|96296|PJSIP/8001|REMOVEMEMBER|"]
    with database.unit_of_work() as session:
        overlap = import_queue_log(session, write(tmp_path / "queue_log_2", later))
    assert overlap.states_added == 1
    assert [s[0] for s in states(first)][-1] == "signed_out" and len(states(first)) == 6


def test_the_board_names_each_groups_team_lead(client, make_user, database):
    lead = make_user(Role.team_lead)
    agent = make_user(Role.agent)
    with database.unit_of_work() as session:
        for made in (lead, agent):
            user = session.get(User, uuid.UUID(made["id"]))
            assert user is not None
            user.agent_group = "group_1"
        lead_name = session.get(User, uuid.UUID(lead["id"])).display_name  # type: ignore[union-attr]
    html = web_login(client.app, lead["username"]).get("/ui/callcenter/board").text
    assert f'<h3>一组 <span class="lead">班长：{lead_name}</span></h3>' in html
