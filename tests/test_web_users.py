"""Issue 19 §12: the users page for admins, through the API's rules, checked by signing
in over the API as the users it changes."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from node.auth.accounts import Role
from tests.conftest import PASSWORD
from tests.test_web_pages import csrf_of, web_login

NEW_PASSWORD = "lantern-river-97"


@pytest.fixture
def admin_web(client: TestClient, make_user: Callable[..., dict]) -> TestClient:
    browser = web_login(client.app, make_user(Role.admin, username="boss")["username"], PASSWORD)
    return browser


def _post(browser: TestClient, path: str, **fields: str):
    csrf = csrf_of(browser.get(path).text)
    return browser.post(path, data={"csrf_token": csrf, **fields}, follow_redirects=False)


def _sign_in(client: TestClient, username: str, password: str) -> int:
    answer = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    return answer.status_code


def _create(admin_web: TestClient, **fields: str):
    base = {
        "username": "agent07",
        "display_name": "话务员小周",
        "role": "agent",
        "service_area": "urban",
        "password": NEW_PASSWORD,
    }
    return _post(admin_web, "/ui/users/new", **(base | fields))


def test_an_admin_creates_a_user_who_can_then_sign_in(client, admin_web):
    home = admin_web.get("/ui/customers").text
    assert 'href="/ui/users"' in home and "（管理员）" in home
    made = _create(admin_web)
    assert made.status_code == 303, made.text
    assert _sign_in(client, "agent07", NEW_PASSWORD) == 200
    listed = admin_web.get("/ui/users").text
    assert "话务员小周" in listed and "坐席" in listed and "城区营业部" in listed


@pytest.mark.parametrize(
    "fields, field, shown",
    [
        ({"password": "12345678"}, "password", None),
        ({"username": "a b"}, "username", "格式不正确"),
        ({"display_name": ""}, "display_name", "必填"),
        ({"role": "god"}, "role", "只能是"),
        ({"service_area": "atlantis"}, "service_area", None),
    ],
)
def test_bad_input_is_named_by_its_field_and_creates_nobody(
    client, admin_web, fields, field, shown
):
    refused = _create(admin_web, **fields)
    assert refused.status_code == 422, refused.text
    error = refused.text.split(f'id="err-{field}"', 1)[1].split("</p>", 1)[0]
    assert shown is None or shown in error
    assert NEW_PASSWORD not in refused.text  # a password is never sent back
    assert "agent07" not in admin_web.get("/ui/users").text


def test_a_taken_username_is_a_409(admin_web):
    assert _create(admin_web).status_code == 303
    again = _create(admin_web)
    assert again.status_code == 409 and "agent07" in again.text


def _user_path(admin_web: TestClient, username: str) -> str:
    listed = admin_web.get("/ui/users").text
    match = re.search(r'href="(/ui/users/[0-9a-f-]{36})">' + username + "<", listed)
    assert match, listed
    return match.group(1)


def test_disable_reset_and_reenable_as_sessions_show(client, admin_web):
    assert _create(admin_web).status_code == 303
    path = _user_path(admin_web, "agent07")
    token = client.post(
        "/api/v1/auth/login", json={"username": "agent07", "password": NEW_PASSWORD}
    ).json()["access_token"]
    me = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/customers", headers=me).status_code == 200
    keep = {"display_name": "话务员小周", "role": "agent", "service_area": "urban"}
    assert _post(admin_web, path, **keep).status_code == 303  # "active" unticked
    assert _sign_in(client, "agent07", NEW_PASSWORD) == 401
    assert client.get("/api/v1/customers", headers=me).status_code == 401
    again = _post(admin_web, path, **keep, active="yes", password=PASSWORD + "-x")
    assert again.status_code == 303
    assert _sign_in(client, "agent07", NEW_PASSWORD) == 401
    assert _sign_in(client, "agent07", PASSWORD + "-x") == 200
    # No area: the agent is no longer bound to one.
    assert _post(admin_web, path, **(keep | {"service_area": ""}), active="yes").status_code == 303
    assert "不限区域" in admin_web.get(path).text.split('id="user-area"', 1)[1][:200]


def test_the_last_admin_cannot_demote_or_disable_itself(client, admin_web):
    path = _user_path(admin_web, "boss")
    demoted = _post(admin_web, path, display_name="老板", role="agent", active="yes")
    assert demoted.status_code == 409 and "最后一个启用的管理员" in demoted.text
    disabled = _post(admin_web, path, display_name="老板", role="admin")
    assert disabled.status_code == 409
    assert _sign_in(client, "boss", PASSWORD) == 200


def test_who_may_not_manage_users_gets_no_menu_item_and_a_403(client, make_user):
    agent = web_login(client.app, make_user(Role.agent, "urban")["username"], PASSWORD)
    assert 'href="/ui/users"' not in agent.get("/ui/customers").text
    assert agent.get("/ui/users/new").status_code == 403
    assert agent.get("/ui/users").status_code == 403


def test_department_and_group_are_managed_codes_and_filter_the_list(admin_web, client, admin):
    """Issue 19 §15: 服务部门 and 组 are dictionary entries a user carries; the list
    filters by them; an unknown code is named, never stored."""
    made = _create(admin_web, department="field_service", agent_group="group_1")
    assert made.status_code == 303, made.text
    _create(admin_web, username="agent08", department="customer_service", agent_group="group_2")
    page = admin_web.get("/ui/users", params={"department": "field_service"}).text
    assert "agent07" in page and "agent08" not in page and "装维部" in page and "一组" in page
    page = admin_web.get("/ui/users", params={"group": "group_2"}).text
    assert "agent08" in page and "agent07" not in page
    assert admin_web.get("/ui/users", params={"group": "nobody"}).status_code == 422
    bad = _create(admin_web, username="agent09", department="made_up")
    assert bad.status_code == 422 and 'id="err-department"' in bad.text
    users = client.get("/api/v1/users", params={"agent_group": "group_1"}, headers=admin).json()
    assert [u["username"] for u in users["data"]] == ["agent07"]
    # Blank on the edit form takes the user out of their group.
    user_id = users["data"][0]["id"]
    edit = _post(
        admin_web,
        f"/ui/users/{user_id}",
        display_name="话务员小周",
        role="agent",
        service_area="urban",
        department="field_service",
        agent_group="",
        active="yes",
    )
    assert edit.status_code == 303, edit.text
    again = client.get(f"/api/v1/users/{user_id}", headers=admin).json()
    assert (again["department"], again["agent_group"]) == ("field_service", None)


def test_the_users_page_shows_the_stored_numbers_and_saving_it_keeps_them(admin_web, client, admin):
    """Issue 20 §1: 工号, 分机 and the mobile are in the user's form as stored (the mobile
    as its 11 digits), so saving the form (disabling the user) does not blank them."""
    made = _create(admin_web, agent_no="1007", extension="8007", mobile="+86 139 0731 0007")
    assert made.status_code == 303, made.text
    path = made.headers["location"].split("?")[0]
    form = admin_web.get(path).text
    for box, shown in (("agent-no", "1007"), ("extension", "8007"), ("mobile", "13907310007")):
        assert re.search(rf'id="user-{box}" name="[a-z_]+"[^>]* value="{shown}"', form), box
    numbers = re.findall(r'name="(agent_no|extension|mobile)"[^>]* value="(\d+)"', form)
    keep = {"display_name": "话务员小周", "role": "agent", "service_area": "urban"}
    assert _post(admin_web, path, **keep, **dict(numbers)).status_code == 303  # disabled
    stored = client.get(f"/api/v1/users/{path.rsplit('/', 1)[1]}", headers=admin).json()
    assert stored["active"] is False
    assert (stored["agent_no"], stored["extension"], stored["mobile"]) == (
        "1007",
        "8007",
        "13907310007",
    )
