"""外呼回访, the agent's callback page (issue 21 §6), on SQLite and PostgreSQL: the agent
takes the next task and sees the customer and the work order beside every question
type; refused answers come back under their questions with nothing recorded; a
completed call stores exactly what was posted; a no-answer comes back only at +30 min;
a lost reservation answers 409 with a way to the next task; an appointment keeps the
Beijing time typed; bad ids and garbage answer 4xx, never 5xx.

The pages read utcnow(), patched here to T0 (a Tuesday 10:00 in Beijing, inside the
calling window); times after that are passed to the pool's functions directly."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import orjson
from sqlalchemy import func, select

from node.auth.accounts import Role
from node.surveys import pool
from node.surveys.campaign_models import CallAttempt, CallTask, SurveyResponse
from node.web import pages_survey_work
from tests.callback_helpers import T0, add_numbers
from tests.survey_page_helpers import (
    api_customer,
    closed_ticket,
    customer_task,
    fix_clock,
    make_ready,
    open_campaign,
)
from tests.test_web_pages import _page_csrf, web_login

WORK = "/ui/surveys/work"
GOOD = {
    "a.fixed": "yes",
    "a.liked": ["speed", "signal"],
    "a.score": "4",
    "a.recommend": "9",
    "a.visits": "2",
    "a.advice": "师傅很耐心",
    "a.since": "2026-11-30",
}


def _setup(client, admin, make_user, database):  # type: ignore[no-untyped-def]
    """A campaign with the customer's task (priority 5, with a closed work order) and a
    bare number's (priority 0); the agent's logged-in browser."""
    tech = make_user(Role.technician)
    customer_id = api_customer(client, admin, "王淑芬", "13907310001")
    with database.unit_of_work() as session:
        campaign = open_campaign(session)
        ticket_id = closed_ticket(session, customer_id, tech["id"], "GD20261130001")
        first = customer_task(session, campaign, customer_id, ticket_id)
        (second,) = add_numbers(session, campaign, ["13800138002", "13800138003"])
        ids = {"campaign": campaign.id, "first": first.id, "second": second.id}
    agent = make_user(Role.agent)
    make_ready(database, agent["id"])
    browser = web_login(client.app, agent["username"])
    return browser, agent, tech, customer_id, ids


def _take(browser) -> str:  # type: ignore[no-untyped-def]
    resp = browser.post(f"{WORK}/next", data={"csrf_token": _page_csrf(browser, WORK)},
                        follow_redirects=False)  # fmt: skip
    assert resp.status_code == 303, resp.text
    return str(resp.headers["location"])


def _post(browser, task_id, data):  # type: ignore[no-untyped-def]
    body = {"csrf_token": _page_csrf(browser, WORK), **data}
    return browser.post(f"{WORK}/tasks/{task_id}/result", data=body, follow_redirects=False)


def _attempts(database) -> int:  # type: ignore[no-untyped-def]
    with database.unit_of_work(write=False) as session:
        return session.execute(select(func.count()).select_from(CallAttempt)).scalar_one()


def test_take_answer_complete_then_no_answer_comes_back_at_30_minutes(
    client, admin, make_user, database, monkeypatch
):
    fix_clock(monkeypatch, pages_survey_work)
    browser, agent, _, customer_id, ids = _setup(client, admin, make_user, database)
    empty = browser.get(WORK)
    assert empty.status_code == 200 and "下一个回访" in empty.text and "共 0 次拨打" in empty.text
    assert _take(browser) == WORK
    page = browser.get(WORK).text
    # the campaign, the numbers, the customer with the 360 link, the work order
    assert "十二月报修回访" in page and "13907310001" in page and "王淑芬" in page
    assert f'href="/ui/customers/{customer_id}"' in page
    assert "GD20261130001" in page and "机顶盒无信号" in page
    assert re.search(r'data-field="technician">用户\d+<', page)  # the technician's name
    assert "2026-11-30 16:00" in page  # closed at 08:00 UTC, shown in Beijing time
    for code in ("fixed", "liked", "score", "recommend", "visits", "advice", "since"):
        assert f'name="a.{code}"' in page
    assert 'type="date" name="a.since"' in page and 'value="10"' in page  # nps to 10
    assert page.count('class="required"') == 2  # fixed and score are required
    for text in ("拨打成功（完成）", "无人接听", "忙线", "号码错误", "停机/空号", "婉拒（改日）",
                 "拒绝", "勿扰（不要再打）", "预约", "仅限本人"):  # fmt: skip
        assert text in page
    assert 'type="datetime-local" name="appointment_at"' in page

    # refused answers: each message under its question, 422, nothing recorded
    bad = {**GOOD, "a.score": "9", "a.since": "2026-13-01", "result": "completed"}
    resp = _post(browser, ids["first"], bad)
    assert resp.status_code == 422
    assert re.search(r'id="err-score"[^>]*>[^<]*1[^<]*5', resp.text), resp.text
    assert 'id="err-since"' in resp.text and 'id="err-fixed"' not in resp.text
    assert 'value="师傅很耐心"' not in resp.text and "师傅很耐心" in resp.text  # refilled
    assert _attempts(database) == 0
    with database.unit_of_work(write=False) as session:
        task = session.get(CallTask, ids["first"])
        assert task is not None and task.is_open and str(task.lease_agent_id) == agent["id"]

    # completed: the stored response is what was posted
    resp = _post(browser, ids["first"], {**GOOD, "result": "completed"})
    assert resp.status_code == 303 and resp.headers["location"] == f"{WORK}?done=completed"
    with database.unit_of_work(write=False) as session:
        (response,) = session.execute(select(SurveyResponse)).scalars()
        assert orjson.loads(response.answers) == {
            "fixed": "yes",
            "liked": ["speed", "signal"],
            "score": 4,
            "recommend": 9,
            "visits": 2,
            "advice": "师傅很耐心",
            "since": "2026-11-30",
        }
        assert response.partial is False and str(response.agent_id) == agent["id"]
        task = session.get(CallTask, ids["first"])
        assert task is not None and not task.is_open and task.outcome == "completed"
    after = browser.get(resp.headers["location"]).text
    assert "已记录：拨打成功（完成）" in after and "下一个回访" in after and "共 1 次拨打" in after

    # the next task, then no answer: retried at +30 min, not before
    assert _take(browser) == WORK
    page = browser.get(WORK).text
    assert "13800138002" in page and "13800138003" in page and "名单号码" in page
    assert _post(browser, ids["second"], {"result": "no_answer"}).status_code == 303
    today = browser.get(WORK).text
    assert "共 2 次拨打" in today and re.search(r"无人接听</th><td>1<", today)
    other = uuid.uuid4()
    with database.unit_of_work() as session:
        assert pool.reserve(session, other, T0 + timedelta(minutes=29, seconds=59)) is None
        back = pool.reserve(session, other, T0 + timedelta(minutes=30))
        assert back is not None and back.id == ids["second"] and back.attempts == 1


def test_a_lost_reservation_answers_409_and_offers_the_next(
    client, admin, make_user, database, monkeypatch
):
    clock = fix_clock(monkeypatch, pages_survey_work)
    browser, _, _, _, ids = _setup(client, admin, make_user, database)
    _take(browser)
    # the lease (120 s) runs out and another agent takes the task
    other = uuid.uuid4()
    with database.unit_of_work() as session:
        taken = pool.reserve(session, other, T0 + timedelta(seconds=121))
        assert taken is not None and taken.id == ids["first"]
    clock.now = T0 + timedelta(seconds=130)
    resp = _post(browser, ids["first"], {**GOOD, "result": "completed"})
    assert resp.status_code == 409
    assert "已不在你的预留中" in resp.text and 'data-action="take-next"' in resp.text
    assert 'action="/ui/surveys/work/next"' in resp.text
    assert _attempts(database) == 0
    # renewing a task I do not hold: 409 too; the one I hold: the new lease
    csrf = _page_csrf(browser, WORK)
    lost = browser.post(f"{WORK}/tasks/{ids['first']}/renew", data={"csrf_token": csrf})
    assert lost.status_code == 409
    _take(browser)  # the second task, leased from T0+130 s
    clock.now = T0 + timedelta(seconds=190)
    renewed = browser.post(f"{WORK}/tasks/{ids['second']}/renew", data={"csrf_token": csrf})
    assert renewed.status_code == 200
    assert renewed.json()["lease_until"].startswith("2026-12-01T02:05:10")


def test_an_appointment_keeps_the_beijing_time_and_garbage_is_refused(
    client, admin, make_user, database, monkeypatch
):
    fix_clock(monkeypatch, pages_survey_work)
    browser, agent, _, _, ids = _setup(client, admin, make_user, database)
    _take(browser)
    for data, field in (
        ({"result": "appointment", "appointment_at": "明天下午"}, "err-appointment_at"),
        ({"result": "appointment", "appointment_at": ""}, "err-appointment_at"),
        ({"result": "appointment", "appointment_at": "2026-11-01T10:00"}, "err-appointment_at"),
        ({"result": "teleport"}, None),
        ({"a.visits": "十一", "result": "completed"}, "err-visits"),
        ({"a.fixed": "maybe", "result": "completed"}, "err-fixed"),
    ):
        resp = _post(browser, ids["first"], data)
        assert resp.status_code == 422, (data, resp.status_code)
        assert field is None or f'id="{field}"' in resp.text, data
    assert _attempts(database) == 0
    # the picker's 2026-12-02 15:30 is Beijing time: 07:30 UTC, for me only
    data = {"result": "appointment", "appointment_at": "2026-12-02T15:30", "appointment_mine": "1"}
    assert _post(browser, ids["first"], data).status_code == 303
    with database.unit_of_work(write=False) as session:
        task = session.get(CallTask, ids["first"])
        assert task is not None and task.is_open and task.attempts == 0
        assert task.next_attempt_at == datetime(2026, 12, 2, 7, 30, tzinfo=UTC)
        assert str(task.appointment_agent_id) == agent["id"]
    # bad ids in the path: 4xx pages, never a 5xx
    csrf = _page_csrf(browser, WORK)
    unknown = browser.post(f"{WORK}/tasks/{uuid.uuid4()}/result",
                           data={"csrf_token": csrf, "result": "busy"})  # fmt: skip
    assert unknown.status_code in (404, 409)
    assert browser.post(f"{WORK}/tasks/xyz/result", data={"csrf_token": csrf}).status_code == 422
    assert browser.post(f"{WORK}/tasks/xyz/renew", data={"csrf_token": csrf}).status_code == 422
    assert browser.post(f"{WORK}/next", data={}).status_code == 403  # no CSRF token


def test_nothing_eligible_says_when_the_next_is_due_and_speaks_english(
    client, make_user, database, monkeypatch
):
    fix_clock(monkeypatch, pages_survey_work)
    with database.unit_of_work() as session:
        campaign = open_campaign(session)
        (task,) = add_numbers(session, campaign, ["13800138009"])
        task.next_attempt_at = T0 + timedelta(minutes=45)
    agent = make_user(Role.agent)
    browser = web_login(client.app, agent["username"])
    assert _take(browser) == f"{WORK}?not_ready=1"  # signed out: not ready
    assert "示闲后才能领取回访" in browser.get(f"{WORK}?not_ready=1").text
    make_ready(database, agent["id"])
    assert _take(browser) == f"{WORK}?none=1"
    page = browser.get(f"{WORK}?none=1").text
    assert "现在没有可拨打的回访任务" in page and "下一个任务 2026-12-01 10:45 到期" in page
    browser.cookies.set("fedcrm_lang", "en")
    english = browser.get(f"{WORK}?none=1").text
    assert "No callback can be made now" in english and "Next callback" in english
    technician = web_login(client.app, make_user(Role.technician)["username"])
    assert technician.get(WORK).status_code == 403
