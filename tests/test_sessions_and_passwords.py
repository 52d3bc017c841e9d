"""Issue 18, sessions and passwords: a new password ends the other sessions, a node
always keeps an active admin, and the password policy names the rule that failed."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD

NEW_PASSWORD = "violet-harbour-71"


def _token(client, username: str, password: str = PASSWORD) -> dict:
    resp = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert resp.status_code == 200, resp.text
    return {"Authorization": f"Bearer {resp.json()['access_token']}"}


def _me(client, headers: dict) -> int:
    return client.get("/api/v1/auth/me", headers=headers).status_code


def test_an_admin_resetting_a_password_ends_every_session_of_that_user(client, admin, make_user):
    agent = make_user("agent")
    first, second = _token(client, agent["username"]), _token(client, agent["username"])
    resp = client.patch(
        f"/api/v1/users/{agent['id']}", json={"password": NEW_PASSWORD}, headers=admin
    )
    assert resp.status_code == 200, resp.text
    assert _me(client, first) == _me(client, second) == 401
    assert _me(client, _token(client, agent["username"], NEW_PASSWORD)) == 200
    assert _me(client, admin) == 200  # the admin's own session is not the agent's


def test_changing_your_own_password_keeps_only_the_session_that_changed_it(client, make_user):
    me = make_user("admin")
    here, elsewhere = _token(client, me["username"]), _token(client, me["username"])
    resp = client.patch(f"/api/v1/users/{me['id']}", json={"password": NEW_PASSWORD}, headers=here)
    assert resp.status_code == 200, resp.text
    assert (_me(client, here), _me(client, elsewhere)) == (200, 401)


@pytest.mark.parametrize(
    "change",
    [None, {"active": False}, {"role": "analyst"}],
    ids=["delete", "deactivate", "demote"],
)
def test_the_last_active_admin_stays(client, make_user, change):
    only = make_user("admin")
    headers = _token(client, only["username"])
    url = f"/api/v1/users/{only['id']}"
    resp = (
        client.delete(url, headers=headers)
        if change is None
        else client.patch(url, json=change, headers=headers)
    )
    assert resp.status_code == 409, resp.text
    assert "最后一个启用的管理员" in resp.json()["error"]["message"]
    assert _me(client, headers) == 200
    # With a second active admin, the first may go.
    make_user("admin")
    again = (
        client.delete(url, headers=headers)
        if change is None
        else client.patch(url, json=change, headers=headers)
    )
    assert again.status_code in (200, 204), again.text


@pytest.mark.parametrize(
    ("password", "rule"),
    [
        ("12345678", "至少 10 个字符"),  # the case: 8 digits for an admin
        ("1234567890", "常见密码"),  # in the CSDN leak's top list
        ("iloveyou12", "常见密码"),  # in zxcvbn's list of leaked passwords
        ("woaini1314", "常见密码"),
        ("xx-newadmin-xx", "用户名"),  # contains the username
        ("aaaaaaaaaaaa", "太容易猜"),  # one character repeated
        ("abcdefghijkl", "太容易猜"),  # a straight sequence
        ("a" * 150, "太容易猜"),  # beyond zxcvbn's 72 characters: scored, not a 500
    ],
)
def test_weak_passwords_are_refused_naming_the_rule(client, admin, password, rule):
    body = {"username": "newadmin", "display_name": "新管理员", "role": "admin"}
    resp = client.post("/api/v1/users", json=body | {"password": password}, headers=admin)
    assert resp.status_code == 422, resp.text
    assert rule in resp.json()["error"]["fields"]["password"]
    ok = client.post("/api/v1/users", json=body | {"password": NEW_PASSWORD}, headers=admin)
    assert ok.status_code == 201, ok.text


def test_a_long_strong_password_is_accepted(client, admin):
    body = {"username": "longpw", "display_name": "长密码", "role": "agent"}
    long_one = "violet-harbour-71 " * 10  # 180 characters, under the 200 limit
    resp = client.post("/api/v1/users", json=body | {"password": long_one}, headers=admin)
    assert resp.status_code == 201, resp.text
