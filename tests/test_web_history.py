"""Issue 19 §10 in the browser: 修改记录 on the customer 360 and the ticket page, and the
ticket page's 修改工单 (severity, technician) recorded as ticket events."""

from __future__ import annotations

import re

import pytest

from node.auth.accounts import Role
from tests.conftest import PASSWORD
from tests.test_web_pages import _customer, _open_ticket, _page_csrf, web_login


@pytest.fixture
def web(client, make_user):  # type: ignore[no-untyped-def]
    """web(role) -> a browser signed in as a new user with that role."""
    return lambda role: web_login(client.app, make_user(role)["username"], PASSWORD)


def _history_rows(html: str) -> list[list[str]]:
    """The cells of the 修改记录 table, row by row."""
    table = html.split('class="data history"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr><td>(.*?)</td></tr>", table, re.S)
    return [re.split(r"</td><td>", row) for row in rows]


def test_the_360_shows_who_changed_what_in_words(client, admin, web):
    made = _customer(client, admin, grade="gold", phone="13800138000")
    lead = web(Role.team_lead)
    client.patch(
        f"/api/v1/customers/{made['id']}",
        json={"grade": "silver", "phone": "13912345678"},
        headers=admin,
    )
    page = lead.get(f"/ui/customers/{made['id']}")
    assert "修改记录" in page.text
    rows = _history_rows(page.text)
    # Newest first; the dictionary's words (金卡 → 银卡), not the codes; the admin's name.
    cells = {row[2]: (row[3], row[4]) for row in rows}
    assert cells["客户 · 客户等级"] == ("金卡", "银卡")
    # A team lead holds pii:read: the numbers in full.
    assert cells["客户 · 电话"] == ("13800138000", "13912345678")
    agent = web(Role.agent)
    masked = {row[2]: (row[3], row[4]) for row in _history_rows(agent.get(page.url.path).text)}
    assert masked["客户 · 电话"] == ("138****8000", "139****5678")


def test_changing_severity_and_technician_on_the_ticket_page(client, admin, web, make_user):
    first, second = make_user(Role.technician), make_user(Role.technician)
    made = _customer(client, admin)
    lead = web(Role.team_lead)
    page = _open_ticket(lead, made["id"], severity="major")
    url = page.url.path
    csrf = _page_csrf(lead, url)
    lead.post(
        f"{url}/transition",
        data={"csrf_token": csrf, "to": "dispatched", "technician_id": first["id"]},
    )
    changed = lead.post(
        f"{url}/edit",
        data={
            "csrf_token": _page_csrf(lead, url),
            "severity": "general",
            "technician_id": second["id"],
        },
    )
    assert changed.status_code == 200 and "已保存" in changed.text
    html = changed.text
    # The ticket's own log: 改派 first → second, then 紧急程度 重大 → 一般.
    reassigned = re.search(r'data-event="reassigned">(.*?)</li>', html, re.S)
    severity = re.search(r'data-event="severity">(.*?)</li>', html, re.S)
    assert reassigned and severity
    assert "用户" in reassigned.group(1) and "→" in reassigned.group(1)
    assert "重大（24小时） → 一般（48小时）" in severity.group(1)
    fields = {row[2] for row in _history_rows(html)}
    assert fields == {"紧急程度", "维修人员", "到期时间"}


def test_a_bad_severity_is_named_next_to_its_field_and_changes_nothing(client, admin, web):
    made = _customer(client, admin)
    lead = web(Role.team_lead)
    url = _open_ticket(lead, made["id"], severity="major").url.path
    answer = lead.post(
        f"{url}/edit", data={"csrf_token": _page_csrf(lead, url), "severity": "urgent"}
    )
    assert answer.status_code == 422
    assert 'id="edit-severity" name="severity" aria-invalid="true"' in answer.text
    assert "尚无修改" in answer.text
    detail = client.get(f"/api/v1/tickets/{url.rsplit('/', 1)[1]}", headers=admin).json()
    assert detail["severity"] == "major"


def test_an_agent_without_tickets_write_cannot_edit(client, admin, web):
    made = _customer(client, admin)
    lead = web(Role.team_lead)
    url = _open_ticket(lead, made["id"]).url.path
    tech = web(Role.analyst)
    answer = tech.post(
        f"{url}/edit", data={"csrf_token": _page_csrf(tech, url), "severity": "general"}
    )
    assert answer.status_code == 403
