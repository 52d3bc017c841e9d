"""Issue 19 §11: a bad address under /ui/ answers a page with the menu, in Chinese,
never the API's JSON; the API's own errors stay JSON."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from node.auth.accounts import Role
from tests.conftest import PASSWORD
from tests.test_web_pages import web_login


@pytest.fixture
def signed_in(client: TestClient, make_user: Callable[..., dict]) -> TestClient:
    return web_login(client.app, make_user(Role.admin)["username"], PASSWORD)


@pytest.mark.parametrize(
    "method, path, status, text",
    [
        ("GET", "/ui/no-such-page", 404, "没有这个页面"),
        ("GET", "/ui/customers/not-a-uuid", 422, "网址中的参数不正确"),
        ("GET", "/ui/tickets/123", 422, "ticket_id"),
        ("GET", "/ui/users/xyz", 422, "user_id"),
        ("DELETE", "/ui/customers", 405, "405"),
    ],
)
def test_a_bad_address_is_a_page_with_the_menu(signed_in, method, path, status, text):
    answer = signed_in.request(method, path)
    assert answer.status_code == status
    assert answer.headers["content-type"].startswith("text/html")
    assert text in answer.text and 'href="/ui/customers"' in answer.text  # the menu


def test_signed_out_the_page_has_no_menu(client):
    answer = TestClient(client.app).get("/ui/no-such-page")
    assert answer.status_code == 404 and "没有这个页面" in answer.text
    assert 'href="/ui/customers"' not in answer.text


def test_in_english_with_the_switch(signed_in):
    signed_in.cookies.set("fedcrm_lang", "en")
    assert "There is no such page" in signed_in.get("/ui/no-such-page").text


def test_the_api_keeps_answering_json(client, admin):
    missing = client.get("/api/v1/no-such-thing", headers=admin)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "http_error"
    bad = client.get("/api/v1/customers/not-a-uuid", headers=admin)
    assert bad.status_code == 422 and "item_id" in bad.json()["error"]["fields"]


def test_an_unexpected_failure_is_a_page_too(client, make_user, monkeypatch):
    def broken(*_args: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("node.web.pages_users._users_table", broken)
    user = make_user(Role.admin)
    signed = web_login(client.app, user["username"], PASSWORD)
    browser = TestClient(client.app, raise_server_exceptions=False)
    browser.cookies.update(signed.cookies)
    answer = browser.get("/ui/users")
    assert answer.status_code == 500 and "系统内部错误" in answer.text
    assert "boom" not in answer.text
