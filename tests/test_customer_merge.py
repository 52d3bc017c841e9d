"""Issue 19 §2: merging a duplicate customer into the survivor (API and page).
Expected counts and values are written out for the rows each test makes."""

from __future__ import annotations

import re
import uuid

import pytest
from sqlalchemy import select

from node.audit.models import AuditEntry
from node.auth.accounts import Role
from node.contacts.models import Contact
from node.customers.models import Customer
from node.tickets.models import Ticket
from schemas.wire import TABLES
from tests.conftest import PASSWORD
from tests.factories import customer_payload
from tests.test_apply_batch import _apply, _batch
from tests.test_web_pages import _page_csrf, web_login


def _post(client, path, body, headers) -> dict:
    resp = client.post(path, json=body, headers=headers)
    assert resp.status_code in (200, 201), resp.text
    return resp.json()


def _with_everything(client, admin, customer_id: str) -> None:
    """One contact, subscription, contract, ticket and call for the customer."""
    product = _post(
        client,
        "/api/v1/products",
        {
            "code": f"P{customer_id[:6]}",
            "name": "百兆宽带",
            "type": "broadband",
            "monthly_price": "100.00",
        },
        admin,
    )
    rows = {
        "contacts": {"name": "李秘书"},
        "subscriptions": {
            "product_id": product["id"],
            "monthly_fee": "100.00",
            "started_at": "2026-11-01T00:00:00+08:00",
        },
        "contracts": {
            "contract_no": f"HT-{customer_id[:8]}",
            "amount": "1200.00",
            "starts_at": "2026-11-01",
        },
        "tickets": {"kind": "repair"},
        "interactions": {"channel": "phone", "direction": "inbound", "summary": "报修"},
    }
    for path, body in rows.items():
        _post(client, f"/api/v1/{path}", {"customer_id": customer_id, **body}, admin)


def test_merge_moves_everything_fills_gaps_and_tombstones_the_duplicate(client, admin, database):
    survivor = _post(client, "/api/v1/customers", customer_payload(name="王芳", email=None), admin)
    duplicate = _post(
        client,
        "/api/v1/customers",
        customer_payload(name="王芳", email="wangfang@example.com", id_number=None),
        admin,
    )
    _with_everything(client, admin, duplicate["id"])
    with database.unit_of_work(write=False) as session:
        contact = session.execute(select(Contact)).scalar_one()
        version_before = contact.origin_version
    answer = _post(
        client,
        f"/api/v1/customers/{duplicate['id']}/merge",
        {"into": survivor["id"], "reason": "同一人重复登记"},
        admin,
    )
    assert answer["moved"] == {
        "contact": 1,
        "subscription": 1,
        "contract": 1,
        "ticket": 1,
        "interaction": 1,
        "churn_event": 0,
    }
    assert answer["filled"] == ["email"]
    assert client.get(f"/api/v1/customers/{duplicate['id']}", headers=admin).status_code == 404
    view = client.get(f"/api/v1/customers/{survivor['id']}", headers=admin).json()
    assert view["email"] == "wangfang@example.com"
    assert [c["name"] for c in view["contacts"]] == ["李秘书"]
    assert len(view["open_tickets"]) == 1 and len(view["recent_interactions"]) == 1
    for path in ("subscriptions", "contracts"):
        rows = client.get(
            f"/api/v1/{path}", params={"customer_id": survivor["id"]}, headers=admin
        ).json()["data"]
        assert len(rows) == 1, path
    with database.unit_of_work(write=False) as session:
        contact = session.execute(select(Contact)).scalar_one()
        # Moved rows are edits like any other: a new version, so they replicate upward.
        assert contact.origin_version == version_before + 1
        audit = session.execute(
            select(AuditEntry).where(AuditEntry.action == "customer.merged")
        ).scalar_one()
        assert audit.entity_id == duplicate["id"] and "同一人重复登记" in (audit.detail or "")
    history = client.get(f"/api/v1/customers/{survivor['id']}/history", headers=admin).json()
    assert [(c["field"], c["new_value"]) for c in history["data"]] == [
        ("email", "wangfang@example.com")
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"into": "SELF", "reason": "重复"}, "into"),
        ({"into": "00000000-0000-0000-0000-000000000001", "reason": "重复"}, "into"),
        ({"into": "SURVIVOR", "reason": ""}, "reason"),
        ({"into": "not-a-uuid", "reason": "重复"}, "into"),
        ({"reason": "重复"}, "into"),
    ],
)
def test_bad_merge_requests_name_the_field_and_change_nothing(client, admin, body, field):
    survivor = _post(client, "/api/v1/customers", customer_payload(), admin)
    duplicate = _post(client, "/api/v1/customers", customer_payload(), admin)
    swap = {"SELF": duplicate["id"], "SURVIVOR": survivor["id"]}
    sent = {k: swap.get(v, v) for k, v in body.items()}
    resp = client.post(f"/api/v1/customers/{duplicate['id']}/merge", json=sent, headers=admin)
    assert resp.status_code == 422 and field in resp.json()["error"]["fields"], resp.text
    assert client.get(f"/api/v1/customers/{duplicate['id']}", headers=admin).status_code == 200


def test_only_team_leads_and_admins_merge(client, admin, login):
    survivor = _post(client, "/api/v1/customers", customer_payload(), admin)
    duplicate = _post(client, "/api/v1/customers", customer_payload(), admin)
    body = {"into": survivor["id"], "reason": "重复"}
    for role in (Role.agent, Role.account_manager, Role.dispatcher, Role.analyst):
        resp = client.post(
            f"/api/v1/customers/{duplicate['id']}/merge", json=body, headers=login(role)
        )
        assert resp.status_code == 403, role
    lead = login(Role.team_lead)
    assert (
        client.post(
            f"/api/v1/customers/{duplicate['id']}/merge", json=body, headers=lead
        ).status_code
        == 200
    )
    # Merged once: it is gone, a second merge finds nothing.
    again = client.post(f"/api/v1/customers/{duplicate['id']}/merge", json=body, headers=lead)
    assert again.status_code == 404


def test_merging_on_the_page_and_the_duplicates_page_leads_to_the_survivor(
    client, admin, make_user
):
    survivor = _post(client, "/api/v1/customers", customer_payload(name="赵磊"), admin)
    duplicate = _post(client, "/api/v1/customers", customer_payload(name="赵磊"), admin)
    lead = web_login(client.app, make_user(Role.team_lead)["username"], PASSWORD)
    url = f"/ui/customers/{survivor['id']}"
    refused = lead.post(
        f"{url}/merge",
        data={"csrf_token": _page_csrf(lead, url), "duplicate_no": duplicate["customer_no"]},
    )
    assert refused.status_code == 422
    for field in ("reason", "confirm"):
        assert re.search(rf'id="err-{field}"', refused.text), field
    unknown = lead.post(
        f"{url}/merge",
        data={
            "csrf_token": _page_csrf(lead, url),
            "duplicate_no": "999-00000000",
            "reason": "重复",
            "confirm": "1",
        },
    )
    assert unknown.status_code == 422 and "没有这个客户编号" in unknown.text
    done = lead.post(
        f"{url}/merge",
        data={
            "csrf_token": _page_csrf(lead, url),
            "duplicate_no": duplicate["customer_no"],
            "reason": "同名同址重复登记",
            "confirm": "1",
        },
    )
    assert done.status_code == 200 and done.url.path == url and "已保存" in done.text
    landed = lead.get(f"/ui/customers/{duplicate['id']}")
    assert landed.url.path == url and "已合并到这位客户" in landed.text
    agent = web_login(client.app, make_user(Role.agent)["username"], PASSWORD)
    assert 'action="' + url + '/merge"' not in agent.get(url).text


def test_a_parent_holds_the_merge_after_replication(client, admin, database, parent_database):
    """The tombstone with its pointer and the moved rows reach the parent exactly."""
    survivor = _post(client, "/api/v1/customers", customer_payload(), admin)
    duplicate = _post(client, "/api/v1/customers", customer_payload(), admin)
    _post(client, "/api/v1/tickets", {"customer_id": duplicate["id"], "kind": "repair"}, admin)
    _post(
        client,
        f"/api/v1/customers/{duplicate['id']}/merge",
        {"into": survivor["id"], "reason": "重复"},
        admin,
    )
    for table, model in (("customers", Customer), ("tickets", Ticket)):
        manifest, body = _batch(database, table)
        _apply(parent_database, manifest, body)
        cols = [model.__table__.c[name] for name in TABLES[table].names]
        with (
            database.unit_of_work(write=False) as s,
            parent_database.unit_of_work(write=False) as p,
        ):
            assert sorted(p.execute(select(*cols)).all()) == sorted(s.execute(select(*cols)).all())
    with parent_database.unit_of_work(write=False) as p:
        gone = p.get(Customer, uuid.UUID(duplicate["id"]))
        assert gone.deleted_at is not None and str(gone.merged_into_id) == survivor["id"]
        moved = p.execute(select(Ticket.customer_id)).scalar_one()
        assert str(moved) == survivor["id"]
