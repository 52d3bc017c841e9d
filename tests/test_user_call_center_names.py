"""Issue 20 §1 and §8: a user's 工号, 分机 and mobile: checked, unique per node, and a
mobile typed as people type it is stored as its 11 digits."""

from __future__ import annotations

import pytest

USER = {"display_name": "话务员小李", "role": "agent", "password": "Cc-2026-hotline!"}


def _add(client, admin, **fields):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/users", json=USER | fields, headers=admin)


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("13907310001", "13907310001"),
        ("+86 139 0731 0001", "13907310001"),  # as a phone shows it
        ("139-0731-0001", "13907310001"),
        ("８６１３９０７３１０００１", "13907310001"),  # full-width, with the country code
    ],
)
def test_a_mobile_is_stored_as_its_11_digits(client, admin, typed, stored):
    made = _add(client, admin, username="li01", agent_no="1001", extension="8001", mobile=typed)
    assert made.status_code == 201, made.text
    body = made.json()
    assert (body["agent_no"], body["extension"], body["mobile"]) == ("1001", "8001", stored)


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"mobile": "073184001234"}, "mobile"),  # a Changsha landline: no SMS
        ({"mobile": "12345"}, "mobile"),
        ({"extension": "8 001"}, "extension"),
        ({"extension": "1"}, "extension"),  # a PBX extension has at least 2 digits
        ({"agent_no": "工号1"}, "agent_no"),
    ],
)
def test_a_bad_value_is_a_422_naming_the_field(client, admin, fields, field):
    resp = _add(client, admin, username="li02", **fields)
    assert resp.status_code == 422 and field in resp.text
    users = client.get("/api/v1/users?limit=200", headers=admin).json()["data"]
    assert "li02" not in {u["username"] for u in users}


def test_an_extension_and_an_agent_number_belong_to_one_user(client, admin):
    assert (
        _add(client, admin, username="li03", agent_no="1003", extension="8003").status_code == 201
    )
    again = _add(client, admin, username="li04", extension="8003")
    assert again.status_code == 409 and "extension" in again.text
    again = _add(client, admin, username="li05", agent_no="1003")
    assert again.status_code == 409 and "agent_no" in again.text
    # Several users without one are fine.
    assert _add(client, admin, username="li06").status_code == 201
    assert _add(client, admin, username="li07").status_code == 201
