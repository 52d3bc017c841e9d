"""Issue 20 §7 in the browser's pages: the CCmonitor page shows the API's figures of
the hand-computed golden log, exports them typed, and refuses a bad period by field."""

from __future__ import annotations

import io

import openpyxl
import pytest
from fastapi.testclient import TestClient

from node.auth.accounts import Role
from node.callcenter.importer import import_queue_log
from tests.conftest import PASSWORD
from tests.test_callcenter_queue_log import GOLDEN, write
from tests.test_web_pages import web_login

PERIOD = {"from": "2026-12-01T08:00", "to": "2026-12-02T00:00"}


@pytest.fixture
def lead(client: TestClient, make_user, database, tmp_path) -> TestClient:  # type: ignore[no-untyped-def]
    with database.unit_of_work() as session:
        import_queue_log(session, write(tmp_path / "queue_log", GOLDEN))
    return web_login(client.app, make_user(Role.team_lead)["username"], PASSWORD)


def test_the_page_shows_the_golden_figures_by_half_hour(lead):
    page = lead.get("/ui/callcenter", params=PERIOD)
    assert page.status_code == 200
    assert 'href="/ui/callcenter"' in page.text  # in the team lead's menu
    html = page.text
    # 08:30: 4 offered, 1 answered, 2 abandoned (1 short), service level 0 / 3 = 0.0%,
    # abandon rate 2 / 4 = 50.0% (worked out in test_callcenter_queue_log).
    row = html[html.index("2026-12-01 08:30") :].split("</tr>")[0]
    cells = [c.split("</td>")[0] for c in row.split("<td>")[1:]]
    assert cells[:4] == ["4", "1", "2", "1"] and "0.0%" in cells and "50.0%" in cells
    # The total: service level 2 / 6 = 33.3%, ASA 65 / 3 = 21.7 s.
    total = html[html.index("合计") :].split("</tr>")[0]
    assert "33.3%" in total and "21.7" in total


def test_the_export_keeps_shares_as_numbers(lead):
    resp = lead.get("/ui/callcenter", params=PERIOD | {"export": "xlsx", "table": "kpis"})
    assert resp.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(resp.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("时段开始", "来电数")
    total = rows[-1]
    assert total[0] == "合计" and total[1] == 7
    level = sheet.cell(row=len(rows), column=9)
    assert level.value == pytest.approx(2 / 6) and level.number_format == "0.0%"


@pytest.mark.parametrize(
    "params, field",
    [
        ({"from": "2026-12-02T00:00", "to": "2026-12-01T00:00"}, "晚于"),
        ({"from": "昨天", "to": "2026-12-01T00:00"}, 'id="err-from"'),
        ({"slot": "7m"}, 'id="err-slot"'),
    ],
)
def test_a_bad_field_is_shown_next_to_it(lead, params, field):
    page = lead.get("/ui/callcenter", params=params)
    assert page.status_code == 422 and field in page.text


def test_an_agent_may_not_open_it(client, make_user):
    agent = web_login(client.app, make_user(Role.agent)["username"], PASSWORD)
    assert agent.get("/ui/callcenter").status_code == 403
    assert 'href="/ui/callcenter"' not in agent.get("/ui/customers").text
