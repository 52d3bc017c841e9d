"""Issue 19 §7: a technician's home is 我的工单: their own open tickets with the address,
due time and the customer's number (shown in full only here, audited)."""

from __future__ import annotations

from sqlalchemy import select

from node.audit.models import AuditEntry
from node.auth.accounts import Role
from tests.conftest import PASSWORD
from tests.test_web_pages import _customer, _open_ticket, csrf_of, web_login


def _dispatch(lead, ticket_page, technician_id: str) -> None:  # type: ignore[no-untyped-def]
    answer = lead.post(
        f"{ticket_page.url.path}/transition",
        data={
            "csrf_token": csrf_of(ticket_page.text),
            "to": "dispatched",
            "technician_id": technician_id,
        },
    )
    assert answer.status_code == 200, answer.text


def test_my_tickets_shows_my_open_tickets_with_number_and_address(
    client, admin, make_user, database
):
    mine = _customer(
        client,
        admin,
        name="吴师傅的客户",
        phone="13907310011",
        home_address="长沙市雨花区韶山中路1号",
    )
    theirs = _customer(client, admin, name="别的师傅的客户", phone="13907310012")
    tech = make_user(Role.technician, "urban")
    other_tech = make_user(Role.technician, "urban")
    lead = web_login(client.app, make_user(Role.team_lead)["username"], PASSWORD)
    first = _open_ticket(lead, mine["id"], description="光猫红灯")
    _dispatch(lead, first, tech["id"])
    _dispatch(lead, _open_ticket(lead, theirs["id"]), other_tech["id"])
    _open_ticket(lead, mine["id"])  # open but not dispatched: nobody's yet

    browser = web_login(client.app, tech["username"], PASSWORD)
    home = browser.get("/ui/", follow_redirects=False)
    assert home.headers["location"].endswith("/ui/my-tickets")
    page = browser.get("/ui/my-tickets").text
    assert page.count('class="ticket-card') == 1
    assert "吴师傅的客户" in page and "别的师傅的客户" not in page
    assert 'href="tel:13907310011"' in page and "长沙市雨花区韶山中路1号" in page
    assert "光猫红灯" in page and "共 1 条" in page
    # Elsewhere the technician still sees the number masked (no pii:read).
    assert "13907310011" not in browser.get(f"/ui/customers/{mine['id']}").text
    with database.unit_of_work(write=False) as session:
        shown = (
            session.execute(
                select(AuditEntry).where(AuditEntry.action == "ticket.customer_phone_shown")
            )
            .scalars()
            .all()
        )
        assert [(e.actor, e.entity) for e in shown] == [(tech["username"], "ticket")]

    # Resolved: off the list, and the number with it.
    ticket_url = str(first.url.path)
    for to in ("in_progress", "resolved"):
        csrf = csrf_of(browser.get(ticket_url).text)
        moved = browser.post(f"{ticket_url}/transition", data={"csrf_token": csrf, "to": to})
        assert moved.status_code == 200, moved.text
    after = browser.get("/ui/my-tickets").text
    assert "13907310011" not in after and "目前没有派给您的在办工单" in after
