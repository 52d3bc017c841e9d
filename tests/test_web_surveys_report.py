"""回访统计, the callback figures page (issue 21 §5-§6), on SQLite and PostgreSQL: eight
tasks taken by hand to every AAPOR disposition (I=2, P=1, R=1, NC=1, O=1, U=1, NE=1),
RR1 and COOP1 computed here by hand and found on the page and in its Excel export,
the agent named, satisfaction and NPS by question, kind and technician; bad filters
answer 422 with the field named, never a 5xx."""

from __future__ import annotations

import io
import re
import uuid
from datetime import timedelta

from openpyxl import load_workbook

from node.auth.accounts import Role
from node.surveys import campaigns
from node.surveys.campaign_models import DialResult
from node.surveys.figures_fold import fold_all
from node.surveys.pool import reserve
from node.surveys.results import Report, record_result
from tests.callback_helpers import T0, add_numbers
from tests.survey_page_helpers import api_customer, closed_ticket, customer_task, open_campaign
from tests.test_web_pages import web_login

R = DialResult
MIN = timedelta(minutes=1)
PAGE = "/ui/surveys/report?from=2026-12-01&to=2026-12-01"
# The dispositions made below: interviews, partials, refusals, non-contacts, others,
# unknown (not eligible, 1, is in neither rate).
INT, PART, REF, NC, OTH, UNK = 2, 1, 1, 1, 1, 1
RR1 = INT / (INT + PART + REF + NC + OTH + UNK)  # 2/7
COOP1 = INT / (INT + PART + REF + OTH)  # 2/5


def _dial(session, agent, at, result, **more):  # type: ignore[no-untyped-def]
    task = reserve(session, agent, at)
    assert task is not None, f"nothing offered at {at}"
    record_result(session, task.id, agent, Report(result, **more), at)
    return task


def _hand_made(client, admin, make_user, database) -> dict:  # type: ignore[no-untyped-def]
    agent, lead, tech = make_user(Role.agent), make_user(Role.team_lead), make_user(Role.technician)
    customer_id = api_customer(client, admin, "王淑芬", "13907310001")
    a = uuid.UUID(agent["id"])
    with database.unit_of_work() as session:
        campaign = open_campaign(session)
        ticket_id = closed_ticket(session, customer_id, tech["id"], "GD20261130001")
        customer_task(session, campaign, customer_id, ticket_id)  # priority 5: first
        for n in range(7, 0, -1):  # then 13800138007 ... 13800138001
            add_numbers(session, campaign, [f"1380013800{n}"], priority=n - 5)
        full = {"fixed": "yes", "score": 5, "recommend": 10}
        _dial(session, a, T0, R.completed, answers=full)  # I, with the work order
        _dial(session, a, T0, R.completed, answers={"fixed": "yes", "score": 3, "recommend": 8})
        _dial(session, a, T0, R.completed, answers={"fixed": "no"})  # P: score missing
        _dial(session, a, T0, R.refused)  # R
        _dial(session, a, T0, R.wrong_number)  # NE: its only number
        _dial(session, a, T0, R.no_answer)  # NC after three
        _dial(session, a, T0, R.soft_refusal)  # O when the campaign closes
        _dial(session, a, T0 + 30 * MIN, R.no_answer)
        _dial(session, a, T0 + 150 * MIN, R.no_answer)
        # 13800138001 is never dialled: U when the campaign closes
        campaigns.close_campaign(session, campaign, uuid.UUID(lead["id"]), T0 + 240 * MIN)
        fold_all(session)  # what the node's fold job does every few seconds
        return {"campaign": campaign.name, "lead": lead, "agent": agent, "tech": tech}


def _name(user: dict) -> str:
    """The display name make_user gives: 用户 and the number in the username."""
    return "用户" + re.sub(r"\D", "", user["username"])


def _row(html: str, table: str, *first: str) -> list[str]:
    body = html.split(f'data-table="{table}"', 1)[1].split("</table>", 1)[0]
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S):
        cells = [
            re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td>(.*?)</td>", row, re.S)
        ]
        if cells[: len(first)] == list(first):
            return cells
    raise AssertionError(f"no row {first} in {table}")


def test_rr1_and_coop1_by_hand_on_the_page_and_in_excel(client, admin, make_user, database):
    made = _hand_made(client, admin, make_user, database)
    lead = web_login(client.app, made["lead"]["username"])
    page = lead.get(PAGE)
    assert page.status_code == 200
    assert "AAPOR RR1" in page.text and "AAPOR COOP1" in page.text
    for header in (
        "完成访问 I",
        "部分完成 P",
        "拒访 R",
        "未接触 NC",
        "其他 O",
        "资格未知 U",
        "不合格 NE",
    ):
        assert header in page.text
    # campaign: dials 9, contacts 5 (3 completed, a refusal, a soft refusal), I..NE, 8 final
    row = _row(page.text, "by_campaign", made["campaign"])
    assert row[1:10] == ["9", "5", "2", "1", "1", "1", "1", "1", "1"]
    assert row[10:] == ["8", f"{RR1:.1%}", f"{COOP1:.1%}"] == ["8", "28.6%", "40.0%"]
    assert _row(page.text, "by_campaign", "合计")[11:] == ["28.6%", "40.0%"]
    # by agent: named; the agent dialled, the lead's closing made U and O final
    agent_row = _row(page.text, "by_agent", _name(made["agent"]))
    assert agent_row[1:3] == ["9", "5"]
    assert _row(page.text, "by_day", "2026-12-01")[11:] == ["28.6%", "40.0%"]
    # by node: the node's name, not its code
    assert _row(page.text, "by_node", "长沙市")[11:] == ["28.6%", "40.0%"]
    # satisfaction: of the two scores (5 and 3) one is 4-5; NPS: one 10, one 8: (1-0)/2
    score = _row(page.text, "answers", "对维修服务满意吗？（score）")
    assert score[2] == "2" and score[4] == "50.0%"
    assert _row(page.text, "answers", "会推荐给亲友吗？（recommend）")[5] == "50.0"
    tech_name = _name(made["tech"])
    assert _row(page.text, "answers_technician", tech_name, "对维修服务满意吗？（score）")[2:4] == [
        "1",
        "100.0%",
    ]
    assert _row(page.text, "answers_technician", tech_name, "会推荐给亲友吗？（recommend）")[
        2:
    ] == ["1", "–", "100.0"]
    assert _row(page.text, "answers_kind", "故障报修", "对维修服务满意吗？（score）")[2:4] == [
        "1",
        "100.0%",
    ]

    export = lead.get(PAGE + "&export=xlsx&table=by_campaign")
    assert export.status_code == 200 and export.content[:2] == b"PK"
    sheet = load_workbook(io.BytesIO(export.content)).active
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    assert rows[0][-2:] == ["AAPOR RR1 应答率", "AAPOR COOP1 合作率"]
    (campaign_row,) = [r for r in rows if r[0] == made["campaign"]]
    assert campaign_row[1:10] == [9, 5, 2, 1, 1, 1, 1, 1, 1]
    assert campaign_row[-2] == round(RR1, 4) and campaign_row[-1] == round(COOP1, 4)


def test_bad_filters_are_named_and_agents_cannot_open_it(client, make_user):
    lead = web_login(client.app, make_user(Role.team_lead)["username"])
    for query, field in (
        ("from=2026-13-01&to=2026-12-01", "from"),
        ("from=2026-12-05&to=2026-12-01", "to"),
        ("from=2025-01-01&to=2026-12-01", "to"),
        ("from=2026-12-01&to=2026-12-01&campaign=xyz", "campaign"),
        (f"from=2026-12-01&to=2026-12-01&campaign={uuid.uuid4()}", "campaign"),
    ):
        resp = lead.get(f"/ui/surveys/report?{query}")
        assert resp.status_code == 422 and f'id="err-{field}"' in resp.text, query
    assert lead.get("/ui/surveys/report").status_code == 200  # this month by default
    lead.cookies.set("fedcrm_lang", "en")
    assert "AAPOR RR1 response rate" in lead.get("/ui/surveys/report").text
    technician = web_login(client.app, make_user(Role.technician)["username"])
    assert technician.get("/ui/surveys/report").status_code == 403
