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
