"""Tickets, churn, the other entities, and the federation read-only rule."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from node.auth.accounts import Role
from node.customers.models import Customer
from node.db.types import utcnow
from node.tickets.models import Ticket
from tests.factories import customer_payload


def _customer(client, headers, **kw) -> dict:
    resp = client.post("/api/v1/customers", json=customer_payload(**kw), headers=headers)
    assert resp.status_code == 201, resp.text
    return resp.json()


def _product(client, headers, code="M1", price="58.00") -> dict:
    return client.post(
        "/api/v1/products",
        json={"code": code, "name": "畅享套餐", "type": "mobile", "monthly_price": price},
        headers=headers,
    ).json()


def test_ticket_life_cycle_with_sla_and_events(client, admin, make_user):
    tech = make_user(Role.technician)
    cust = _customer(client, admin)
    ticket = client.post(
        "/api/v1/tickets",
        json={
            "customer_id": cust["id"],
            "kind": "repair",
            "severity": "major",
            "description": "宽带断网",
        },
        headers=admin,
    ).json()
    opened = datetime.fromisoformat(ticket["created_at"])
    assert datetime.fromisoformat(ticket["due_at"]) - opened == timedelta(hours=24)
    assert ticket["status"] == "open" and ticket["service_area"] == "urban"
    tid = ticket["id"]

    def move(to, **extra):
        return client.post(
            f"/api/v1/tickets/{tid}/transition", json={"to": to} | extra, headers=admin
        )

    assert move("dispatched").status_code == 422  # no technician yet
    assert move("closed").status_code == 409
    assert move("dispatched", technician_id=tech["id"]).json()["status"] == "dispatched"
    assert move("in_progress").status_code == 200
    resolved = move("resolved", note="更换光猫").json()
    assert resolved["resolved_at"] is not None
    assert (
        client.patch(f"/api/v1/tickets/{tid}", json={"satisfaction": 5}, headers=admin).json()[
            "satisfaction"
        ]
        == 5
    )
    assert move("closed").json()["closed_at"] is not None
    reopened = move("reopened").json()
    assert reopened["status"] == "reopened" and reopened["closed_at"] is None
    detail = client.get(f"/api/v1/tickets/{tid}", headers=admin).json()
    assert [e["to_status"] for e in detail["events"]] == [
        "open",
        "dispatched",
        "in_progress",
        "resolved",
        "closed",
        "reopened",
    ]


def test_general_ticket_due_in_48_hours_and_satisfaction_only_after_resolution(client, admin):
    cust = _customer(client, admin)
    t = client.post(
        "/api/v1/tickets", json={"customer_id": cust["id"], "kind": "inquiry"}, headers=admin
    ).json()
    due = datetime.fromisoformat(t["due_at"]) - datetime.fromisoformat(t["created_at"])
    assert due == timedelta(hours=48)
    resp = client.patch(f"/api/v1/tickets/{t['id']}", json={"satisfaction": 4}, headers=admin)
    assert resp.status_code == 422 and "satisfaction" in resp.json()["error"]["fields"]
    assert (
        client.patch(
            f"/api/v1/tickets/{t['id']}", json={"satisfaction": 9}, headers=admin
        ).status_code
        == 422
    )


def test_repeat_repair_within_30_days_is_linked(client, admin, database):
    cust = _customer(client, admin)
    first = client.post(
        "/api/v1/tickets", json={"customer_id": cust["id"], "kind": "repair"}, headers=admin
    ).json()
    client.post(f"/api/v1/tickets/{first['id']}/transition", json={"to": "resolved"}, headers=admin)
    second = client.post(
        "/api/v1/tickets", json={"customer_id": cust["id"], "kind": "repair"}, headers=admin
    ).json()
    assert second["repeat_of_id"] == first["id"]
    complaint = client.post(
        "/api/v1/tickets", json={"customer_id": cust["id"], "kind": "complaint"}, headers=admin
    ).json()
    assert complaint["repeat_of_id"] is None
    # A repair resolved 31 days ago is not a repeat.
    with database.unit_of_work() as s:
        for t in s.execute(select(Ticket)).scalars():
            if t.resolved_at:
                t.resolved_at = utcnow() - timedelta(days=31)
    third = client.post(
        "/api/v1/tickets", json={"customer_id": cust["id"], "kind": "repair"}, headers=admin
    ).json()
    assert third["repeat_of_id"] is None


def test_technician_moves_only_own_tickets(client, admin, login, make_user):
    cust = _customer(client, admin)
    tech_headers = login(Role.technician)
    tech_id = tech_headers["x-user-id"]
    other = make_user(Role.technician)
    mine = client.post(
        "/api/v1/tickets",
        json={"customer_id": cust["id"], "kind": "repair", "technician_id": tech_id},
        headers=admin,
    ).json()
    theirs = client.post(
        "/api/v1/tickets",
        json={"customer_id": cust["id"], "kind": "repair", "technician_id": other["id"]},
        headers=admin,
    ).json()
    client.post(
        f"/api/v1/tickets/{mine['id']}/transition", json={"to": "dispatched"}, headers=admin
    )
    listed = client.get("/api/v1/tickets", headers=tech_headers).json()["data"]
    assert [t["id"] for t in listed] == [mine["id"]]
    assert (
        client.post(
            f"/api/v1/tickets/{theirs['id']}/transition",
            json={"to": "in_progress"},
            headers=tech_headers,
        ).status_code
        == 404
    )
    assert (
        client.post(
            f"/api/v1/tickets/{mine['id']}/transition", json={"to": "closed"}, headers=tech_headers
        ).status_code
        == 403
    )
    assert (
        client.post(
            f"/api/v1/tickets/{mine['id']}/transition",
            json={"to": "in_progress"},
            headers=tech_headers,
        ).status_code
        == 200
    )


def test_churn_sets_status_ends_subscriptions_and_counts_revenue(client, admin):
    cust = _customer(client, admin, joined_at="2020-01-01T00:00:00+08:00")
    for code, price in (("M1", "58.00"), ("B1", "99.50")):
        client.post(
            "/api/v1/subscriptions",
            json={
                "customer_id": cust["id"],
                "product_id": _product(client, admin, code, price)["id"],
            },
            headers=admin,
        )
    body = {
        "churned_at": "2026-10-31T23:59:00+08:00",
        "reason": "price",
        "competitor": "china_mobile",
        "note": "对方宽带送手机",
    }
    event = client.post(f"/api/v1/customers/{cust['id']}/churn", json=body, headers=admin)
    assert event.status_code == 201, event.text
    assert event.json()["lost_monthly_revenue"] == "157.50"
    detail = client.get(f"/api/v1/customers/{cust['id']}", headers=admin).json()
    assert detail["status"] == "churned" and detail["active_subscriptions"] == []
    assert len(detail["churn_events"]) == 1
    again = client.post(f"/api/v1/customers/{cust['id']}/churn", json=body, headers=admin)
    assert again.status_code == 409


def test_churn_with_unknown_reason_changes_nothing(client, admin):
    cust = _customer(client, admin)
    resp = client.post(
        f"/api/v1/customers/{cust['id']}/churn",
        json={"churned_at": datetime.now(UTC).isoformat(), "reason": "bored", "competitor": "acme"},
        headers=admin,
    )
    assert resp.status_code == 422 and "reason" in resp.json()["error"]["fields"]
    assert client.get(f"/api/v1/customers/{cust['id']}", headers=admin).json()["status"] == "active"


def test_other_entities_round_trip(client, admin):
    cust = _customer(
        client, admin, type="enterprise", name="长沙市第一中学", id_number="91350100M000100Y43"
    )
    assert cust["id_type"] == "uscc"
    contract = client.post(
        "/api/v1/contracts",
        json={
            "customer_id": cust["id"],
            "amount": "120000",
            "starts_at": "2026-01-01",
            "ends_at": "2028-12-31",
        },
        headers=admin,
    )
    assert contract.status_code == 201 and contract.json()["contract_no"].startswith("430100-C")
    bad = client.post(
        "/api/v1/contracts",
        json={
            "customer_id": cust["id"],
            "amount": "1",
            "starts_at": "2026-01-01",
            "ends_at": "2025-01-01",
        },
        headers=admin,
    )
    assert bad.status_code == 422 and "ends_at" in bad.json()["error"]["fields"]
    contact = client.post(
        "/api/v1/contacts",
        json={
            "customer_id": cust["id"],
            "name": "刘校长",
            "phone": "0731-84561234",
            "decision_maker": True,
        },
        headers=admin,
    )
    assert contact.status_code == 201 and contact.json()["phone"] == "073184561234"
    missing = client.post(
        "/api/v1/contacts", json={"customer_id": str(uuid.uuid4()), "name": "x"}, headers=admin
    )
    assert missing.status_code == 422 and "customer_id" in missing.json()["error"]["fields"]
    inter = client.post(
        "/api/v1/interactions",
        json={
            "customer_id": cust["id"],
            "channel": "visit",
            "direction": "outbound",
            "summary": "上门回访",
        },
        headers=admin,
    )
    assert inter.status_code == 201 and inter.json()["agent_id"] == admin["x-user-id"]
    dup = client.post(
        "/api/v1/products",
        json={"code": "M1", "name": "x", "type": "mobile", "monthly_price": "1"},
        headers=admin,
    )
    assert dup.status_code == 201
    assert (
        client.post(
            "/api/v1/products",
            json={"code": "M1", "name": "x", "type": "mobile", "monthly_price": "1"},
            headers=admin,
        ).status_code
        == 409
    )
    assert (
        client.post(
            "/api/v1/products",
            json={"code": "M2", "name": "x", "type": "mobile", "monthly_price": "-1"},
            headers=admin,
        ).status_code
        == 422
    )
    users = client.get("/api/v1/users", headers=admin).json()["data"]
    assert all("password_hash" not in u and "password" not in u for u in users)
    kinds = client.get("/api/v1/dictionaries", params={"kind": "competitor"}, headers=admin).json()
    assert {d["label"] for d in kinds["data"]} >= {"中国移动", "中国联通", "中国广电"}


def test_rows_from_another_node_are_read_only(client, admin, database):
    cust = _customer(client, admin)
    # A row that arrived by federation: its origin is a child node.
    with database.engine.begin() as conn:
        conn.execute(Customer.__table__.update().values(origin="430102"))
    for method, path, body in [
        ("patch", f"/api/v1/customers/{cust['id']}", {"grade": "silver"}),
        ("delete", f"/api/v1/customers/{cust['id']}", None),
        (
            "post",
            f"/api/v1/customers/{cust['id']}/churn",
            {"churned_at": datetime.now(UTC).isoformat(), "reason": "price"},
        ),
    ]:
        resp = client.request(method.upper(), path, json=body, headers=admin)
        assert resp.status_code == 409, (method, resp.text)
        assert "430102" in resp.json()["error"]["message"]
    assert client.get(f"/api/v1/customers/{cust['id']}", headers=admin).json()["grade"] == "gold"


def test_agents_see_only_their_service_area(client, admin, login):
    _customer(client, admin, name="城区客户", service_area="urban")
    _customer(client, admin, name="县域客户", service_area="county")
    agent = login(Role.agent, service_area="county")
    names = [c["name"] for c in client.get("/api/v1/customers", headers=agent).json()["data"]]
    assert names == ["县域客户"]
    analyst = login(Role.analyst)
    assert len(client.get("/api/v1/customers", headers=analyst).json()["data"]) == 2
