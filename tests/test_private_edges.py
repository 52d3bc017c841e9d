"""Issue 18, files, logs and proxies, on a real `fedcrm serve`: whatever a node writes is
private, untrusted strings cannot forge log lines, statement parameters stay out of
errors, and X-Forwarded-For is believed only from configured proxies."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import DBAPIError

from node.audit.models import AuditEntry
from node.db.engine import make_engine
from tests.topology import PASSWORD, Node, fedcrm, reserved_node, served_city


def _served_city(backend: str, root: Path, request: pytest.FixtureRequest, **env: str) -> Node:
    return served_city(backend, root, request, "edges", extra_env=env)


def _audited_ips(node: Node, action: str) -> list[str | None]:
    engine = create_engine(node.db_url)
    try:
        with engine.connect() as conn:
            stmt = select(AuditEntry.ip).where(AuditEntry.action == action)
            return list(conn.execute(stmt).scalars())
    finally:
        engine.dispose()


def _login(node: Node, username: str, password: str, **headers: str) -> int:
    body = {"username": username, "password": password}
    return httpx.post(f"{node.url}/api/v1/auth/login", json=body, headers=headers).status_code


def test_forwarded_addresses_are_ignored_unless_the_proxy_is_configured(backend, tmp_path, request):
    node = _served_city(backend, tmp_path / "plain", request)
    try:
        assert _login(node, "admin", "wrong", **{"X-Forwarded-For": "203.0.113.7"}) == 401
    finally:
        node.stop()
    assert _audited_ips(node, "auth.login.failed") == ["127.0.0.1"]

    trusting = _served_city(
        backend,
        tmp_path / "behind-proxy",
        request,
        FEDCRM_SERVER__TRUSTED_PROXIES='["127.0.0.1/32"]',
    )
    try:
        assert _login(trusting, "admin", "wrong", **{"X-Forwarded-For": "203.0.113.7"}) == 401
    finally:
        trusting.stop()
    assert _audited_ips(trusting, "auth.login.failed") == ["203.0.113.7"]


def test_an_untrusted_username_cannot_forge_a_log_line(backend, tmp_path, request):
    node = _served_city(backend, tmp_path, request)
    forged = "x\n2026-12-05 10:00:00,000 INFO fedcrm.auth: login ok"  # 64 at most
    try:
        assert _login(node, forged, "wrong-password") == 401
    finally:
        node.stop()
    lines = (node.dir / "serve.log").read_text(encoding="utf-8").splitlines()
    assert not [line for line in lines if line.startswith("2026-12-05 10:00:00")]
    assert any("login failed" in line and "\\n2026" in line for line in lines)


def test_statement_parameters_stay_out_of_errors(database):
    engine = make_engine(database.url)
    try:
        with pytest.raises(DBAPIError) as caught, engine.connect() as conn:
            conn.execute(
                text("SELECT no_such_column WHERE 1 = :x"), {"x": "身份证 11010519491231002X"}
            )
        assert "11010519491231002X" not in str(caught.value)
    finally:
        engine.dispose()


def _loose(root: Path) -> list[str]:
    """Files readable, and folders enterable, by anyone but the node's own account."""
    return [
        f"{path.relative_to(root)} {oct(stat.S_IMODE(path.lstat().st_mode))}"
        for path in [root, *root.rglob("*")]
        if stat.S_IMODE(path.lstat().st_mode) & 0o077
    ]


def test_everything_a_node_writes_is_private(tmp_path):
    old = os.umask(0o022)  # the usual shell umask: the product must not rely on it
    try:
        node = reserved_node("430100", "长沙市", "city", tmp_path / "430100", "")
        init = ["init", str(node.dir), "--level", "city", "--code", "430100", "--name", "长沙市"]
        fedcrm(*init, "--port", str(node.port))  # the default database: DIR/node.db
        user = ["user", "add", str(node.dir), "--username", "admin", "--role", "admin"]
        fedcrm(*user, "--password-stdin", stdin=PASSWORD + "\n")
        fedcrm("export", str(node.dir), "--out", str(node.dir / "all.csv"), "--unmasked")
        node.start()
        try:
            node.wait_ready()
            assert _login(node, "admin", PASSWORD) == 200
        finally:
            node.stop()
    finally:
        os.umask(old)
    written = {p.name for p in node.dir.iterdir()}
    assert {"node.toml", "node.db", "serve.log", "all.csv"} <= written
    assert _loose(node.dir) == []
