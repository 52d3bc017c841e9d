"""Issue 19 §9: notifications in the page. Expected counts are worked out by hand from
the tickets each test makes (times set in the database where the clock matters)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from node.auth.accounts import Role
from node.db.types import utcnow
from node.tickets.models import Ticket
from tests.conftest import PASSWORD
from tests.test_web_pages import _customer, web_login


def _ticket(client, admin, customer_id: str, severity: str = "major", **extra) -> dict:
    body = {"customer_id": customer_id, "kind": "repair", "severity": severity} | extra
    resp = client.post("/api/v1/tickets", json=body, headers=admin)
    assert resp.status_code == 201, resp.text
    return resp.json()


def _count(browser) -> int:
    resp = browser.get("/ui/notifications/count")
    assert resp.status_code == 200, resp.text
    return resp.json()["count"]


def _opened_ago(database, ticket_id: str, hours: float, window_hours: int) -> None:
    """Make the ticket opened `hours` ago with a `window_hours` SLA window."""
    import uuid

    opened = utcnow() - timedelta(hours=hours)
    with database.engine.begin() as conn:
        conn.execute(
            update(Ticket)
            .where(Ticket.id == uuid.UUID(ticket_id))
            .values(created_at=opened, due_at=opened + timedelta(hours=window_hours))
        )


def test_a_technician_hears_of_new_dispatches_once(client, admin, make_user):
    tech_user = make_user(Role.technician, "urban")
    tech = web_login(client.app, tech_user["username"], PASSWORD)
    assert _count(tech) == 0
    customer = _customer(client, admin)
    first = _ticket(client, admin, customer["id"])
    client.post(
        f"/api/v1/tickets/{first['id']}/transition",
        json={"to": "dispatched", "technician_id": tech_user["id"]},
        headers=admin,
    )
    assert _count(tech) == 1
    page = tech.get("/ui/notifications")
    assert first["ticket_no"] in page.text and "新派给我的工单" in page.text
    assert _count(tech) == 0  # opening the page marked it seen
    second = _ticket(client, admin, customer["id"], technician_id=tech_user["id"])
    assert _count(tech) == 1
    assert second["ticket_no"] in tech.get("/ui/notifications").text


def test_a_team_lead_hears_of_breaches_and_gets_a_daily_digest(client, admin, make_user, database):
    lead = web_login(client.app, make_user(Role.team_lead)["username"], PASSWORD)
    customer = _customer(client, admin)
    soon = _ticket(client, admin, customer["id"])
    fine = _ticket(client, admin, customer["id"])
    late = _ticket(client, admin, customer["id"])
    # 24 h window: about to breach from 18 h on (the last quarter).
    _opened_ago(database, soon["id"], hours=20, window_hours=24)  # 4 h left: breaching
    _opened_ago(database, fine["id"], hours=10, window_hours=24)  # 14 h left: fine
    _opened_ago(database, late["id"], hours=30, window_hours=24)  # 6 h late: overdue
    assert _count(lead) == 2  # one breaching, plus the digest of one overdue
    page = lead.get("/ui/notifications").text
    breaching = page.split('id="breaching"', 1)[1].split("</ul>", 1)[0]
    assert soon["ticket_no"] in breaching
    assert fine["ticket_no"] not in breaching and late["ticket_no"] not in breaching
    assert "目前有 1 张工单已超时" in page
    assert _count(lead) == 0
    assert "今天的汇总已看过" in lead.get("/ui/notifications").text


def test_scope_and_roles(client, admin, make_user, database):
    customer = _customer(client, admin, service_area="urban")
    soon = _ticket(client, admin, customer["id"])
    _opened_ago(database, soon["id"], hours=20, window_hours=24)
    elsewhere = web_login(client.app, make_user(Role.dispatcher, "county")["username"], PASSWORD)
    assert _count(elsewhere) == 0  # another area's ticket is not theirs to watch
    here = web_login(client.app, make_user(Role.dispatcher, "urban")["username"], PASSWORD)
    assert _count(here) == 1
    agent = web_login(client.app, make_user(Role.agent, "urban")["username"], PASSWORD)
    assert _count(agent) == 0
    assert "您的角色没有工单通知" in agent.get("/ui/notifications").text
    anonymous = client.get("/ui/notifications/count", follow_redirects=False)
    assert anonymous.status_code in (303, 401)
