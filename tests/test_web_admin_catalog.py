"""Issue 19 §1 (admins): the product catalogue and the dictionaries in the browser, and
who may open every new form (customer edit, the 360's rows, the catalogue): a matrix of
form × role whose expected statuses are written out by hand from the README's
"Roles and permissions" table, not computed from node.auth.permissions."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from node.auth.accounts import Role
from tests.conftest import PASSWORD
from tests.factories import customer_payload
from tests.test_web_pages import csrf_of, web_login


@pytest.fixture
def browser(client: TestClient, make_user: Callable[..., dict]) -> Callable[..., TestClient]:
    def _browser(role: Role = Role.admin) -> TestClient:
        return web_login(client.app, make_user(role)["username"], PASSWORD)

    return _browser


def _post(b: TestClient, page: str, **fields: str):  # type: ignore[no-untyped-def]
    opened = b.get(page)
    assert opened.status_code == 200, opened.text
    return b.post(page, data={"csrf_token": csrf_of(opened.text), **fields}, follow_redirects=False)


def _products(client: TestClient, admin: dict) -> list[dict]:
    return client.get("/api/v1/products", headers=admin).json()["data"]


def _entries(client: TestClient, admin: dict, kind: str) -> dict[str, dict]:
    got = client.get("/api/v1/dictionaries", params={"kind": kind, "limit": 200}, headers=admin)
    return {e["code"]: e for e in got.json()["data"]}


# ---- products ------------------------------------------------------------------------


def test_an_admin_creates_and_edits_a_product(client, admin, browser):
    b = browser()
    assert "/ui/products" in b.get("/ui/customers").text  # in the admin's menu
    made = _post(
        b, "/ui/products/new", code="BB500", name="千兆宽带", type="broadband", monthly_price="129"
    )
    assert made.status_code == 303, made.text
    [product] = _products(client, admin)
    assert (product["code"], product["name"], product["monthly_price"]) == (
        "BB500",
        "千兆宽带",
        "129.00",
    )
    listed = b.get("/ui/products").text
    assert "千兆宽带" in listed and f"/ui/products/{product['id']}/edit" in listed
    edit = f"/ui/products/{product['id']}/edit"
    changed = _post(
        b, edit, code="BB500", name="千兆宽带（新）", type="broadband", monthly_price="99.9"
    )
    assert changed.status_code == 303, changed.text
    [after] = _products(client, admin)
    assert (after["name"], after["monthly_price"]) == ("千兆宽带（新）", "99.90")


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"code": "宽带 500"}, "code", "格式不正确"),
        ({"code": ""}, "code", "必填"),
        ({"monthly_price": "-5"}, "monthly_price", "不能小于 0"),
        ({"monthly_price": "abc"}, "monthly_price", "应为数字"),
        ({"type": "telegraph"}, "type", "只能是"),
        ({"name": "x" * 101}, "name", "最多 100 个字符"),
        ({"name": "千\x00兆"}, "name", "空字符"),
    ],
)
def test_a_bad_product_field_is_named_and_nothing_is_saved(
    client, admin, browser, fields, field, message
):
    good = {"code": "M1", "name": "套餐", "type": "mobile", "monthly_price": "10"}
    refused = _post(browser(), "/ui/products/new", **(good | fields))
    assert refused.status_code == 422, refused.text
    shown = re.search(rf'id="err-{field}"[^>]*>([^<]*)<', refused.text)
    assert shown and message in shown.group(1), refused.text
    assert _products(client, admin) == []


def test_a_product_code_another_product_holds_is_named_next_to_the_code(client, admin, browser):
    b = browser()
    good = {"code": "M1", "name": "套餐", "type": "mobile", "monthly_price": "10"}
    assert _post(b, "/ui/products/new", **good).status_code == 303
    again = _post(b, "/ui/products/new", **good)
    assert again.status_code == 409
    assert re.search(r'id="err-code"[^>]*>已被另一条记录使用', again.text)
    assert len(_products(client, admin)) == 1


# ---- dictionaries --------------------------------------------------------------------


def test_an_admin_adds_and_edits_a_dictionary_entry(client, admin, browser):
    b = browser()
    listed = b.get("/ui/dictionaries", params={"kind": "competitor"}).text
    assert "竞争对手" in listed
    made = _post(
        b,
        "/ui/dictionaries/new?kind=competitor",
        kind="competitor",
        code="gd_cable",
        label="广电有线",
        sort_order="5",
        active="yes",
    )
    assert made.status_code == 303, made.text
    assert made.headers["location"] == "/ui/dictionaries?kind=competitor&saved=1"
    entry = _entries(client, admin, "competitor")["gd_cable"]
    assert (entry["label"], entry["sort_order"], entry["active"]) == ("广电有线", 5, True)
    edit = f"/ui/dictionaries/{entry['id']}/edit"
    form = b.get(edit).text
    assert 'name="code"' not in form and 'name="kind"' not in form  # never change
    changed = _post(b, edit, label="广电网络", sort_order="1")  # unticked: not offered
    assert changed.status_code == 303, changed.text
    after = _entries(client, admin, "competitor")["gd_cable"]
    assert (after["label"], after["sort_order"], after["active"]) == ("广电网络", 1, False)
    # No longer offered on the forms that use it (the churn form's destinations).
    c = client.post("/api/v1/customers", json=customer_payload(), headers=admin).json()
    assert "广电网络" not in b.get(f"/ui/customers/{c['id']}").text


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"code": "Bad-Code"}, "code", "格式不正确"),
        ({"code": ""}, "code", "必填"),
        ({"label": ""}, "label", "必填"),
        ({"sort_order": "first"}, "sort_order", "应为整数"),
        ({"sort_order": "9" * 30}, "sort_order", "之间"),
        ({"kind": "nonsense"}, "kind", "只能是"),
        ({"kind": "customer_status"}, "meaning", "客户状态需要选择含义"),
    ],
)
def test_a_bad_dictionary_entry_is_named_and_nothing_is_saved(
    client, admin, browser, fields, field, message
):
    before = _entries(client, admin, "competitor")
    good = {"kind": "competitor", "code": "new_one", "label": "新的", "active": "yes"}
    refused = _post(browser(), "/ui/dictionaries/new", **(good | fields))
    assert refused.status_code == 422, refused.text
    shown = re.search(rf'id="err-{field}"[^>]*>([^<]*)<', refused.text)
    assert shown and message in shown.group(1), refused.text
    assert _entries(client, admin, "competitor") == before


# ---- who may open which form ----------------------------------------------------------

ROLES = ("admin", "team_lead", "agent", "account_manager", "dispatcher", "technician", "analyst")
# Written by hand from README "Roles and permissions"; one letter per role in ROLES'
# order: Y = allowed (200), n = refused (403).
WHO_MAY = {
    "customers:write": "YYYYnnn",
    "contacts:write": "YYYYnnn",
    "subscriptions:write": "YYnYnnn",
    "contracts:write": "YnnYnnn",
    "products:write": "Ynnnnnn",
    "dictionaries:write": "Ynnnnnn",
}
FORMS = {  # form page -> the permission it needs; {c}, {k}, {s}, {t}, {p}, {d}: ids
    "/ui/customers/{c}/edit": "customers:write",
    "/ui/customers/{c}/contacts/new": "contacts:write",
    "/ui/customers/{c}/contacts/{k}/edit": "contacts:write",
    "/ui/customers/{c}/subscriptions/new": "subscriptions:write",
    "/ui/customers/{c}/subscriptions/{s}/edit": "subscriptions:write",
    "/ui/customers/{c}/contracts/new": "contracts:write",
    "/ui/customers/{c}/contracts/{t}/edit": "contracts:write",
    "/ui/products": "products:write",
    "/ui/products/new": "products:write",
    "/ui/products/{p}/edit": "products:write",
    "/ui/dictionaries": "dictionaries:write",
    "/ui/dictionaries/new": "dictionaries:write",
    "/ui/dictionaries/{d}/edit": "dictionaries:write",
}
POST_ONLY = {"/ui/customers/{c}/contacts/{k}/delete": "contacts:write"}
GET_ONLY = {"/ui/products", "/ui/dictionaries"}  # lists: nothing to post
MATRIX = [
    (form, role, 200 if WHO_MAY[perm][i] == "Y" else 403)
    for form, perm in (FORMS | POST_ONLY).items()
    for i, role in enumerate(ROLES)
]


@pytest.fixture
def ids(client: TestClient, admin: dict) -> dict[str, str]:
    """One of each row the forms open, made through the API."""
    c = client.post("/api/v1/customers", json=customer_payload(), headers=admin).json()["id"]
    body = {"code": "M1", "name": "套餐", "type": "mobile", "monthly_price": "10"}
    p = client.post("/api/v1/products", json=body, headers=admin).json()["id"]

    def made(path: str, body: dict) -> str:
        answer = client.post(f"/api/v1/{path}", json=body, headers=admin)
        assert answer.status_code == 201, answer.text
        return answer.json()["id"]

    return {
        "c": c,
        "p": p,
        "k": made("contacts", {"customer_id": c, "name": "王经理"}),
        "s": made("subscriptions", {"customer_id": c, "product_id": p}),
        "t": made("contracts", {"customer_id": c, "amount": "1", "starts_at": "2024-01-01"}),
        "d": next(iter(_entries(client, admin, "competitor").values()))["id"],
    }


@pytest.mark.parametrize(("form", "role", "status"), MATRIX)
def test_every_form_opens_only_for_the_roles_the_readme_allows(
    client, browser, ids, form, role, status
):
    b = browser(Role(role))
    url = form.format(**ids)
    token = csrf_of(b.get("/ui/customers").text)
    if form not in POST_ONLY:
        assert b.get(url).status_code == status, (url, role)
    if form in GET_ONLY:
        return
    # A refused POST changes nothing and says 403 before it reads any field; an allowed
    # one with an empty form is answered (303 or 422), never 403 and never 5xx.
    posted = b.post(url, data={"csrf_token": token}, follow_redirects=False)
    if status == 403:
        assert posted.status_code == 403, (url, role, posted.text[:200])
    else:
        assert posted.status_code in (303, 422), (url, role, posted.status_code)
