"""`fedcrm demo`: valid generated data, clear refusals, and a whole federation that verifies."""

from __future__ import annotations

import os
import random
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

import phonenumbers
import pytest
from sqlalchemy import create_engine, text
from stdnum.cn import ric

from node.demo.divisions import PROVINCES, choose
from node.demo.identities import Identities
from node.demo.plan import Params, PlanError, load, open_or_plan
from tests.conftest import PG_URL
from tests.reference_ids import ric_check, uscc_check

PARAMS = Params(provinces=2, cities_per_province=2, customers_per_city=80, db_template=None, seed=7)
# Below Linux's ephemeral range (32768-60999), where the free ports other tests bind come
# from: with the suite on two workers, one of those once took a demo node's port.
PORT_BASE = random.randrange(20000, 32000, 100)  # other runs here use 8100 and up
DEMO_CODES = ("000000", "430000", "430100", "430200", "320000", "320100", "320400")


def test_default_topology_is_the_issue_s():
    layout = [(p.code, p.name, [(c.code, c.name) for c in cities]) for p, cities in choose(2, 2)]
    assert layout == [
        ("430000", "湖南省", [("430100", "长沙市"), ("430200", "株洲市")]),
        ("320000", "江苏省", [("320100", "南京市"), ("320400", "常州市")]),
    ]


def test_every_city_lies_in_its_province():
    for province in PROVINCES:
        for city in province.cities:
            assert city.code[:2] == province.code[:2] and city.code.endswith("00")
            assert all(d.startswith(city.code[:4]) for d, _ in city.districts)


def test_generated_identities_are_valid_and_unique():
    city = PROVINCES[0].cities[0]
    ids = Identities(city, random.Random(3))
    people = [ids.person(date(2026, 12, 1)) for _ in range(2000)]
    resident_ids = [p[2] for p in people]
    assert len(set(resident_ids)) == len(resident_ids)
    for name, gender, number in people:
        assert ric_check(number[:17]) == number[17]
        assert number[:6] in {d for d, _ in city.districts}
        assert 18 <= 2026 - ric.get_birth_date(number).year <= 81
        assert (int(number[16]) % 2 == 1) == (gender == "male")
        assert re.fullmatch(r"[\u4e00-\u9fff]{2,4}", name)
    phones = [ids.mobile() for _ in range(2000)]
    assert len(set(phones)) == len(phones)
    assert all(phonenumbers.is_valid_number(phonenumbers.parse(p, "CN")) for p in phones)
    for _ in range(200):
        company, code = ids.company()
        assert uscc_check(code[:17]) == code[17] and company.startswith("长沙")
    assert ids.home_address().startswith("长沙市")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"db_template": "sqlite:///x.db"}, "must contain {code}"),
        ({"provinces": 9}, "--provinces must be between 1 and"),
        ({"cities_per_province": 0}, "--cities-per-province must be between 1 and"),
        ({"customers_per_city": 0}, "--customers-per-city must be at least 1"),
    ],
)
def test_bad_options_are_refused_and_nothing_is_written(tmp_path, change, message):
    with pytest.raises(PlanError, match=re.escape(message)):
        open_or_plan(tmp_path / "demo", replace(PARAMS, **change))
    assert not (tmp_path / "demo" / "demo.json").exists()


def test_a_folder_that_is_not_a_demo_is_refused(tmp_path):
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(PlanError, match="is not a demo directory"):
        open_or_plan(tmp_path, PARAMS)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_a_demo_is_reused_only_with_the_same_options(tmp_path):
    plan, reused = open_or_plan(tmp_path / "d", PARAMS)
    assert not reused and [n.code for n in plan.nodes] == list(DEMO_CODES)
    again, reused = open_or_plan(tmp_path / "d", PARAMS)
    assert reused and again.nodes == plan.nodes
    with pytest.raises(PlanError, match=r"customers_per_city 80 \(asked 90\)"):
        open_or_plan(tmp_path / "d", replace(PARAMS, customers_per_city=90))
    assert load(tmp_path / "d").params == PARAMS


# --- the whole federation, as real processes --------------------------------------------


def _demo(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "node.cli", "demo", "--port-base", str(PORT_BASE), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=os.environ | {"PYTHONUNBUFFERED": "1", "COLUMNS": "200"},
    )


def _pg_template() -> str:
    base = PG_URL.rsplit("/", 1)[0]
    try:
        admin = create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            for code in DEMO_CODES:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "fedcrm_demo_{code}" WITH (FORCE)')
        admin.dispose()
    except Exception as exc:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is not usable: {exc}")
        pytest.skip(f"PostgreSQL is not usable: {exc}")
    return f"{base}/fedcrm_demo_{{code}}"


def _count(url: str, sql: str) -> int:
    engine = create_engine(url)
    with engine.connect() as conn:
        value = conn.execute(text(sql)).scalar_one()
    engine.dispose()
    return value


@pytest.mark.slow
@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_demo_once_builds_replicates_and_verifies(tmp_path, backend):
    root = tmp_path / "demo"
    db = ["--db", _pg_template()] if backend == "postgres" else []
    args = ["--dir", str(root), "--customers-per-city", "60", "--once", *db]
    first = _demo(*args)
    assert first.returncode == 0, first.stdout + first.stderr
    out = first.stdout
    assert "building the demo federation" in out
    for code in ("000000", "430000", "320000"):
        assert re.search(rf"✔ verify at {code} ", out), out
    assert "HQ rollup" in out and "key-account revenue share" in out
    assert "/docs" in out and "/metrics" in out
    plan = load(root)
    hq_url = plan.node("000000").db_url
    for city in ("430100", "430200", "320100", "320400"):
        held = _count(hq_url, f"SELECT count(*) FROM customers WHERE origin = '{city}'")
        assert held == 60
        own = _count(plan.node(city).db_url, "SELECT count(*) FROM tickets")
        assert _count(hq_url, f"SELECT count(*) FROM tickets WHERE origin = '{city}'") == own > 0
    # Every parent's dashboard has figures on hand-over (issue 19 §13), provinces too.
    for parent in ("430000", "320000", "000000"):
        assert _count(plan.node(parent).db_url, "SELECT count(*) FROM rollup_runs") >= 1
    again = _demo(*args)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "reusing the demo federation" in again.stdout
    assert _count(hq_url, "SELECT count(*) FROM customers WHERE origin LIKE '%00'") == 240
    other = _demo("--dir", str(root), "--customers-per-city", "61", "--once", *db)
    assert other.returncode == 2 and "holds a demo built with other options" in other.stderr


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.slow
def test_without_once_changes_keep_flowing_until_ctrl_c(tmp_path):
    root = tmp_path / "demo"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "node.cli",
            "demo",
            "--dir",
            str(root),
            "--provinces",
            "1",
            "--customers-per-city",
            "40",
            "--interval",
            "1",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=os.environ | {"PYTHONUNBUFFERED": "1", "COLUMNS": "200"},
    )
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and not any(" | lag " in line for line in lines):
            line = proc.stdout.readline()  # type: ignore[union-attr]
            assert line, "".join(lines)
            lines.append(line)
        assert any(" | lag " in line for line in lines), "".join(lines)
        plan = load(root)
        hq = plan.node("000000").db_url
        before = _count(hq, "SELECT count(*) FROM interactions")
        time.sleep(6)
        assert _count(hq, "SELECT count(*) FROM interactions") > before
    finally:
        proc.send_signal(signal.SIGINT)
        rest, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, "".join(lines) + rest
    assert "all nodes stopped" in rest
    assert not any(_port_open(n.port) for n in plan.nodes)


@pytest.mark.slow
def test_one_city_over_sftp_through_the_demo_s_own_sshd(tmp_path):
    if not Path("/usr/sbin/sshd").exists():
        message = "OpenSSH server (sshd) is not installed; .ci/run installs openssh-server"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    root = tmp_path / "demo"
    args = ["--dir", str(root), "--provinces", "1", "--customers-per-city", "40", "--once"]
    done = _demo(*args, "--sftp")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "430100 长沙市 replicates over SFTP" in done.stdout
    assert re.search(r"✔ verify at 000000 ", done.stdout), done.stdout
    applied = list((root / "430000" / "inbox" / "430100" / "done").glob("customers.*.arrows"))
    assert applied  # the batches came through the inbox, not over HTTP
    plan = load(root)
    hq = plan.node("000000").db_url
    assert _count(hq, "SELECT count(*) FROM customers WHERE origin = '430100'") == 40
    assert not any(_port_open(p) for p in (plan.sshd_port, *(n.port for n in plan.nodes)))


@pytest.mark.slow
def test_demo_once_in_a_real_terminal(tmp_path):
    """On a TTY the progress bars draw; nothing may depend on what they print."""
    if shutil.which("script") is None:
        pytest.fail("`script` (util-linux) is needed to give the demo a pseudo-terminal")
    root = tmp_path / "demo"
    command = shlex.join(
        [
            sys.executable,
            "-m",
            "node.cli",
            "demo",
            "--dir",
            str(root),
            "--provinces",
            "1",
            "--cities-per-province",
            "1",
            "--customers-per-city",
            "20",
            "--once",
            "--port-base",
            str(PORT_BASE + 50),
        ]
    )
    done = subprocess.run(
        ["script", "-qec", command, "/dev/null"],
        capture_output=True,
        text=True,
        timeout=600,
        env=os.environ | {"TERM": "xterm-256color"},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "\x1b[" in done.stdout  # it really drew for a terminal
    assert re.search(r"verify at .*000000", done.stdout), done.stdout


def test_every_port_is_held_before_any_node_starts_and_a_busy_one_is_named(tmp_path):
    """The demo binds all its ports first: once reserved, no other socket (an outgoing
    connection's ephemeral port, say) can take one; a port already taken is refused by
    number and node, and nothing stays bound."""
    from node.demo.plan import DemoNode
    from node.demo.processes import NodeProcesses

    ports = [PORT_BASE + 90, PORT_BASE + 91]
    nodes = [
        DemoNode(code, "node", "city", None, port, "sqlite://", code)
        for code, port in zip(("430100", "430200"), ports, strict=True)
    ]
    with NodeProcesses(tmp_path, 1.0) as processes:
        processes.reserve(nodes)
        for port in ports:
            with socket.socket() as other, pytest.raises(OSError):
                other.bind(("127.0.0.1", port))
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", ports[1]))
        holder.listen(1)
        with NodeProcesses(tmp_path, 1.0) as processes, pytest.raises(PlanError) as refused:
            processes.reserve(nodes)
        assert f"{ports[1]} (430200 node) already in use" in str(refused.value)
    with socket.socket() as again:  # the refused reservation released the free port
        again.bind(("127.0.0.1", ports[0]))
