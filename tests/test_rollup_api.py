"""The rollup endpoints: figures, validation with field names, roles, refresh on demand."""

from __future__ import annotations

import pytest

from node.auth.accounts import Role
from node.auth.permissions import ROLE_PERMISSIONS, Perm
from rollup.refresh import refresh
from tests.rollup_data import insert_rows
from tests.test_rollup_golden import NOW, golden_rows

FIGURE_PATHS = ("key-accounts", "churn", "service", "value")


@pytest.fixture
def computed(database):
    insert_rows(database, golden_rows())
    refresh(database, "test", now=NOW)
    return database


def test_figures_over_http(client, computed, login):
    headers = login(Role.analyst)
    churn = client.get(
        "/api/v1/rollups/churn", params={"period": "2026-10", "group_by": "city"}, headers=headers
    )
    assert churn.status_code == 200, churn.text
    body = churn.json()
    assert body["figure"] == "churn" and body["period"] == "2026-10"
    assert body["total"]["churn_rate"] == pytest.approx(2 / 7)
    cities = {r["key"]: r for r in body["rows"]}
    assert cities["430100"]["label"] == "长沙市" and cities["430100"]["churn_rate"] == 0.25
    assert body["computed_at"]
    # The default period is the last complete month (the window ends in November).
    default = client.get("/api/v1/rollups/key-accounts", headers=headers).json()
    assert default["period"] == "2026-10" and default["total"]["key_accounts"] == 2
    assert default["pareto_curve"][0] == [0.0, 0.0] and default["pareto_curve"][-1] == [1.0, 1.0]
    for path in FIGURE_PATHS:
        assert client.get(f"/api/v1/rollups/{path}", headers=headers).status_code == 200
    trend = client.get("/api/v1/rollups/churn?group_by=month", headers=headers).json()
    assert len(trend["rows"]) == 12
    service = client.get("/api/v1/rollups/service?group_by=severity", headers=headers).json()
    assert {r["key"] for r in service["rows"]} == {"major", "general"}


@pytest.mark.parametrize(
    ("params", "field", "words"),
    [
        ({"period": "2026-13"}, "period", "YYYY-MM"),
        ({"period": "October"}, "period", "YYYY-MM"),
        ({"period": "2019-01"}, "period", "outside"),
        ({"group_by": "colour"}, "group_by", "must be one of"),
    ],
)
def test_bad_period_or_group_by_is_422_naming_the_field(
    client, computed, admin, params, field, words
):
    resp = client.get("/api/v1/rollups/churn", params=params, headers=admin)
    assert resp.status_code == 422, resp.text
    error = resp.json()["error"]
    assert field in error["fields"] and words in error["fields"][field]


def test_service_cannot_be_grouped_by_grade(client, computed, admin):
    resp = client.get("/api/v1/rollups/service", params={"group_by": "grade"}, headers=admin)
    assert resp.status_code == 422 and "group_by" in resp.json()["error"]["fields"]


@pytest.mark.parametrize("role", list(Role))
def test_only_roles_with_rollups_read(client, computed, login, role):
    headers = login(role)
    allowed = Perm.rollups_read in ROLE_PERMISSIONS[role]
    for path in (*FIGURE_PATHS, "status"):
        resp = client.get(f"/api/v1/rollups/{path}", headers=headers)
        if allowed:
            assert resp.status_code == 200, (role, path, resp.text)
        else:
            assert resp.status_code == 403, (role, path, resp.text)
            assert "rollups:read" in resp.json()["error"]["message"]
    assert allowed == (role in (Role.admin, Role.team_lead, Role.analyst))


def test_without_a_token_401(client):
    assert client.get("/api/v1/rollups/churn").status_code == 401


def test_before_any_run_409_then_refresh_on_demand(client, database, admin):
    insert_rows(database, golden_rows())
    first = client.get("/api/v1/rollups/churn", headers=admin)
    assert first.status_code == 409 and "refresh" in first.json()["error"]["message"]
    status = client.get("/api/v1/rollups/status", headers=admin).json()
    assert status == {"last_run": None, "pending_changes": True}
    resp = client.post("/api/v1/rollups/refresh", headers=admin)
    assert resp.status_code == 202
    status = client.get("/api/v1/rollups/status", headers=admin).json()
    assert status["last_run"]["full"] is True and status["pending_changes"] is False
    assert client.get("/api/v1/rollups/churn", headers=admin).status_code == 200
