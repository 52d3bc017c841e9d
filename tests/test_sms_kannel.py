"""Work orders by SMS through a real Kannel (issue 20 §8): bearerbox, smsbox and the
fake SMSC fakesmsc on loopback ports chosen at run time, the node served by uvicorn so
Kannel can post its delivery reports back.

Debian's kannel and kannel-extras (fakesmsc) must be installed (.ci/run installs them):
missing, these tests fail in CI and are skipped elsewhere."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import unquote_to_bytes

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from node.auth.accounts import Role, User
from node.cli.main import app as cli
from node.db.unit_of_work import Database
from node.settings import (
    AuthSection,
    DatabaseSection,
    NodeSection,
    NodeSettings,
    SmsSection,
    write_settings,
)
from node.sms.kannel import KannelClient
from node.sms.models import SmsMessage
from node.sms.sender import run_outbox
from tests.conftest import NODE_CODE
from tests.factories import customer_payload
from tests.test_web_pages import web_login

BEARERBOX = Path("/usr/sbin/bearerbox")
SMSBOX = Path("/usr/sbin/smsbox")
FAKESMSC = Path("/usr/lib/kannel/test/fakesmsc")
ADDRESS = "湖南省长沙市芙蓉区五一大道1号"
# fakesmsc logs each message it receives as `Got message N: <from to ucs-2 URL-ENCODED>`.
RECEIVED = re.compile(r"Got message \d+: <(\S+) (\S+) ucs-2 (\S*)>")


def _require_kannel() -> None:
    missing = [str(p) for p in (BEARERBOX, SMSBOX, FAKESMSC) if not p.exists()]
    if missing:
        message = f"Kannel is not installed (Debian kannel, kannel-extras): {missing}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for_port(port: int, what: str, procs: list[subprocess.Popen]) -> None:
    deadline = time.monotonic() + 15
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            dead = [p.args for p in procs if p.poll() is not None]
            assert not dead and time.monotonic() < deadline, f"{what} did not start: {dead}"
            time.sleep(0.05)


@dataclass
class Kannel:
    sendsms_url: str
    fakesmsc_log: Path

    def received(self) -> list[tuple[str, str, str]]:
        """(from, to, text) of every message the fake SMSC got, in order."""
        found = RECEIVED.findall(self.fakesmsc_log.read_text(errors="replace"))
        return [
            (sender, to, unquote_to_bytes(body.replace("+", "%20")).decode("utf-16-be"))
            for sender, to, body in found
        ]


@pytest.fixture(scope="module")
def kannel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Kannel]:
    """bearerbox + smsbox + fakesmsc, up until the module's tests are done."""
    _require_kannel()
    root = tmp_path_factory.mktemp("kannel")
    admin, boxes, smsc, sendsms = (_free_port() for _ in range(4))
    conf = root / "kannel.conf"
    conf.write_text(
        f"""group = core
admin-port = {admin}
admin-password = not-used-{admin}
smsbox-port = {boxes}
box-allow-ip = 127.0.0.1
log-file = "{root}/bearerbox.log"
log-level = 1
dlr-storage = internal

group = smsc
smsc = fake
smsc-id = fake
host = 127.0.0.1
port = {smsc}

group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = {boxes}
sendsms-port = {sendsms}
log-file = "{root}/smsbox.log"
log-level = 1

group = sendsms-user
username = fedcrm
password = sms-secret
concatenation = true
max-messages = 3
""",
        encoding="utf-8",
    )
    procs: list[subprocess.Popen] = []
    logs = []
    try:
        out = (root / "bearerbox.out").open("wb")
        logs.append(out)
        procs.append(subprocess.Popen([str(BEARERBOX), str(conf)], stdout=out, stderr=out))
        _wait_for_port(boxes, "bearerbox", procs)
        out = (root / "smsbox.out").open("wb")
        logs.append(out)
        procs.append(subprocess.Popen([str(SMSBOX), str(conf)], stdout=out, stderr=out))
        _wait_for_port(sendsms, "smsbox", procs)
        fakesmsc_log = root / "fakesmsc.log"
        out = fakesmsc_log.open("wb")
        logs.append(out)
        # -m 0: send nothing itself (the message argument is required), only receive
        # and acknowledge what bearerbox routes to it.
        fake = [str(FAKESMSC), "-H", "127.0.0.1", "-r", str(smsc), "-i", "0.1", "-m", "0"]
        procs.append(subprocess.Popen([*fake, "1 2 text unused"], stdout=out, stderr=out))
        yield Kannel(f"http://127.0.0.1:{sendsms}/cgi-bin/sendsms", fakesmsc_log)
    finally:
        for proc in reversed(procs):
            proc.terminate()
        for proc in reversed(procs):
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        for log in logs:
            log.close()


@pytest.fixture
def node_socket() -> Iterator[socket.socket]:
    """The node's listening socket, bound first so its port can go into the settings."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    yield sock
    sock.close()


@pytest.fixture
def sms(request: pytest.FixtureRequest, node_socket: socket.socket) -> SmsSection:
    """Real Kannel when the test asks for it (`kannel` fixture), else a closed port."""
    port = node_socket.getsockname()[1]
    if "kannel" in request.fixturenames:
        url = request.getfixturevalue("kannel").sendsms_url
    else:
        url = f"http://127.0.0.1:{_free_port()}/cgi-bin/sendsms"  # nothing listens
    return SmsSection(
        enabled=True,
        sendsms_url=url,
        username="fedcrm",
        password="sms-secret",
        sender="10086",
        dlr_base_url=f"http://127.0.0.1:{port}",
        max_attempts=3,
        retry_backoff_seconds=60,
        timeout_seconds=5,
    )


@pytest.fixture
def settings(tmp_path: Path, db_url: str, sms: SmsSection) -> NodeSettings:
    """conftest's node settings, with SMS on (overrides conftest's `settings`)."""
    return NodeSettings(
        data_dir=tmp_path,
        node=NodeSection(level="city", code=NODE_CODE, name="长沙市"),
        database=DatabaseSection(url=db_url),
        auth=AuthSection(max_failed_logins_per_address_per_hour=50),
        sms=sms,
    )


@contextmanager
def served(app: FastAPI, sock: socket.socket) -> Iterator[None]:
    """Serve `app` with uvicorn on `sock` for the block (Kannel posts its reports here)."""
    server = uvicorn.Server(uvicorn.Config(app, lifespan="off", log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.01)
    try:
        yield
    finally:
        server.should_exit = True
        thread.join(10)


def dispatch_repair(
    client: TestClient, admin: dict, make_user: Callable[..., dict], database: Database
) -> tuple[dict, dict]:
    """A major repair for a customer at ADDRESS, dispatched to a technician with a mobile."""
    tech = make_user(Role.technician)
    with database.unit_of_work() as session:
        user = session.get(User, uuid.UUID(tech["id"]))
        assert user is not None
        user.mobile = "13800138000"
    customer = client.post(
        "/api/v1/customers", json=customer_payload(home_address=ADDRESS), headers=admin
    ).json()
    ticket = client.post(
        "/api/v1/tickets",
        json={"customer_id": customer["id"], "kind": "repair", "severity": "major"},
        headers=admin,
    ).json()
    moved = client.post(
        f"/api/v1/tickets/{ticket['id']}/transition",
        json={"to": "dispatched", "technician_id": tech["id"]},
        headers=admin,
    )
    assert moved.status_code == 200, moved.text
    return moved.json(), tech


def beijing(at: str) -> str:
    """A due time as the SMS shows it: Beijing time (UTC+8, no daylight saving), MM-DD HH:MM."""
    return (datetime.fromisoformat(at) + timedelta(hours=8)).strftime("%m-%d %H:%M")


def messages(database: Database) -> list[SmsMessage]:
    with database.unit_of_work(write=False) as session:
        return list(session.execute(select(SmsMessage).order_by(SmsMessage.created_at)).scalars())


def ticket_page(client: TestClient, make_user: Callable[..., dict], ticket_id: str) -> str:
    """The ticket's web page as a dispatcher sees it."""
    browser = web_login(client.app, make_user(Role.dispatcher)["username"])
    page = browser.get(f"/ui/tickets/{ticket_id}")
    assert page.status_code == 200, page.text
    return page.text


def wait_until(check: Callable[[], bool], what: str, seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def test_a_dispatch_reaches_the_fake_smsc_and_its_delivery_report_comes_back(
    kannel: Kannel,
    client: TestClient,
    admin: dict,
    make_user: Callable[..., dict],
    database: Database,
    settings: NodeSettings,
    node_socket: socket.socket,
) -> None:
    ticket, _ = dispatch_repair(client, admin, make_user, database)
    expected = (
        f"工单 {ticket['ticket_no']} 类型:故障报修 地址:湖南省长沙市芙蓉区五一大道1号 "
        f"时限:{beijing(ticket['due_at'])}"
    )
    already = len(kannel.received())  # the module's Kannel serves both backends
    with served(client.app, node_socket):  # type: ignore[arg-type]
        client_ = KannelClient(settings.sms)
        try:
            report = run_outbox(database, settings.sms, client_)
            assert (report.sent, report.retrying, report.failed) == (1, 0, 0)
            again = run_outbox(database, settings.sms, client_)  # nothing is sent twice
            assert again.claimed == 0
        finally:
            client_.close()
        wait_until(lambda: len(kannel.received()) > already, "fakesmsc to receive the SMS")
        wait_until(lambda: messages(database)[0].status == "delivered", "the delivery report")
    assert kannel.received()[already:] == [("10086", "13800138000", expected)]
    [message] = messages(database)
    assert message.text == expected
    assert message.attempts == 1 and message.dlr_status == 1
    assert message.kannel_reply is not None and message.kannel_reply.startswith("0:")
    page = ticket_page(client, make_user, ticket["id"])
    assert 'data-sms="delivered"' in page and "已送达" in page
    metrics = client.get("/metrics").text
    assert "fedcrm_sms_sent_total 1.0" in metrics
    assert "fedcrm_sms_delivered_total 1.0" in metrics
    assert "fedcrm_sms_queued 0.0" in metrics


def test_kannel_down_retries_with_backoff_then_fails_visibly(
    client: TestClient,
    admin: dict,
    make_user: Callable[..., dict],
    database: Database,
    settings: NodeSettings,
) -> None:
    ticket, _ = dispatch_repair(client, admin, make_user, database)
    sms = settings.sms
    kannel_client = KannelClient(sms)
    t0 = datetime.fromisoformat(ticket["dispatched_at"]) + timedelta(seconds=1)
    try:
        first = run_outbox(database, sms, kannel_client, now=t0)
        assert (first.retrying, len(first.unreachable)) == (1, 1)
        [message] = messages(database)
        assert message.status == "queued" and message.attempts == 1
        assert message.next_attempt_at == t0 + timedelta(seconds=60)
        assert "Kannel unreachable" in (message.last_error or "")
        # Not due again before its backoff: nothing is claimed.
        assert run_outbox(database, sms, kannel_client, now=t0 + timedelta(seconds=59)).claimed == 0
        t1 = t0 + timedelta(seconds=60)
        assert run_outbox(database, sms, kannel_client, now=t1).retrying == 1
        [message] = messages(database)
        assert message.attempts == 2 and message.next_attempt_at == t1 + timedelta(seconds=120)
        last = run_outbox(database, sms, kannel_client, now=t1 + timedelta(seconds=120))
        assert last.failed == 1  # max_attempts = 3
    finally:
        kannel_client.close()
    [message] = messages(database)
    assert message.status == "failed" and message.attempts == 3
    assert message.next_attempt_at is None
    page = ticket_page(client, make_user, ticket["id"])
    assert 'data-sms="failed"' in page and "发送失败" in page and "Kannel unreachable" in page
    assert "fedcrm_sms_failed_total 1.0" in client.get("/metrics").text


def test_send_pending_exits_non_zero_naming_kannel_when_it_is_down(
    client: TestClient,
    admin: dict,
    make_user: Callable[..., dict],
    database: Database,
    settings: NodeSettings,
) -> None:
    dispatch_repair(client, admin, make_user, database)
    write_settings(settings)
    result = CliRunner().invoke(cli, ["sms", "send-pending", str(settings.data_dir)])
    assert result.exit_code == 1, result.output
    assert "短信网关无法连接" in result.output and "Kannel unreachable" in result.output
    [message] = messages(database)
    assert message.status == "queued" and message.attempts == 1
