"""Issue 19 §10: who changed what on a row (old -> new), and tickets' reassignment and
severity changes as ticket events. Expected values are written out by hand."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from node.auth.accounts import Role
from node.history.models import FieldChange
from tests.factories import customer_payload


def _post(client, path, body, headers) -> dict:
    resp = client.post(path, json=body, headers=headers)
    assert resp.status_code in (200, 201), resp.text
    return resp.json()


def _history(client, path, headers) -> list[dict]:
    resp = client.get(f"{path}/history", headers=headers)
    assert resp.status_code == 200, resp.text
    return resp.json()["data"]


def test_a_customer_edit_is_kept_field_by_field_and_masked_for_agents(client, login):
    lead = login(Role.team_lead)
    agent = login(Role.agent)
    made = _post(
        client,
        "/api/v1/customers",
        customer_payload(phone="13800138000", grade="gold", note=None),
        lead,
    )
    path = f"/api/v1/customers/{made['id']}"
    assert _history(client, path, lead) == []
    patch = {"phone": "13912345678", "grade": "silver", "name": made["name"]}
    assert client.patch(path, json=patch, headers=lead).status_code == 200
    changes = _history(client, path, lead)
    seen = {(c["field"], c["old_value"], c["new_value"], c["actor_id"]) for c in changes}
    assert seen == {
        ("phone", "13800138000", "13912345678", lead["x-user-id"]),
        ("grade", "gold", "silver", lead["x-user-id"]),
    }
    # An agent may read the customer but not personal data: the history masks it too.
    masked = {c["field"]: (c["old_value"], c["new_value"]) for c in _history(client, path, agent)}
    assert masked == {"phone": ("138****8000", "139****5678"), "grade": ("gold", "silver")}
    # Unchanged values write nothing.
    client.patch(path, json=patch, headers=lead)
    assert len(_history(client, path, lead)) == 2


def test_history_is_scoped_like_the_row(client, login):
    lead = login(Role.team_lead)
    made = _post(client, "/api/v1/customers", customer_payload(service_area="urban"), lead)
    elsewhere = login(Role.agent, service_area="county")
    resp = client.get(f"/api/v1/customers/{made['id']}/history", headers=elsewhere)
    assert resp.status_code == 404
    assert client.get("/api/v1/customers/not-a-uuid/history", headers=lead).status_code == 422


def test_severity_change_and_reassignment_are_ticket_events(client, admin, make_user):
    first, second = make_user(Role.technician), make_user(Role.technician)
    customer = _post(client, "/api/v1/customers", customer_payload(), admin)
    ticket = _post(
        client,
        "/api/v1/tickets",
        {"customer_id": customer["id"], "kind": "repair", "severity": "general"},
        admin,
    )
    path = f"/api/v1/tickets/{ticket['id']}"
    _post(client, f"{path}/transition", {"to": "dispatched", "technician_id": first["id"]}, admin)
    changed = client.patch(
        path, json={"severity": "major", "technician_id": second["id"]}, headers=admin
    ).json()
    # major is due 24 h after opening, general 48 h: the due time moved 24 h earlier.
    due = datetime.fromisoformat(changed["due_at"])
    assert datetime.fromisoformat(ticket["due_at"]) - due == timedelta(hours=24)
    events = client.get(path, headers=admin).json()["events"]
    changes = [(e["field"], e["old_value"], e["new_value"], e["to_status"]) for e in events]
    assert changes == [
        (None, None, None, "open"),
        (None, None, None, "dispatched"),
        # Both in one PATCH; the events keep a fixed order: technician, then severity.
        ("technician_id", first["id"], second["id"], "dispatched"),
        ("severity", "general", "major", "dispatched"),
    ]
    fields = {c["field"] for c in _history(client, path, admin)}
    assert fields == {"severity", "technician_id", "due_at"}


def test_redispatching_to_another_technician_is_a_reassignment_event(client, admin, make_user):
    first, second = make_user(Role.technician), make_user(Role.technician)
    customer = _post(client, "/api/v1/customers", customer_payload(), admin)
    ticket = _post(
        client, "/api/v1/tickets", {"customer_id": customer["id"], "kind": "repair"}, admin
    )
    path = f"/api/v1/tickets/{ticket['id']}"
    for move in (
        {"to": "dispatched", "technician_id": first["id"]},
        {"to": "resolved"},
        {"to": "reopened"},
        {"to": "dispatched", "technician_id": second["id"]},
    ):
        _post(client, f"{path}/transition", move, admin)
    events = client.get(path, headers=admin).json()["events"]
    moves = [(e["from_status"], e["to_status"], e["field"], e["new_value"]) for e in events]
    assert moves == [
        (None, "open", None, None),
        ("open", "dispatched", None, None),
        ("dispatched", "resolved", None, None),
        ("resolved", "reopened", None, None),
        ("reopened", "reopened", "technician_id", second["id"]),
        ("reopened", "dispatched", None, None),
    ]


def test_churn_and_deletes_are_in_the_history(client, admin, database):
    joined = customer_payload(joined_at="2026-01-01T00:00:00+08:00")
    customer = _post(client, "/api/v1/customers", joined, admin)
    product = _post(
        client,
        "/api/v1/products",
        {"code": "B100", "name": "百兆宽带", "type": "broadband", "monthly_price": "100.00"},
        admin,
    )
    subscription = _post(
        client,
        "/api/v1/subscriptions",
        {
            "customer_id": customer["id"],
            "product_id": product["id"],
            "monthly_fee": "100.00",
            "started_at": "2026-01-01T00:00:00+08:00",
        },
        admin,
    )
    contact = _post(
        client, "/api/v1/contacts", {"customer_id": customer["id"], "name": "李秘书"}, admin
    )
    _post(
        client,
        f"/api/v1/customers/{customer['id']}/churn",
        {"churned_at": "2026-11-30T10:00:00+08:00", "reason": "price"},
        admin,
    )
    status = [
        (c["old_value"], c["new_value"])
        for c in _history(client, f"/api/v1/customers/{customer['id']}", admin)
        if c["field"] == "status"
    ]
    assert status == [("active", "churned")]
    sub = {
        c["field"]: c["new_value"]
        for c in _history(client, f"/api/v1/subscriptions/{subscription['id']}", admin)
    }
    assert sub["status"] == "ended" and sub["termination_reason"] == "churn: price"
    assert sub["ended_at"].startswith("2026-11-30T02:00:00")  # 10:00 in Beijing, in UTC
    assert client.delete(f"/api/v1/contacts/{contact['id']}", headers=admin).status_code == 204
    resp = client.get(f"/api/v1/contacts/{contact['id']}/history", headers=admin)
    assert resp.status_code == 404  # a deleted row is gone from reads...
    with database.unit_of_work(write=False) as session:  # ...but who deleted it is kept
        kept = session.execute(
            select(FieldChange.field, FieldChange.old_value, FieldChange.actor_id).where(
                FieldChange.entity == "contact"
            )
        ).all()
    assert [(f, old, str(actor)) for f, old, actor in kept] == [
        ("deleted_at", None, admin["x-user-id"])
    ]
