"""回访查询, the city's dial look-up page (issue 21 §5), on SQLite and PostgreSQL: four
dials made through the pool and the result service, then each filter's rows written
here by hand in the order the page must show them (newest first), paging, the Excel
export read back (and its cap), masked numbers for a role without pii:read, and every
bad input answered 422 with its field named, never a 5xx."""

from __future__ import annotations

import io
import re
import uuid
from datetime import datetime, timedelta

import pytest
from openpyxl import load_workbook

from node.auth.accounts import Role
from node.surveys.campaign_models import DialResult
from node.surveys.pool import reserve
from node.surveys.results import Report, record_result
from node.web import pages_survey_attempts
from tests.callback_helpers import T0, add_numbers
from tests.survey_page_helpers import api_customer, closed_ticket, customer_task, open_campaign
from tests.test_web_pages import web_login

PAGE = "/ui/surveys/attempts"
MIN = timedelta(minutes=1)
EMPTY = "没有符合条件的记录，可放宽筛选条件再试。"


def _name(user: dict) -> str:
    """The display name make_user gives: 用户 and the number in the username."""
    return "用户" + re.sub(r"\D", "", user["username"])


def _dial(session, agent: dict, at: datetime, result: DialResult, **more):  # type: ignore[no-untyped-def]
    task = reserve(session, uuid.UUID(agent["id"]), at)
    assert task is not None, f"nothing offered at {at}"
    record_result(session, task.id, uuid.UUID(agent["id"]), Report(result, **more), at)
    return task


@pytest.fixture
def dials(client, admin, make_user, database) -> dict:  # type: ignore[no-untyped-def]
    """Four dials of 2026-12-01 (Beijing), by two agents in two campaigns:

    10:00 13907310001 无人接听   agent1 十二月报修回访 王淑芬 GD20261130001
    10:05 13800138001 忙线       agent2 十二月报修回访 (a listed number)
    10:10 13800138009 拒绝       agent2 装机回访       (a listed number)
    10:40 13907310001 拨打成功   agent1 十二月报修回访 王淑芬 GD20261130001
    """
    tech = make_user(Role.technician)
    agent1, agent2 = make_user(Role.agent), make_user(Role.agent)
    lead, analyst = make_user(Role.team_lead), make_user(Role.analyst)
    customer_id = api_customer(client, admin, "王淑芬", "13907310001")
    api_customer(client, admin, "王淑兰", "13907310005")  # 王淑 finds two
    with database.unit_of_work() as session:
        repairs = open_campaign(session)
        installs = open_campaign(session, "装机回访")
        ticket_id = closed_ticket(session, customer_id, tech["id"], "GD20261130001")
        customer_task(session, repairs, customer_id, ticket_id)  # priority 5: first
        add_numbers(session, repairs, ["13800138001"], priority=3)
        add_numbers(session, installs, ["13800138009"], priority=1)
        _dial(session, agent1, T0, DialResult.no_answer)  # back at 10:30
        _dial(session, agent2, T0 + 5 * MIN, DialResult.busy)
        _dial(session, agent2, T0 + 10 * MIN, DialResult.refused)
        answers = {"fixed": "yes", "score": 5}
        _dial(session, agent1, T0 + 40 * MIN, DialResult.completed, answers=answers)
        return {
            "customer": customer_id, "ticket": str(ticket_id), "repairs": str(repairs.id),
            "installs": str(installs.id), "agent1": agent1, "agent2": agent2, "lead": lead,
            "analyst": analyst, "tech": tech,
        }  # fmt: skip


def _rows(html: str) -> list[list[str]]:
    """The result table's rows as the cells' texts."""
    body = html.split('data-table="attempts"', 1)[1].split("</table>", 1)[0]
    body = body.split("<tbody>", 1)[1]
    rows = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S):
        cells = [
            re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        rows.append(cells)
    return rows


def _expected(d: dict) -> dict[str, list[str]]:
    """The four rows as the page shows them to a role with pii:read, by their time."""
    a1, a2 = _name(d["agent1"]), _name(d["agent2"])
    return {
        "10:40": ["2026-12-01 10:40", "13907310001", "拨打成功（完成）", a1, "十二月报修回访",
                  "王淑芬", "GD20261130001"],
        "10:10": ["2026-12-01 10:10", "13800138009", "拒绝", a2, "装机回访", "名单号码", ""],
        "10:05": ["2026-12-01 10:05", "13800138001", "忙线", a2, "十二月报修回访", "名单号码", ""],
        "10:00": ["2026-12-01 10:00", "13907310001", "无人接听", a1, "十二月报修回访", "王淑芬",
                  "GD20261130001"],
    }  # fmt: skip


def test_each_filter_shows_exactly_its_dials_newest_first(client, dials):
    lead = web_login(client.app, dials["lead"]["username"])
    rows = _expected(dials)
    cases = [
        ({}, ["10:40", "10:10", "10:05", "10:00"]),
        ({"phone": "139 0731 0001"}, ["10:40", "10:00"]),  # normalized as stored
        ({"phone": "+86 138-0013-8009"}, ["10:10"]),
        ({"customer": dials["customer"]}, ["10:40", "10:00"]),
        ({"customer": "王淑芬"}, ["10:40", "10:00"]),  # the customer search finds one
        ({"customer": "13907310001"}, ["10:40", "10:00"]),
        ({"ticket": "GD20261130001"}, ["10:40", "10:00"]),
        ({"ticket": dials["ticket"]}, ["10:40", "10:00"]),
        ({"campaign": dials["installs"]}, ["10:10"]),
        ({"campaign": dials["repairs"]}, ["10:40", "10:05", "10:00"]),
        ({"agent": dials["agent2"]["id"]}, ["10:10", "10:05"]),
        ({"from": "2026-12-01T10:05", "to": "2026-12-01T10:10"}, ["10:10", "10:05"]),
        ({"from": "2026-12-01T10:06"}, ["10:40", "10:10"]),
        ({"to": "2026-12-01T10:04"}, ["10:00"]),
        ({"agent": dials["agent1"]["id"], "to": "2026-12-01T10:39"}, ["10:00"]),
        ({"campaign": dials["installs"], "phone": "13907310001"}, []),
        ({"from": "2026-12-02T00:00"}, []),
    ]
    for params, times in cases:
        resp = lead.get(PAGE, params=params)
        assert resp.status_code == 200, (params, resp.text)
        expected = [rows[t] for t in times] or [[EMPTY]]
        assert _rows(resp.text) == expected, params
    page = lead.get(PAGE).text
    # the customer and the work order link to their pages; the menu names the page
    assert f'<a href="/ui/customers/{dials["customer"]}">王淑芬</a>' in page
    assert f'<a href="/ui/tickets/{dials["ticket"]}">GD20261130001</a>' in page
    assert '<a href="/ui/surveys/attempts" aria-current="page">回访查询</a>' in page
    assert "共 4 条" in page


def test_paging_export_and_its_cap(client, dials, monkeypatch):
    monkeypatch.setattr(pages_survey_attempts, "PAGE_SIZE", 3)
    lead = web_login(client.app, dials["lead"]["username"])
    rows = _expected(dials)
    first = lead.get(PAGE)
    assert _rows(first.text) == [rows["10:40"], rows["10:10"], rows["10:05"]]
    assert "共 4 条，第 1–3 条" in first.text and "上一页" not in first.text
    next_url = re.search(r'href="([^"]+)" rel="next"', first.text)
    assert next_url is not None
    second = lead.get(next_url.group(1).replace("&amp;", "&"))
    assert second.status_code == 200
    assert _rows(second.text) == [rows["10:00"]]
    assert "第 4–4 条" in second.text and 'rel="next"' not in second.text
    assert 'rel="prev"' in second.text
    # the filters travel with the pages
    filtered = lead.get(PAGE, params={"agent": dials["agent1"]["id"]})
    assert 'rel="next"' not in filtered.text and len(_rows(filtered.text)) == 2

    export = lead.get(PAGE, params={"phone": "13907310001", "export": "xlsx", "table": "attempts"})
    assert export.status_code == 200 and export.content[:2] == b"PK"
    book = load_workbook(io.BytesIO(export.content))
    sheet = book.active
    assert sheet.title == "回访查询"
    got = [[c.value for c in r] for r in sheet.iter_rows()]
    assert got[0] == ["回访时间", "电话号码", "拨打结果", "坐席", "活动", "客户", "工单"]
    a1 = _name(dials["agent1"])
    assert got[1:] == [
        [datetime(2026, 12, 1, 10, 40), "13907310001", "拨打成功（完成）", a1, "十二月报修回访",
         "王淑芬", "GD20261130001"],
        [datetime(2026, 12, 1, 10, 0), "13907310001", "无人接听", a1, "十二月报修回访",
         "王淑芬", "GD20261130001"],
    ]  # fmt: skip
    # past the cap: the newest rows only, and the sheet says so
    monkeypatch.setattr(pages_survey_attempts, "EXPORT_MAX", 2)
    capped = lead.get(PAGE, params={"export": "xlsx", "table": "attempts"})
    sheet = load_workbook(io.BytesIO(capped.content)).active
    assert sheet.title == "回访查询（最新 2 条）"
    assert [r[0].value for r in sheet.iter_rows(min_row=2)] == [
        datetime(2026, 12, 1, 10, 40),
        datetime(2026, 12, 1, 10, 10),
    ]
    assert "最多导出最新的 2 行" in lead.get(PAGE).text


def test_numbers_are_masked_without_pii_and_agents_cannot_export(client, dials):
    analyst = web_login(client.app, dials["analyst"]["username"])
    page = analyst.get(PAGE)
    assert page.status_code == 200
    assert [r[1] for r in _rows(page.text)] == [
        "139****0001",
        "138****8009",
        "138****8001",
        "139****0001",
    ]
    assert "13907310001" not in page.text
    export = analyst.get(PAGE, params={"export": "xlsx", "table": "attempts"})
    sheet = load_workbook(io.BytesIO(export.content)).active
    masked = ["139****0001", "138****8009", "138****8001", "139****0001"]
    assert [r[1].value for r in sheet.iter_rows(min_row=2)] == masked
    # searching by the full number still works: the filter is not shown back masked
    assert len(_rows(analyst.get(PAGE, params={"phone": "13907310001"}).text)) == 2
    agent = web_login(client.app, dials["agent1"]["username"])
    own = agent.get(PAGE)
    assert own.status_code == 200 and "导出 Excel" not in own.text
    assert "回访查询</a>" not in own.text  # not in an agent's menu
    assert agent.get(PAGE, params={"export": "xlsx", "table": "attempts"}).status_code == 403


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"from": "明天上午"}, "from", "请填写有效的日期和时间"),
        ({"to": "2026-13-01T10:00"}, "to", "请填写有效的日期和时间"),
        ({"from": "0001-01-01T00:00"}, "from", "请填写有效的日期和时间"),
        ({"from": "2026-12-02T10:00", "to": "2026-12-01T10:00"}, "to", "结束时间不能早于开始时间"),
        ({"phone": "12345"}, "phone", "不是有效的手机或固定电话号码"),
        ({"phone": "1" * 300}, "phone", "输入过长"),
        ({"customer": str(uuid.uuid4())}, "customer", "没有找到这个客户"),
        ({"customer": "欧阳不存在"}, "customer", "没有找到这个客户"),
        ({"customer": "王淑"}, "customer", "找到多个客户"),
        ({"ticket": "GD00000000000"}, "ticket", "没有这个工单"),
        ({"ticket": str(uuid.uuid4())}, "ticket", "没有这个工单"),
        ({"campaign": "not-a-uuid"}, "campaign", "没有这个活动"),
        ({"campaign": str(uuid.uuid4())}, "campaign", "没有这个活动"),
        ({"agent": "xyz"}, "agent", "没有这个坐席"),
        ({"agent": str(uuid.uuid4())}, "agent", "没有这个坐席"),
        ({"customer": "%"}, "customer", "没有找到这个客户"),
    ],
)
def test_a_bad_filter_is_named_under_its_field(client, dials, params, field, message):
    lead = web_login(client.app, dials["lead"]["username"])
    resp = lead.get(PAGE, params=params)
    assert resp.status_code == 422, resp.text
    error = re.search(rf'id="err-{field}"[^>]*>([^<]*)<', resp.text)
    assert error is not None and message in error.group(1), resp.text
    assert 'data-table="attempts"' not in resp.text


def test_tampered_paging_and_english(client, dials):
    lead = web_login(client.app, dials["lead"]["username"])
    for params, field in (
        ({"cursor": "!!!"}, "cursor"),
        ({"cursor": "abc"}, "cursor"),  # shaped like one, not one this page issued
        ({"back": "-"}, "back"),
    ):
        resp = lead.get(PAGE, params=params)
        assert resp.status_code == 422 and f"{field}：" in resp.text, params
    for name in ("ticket", "customer", "phone"):  # the app refuses NUL before any page
        resp = lead.get(PAGE, params={name: "GD\x00"})
        assert resp.status_code == 422 and f"{name}: must not contain NUL" in resp.text
    lead.cookies.set("fedcrm_lang", "en")
    english = lead.get(PAGE, params={"phone": "12345", "from": "x"})
    assert english.status_code == 422
    assert "Not a valid mobile or landline number" in english.text
    assert "Enter a valid date and time" in english.text and "Callback look-up" in english.text
    ok = lead.get(PAGE, params={"campaign": dials["installs"]}).text
    assert "Refused" in ok and "Called at" in ok
    technician = web_login(client.app, dials["tech"]["username"])
    assert technician.get(PAGE).status_code == 403


# Who opens 回访查询 (surveys:read, README's permission table): written out by hand.
ROLE_STATUS = {
    Role.admin: 200,
    Role.team_lead: 200,
    Role.agent: 200,
    Role.account_manager: 200,
    Role.analyst: 200,
    Role.dispatcher: 403,
    Role.technician: 403,
}


@pytest.mark.parametrize(("role", "status"), ROLE_STATUS.items())
def test_each_role_opens_the_page_as_its_permissions_say(client, make_user, role, status):
    browser = web_login(client.app, make_user(role)["username"])
    assert browser.get(PAGE).status_code == status
    export = browser.get(PAGE, params={"export": "xlsx", "table": "attempts"})
    # the export needs data:export too: admins, team leads and analysts
    exports = role in (Role.admin, Role.team_lead, Role.analyst)
    assert export.status_code == (200 if exports else 403)
