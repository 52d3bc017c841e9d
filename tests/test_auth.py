"""Login, logout, expiry, rate limiting and the audit trail of every decision."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from node.audit.models import AuditEntry
from node.auth.models import AccessToken
from node.db.types import utcnow
from tests.conftest import PASSWORD


def _actions(database) -> list[str]:
    with database.unit_of_work(write=False) as s:
        return list(s.execute(select(AuditEntry.action).order_by(AuditEntry.id)).scalars())


def test_login_logout_and_revoked_token(client, make_user, database):
    user = make_user("agent")
    resp = client.post(
        "/api/v1/auth/login", json={"username": user["username"], "password": PASSWORD}
    )
    body = resp.json()
    assert resp.status_code == 200 and body["token_type"] == "bearer" and body["expires_in"] > 0
    headers = {"Authorization": f"Bearer {body['access_token']}"}
    assert client.get("/api/v1/auth/me", headers=headers).json()["username"] == user["username"]
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    assert client.get("/api/v1/customers", headers=headers).status_code == 401
    assert _actions(database)[-2:] == ["auth.login.succeeded", "auth.logout"]
    with database.unit_of_work(write=False) as s:
        stored = s.execute(select(AccessToken.token_hash)).scalars().all()
    assert body["access_token"] not in stored  # only the hash is kept


def test_expired_token_is_refused(client, make_user, database):
    user = make_user("agent")
    token = client.post(
        "/api/v1/auth/login", json={"username": user["username"], "password": PASSWORD}
    ).json()["access_token"]
    with database.unit_of_work() as s:
        s.execute(update(AccessToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    resp = client.get("/api/v1/customers", headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 401 and "expired" in resp.json()["error"]["message"]


def test_wrong_password_and_unknown_user_look_the_same(client, make_user):
    user = make_user("agent")
    wrong = client.post("/api/v1/auth/login", json={"username": user["username"], "password": "x"})
    ghost = client.post("/api/v1/auth/login", json={"username": "ghost", "password": "x"})
    assert wrong.status_code == ghost.status_code == 401
    assert wrong.json() == ghost.json()


def test_failed_logins_are_limited_per_account(client, make_user, database):
    # The test settings allow 5 failures per account per hour.
    user = make_user("agent")
    for _ in range(5):
        bad = client.post(
            "/api/v1/auth/login", json={"username": user["username"], "password": "no"}
        )
        assert bad.status_code == 401
    blocked = client.post(
        "/api/v1/auth/login", json={"username": user["username"], "password": PASSWORD}
    )
    assert blocked.status_code == 429 and blocked.headers["retry-after"]
    assert "auth.login.rate_limited" in _actions(database)
    other = make_user("agent")
    ok = client.post(
        "/api/v1/auth/login", json={"username": other["username"], "password": PASSWORD}
    )
    assert ok.status_code == 200


def test_deactivated_user_cannot_log_in_or_use_a_token(client, admin, make_user):
    user = make_user("agent")
    token = client.post(
        "/api/v1/auth/login", json={"username": user["username"], "password": PASSWORD}
    ).json()["access_token"]
    assert (
        client.patch(
            f"/api/v1/users/{user['id']}", json={"active": False}, headers=admin
        ).status_code
        == 200
    )
    assert (
        client.get("/api/v1/customers", headers={"Authorization": f"Bearer {token}"}).status_code
        == 401
    )
    assert (
        client.post(
            "/api/v1/auth/login", json={"username": user["username"], "password": PASSWORD}
        ).status_code
        == 401
    )


def test_logs_never_hold_a_full_id_number_phone_or_password(client, admin, caplog):
    from tests.factories import customer_payload

    payload = customer_payload()
    with caplog.at_level("DEBUG"):
        client.post("/api/v1/customers", json=payload, headers=admin)
        client.post("/api/v1/auth/login", json={"username": "someone", "password": "s3cret-pw!"})
    assert payload["id_number"] not in caplog.text
    assert payload["phone"] not in caplog.text
    assert "s3cret-pw!" not in caplog.text


def test_health_ready_and_metrics(client, admin):
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ready"}
    client.get("/api/v1/customers/01900000-0000-7000-8000-000000000000", headers=admin)
    text = client.get("/metrics").text
    assert 'route="/api/v1/customers/{item_id}"' in text
    assert "01900000-0000" not in text  # raw paths never become labels
    assert "fedcrm_http_request_duration_seconds_bucket" in text


def test_every_response_says_how_long_the_server_took(client, admin):
    """W3C Server Timing's syntax: `name;dur=milliseconds`, a non-negative number."""
    for resp in (client.get("/healthz"), client.get("/api/v1/customers", headers=admin)):
        name, duration = resp.headers["server-timing"].split(";")
        assert name == "app" and duration.startswith("dur=")
        assert float(duration.removeprefix("dur=")) >= 0


def test_readyz_tells_anyone_unready_but_names_no_server(client, caplog):
    """/readyz is public: the driver's message (host, port, database, user) stays in the log."""
    from node.db.unit_of_work import Database

    app_state = client.app.state
    held = app_state.db
    app_state.db = Database(
        "postgresql+psycopg://fedcrm_nobody@127.0.0.1:5432/fedcrm_no_such_db", held.node_code
    )
    try:
        with caplog.at_level("WARNING"):
            resp = client.get("/readyz")
    finally:
        app_state.db.engine.dispose()
        app_state.db = held
    assert resp.status_code == 503
    assert resp.json() == {
        "status": "unavailable",
        "reason": "database unreachable (see the node's log)",
    }
    assert "fedcrm_no_such_db" not in resp.text and "127.0.0.1" not in resp.text
    assert "fedcrm_nobody" in caplog.text  # the operator still learns why
