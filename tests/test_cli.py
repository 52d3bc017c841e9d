"""The command line as an operator uses it, including `fedcrm serve` as a real process."""

from __future__ import annotations

import socket
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from node.cli.main import app
from node.provisioning.serving import start_serving, stop_serving, wait_until_ready

runner = CliRunner()


def _init(tmp_path: Path, db_url: str, *extra: str):
    args = [
        "init",
        str(tmp_path / "node"),
        "--level",
        "city",
        "--code",
        "430100",
        "--name",
        "长沙市",
        "--db",
        db_url,
        *extra,
    ]
    return runner.invoke(app, args)


@pytest.fixture
def fresh_db_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'cli.db'}"
    from tests.conftest import reset_postgres_schema

    base = request.getfixturevalue("pg_url").rsplit("/", 1)[0]
    url = f"{base}/fedcrm_test_cli"
    from node.provisioning.nodes import ensure_postgres_database

    ensure_postgres_database(url)
    reset_postgres_schema(url)
    return url


def test_init_user_and_db_commands(tmp_path, fresh_db_url):
    result = _init(tmp_path, fresh_db_url)
    assert result.exit_code == 0, result.output
    node_dir = tmp_path / "node"
    assert (node_dir / "node.toml").read_text(encoding="utf-8").count("430100") == 1
    again = _init(tmp_path, fresh_db_url)
    assert again.exit_code != 0 and "refusing to overwrite" in again.output
    added = runner.invoke(
        app,
        [
            "user",
            "add",
            str(node_dir),
            "--username",
            "zhangsan",
            "--role",
            "agent",
            "--password-stdin",
        ],
        input="long-password\n",
    )
    assert added.exit_code == 0, added.output
    short = runner.invoke(
        app,
        ["user", "add", str(node_dir), "--username", "lisi", "--role", "agent", "--password-stdin"],
        input="short\n",
    )
    assert short.exit_code != 0 and "password" in short.output
    listed = runner.invoke(app, ["user", "list", str(node_dir)])
    assert "zhangsan" in listed.output and "lisi" not in listed.output
    current = runner.invoke(app, ["db", "current", str(node_dir)])
    assert "up to date" in current.output


@pytest.mark.parametrize(
    "args, message",
    [
        (["--level", "city", "--code", "43010", "--name", "x"], "6 digits"),
        (["--level", "city", "--code", "430000", "--name", "x"], "city code"),
        (["--level", "province", "--code", "430100", "--name", "x"], "province code"),
        (["--level", "hq", "--code", "430000", "--name", "x"], "000000"),
        (["--level", "county", "--code", "430100", "--name", "x"], "county"),
    ],
)
def test_init_refuses_bad_codes_and_levels(tmp_path, args, message):
    result = runner.invoke(app, ["init", str(tmp_path / "n"), *args])
    assert result.exit_code != 0 and message in result.output
    assert not (tmp_path / "n" / "node.toml").exists()


def test_commands_on_a_missing_node_fail_clearly(tmp_path):
    result = runner.invoke(app, ["serve", str(tmp_path / "nowhere")])
    assert result.exit_code == 2 and "fedcrm init" in result.output


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_serve_as_a_real_process(tmp_path, fresh_db_url):
    port = _free_port()
    assert _init(tmp_path, fresh_db_url, "--port", str(port)).exit_code == 0
    node_dir = tmp_path / "node"
    runner.invoke(
        app,
        [
            "user",
            "add",
            str(node_dir),
            "--username",
            "admin",
            "--role",
            "admin",
            "--password-stdin",
        ],
        input="harbour-lights-42\n",
    )
    proc = start_serving(node_dir, node_dir / "serve.log")
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(proc, base, node_dir / "serve.log", timeout=60)
        with httpx.Client(base_url=base, timeout=10) as http:
            token = http.post(
                "/api/v1/auth/login", json={"username": "admin", "password": "harbour-lights-42"}
            ).json()["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            made = http.post(
                "/api/v1/customers",
                json={"name": "赵建国", "phone": "13907310001"},
                headers=headers,
            )
            assert made.status_code == 201, made.text
            found = http.get("/api/v1/customers", params={"q": "建国"}, headers=headers).json()
            assert [c["name"] for c in found["data"]] == ["赵建国"]
            assert "fedcrm_http_requests_total" in http.get("/metrics").text
    finally:
        stop_serving(proc)


def test_serve_refuses_an_unmigrated_database_and_db_upgrade_fixes_it(tmp_path, fresh_db_url):
    from alembic import command

    from node.db.engine import make_engine
    from node.db.migrate import alembic_config, head_revision

    assert _init(tmp_path, fresh_db_url).exit_code == 0
    node_dir = str(tmp_path / "node")
    engine = make_engine(fresh_db_url)
    cfg = alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0002")
    engine.dispose()
    refused = runner.invoke(app, ["serve", node_dir])
    assert refused.exit_code == 2 and f"fedcrm db upgrade {node_dir}" in refused.output
    assert "needs `fedcrm db upgrade`" in runner.invoke(app, ["db", "current", node_dir]).output
    upgraded = runner.invoke(app, ["db", "upgrade", node_dir])
    assert upgraded.exit_code == 0 and f"to {head_revision(engine)}" in upgraded.output


def test_db_upgrade_adds_the_default_dictionary_entries_a_node_lacks(tmp_path, fresh_db_url):
    """A node made before the call outcomes existed gets the seven of them on upgrade;
    what it already holds (even changed) is left alone, and a second upgrade adds none."""
    from sqlalchemy import text

    from node.db.engine import make_engine

    assert _init(tmp_path, fresh_db_url).exit_code == 0
    node_dir = str(tmp_path / "node")
    engine = make_engine(fresh_db_url)
    with engine.begin() as conn:  # as a node of the release before would hold it
        conn.execute(text("DELETE FROM dictionary_entries WHERE kind = 'call_outcome'"))
        conn.execute(text("UPDATE dictionary_entries SET label = '金牌' WHERE code = 'gold'"))
    upgraded = runner.invoke(app, ["db", "upgrade", node_dir])
    assert upgraded.exit_code == 0 and "added 7 default dictionary entries" in upgraded.output
    with engine.connect() as conn:
        outcomes = conn.execute(
            text("SELECT label FROM dictionary_entries WHERE kind = 'call_outcome'")
        ).scalars()
        assert set(outcomes) == {
            "咨询已解答",
            "报修已受理",
            "投诉已登记",
            "业务已办理",
            "需回电",
            "已转接",
            "未接通",
        }
        gold = conn.execute(text("SELECT label FROM dictionary_entries WHERE code = 'gold'"))
        assert gold.scalar_one() == "金牌"
    engine.dispose()
    again = runner.invoke(app, ["db", "upgrade", node_dir])
    assert again.exit_code == 0 and "added" not in again.output


def test_serve_on_a_socket_it_inherits(tmp_path, fresh_db_url):
    """`serve --fd`: the node answers on the socket its supervisor bound, not on the
    port node.toml names (which nothing listens on here)."""
    configured = _free_port()
    assert _init(tmp_path, fresh_db_url, "--port", str(configured)).exit_code == 0
    node_dir = tmp_path / "node"
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        inherited = listener.getsockname()[1]
        proc = start_serving(node_dir, node_dir / "serve.log", listener=listener)
    try:
        wait_until_ready(proc, f"http://127.0.0.1:{inherited}", node_dir / "serve.log", 60)
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"http://127.0.0.1:{configured}/readyz", timeout=2)
    finally:
        stop_serving(proc)


def test_serve_refuses_an_fd_that_is_no_tcp_socket(tmp_path, fresh_db_url):
    assert _init(tmp_path, fresh_db_url).exit_code == 0
    node_dir = tmp_path / "node"
    with open(tmp_path / "plain.txt", "w") as plain:
        fd = plain.fileno()
        result = runner.invoke(app, ["serve", str(node_dir), "--fd", str(fd)])
    assert result.exit_code != 0
    assert f"--fd {fd}: not an open socket" in result.output
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    result = runner.invoke(app, ["serve", str(node_dir), "--fd", str(udp.detach())])
    assert result.exit_code != 0
    assert "not a TCP socket" in result.output
