"""The role x endpoint matrix: never a 2xx where the role lacks the permission."""

from __future__ import annotations

import pytest

from node.auth.accounts import Role
from node.auth.permissions import ROLE_PERMISSIONS, Perm, permission_table_markdown
from tests.factories import customer_payload

ZERO = "01900000-0000-7000-8000-000000000000"

# (method, path, permission needed, body)
ENDPOINTS: list[tuple[str, str, Perm, dict | None]] = [
    ("GET", "/api/v1/customers", Perm.customers_read, None),
    ("POST", "/api/v1/customers", Perm.customers_write, "customer"),
    ("PATCH", "/api/v1/customers/{customer}", Perm.customers_write, {"note": "x"}),
    ("DELETE", "/api/v1/customers/{customer}", Perm.customers_write, None),
    (
        "POST",
        "/api/v1/customers/{customer}/churn",
        Perm.churn_write,
        {"churned_at": "2099-01-01T00:00:00+08:00", "reason": "price"},
    ),
    ("GET", "/api/v1/contacts", Perm.contacts_read, None),
    ("POST", "/api/v1/contacts", Perm.contacts_write, {"customer_id": "{customer}", "name": "王"}),
    ("GET", "/api/v1/products", Perm.products_read, None),
    (
        "POST",
        "/api/v1/products",
        Perm.products_write,
        {"code": "P{n}", "name": "p", "type": "mobile", "monthly_price": "1"},
    ),
    ("GET", "/api/v1/subscriptions", Perm.subscriptions_read, None),
    (
        "POST",
        "/api/v1/subscriptions",
        Perm.subscriptions_write,
        {"customer_id": "{customer}", "product_id": "{product}"},
    ),
    ("GET", "/api/v1/contracts", Perm.contracts_read, None),
    (
        "POST",
        "/api/v1/contracts",
        Perm.contracts_write,
        {"customer_id": "{customer}", "amount": "1", "starts_at": "2026-01-01"},
    ),
    ("GET", "/api/v1/tickets", Perm.tickets_read, None),
    (
        "POST",
        "/api/v1/tickets",
        Perm.tickets_write,
        {"customer_id": "{customer}", "kind": "repair"},
    ),
    ("POST", "/api/v1/tickets/{ticket}/transition", Perm.tickets_transition, {"to": "resolved"}),
    ("GET", "/api/v1/interactions", Perm.interactions_read, None),
    (
        "POST",
        "/api/v1/interactions",
        Perm.interactions_write,
        {"customer_id": "{customer}", "channel": "phone", "direction": "inbound"},
    ),
    ("GET", "/api/v1/churn-events", Perm.churn_read, None),
    ("GET", "/api/v1/users", Perm.users_read, None),
    (
        "POST",
        "/api/v1/users",
        Perm.users_write,
        {"username": "new{n}", "display_name": "n", "role": "agent", "password": "long-enough-1"},
    ),
    # Anyone signed in reads the dictionaries (every role holds customers:read): their
    # labels name the statuses and kinds on every row a role may read.
    ("GET", "/api/v1/dictionaries", Perm.customers_read, None),
    (
        "POST",
        "/api/v1/dictionaries",
        Perm.dictionaries_write,
        {"kind": "competitor", "code": "c{n}", "label": "某运营商"},
    ),
]


def _fill(value, ids: dict, n: int):
    if isinstance(value, str):
        return value.format(n=n, **ids)
    if isinstance(value, dict):
        return {k: _fill(v, ids, n) for k, v in value.items()}
    return value


@pytest.mark.parametrize("role", list(Role))
def test_role_matrix(role, client, admin, login):
    headers = login(role)
    for counter, (method, path, perm, body) in enumerate(ENDPOINTS):
        # Fresh objects per call so a delete or churn does not starve the next row.
        customer = client.post("/api/v1/customers", json=customer_payload(), headers=admin).json()
        product = client.post(
            "/api/v1/products",
            json={"code": f"X{counter}", "name": "p", "type": "mobile", "monthly_price": "1"},
            headers=admin,
        ).json()
        # A technician only sees tickets assigned to them.
        assignee = headers["x-user-id"] if role == Role.technician else None
        ticket = client.post(
            "/api/v1/tickets",
            json={"customer_id": customer["id"], "kind": "repair", "technician_id": assignee},
            headers=admin,
        ).json()
        ids = {"customer": customer["id"], "product": product["id"], "ticket": ticket["id"]}
        payload = customer_payload() if body == "customer" else _fill(body, ids, counter)
        resp = client.request(method, path.format(**ids), json=payload, headers=headers)
        allowed = perm in ROLE_PERMISSIONS[role]
        if allowed:
            assert resp.status_code < 300, (role, method, path, resp.status_code, resp.text)
        else:
            assert resp.status_code == 403, (role, method, path, resp.status_code, resp.text)
            assert perm.value in resp.json()["error"]["message"]


def test_without_a_token_everything_is_401(client):
    for method, path, _perm, _body in ENDPOINTS:
        resp = client.request(
            method, path.format(customer=ZERO, product=ZERO, ticket=ZERO), json={}
        )
        assert resp.status_code == 401, (method, path, resp.status_code)


def test_readme_permission_table_is_the_code_table():
    from pathlib import Path

    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    assert permission_table_markdown() in readme
