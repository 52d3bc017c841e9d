"""Issue 19 §3: on the customer 360 one form logs the call (outcome from the dictionary,
summary required) and, when ticked, opens the ticket the call is about, linked to it;
both are saved or neither, and the agent stays on the customer."""

from __future__ import annotations

import re

import pytest

from node.auth.accounts import Role
from tests.conftest import PASSWORD
from tests.test_web_pages import _customer, _page_csrf, web_login


@pytest.fixture
def desk(client, make_user):  # type: ignore[no-untyped-def]
    """desk(role) -> a browser signed in as a new user with that role."""
    return lambda role: web_login(client.app, make_user(role)["username"], PASSWORD)


def _post_call(browser, customer_id: str, **fields: str):  # type: ignore[no-untyped-def]
    data = {"channel": "phone", "direction": "inbound", "talk_seconds": "120"} | fields
    data["csrf_token"] = _page_csrf(browser, f"/ui/customers/{customer_id}")
    return browser.post(f"/ui/customers/{customer_id}/calls", data=data)


def _saved(client, admin, customer_id: str) -> tuple[list[dict], list[dict]]:
    calls = client.get(
        "/api/v1/interactions", params={"customer_id": customer_id}, headers=admin
    ).json()["data"]
    tickets = client.get(
        "/api/v1/tickets", params={"customer_id": customer_id}, headers=admin
    ).json()["data"]
    return calls, tickets


def test_a_call_that_opens_a_ticket_links_them_and_stays_on_the_customer(client, admin, desk):
    made = _customer(client, admin)
    agent = desk(Role.agent)
    page = _post_call(
        agent,
        made["id"],
        outcome="repair_taken",
        summary="宽带断网，光猫红灯",
        open_ticket="1",
        kind="repair",
        severity="major",
        description="光猫红灯，需上门",
    )
    assert page.status_code == 200
    assert page.url.path == f"/ui/customers/{made['id']}"  # still on the customer
    calls, tickets = _saved(client, admin, made["id"])
    assert len(calls) == 1 and len(tickets) == 1
    assert calls[0]["ticket_id"] == tickets[0]["id"]
    assert (calls[0]["outcome"], calls[0]["summary"]) == ("repair_taken", "宽带断网，光猫红灯")
    assert (tickets[0]["kind"], tickets[0]["severity"]) == ("repair", "major")
    assert f'href="/ui/tickets/{tickets[0]["id"]}"' in page.text  # the flash and timeline
    assert "报修已受理" in page.text


def test_an_empty_call_is_refused_with_both_fields_named(client, admin, desk):
    made = _customer(client, admin)
    page = _post_call(desk(Role.agent), made["id"], outcome="", summary="  ")
    assert page.status_code == 422
    for field in ("outcome", "summary"):
        assert re.search(rf'id="err-{field}"[^>]*>必填', page.text), field
    assert _saved(client, admin, made["id"]) == ([], [])


def test_an_unknown_outcome_code_is_named(client, admin, desk):
    made = _customer(client, admin)
    page = _post_call(desk(Role.agent), made["id"], outcome="made_up", summary="问资费")
    assert page.status_code == 422
    assert re.search(r'id="err-outcome"[^>]*>[^<]*made_up', page.text)
    assert _saved(client, admin, made["id"]) == ([], [])


def test_a_bad_ticket_part_saves_neither(client, admin, desk):
    made = _customer(client, admin)
    page = _post_call(
        desk(Role.agent),
        made["id"],
        outcome="repair_taken",
        summary="宽带断网",
        open_ticket="1",
        kind="",
        severity="urgent",
    )
    assert page.status_code == 422
    assert re.search(r'id="err-kind"[^>]*>必填', page.text)
    assert 'id="err-severity"' in page.text
    # What was typed stays in the form, the ticket part open.
    assert (
        "宽带断网</textarea>" in page.text and 'name="open_ticket" value="1" checked' in page.text
    )
    assert _saved(client, admin, made["id"]) == ([], [])


def test_opening_a_ticket_needs_tickets_write(client, admin, desk):
    made = _customer(client, admin)
    manager = desk(Role.account_manager)  # logs calls, does not open tickets
    page = manager.get(f"/ui/customers/{made['id']}")
    assert 'name="open_ticket"' not in page.text
    refused = _post_call(
        manager, made["id"], outcome="answered", summary="续约", open_ticket="1", kind="repair"
    )
    assert refused.status_code == 403
    assert _saved(client, admin, made["id"]) == ([], [])
    assert _post_call(manager, made["id"], outcome="answered", summary="续约").status_code == 200


def test_the_api_refuses_linking_a_call_to_another_customers_ticket(client, admin):
    first, second = _customer(client, admin), _customer(client, admin)
    ticket = client.post(
        "/api/v1/tickets", json={"customer_id": first["id"], "kind": "repair"}, headers=admin
    ).json()
    body = {
        "customer_id": second["id"],
        "channel": "phone",
        "direction": "inbound",
        "ticket_id": ticket["id"],
    }
    resp = client.post("/api/v1/interactions", json=body, headers=admin)
    assert resp.status_code == 422 and "ticket_id" in resp.json()["error"]["fields"]


def test_ticking_open_ticket_shows_the_ticket_fields(client, admin, desk):
    """A click on a box inside <summary> does not open its <details>: the page marks the
    ticket part as opened by 同时开工单 and app.js follows the mark both ways (the
    browser test ticks the box and fills the fields it shows)."""
    made = _customer(client, admin)
    page = desk(Role.agent).get(f"/ui/customers/{made['id']}").text
    part = re.search(r"<details[^>]*>\s*<summary><label><input[^>]*>", page)
    assert part, page
    assert 'data-opened-by="call-open-ticket"' in part.group(0)
    assert 'id="call-open-ticket" name="open_ticket"' in part.group(0)
    script = client.get("/ui/static/app.js").text
    assert 'querySelectorAll("details[data-opened-by]")' in script
    assert "part.open = box.checked" in script and "box.checked = part.open" in script
