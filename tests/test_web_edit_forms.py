"""Issue 19 §1: changing what a city owns in the browser: a customer (individual and
enterprise), and on its 360 its contacts, subscriptions and contracts. Every form goes
through the API's resource, so the checks, permissions and field history are the API's;
errors are named next to their field in Chinese."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from node.auth.accounts import Role
from node.customers.models import Customer
from tests.conftest import PASSWORD
from tests.factories import customer_payload, resident_id
from tests.test_web_pages import csrf_of, web_login

FOREIGN = "430102"  # a child city whose rows arrive here by replication


@pytest.fixture
def browser(client: TestClient, make_user: Callable[..., dict]) -> Callable[..., TestClient]:
    """browser(role, area) -> a logged-in browser; .user_id holds who it is."""

    def _browser(role: Role = Role.admin, area: str | None = None) -> TestClient:
        user = make_user(role, area)
        b = web_login(client.app, user["username"], PASSWORD)
        b.user_id = user["id"]  # type: ignore[attr-defined]
        return b

    return _browser


def _customer(client: TestClient, admin: dict, **kw: object) -> dict:
    made = client.post("/api/v1/customers", json=customer_payload(**kw), headers=admin)
    assert made.status_code == 201, made.text
    return made.json()


def _stored(client: TestClient, admin: dict, customer_id: str) -> dict:
    got = client.get(f"/api/v1/customers/{customer_id}", headers=admin)
    assert got.status_code == 200, got.text
    return got.json()


def _post(b: TestClient, page: str, action: str | None = None, **fields: Any):  # type: ignore[no-untyped-def]
    """Open `page` for its CSRF token, then post `fields` to `action` (default: page)."""
    opened = b.get(page)
    assert opened.status_code == 200, opened.text
    data = {"csrf_token": csrf_of(opened.text), **fields}
    return b.post(action or page, data=data, follow_redirects=False)


def _form_values(html: str) -> dict[str, str]:
    """name -> value of the text inputs, selected options and textareas of a page."""
    values = dict(re.findall(r'<input id="[^"]*" name="([a-z_]+)"[^>]*? value="([^"]*)"', html))
    for name, body in re.findall(
        r'<select id="[^"]*" name="([a-z_]+)"[^>]*>(.*?)</select>', html, re.S
    ):
        chosen = re.search(r'<option value="([^"]*)" selected>', body)
        values[name] = chosen.group(1) if chosen else ""
    for name, text in re.findall(
        r'<textarea id="[^"]*" name="([a-z_]+)"[^>]*>(.*?)</textarea>', html, re.S
    ):
        values[name] = text
    return values


def _edit(b: TestClient, customer_id: str, **changes: str):  # type: ignore[no-untyped-def]
    """Submit the customer's edit form as the page fills it, with `changes`."""
    page = f"/ui/customers/{customer_id}/edit"
    opened = b.get(page)
    assert opened.status_code == 200, opened.text
    values = _form_values(opened.text) | changes
    values["csrf_token"] = csrf_of(opened.text)
    return b.post(page, data=values, follow_redirects=False)


def _make_foreign(database, table, row_id: str) -> None:  # type: ignore[no-untyped-def]
    """As if the row had arrived from the child node FOREIGN."""
    with database.engine.begin() as conn:
        conn.execute(table.update().where(table.c.id == uuid.UUID(row_id)).values(origin=FOREIGN))


# ---- the customer ------------------------------------------------------------------


def test_edit_a_customers_grade_and_address_is_saved_with_its_history(client, admin, browser):
    c = _customer(client, admin, grade="gold")
    lead = browser(Role.team_lead)
    page = lead.get(f"/ui/customers/{c['id']}").text
    assert f'href="/ui/customers/{c["id"]}/edit"' in page  # the 编辑 link on the 360
    form = lead.get(f"/ui/customers/{c['id']}/edit").text
    assert _form_values(form)["phone"] == c["phone"]  # pii:read: the real number
    done = _edit(lead, c["id"], grade="silver", home_address="湖南省长沙市岳麓区麓山路2号")
    assert done.status_code == 303, done.text
    assert done.headers["location"] == f"/ui/customers/{c['id']}?saved=customer"
    after = _stored(client, admin, c["id"])
    assert (after["grade"], after["home_address"]) == ("silver", "湖南省长沙市岳麓区麓山路2号")
    assert (after["phone"], after["id_number"]) == (c["phone"], c["id_number"])
    history = client.get(f"/api/v1/customers/{c['id']}/history", headers=admin).json()["data"]
    changed = {(h["field"], h["old_value"], h["new_value"], h["actor_id"]) for h in history}
    assert ("grade", "gold", "silver", lead.user_id) in changed
    assert {h["field"] for h in history if h["actor_id"] == lead.user_id} >= {"home_address"}


def test_an_enterprise_customer_is_edited_with_its_credit_code(client, admin, browser):
    c = _customer(client, admin, type="enterprise", name="长沙某某科技有限公司", id_number=None)
    done = _edit(browser(), c["id"], id_number="91350100M000100Y43", company_address="高新区1号")
    assert done.status_code == 303, done.text
    after = _stored(client, admin, c["id"])
    assert (after["id_number"], after["id_type"]) == ("91350100M000100Y43", "uscc")
    assert after["company_address"] == "高新区1号"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("phone", "12345", "不是"),
        ("name", "", "必填"),
        ("id_number", "110105194912310021", "校验码不符"),
        ("email", "not-an-address", "不是电子邮箱地址"),
        ("note", "x" * 5000, "最多 4000 个字符"),
    ],
)
def test_a_bad_field_is_named_next_to_it_in_chinese_and_nothing_changes(
    client, admin, browser, field, value, message
):
    c = _customer(client, admin)
    before = _stored(client, admin, c["id"])
    answer = _edit(browser(), c["id"], **{field: value, "grade": "silver"})
    assert answer.status_code == 422, answer.text
    shown = re.search(rf'id="err-{field}"[^>]*>([^<]*)<', answer.text)
    assert shown and message in shown.group(1), answer.text
    assert f'aria-describedby="err-{field}"' in answer.text
    assert _stored(client, admin, c["id"]) == before


def test_an_agent_without_pii_read_never_overwrites_the_stored_phone_or_id(
    client, admin, browser, database
):
    c = _customer(client, admin, email="zhang@example.cn")
    agent = browser(Role.agent)
    form = agent.get(f"/ui/customers/{c['id']}/edit").text
    assert c["phone"] not in form and c["id_number"] not in form and "zhang@" not in form
    values = _form_values(form)
    assert values["phone"] == values["id_number"] == values["email"] == ""
    assert _edit(agent, c["id"], grade="silver").status_code == 303
    # Even the masked text sent back as if it were a value changes nothing stored:
    # it is not a phone, so it is refused, never written.
    refused = _edit(agent, c["id"], phone="139****0001")
    assert refused.status_code == 422
    with database.engine.connect() as conn:
        row = conn.execute(
            select(Customer.phone, Customer.id_number, Customer.email, Customer.grade).where(
                Customer.id == uuid.UUID(c["id"])
            )
        ).one()
    assert tuple(row) == (c["phone"], c["id_number"], "zhang@example.cn", "silver")
    # An agent may still replace the number with a new one they were told.
    assert _edit(agent, c["id"], phone="13800138000").status_code == 303
    assert _stored(client, admin, c["id"])["phone"] == "13800138000"
    assert _stored(client, admin, c["id"])["id_number"] == c["id_number"]


def test_a_viewer_with_pii_read_may_clear_the_email(client, admin, browser):
    c = _customer(client, admin, email="a@b.cn")
    assert _edit(browser(Role.team_lead), c["id"], email="").status_code == 303
    assert _stored(client, admin, c["id"])["email"] is None


def test_a_customer_another_node_owns_is_refused_and_unchanged(client, admin, browser, database):
    c = _customer(client, admin)
    _make_foreign(database, Customer.__table__, c["id"])
    b = browser()
    page = b.get(f"/ui/customers/{c['id']}").text
    assert f"/ui/customers/{c['id']}/edit" not in page
    opened = b.get(f"/ui/customers/{c['id']}/edit")
    assert opened.status_code == 409 and FOREIGN in opened.text and "只读" in opened.text
    token = csrf_of(page)
    posted = b.post(
        f"/ui/customers/{c['id']}/edit",
        data={"csrf_token": token, "name": "改名", "grade": "silver"},
        follow_redirects=False,
    )
    assert posted.status_code == 409 and FOREIGN in posted.text
    after = _stored(client, admin, c["id"])
    assert (after["name"], after["grade"]) == (c["name"], c["grade"])


def test_the_edit_form_refuses_bad_addresses_and_input_without_a_5xx(client, admin, browser):
    c = _customer(client, admin)
    b = browser()
    assert b.get("/ui/customers/not-a-uuid/edit").status_code == 422
    assert b.get(f"/ui/customers/{resident_id()}/edit").status_code == 422
    assert b.get("/ui/customers/00000000-0000-0000-0000-000000000000/edit").status_code == 404
    for bad in ("张\x00三", "x" * 100_000):
        answer = _edit(b, c["id"], name=bad, home_address=bad)
        assert answer.status_code == 422, answer.text[:300]
    assert _stored(client, admin, c["id"])["name"] == c["name"]


# ---- contacts, subscriptions, contracts on the 360 ----------------------------------


def _product(client: TestClient, admin: dict, code: str = "M199", price: str = "199.00") -> dict:
    body = {"code": code, "name": f"畅享{code}", "type": "mobile", "monthly_price": price}
    made = client.post("/api/v1/products", json=body, headers=admin)
    assert made.status_code == 201, made.text
    return made.json()


def _rows(client: TestClient, admin: dict, path: str, customer_id: str) -> list[dict]:
    got = client.get(f"/api/v1/{path}", params={"customer_id": customer_id}, headers=admin)
    assert got.status_code == 200, got.text
    return got.json()["data"]


def _detail(client: TestClient, admin: dict, path: str, row_id: str) -> dict:
    got = client.get(f"/api/v1/{path}/{row_id}", headers=admin)
    assert got.status_code == 200, got.text
    return got.json()


def _history_fields(client: TestClient, admin: dict, path: str, row_id: str) -> set[str]:
    got = client.get(f"/api/v1/{path}/{row_id}/history", headers=admin).json()["data"]
    return {h["field"] for h in got}


def test_add_edit_and_delete_a_contact(client, admin, browser):
    c = _customer(client, admin)
    b = browser(Role.agent)
    page = b.get(f"/ui/customers/{c['id']}").text
    assert f"/ui/customers/{c['id']}/contacts/new" in page
    base = f"/ui/customers/{c['id']}/contacts"
    added = _post(b, f"{base}/new", name="李秘书", phone="13912345678", decision_maker="yes")
    assert added.status_code == 303, added.text
    assert added.headers["location"] == f"/ui/customers/{c['id']}?saved=contacts"
    [contact] = _rows(client, admin, "contacts", c["id"])
    assert (contact["name"], contact["decision_maker"]) == ("李秘书", True)
    stored_phone = _detail(client, admin, "contacts", contact["id"])["phone"]
    assert stored_phone == "13912345678"
    page = b.get(f"/ui/customers/{c['id']}").text
    assert f"{base}/{contact['id']}/edit" in page and "李秘书" in page
    # The agent (no pii:read) changes the title; the phone it never saw stays.
    edit = f"{base}/{contact['id']}/edit"
    form = b.get(edit).text
    assert "13912345678" not in form
    changed = _post(b, edit, name="李秘书", title="办公室主任", decision_maker="yes")
    assert changed.status_code == 303, changed.text
    after = _detail(client, admin, "contacts", contact["id"])
    assert (after["title"], after["phone"], after["decision_maker"]) == (
        "办公室主任",
        "13912345678",
        True,
    )
    assert "title" in _history_fields(client, admin, "contacts", contact["id"])
    blank = _post(b, edit, name="", title="x")
    assert blank.status_code == 422 and re.search(r'id="err-name"[^>]*>必填<', blank.text)
    # Deleting asks for the box to be ticked first.
    unconfirmed = _post(b, edit, f"{base}/{contact['id']}/delete")
    assert unconfirmed.status_code == 422
    assert re.search(r'id="err-confirm"[^>]*>请勾选确认删除<', unconfirmed.text)
    assert len(_rows(client, admin, "contacts", c["id"])) == 1
    gone = _post(b, edit, f"{base}/{contact['id']}/delete", confirm="yes")
    assert gone.status_code == 303
    assert _rows(client, admin, "contacts", c["id"]) == []


def test_add_and_edit_a_subscription_in_office_time(client, admin, browser):
    c = _customer(client, admin)
    product = _product(client, admin)
    b = browser(Role.account_manager)
    new = f"/ui/customers/{c['id']}/subscriptions/new"
    assert product["id"] in b.get(new).text  # the node's products to pick from
    added = _post(
        b,
        new,
        product_id=product["id"],
        service_number="13900001111",
        started_at="2024-03-01T08:30",
        status="active",
    )
    assert added.status_code == 303, added.text
    [sub] = _rows(client, admin, "subscriptions", c["id"])
    assert sub["monthly_fee"] == "199.00"  # empty: the product's price
    assert sub["started_at"].startswith("2024-03-01T00:30")  # 08:30 Beijing is 00:30 UTC
    edit = f"/ui/customers/{c['id']}/subscriptions/{sub['id']}/edit"
    form = b.get(edit).text
    assert 'value="2024-03-01T08:30"' in form  # shown in office time again
    changed = _post(
        b,
        edit,
        product_id=product["id"],
        service_number="13900001111",
        monthly_fee="99.5",
        started_at="",
        status="active",
    )
    assert changed.status_code == 303, changed.text
    after = _detail(client, admin, "subscriptions", sub["id"])
    assert after["monthly_fee"] == "99.50"
    assert after["started_at"] == sub["started_at"]  # an empty start keeps the start
    assert "monthly_fee" in _history_fields(client, admin, "subscriptions", sub["id"])
    bad = _post(b, edit, product_id="nope", monthly_fee="-1", status="active")
    assert bad.status_code == 422
    assert re.search(r'id="err-product_id"[^>]*>不是有效的编号<', bad.text)
    assert re.search(r'id="err-monthly_fee"[^>]*>不能小于 0<', bad.text)
    page = b.get(f"/ui/customers/{c['id']}").text
    assert edit in page


def test_add_and_edit_a_contract_shown_on_the_360(client, admin, browser):
    c = _customer(client, admin)
    b = browser(Role.account_manager)
    new = f"/ui/customers/{c['id']}/contracts/new"
    added = _post(
        b,
        new,
        amount="12000",
        signed_at="2024-01-05",
        starts_at="2024-02-01",
        ends_at="2025-01-31",
        status="active",
    )
    assert added.status_code == 303, added.text
    [contract] = _rows(client, admin, "contracts", c["id"])
    assert contract["contract_no"].startswith("430100-C")  # numbered for an empty box
    page = b.get(f"/ui/customers/{c['id']}").text
    assert contract["contract_no"] in page and "合同" in page
    edit = f"/ui/customers/{c['id']}/contracts/{contract['id']}/edit"
    changed = _post(
        b,
        edit,
        contract_no="",
        amount="15000",
        starts_at="2024-02-01",
        ends_at="2025-01-31",
        status="terminated",
    )
    assert changed.status_code == 303, changed.text
    after = _detail(client, admin, "contracts", contract["id"])
    assert (after["contract_no"], after["amount"], after["status"]) == (
        contract["contract_no"],
        "15000.00",
        "terminated",
    )
    assert {"amount", "status"} <= _history_fields(client, admin, "contracts", contract["id"])
    backwards = _post(
        b, edit, amount="1", starts_at="2024-02-01", ends_at="2023-01-01", status="active"
    )
    assert backwards.status_code == 422
    assert re.search(r'id="err-ends_at"[^>]*>不能早于起始日期<', backwards.text)
    assert _detail(client, admin, "contracts", contract["id"])["amount"] == "15000.00"
    # An analyst reads the contracts but is offered no form.
    analyst = browser(Role.analyst).get(f"/ui/customers/{c['id']}").text
    assert contract["contract_no"] in analyst and new not in analyst and edit not in analyst


def test_rows_of_a_customer_another_node_owns_are_refused(client, admin, browser, database):
    from node.contacts.models import Contact

    c = _customer(client, admin)
    made = client.post(
        "/api/v1/contacts", json={"customer_id": c["id"], "name": "王经理"}, headers=admin
    )
    assert made.status_code == 201
    contact = made.json()
    _make_foreign(database, Customer.__table__, c["id"])
    _make_foreign(database, Contact.__table__, contact["id"])
    b = browser()
    assert "/contacts/new" not in b.get(f"/ui/customers/{c['id']}").text
    token = csrf_of(b.get("/ui/customers").text)
    for page in ("contacts/new", f"contacts/{contact['id']}/edit", "contracts/new"):
        url = f"/ui/customers/{c['id']}/{page}"
        opened = b.get(url)
        assert opened.status_code == 409 and FOREIGN in opened.text, url
        posted = b.post(
            url,
            data={"csrf_token": token, "name": "改", "amount": "1", "starts_at": "2024-01-01"},
            follow_redirects=False,
        )
        assert posted.status_code == 409 and FOREIGN in posted.text, url
    assert _detail(client, admin, "contacts", contact["id"])["name"] == "王经理"
    assert _rows(client, admin, "contracts", c["id"]) == []


def test_a_row_of_another_customer_is_not_found_through_this_one(client, admin, browser):
    one, other = _customer(client, admin), _customer(client, admin, name="李四")
    made = client.post(
        "/api/v1/contacts", json={"customer_id": other["id"], "name": "王经理"}, headers=admin
    )
    url = f"/ui/customers/{one['id']}/contacts/{made.json()['id']}/edit"
    assert browser().get(url).status_code == 404
