"""外呼活动, the team lead's campaign pages (issue 21 §6), on SQLite and PostgreSQL: a
campaign made through the form (bad fields named, nothing stored), its progress counts
against six tasks put by hand into six states, closing once (409 the second time),
adding the customers of closed work orders and an uploaded list (a bad line named,
nothing added); agents view but change nothing. The pages' clock is fixed at T0."""

from __future__ import annotations

import re
import uuid

from sqlalchemy import func, select

from node.auth.accounts import Role
from node.surveys.campaign_models import CallTask, DialResult, SurveyCampaign
from node.surveys.definition import Definition
from node.surveys.pool import reserve
from node.surveys.results import Report, record_result
from node.surveys.service import create_questionnaire
from node.web import pages_survey_campaigns
from tests.callback_helpers import T0, add_numbers
from tests.survey_page_helpers import (
    EVERY_TYPE,
    api_customer,
    closed_ticket,
    every_type_version,
    fix_clock,
    open_campaign,
)
from tests.test_web_pages import _page_csrf, web_login

HOME = "/ui/surveys/campaigns"


def _counts(html: str) -> dict[str, int]:
    return {k: int(v) for k, v in re.findall(r'data-count="([\w.]+)">(\d+)<', html)}


def _campaigns(database) -> int:  # type: ignore[no-untyped-def]
    with database.unit_of_work(write=False) as session:
        return session.execute(select(func.count()).select_from(SurveyCampaign)).scalar_one()


def test_create_through_the_form(client, make_user, database, monkeypatch):
    fix_clock(monkeypatch, pages_survey_campaigns)
    with database.unit_of_work() as session:
        published = every_type_version(session)
        _, draft = create_questionnaire(session, "草稿", "", Definition.model_validate(EVERY_TYPE))
        draft_id = draft.id
    lead = web_login(client.app, make_user(Role.team_lead)["username"])
    page = lead.get(HOME)
    assert page.status_code == 200 and "报修回访 第 1 版" in page.text
    csrf = _page_csrf(lead, HOME)
    base = {
        "csrf_token": csrf,
        "name": "十二月报修回访",
        "questionnaire_version_id": str(published),
    }
    for changed, field in (
        ({"name": ""}, "name"),
        ({"questionnaire_version_id": "xyz"}, "questionnaire_version_id"),
        ({"questionnaire_version_id": str(draft_id)}, "questionnaire_version_id"),
        ({"first_retry_minutes": "abc"}, "first_retry_minutes"),
        ({"max_attempts": "99"}, "max_attempts"),
        ({"weekday_window": "25:00-26:00"}, "weekday_window"),
    ):
        resp = lead.post(HOME, data={**base, **changed})
        assert resp.status_code == 422, (changed, resp.status_code)
        assert f'id="err-{field}"' in resp.text, changed
    assert _campaigns(database) == 0
    resp = lead.post(HOME, data={**base, "first_retry_minutes": "45"}, follow_redirects=False)
    assert resp.status_code == 303
    page = lead.get(resp.headers["location"]).text
    assert "十二月报修回访" in page and 'data-rule="first_retry_minutes">45<' in page
    assert 'data-rule="weekday_window">09:00-20:30<' in page
    agent = web_login(client.app, make_user(Role.agent)["username"])
    assert agent.get(HOME).status_code == 200
    refused = agent.post(HOME, data={**base, "csrf_token": _page_csrf(agent, HOME)})
    assert refused.status_code == 403 and _campaigns(database) == 1


def test_progress_close_and_adding_tasks(client, admin, make_user, database, monkeypatch):
    fix_clock(monkeypatch, pages_survey_campaigns)
    x, y = uuid.uuid4(), uuid.uuid4()
    with database.unit_of_work() as session:
        campaign = open_campaign(session)
        # priorities decide what the pool hands out: d, e, b, then c; a stays
        a, c, b, e, d = (
            add_numbers(session, campaign, [f"1380013800{n}"], priority=n)[0]
            for n in (1, 3, 4, 5, 6)
        )
        done = {"fixed": "yes", "score": 5}
        for task, result, answers in (
            (d, DialResult.completed, done),
            (e, DialResult.refused, None),
            (b, DialResult.no_answer, None),
        ):
            got = reserve(session, x, T0)
            assert got is not None and got.id == task.id
            record_result(session, task.id, x, Report(result, answers), T0)
        held = reserve(session, y, T0)
        assert held is not None and held.id == c.id
        # e's number refused: a new open task on it is suppressed
        (f,) = add_numbers(session, campaign, ["13800138005"])
        assert a.is_open and a.attempts == 0 and f.is_open and not e.is_open
        campaign_id = campaign.id
    lead = web_login(client.app, make_user(Role.team_lead)["username"])
    url = f"{HOME}/{campaign_id}"
    page = lead.get(url)
    assert page.status_code == 200
    # by hand: a in the pool, b waiting to retry, c reserved, f suppressed, d and e final
    expected = {
        "tasks": 6,
        "pool": 1,
        "retries_waiting": 1,
        "reserved": 1,
        "suppressed": 1,
        "final.completed": 1,
        "final.exhausted": 0,
        "final.no_number": 0,
        "final.refused": 1,
        "final.closed": 0,
    }
    assert _counts(page.text) == expected
    assert _counts(lead.get(HOME).text) == expected  # the list shows the same row

    # the customers of work orders closed on 2026-11-30 (Beijing), and a pasted list
    tech = make_user(Role.technician)
    customer_id = api_customer(client, admin, "王淑芬", "13907310001")
    with database.unit_of_work() as session:
        closed_ticket(session, customer_id, tech["id"], "GD20261130001")
    csrf = _page_csrf(lead, url)
    bad = lead.post(f"{url}/tickets", data={"csrf_token": csrf, "closed_from": "2026-11-31",
                                            "closed_to": "2026-11-30"})  # fmt: skip
    assert bad.status_code == 422 and 'id="err-closed_from"' in bad.text
    resp = lead.post(
        f"{url}/tickets",
        data={"csrf_token": csrf, "closed_from": "2026-11-30", "closed_to": "2026-11-30"},
    )
    assert resp.status_code == 200 and "新增 1 个任务" in resp.text
    listed = "13800138101，13800138102\n\n13800138103\nnot-a-number\n"
    bad = lead.post(f"{url}/list", data={"csrf_token": csrf},
                    files={"file": ("名单.txt", listed.encode(), "text/plain")})  # fmt: skip
    assert bad.status_code == 422 and "第 4 行" in bad.text
    assert _counts(bad.text)["tasks"] == 7  # nothing added
    resp = lead.post(f"{url}/list", data={"csrf_token": csrf},
                     files={"file": ("名单.txt", listed.rsplit("not", 1)[0].encode())})  # fmt: skip
    assert resp.status_code == 200 and "新增 2 个任务" in resp.text
    with database.unit_of_work(write=False) as session:
        phones = session.execute(
            select(CallTask.phones).where(CallTask.phone == "13800138101")
        ).scalar_one()
        assert phones == '["13800138101","13800138102"]'

    # agents view, do not close; the team lead closes once
    agent = web_login(client.app, make_user(Role.agent)["username"])
    assert agent.get(url).status_code == 200 and 'data-action="close"' not in agent.get(url).text
    agent_csrf = _page_csrf(agent, url)
    assert agent.post(f"{url}/close", data={"csrf_token": agent_csrf}).status_code == 403
    resp = lead.post(f"{url}/close", data={"csrf_token": csrf}, follow_redirects=False)
    assert resp.status_code == 303
    closed = lead.get(resp.headers["location"]).text
    assert "活动已结束" in closed and 'data-action="close"' not in closed
    counts = _counts(closed)
    # a, b, c, f and the three added close with the campaign
    assert counts["final.closed"] == 7 and counts["pool"] == 0 and counts["reserved"] == 0
    again = lead.post(f"{url}/close", data={"csrf_token": csrf})
    assert again.status_code == 409 and "already closed" in again.text
    # unknown and malformed ids: 4xx pages
    assert lead.get(f"{HOME}/{uuid.uuid4()}").status_code == 404
    assert lead.get(f"{HOME}/xyz").status_code == 422
    assert lead.post(f"{HOME}/{uuid.uuid4()}/close", data={"csrf_token": csrf}).status_code == 404
    technician = web_login(client.app, tech["username"])
    assert technician.get(HOME).status_code == 403
