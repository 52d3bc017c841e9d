"""Issue 18, scope on every path: the customer 360 shows each role only the sections it
may read, a node refuses rows attached to a customer another node owns, writes keep to
the writer's service area, and a technician cannot reassign a ticket."""

from __future__ import annotations

import pytest

from node.auth.accounts import Role
from node.auth.permissions import Perm, has_permission
from node.customers.models import Customer
from tests.factories import customer_payload

ALL_SECTIONS = {
    "contacts",
    "active_subscriptions",
    "open_tickets",
    "recent_interactions",
    "churn_events",
}


def _made(resp) -> dict:
    assert resp.status_code == 201, resp.text
    return resp.json()


def _customer(client, headers, **kw) -> dict:
    return _made(client.post("/api/v1/customers", json=customer_payload(**kw), headers=headers))


def _product(client, headers) -> dict:
    body = {"code": "M1", "name": "畅享套餐", "type": "mobile", "monthly_price": "58.00"}
    return _made(client.post("/api/v1/products", json=body, headers=headers))


def _attached(customer_id: str, product_id: str) -> list[tuple[str, dict]]:
    """One row of every kind that hangs off a customer."""
    return [
        ("contacts", {"customer_id": customer_id, "name": "王经理"}),
        ("tickets", {"customer_id": customer_id, "kind": "repair"}),
        ("interactions", {"customer_id": customer_id, "channel": "phone", "direction": "inbound"}),
        ("subscriptions", {"customer_id": customer_id, "product_id": product_id}),
        ("contracts", {"customer_id": customer_id, "amount": "1", "starts_at": "2026-01-01"}),
        (
            "churn-events",
            {"customer_id": customer_id, "churned_at": "2026-06-01T00:00:00Z", "reason": "price"},
        ),
    ]


WRITE_PERMS = {
    "contacts": Perm.contacts_write,
    "tickets": Perm.tickets_write,
    "interactions": Perm.interactions_write,
    "subscriptions": Perm.subscriptions_write,
    "contracts": Perm.contracts_write,
    "churn-events": Perm.churn_write,
}

# What the permission table lets each role read, section by section (README "Roles").
EXPECTED_SECTIONS = {
    Role.admin: ALL_SECTIONS,
    Role.team_lead: ALL_SECTIONS,
    Role.agent: ALL_SECTIONS,
    Role.account_manager: ALL_SECTIONS,
    Role.analyst: ALL_SECTIONS,
    Role.dispatcher: {"contacts", "open_tickets", "recent_interactions"},
    Role.technician: {"contacts", "open_tickets"},
    Role.cti: None,  # the PBX connector reads no customer (no customers:read): 403
}


@pytest.mark.parametrize("role", list(Role))
def test_the_360_view_shows_only_the_sections_a_role_may_read(client, admin, login, role):
    customer = _customer(client, admin, service_area="urban")
    viewer = login(role, service_area="urban")
    resp = client.get(f"/api/v1/customers/{customer['id']}", headers=viewer)
    expected = EXPECTED_SECTIONS[role]
    if expected is None:
        assert resp.status_code == 403, resp.text
        return
    assert resp.status_code == 200, resp.text
    assert ALL_SECTIONS & set(resp.json()) == expected


def test_a_technician_sees_only_their_own_tickets_in_the_360_view(client, admin, login, make_user):
    customer = _customer(client, admin, service_area="urban")
    tech = login(Role.technician, service_area="urban")
    other = make_user(Role.technician, service_area="urban")
    for technician in (tech["x-user-id"], other["id"]):
        body = {"customer_id": customer["id"], "kind": "repair", "technician_id": technician}
        _made(client.post("/api/v1/tickets", json=body, headers=admin))
    seen = client.get(f"/api/v1/customers/{customer['id']}", headers=tech).json()
    assert [t["technician_id"] for t in seen["open_tickets"]] == [tech["x-user-id"]]


def test_no_row_can_be_attached_to_a_customer_another_node_owns(client, admin, database):
    product = _product(client, admin)
    customer = _customer(client, admin)
    with database.engine.begin() as conn:  # as if it had arrived from child 430102
        conn.execute(Customer.__table__.update().values(origin="430102"))
    for path, body in _attached(customer["id"], product["id"]):
        resp = client.post(f"/api/v1/{path}", json=body, headers=admin)
        assert resp.status_code == 409, (path, resp.text)
        assert "430102" in resp.json()["error"]["message"], path
    detail = client.get(f"/api/v1/customers/{customer['id']}", headers=admin).json()
    assert all(detail[s] == [] for s in ALL_SECTIONS)


@pytest.mark.parametrize("role", [Role.agent, Role.dispatcher])
def test_writes_keep_to_the_writers_service_area(client, admin, login, role):
    product = _product(client, admin)
    elsewhere = _customer(client, admin, service_area="county")
    writer = login(role, service_area="urban")
    allowed = {path for path, perm in WRITE_PERMS.items() if has_permission(role, perm)}
    for path, body in _attached(elsewhere["id"], product["id"]):
        resp = client.post(f"/api/v1/{path}", json=body, headers=writer)
        if path not in allowed:
            assert resp.status_code == 403, (path, resp.text)
            continue
        assert resp.status_code == 422, (path, resp.text)
        assert "customer_id" in resp.json()["error"]["fields"], path


def test_a_ticket_in_the_writers_area_cannot_be_filed_under_another_area(client, admin, login):
    customer = _customer(client, admin, service_area="urban")
    dispatcher = login(Role.dispatcher, service_area="urban")
    body = {"customer_id": customer["id"], "kind": "repair", "service_area": "county"}
    resp = client.post("/api/v1/tickets", json=body, headers=dispatcher)
    assert resp.status_code == 422 and "service_area" in resp.json()["error"]["fields"]


def test_a_technician_cannot_reassign_while_resolving(client, admin, login, make_user):
    customer = _customer(client, admin, service_area="urban")
    tech = login(Role.technician, service_area="urban")
    other = make_user(Role.technician, service_area="urban")
    body = {"customer_id": customer["id"], "kind": "repair", "technician_id": tech["x-user-id"]}
    ticket = _made(client.post("/api/v1/tickets", json=body, headers=admin))
    url = f"/api/v1/tickets/{ticket['id']}/transition"
    assert client.post(url, json={"to": "dispatched"}, headers=admin).status_code == 200
    moved = client.post(url, json={"to": "resolved", "technician_id": other["id"]}, headers=tech)
    assert moved.status_code == 403, moved.text
    after = client.get(f"/api/v1/tickets/{ticket['id']}", headers=admin).json()
    assert (after["technician_id"], after["status"]) == (tech["x-user-id"], "dispatched")


def test_an_agent_keeps_customers_in_their_own_area(client, admin, login):
    agent = login(Role.agent, service_area="urban")
    elsewhere = client.post(
        "/api/v1/customers", json=customer_payload(service_area="county"), headers=agent
    )
    assert elsewhere.status_code == 422, elsewhere.text
    assert "service_area" in elsewhere.json()["error"]["fields"]
    mine = _customer(client, agent, service_area=None)
    assert mine["service_area"] == "urban"  # a customer filed without an area: the writer's
    url = f"/api/v1/customers/{mine['id']}"
    moved = client.patch(url, json={"service_area": "county"}, headers=agent)
    assert moved.status_code == 422, moved.text
    assert "service_area" in moved.json()["error"]["fields"]
    assert client.get(url, headers=admin).json()["service_area"] == "urban"
    # Who is not bound to an area files anywhere.
    assert _customer(client, admin, service_area="county")["service_area"] == "county"
