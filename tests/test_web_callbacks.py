"""Issue 20 §6 on the agents' pages: 当天应注意的电话 lists the callers the API lists, the
longest waiting first, a known caller linked to their 360, numbers masked for agents."""

from __future__ import annotations

from datetime import datetime

from node.auth.accounts import Role
from node.office_time import OFFICE_TZ
from tests.conftest import PASSWORD
from tests.test_callcenter_callbacks import DAY, V, Y, seed_lost_callers
from tests.test_web_pages import web_login


def test_an_agent_sees_who_to_call_back(client, admin, make_user, database, tmp_path):
    made = seed_lost_callers(client, admin, database, tmp_path)
    agent = web_login(client.app, make_user(Role.agent)["username"], PASSWORD)
    page = agent.get("/ui/callbacks", params={"day": DAY})
    assert page.status_code == 200
    html = page.text
    assert 'href="/ui/callbacks"' in html  # in the agent's menu
    assert "共 2 位来电者待回拨，其中 2 位已超过 30 分钟" in html
    assert Y not in html and V not in html  # masked without pii:read
    assert html.index("未登记") < html.index("陈丽")  # Y (09:05) before V (11:00)
    assert f'href="/ui/customers/{made[V]["id"]}"' in html
    assert "超时未回拨" in html


def test_a_bad_day_is_named(client, make_user):
    agent = web_login(client.app, make_user(Role.agent)["username"], PASSWORD)
    page = agent.get("/ui/callbacks", params={"day": "2026-02-30"})
    assert page.status_code == 422 and 'id="err-day"' in page.text


def test_a_technician_does_not_see_it(client, make_user):
    tech = web_login(client.app, make_user(Role.technician)["username"], PASSWORD)
    assert 'href="/ui/callbacks"' not in tech.get("/ui/my-tickets").text


def test_the_agents_page_counts_who_to_call_back(
    client, admin, make_user, database, tmp_path, monkeypatch
):
    import node.web.pages_agents as pages

    late = datetime.fromisoformat(f"{DAY}T23:00").replace(tzinfo=OFFICE_TZ)
    monkeypatch.setattr(pages, "utcnow", lambda: late)
    seed_lost_callers(client, admin, database, tmp_path)
    agent = web_login(client.app, make_user(Role.agent)["username"], PASSWORD)
    html = agent.get("/ui/agent-state").text
    notice = html.split('data-field="callbacks-due"', 1)[1].split("</p>", 1)[0]
    assert 'href="/ui/callbacks"' in notice
    assert "共 2 位来电者待回拨，其中 2 位已超过 30 分钟" in notice
