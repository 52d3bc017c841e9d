"""fedcrm user passwd / disable / enable against a served node (a real process): what
an admin does when a password leaks or someone leaves, checked by signing in over HTTP."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from node.cli.main import app
from node.provisioning.serving import start_serving, stop_serving, wait_until_ready

runner = CliRunner()
OLD, NEW = "harbour-lights-42", "lantern-river-97"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def db_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'users.db'}"
    from node.provisioning.nodes import ensure_postgres_database
    from tests.conftest import reset_postgres_schema

    url = request.getfixturevalue("pg_url") + "_user_cli"  # the suite's own name
    ensure_postgres_database(url)
    reset_postgres_schema(url)
    return url


def _user(node: Path, *args: str, password: str | None = None):
    return runner.invoke(app, ["user", *args[:1], str(node), *args[1:]], input=password)


@pytest.fixture
def served(tmp_path: Path, db_url: str) -> Iterator[tuple[Path, httpx.Client]]:
    port, node = _free_port(), tmp_path / "node"
    init = ["init", str(node), "--level", "city", "--code", "430100", "--name", "长沙市"]
    assert runner.invoke(app, [*init, "--db", db_url, "--port", str(port)]).exit_code == 0
    for name, role in (("admin", "admin"), ("agent01", "agent")):
        added = _user(
            node, "add", "--username", name, "--role", role, "--password-stdin", password=OLD
        )
        assert added.exit_code == 0, added.output
    proc = start_serving(node, node / "serve.log")
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(proc, base, node / "serve.log", timeout=60)
        with httpx.Client(base_url=base, timeout=10) as http:
            yield node, http
    finally:
        stop_serving(proc)


def _sign_in(http: httpx.Client, username: str, password: str) -> httpx.Response:
    return http.post("/api/v1/auth/login", json={"username": username, "password": password})


def _works(http: httpx.Client, token: str) -> bool:
    answer = http.get("/api/v1/customers", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code in (200, 401), answer.text
    return answer.status_code == 200


@pytest.mark.slow
def test_passwd_ends_sessions_and_the_new_password_signs_in(served):
    node, http = served
    token = _sign_in(http, "agent01", OLD).json()["access_token"]
    assert _works(http, token)
    weak = _user(node, "passwd", "--username", "agent01", "--password-stdin", password="12345678")
    assert weak.exit_code != 0 and "password" in weak.output
    assert _works(http, token)  # a refused change changes nothing
    done = _user(node, "passwd", "--username", "agent01", "--password-stdin", password=NEW)
    assert done.exit_code == 0, done.output
    assert not _works(http, token)
    assert _sign_in(http, "agent01", OLD).status_code == 401
    assert _works(http, _sign_in(http, "agent01", NEW).json()["access_token"])


@pytest.mark.slow
def test_disable_signs_out_and_enable_lets_back_in(served):
    node, http = served
    token = _sign_in(http, "agent01", OLD).json()["access_token"]
    assert _user(node, "disable", "--username", "agent01").exit_code == 0
    assert not _works(http, token)
    assert _sign_in(http, "agent01", OLD).status_code == 401
    assert "no" in _user(node, "list").output.split("agent01", 1)[1].splitlines()[0]
    assert _user(node, "enable", "--username", "agent01").exit_code == 0
    assert _works(http, _sign_in(http, "agent01", OLD).json()["access_token"])


@pytest.mark.slow
def test_the_last_admin_and_unknown_users_are_refused_with_a_reason(served):
    node, http = served
    last = _user(node, "disable", "--username", "admin")
    assert last.exit_code != 0 and "last active admin" in last.output
    assert _sign_in(http, "admin", OLD).status_code == 200
    missing = _user(node, "enable", "--username", "nobody")
    assert missing.exit_code != 0 and "no such user" in missing.output
