"""The SMS outbox without Kannel: what a dispatch enqueues, the text, the sender's
outcomes against a scripted gateway, and the delivery-report endpoint's checks."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from node.auth.accounts import Role, User
from node.db.unit_of_work import Database
from node.settings import AuthSection, DatabaseSection, NodeSection, NodeSettings, SmsSection
from node.sms.kannel import KannelClient
from node.sms.models import SmsMessage
from node.sms.outbox import NO_MOBILE
from node.sms.sender import run_outbox
from node.sms.text import MAX_CHARS, dispatch_text
from tests.conftest import NODE_CODE
from tests.factories import customer_payload

SMS = SmsSection(
    enabled=True,
    sendsms_url="http://kannel.invalid/cgi-bin/sendsms",
    username="fedcrm",
    password="sms-secret",
    sender="10086",
    dlr_base_url="http://node.invalid:8100",
    max_attempts=2,
    retry_backoff_seconds=30,
)


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> NodeSettings:
    """conftest's node settings, with SMS on (overrides conftest's `settings`)."""
    return NodeSettings(
        data_dir=tmp_path,
        node=NodeSection(level="city", code=NODE_CODE, name="长沙市"),
        database=DatabaseSection(url=db_url),
        auth=AuthSection(max_failed_logins_per_address_per_hour=50),
        sms=SMS,
    )


def technician(make_user: Callable[..., dict], database: Database, mobile: str | None) -> str:
    tech = make_user(Role.technician)
    with database.unit_of_work() as session:
        user = session.get(User, uuid.UUID(tech["id"]))
        assert user is not None
        user.mobile = mobile
    return str(tech["id"])


def open_ticket(client: TestClient, admin: dict) -> dict:
    customer = client.post(
        "/api/v1/customers",
        json=customer_payload(home_address="长沙市天心区芙蓉南路 8 号"),
        headers=admin,
    ).json()
    return client.post(
        "/api/v1/tickets",
        json={"customer_id": customer["id"], "kind": "install"},
        headers=admin,
    ).json()


def dispatch(client: TestClient, admin: dict, ticket: dict, tech_id: str) -> httpx.Response:
    return client.post(
        f"/api/v1/tickets/{ticket['id']}/transition",
        json={"to": "dispatched", "technician_id": tech_id},
        headers=admin,
    )


def messages(database: Database) -> list[SmsMessage]:
    with database.unit_of_work(write=False) as session:
        stmt = select(SmsMessage).order_by(SmsMessage.created_at, SmsMessage.id)
        return list(session.execute(stmt).scalars())


def scripted(*answers: tuple[int, str]) -> tuple[KannelClient, list[httpx.Request]]:
    """A Kannel client whose gateway answers `answers` in turn; and the requests it got."""
    seen: list[httpx.Request] = []
    replies = iter(answers)

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        status, text = next(replies)
        return httpx.Response(status, text=text)

    return KannelClient(SMS, transport=httpx.MockTransport(handle)), seen


# ---- the text ---------------------------------------------------------------------------


def test_the_text_names_ticket_kind_address_and_beijing_due_time() -> None:
    due = datetime(2026, 12, 6, 10, 0, tzinfo=UTC)  # 18:00 in Beijing
    text = dispatch_text("430100-T00000042", "宽带报修", "长沙市\n芙蓉区  五一大道1号", due)
    assert (
        text
        == "工单 430100-T00000042 类型:宽带报修 地址:长沙市 芙蓉区 五一大道1号 时限:12-06 18:00"
    )


def test_a_long_address_is_shortened_so_the_text_fits_two_parts() -> None:
    due = datetime(2026, 12, 6, 10, 0, tzinfo=UTC)
    text = dispatch_text("430100-T00000042", "宽带报修", "很长的地址" * 40, due)
    assert len(text) == MAX_CHARS
    assert "…" in text and text.endswith(" 时限:12-06 18:00")


# ---- what a dispatch enqueues -------------------------------------------------------------


def test_a_dispatch_enqueues_one_message_and_a_repeat_enqueues_none(
    client: TestClient, admin: dict, make_user: Callable[..., dict], database: Database
) -> None:
    tech = technician(make_user, database, "13912345678")
    ticket = open_ticket(client, admin)
    assert messages(database) == []  # opening a ticket sends nothing
    assert dispatch(client, admin, ticket, tech).status_code == 200
    assert dispatch(client, admin, ticket, tech).status_code == 409  # already dispatched
    # The same technician again by an edit is no reassignment: nothing new.
    same = client.patch(
        f"/api/v1/tickets/{ticket['id']}", json={"technician_id": tech}, headers=admin
    )
    assert same.status_code == 200, same.text
    [message] = messages(database)
    assert (message.status, message.to_number, message.attempts) == ("queued", "13912345678", 0)
    assert message.text.startswith(
        f"工单 {ticket['ticket_no']} 类型:装机 地址:长沙市天心区芙蓉南路 8 号"
    )
    assert str(message.recipient_id) == tech


def test_a_reassignment_while_dispatched_is_a_new_message_for_the_new_technician(
    client: TestClient, admin: dict, make_user: Callable[..., dict], database: Database
) -> None:
    first = technician(make_user, database, "13912345678")
    second = technician(make_user, database, "13787654321")
    ticket = open_ticket(client, admin)
    dispatch(client, admin, ticket, first)
    moved = client.patch(
        f"/api/v1/tickets/{ticket['id']}", json={"technician_id": second}, headers=admin
    )
    assert moved.status_code == 200, moved.text
    assert [(m.to_number, str(m.recipient_id)) for m in messages(database)] == [
        ("13912345678", first),
        ("13787654321", second),
    ]


def test_a_technician_without_a_mobile_gets_a_failed_message_that_says_why(
    client: TestClient, admin: dict, make_user: Callable[..., dict], database: Database
) -> None:
    tech = technician(make_user, database, None)
    ticket = open_ticket(client, admin)
    assert dispatch(client, admin, ticket, tech).status_code == 200  # the dispatch stands
    [message] = messages(database)
    assert (message.status, message.to_number, message.last_error) == ("failed", None, NO_MOBILE)
    assert "装维人员没有手机号码" in NO_MOBILE
    assert run_outbox(database, SMS, scripted()[0]).claimed == 0  # nothing to send


def test_nothing_is_enqueued_when_sms_is_off(
    tmp_path: Path, db_url: str, database: Database, make_user: Callable[..., dict]
) -> None:
    from node.app import create_app
    from tests.conftest import PASSWORD

    off = NodeSettings(
        data_dir=tmp_path,
        node=NodeSection(level="city", code=NODE_CODE, name="长沙市"),
        database=DatabaseSection(url=db_url),
    )
    admin_user = make_user(Role.admin)
    tech = technician(make_user, database, "13912345678")
    with TestClient(create_app(off, database)) as client:
        token = client.post(
            "/api/v1/auth/login",
            json={"username": admin_user["username"], "password": PASSWORD},
        ).json()["access_token"]
        admin = {"Authorization": f"Bearer {token}"}
        assert dispatch(client, admin, open_ticket(client, admin), tech).status_code == 200
    assert messages(database) == []


# ---- the sender -----------------------------------------------------------------------------


def test_the_sender_sends_once_with_kannel_s_parameters(
    client: TestClient, admin: dict, make_user: Callable[..., dict], database: Database
) -> None:
    dispatch(
        client, admin, open_ticket(client, admin), technician(make_user, database, "13912345678")
    )
    kannel, seen = scripted((202, "0: Accepted for delivery"))
    assert run_outbox(database, SMS, kannel).sent == 1
    assert run_outbox(database, SMS, kannel).claimed == 0  # sent is sent: never again
    [request] = seen
    [message] = messages(database)
    params = dict(request.url.params)
    assert params["to"] == "13912345678" and params["from"] == "10086"
    assert params["text"] == message.text
    assert (params["charset"], params["coding"], params["dlr-mask"]) == ("UTF-8", "2", "31")
    assert params["dlr-url"] == (
        f"http://node.invalid:8100/api/v1/sms/dlr?id={message.id}"
        f"&token={message.dlr_token}&status=%d&ts=%T"
    )
    assert (message.status, message.kannel_reply) == ("sent", "0: Accepted for delivery")


def test_a_5xx_is_retried_and_a_4xx_fails_at_once(
    client: TestClient, admin: dict, make_user: Callable[..., dict], database: Database
) -> None:
    tech = technician(make_user, database, "13912345678")
    dispatch(client, admin, open_ticket(client, admin), tech)
    dispatch(client, admin, open_ticket(client, admin), tech)
    kannel, _ = scripted((503, "busy"), (403, "Authorization failed for sendsms"))
    report = run_outbox(database, SMS, kannel)
    assert (report.retrying, report.failed) == (1, 1)
    retrying, refused = sorted(messages(database), key=lambda m: m.status != "queued")
    assert retrying.status == "queued" and "503" in (retrying.last_error or "")
    assert refused.status == "failed" and "Authorization failed" in (refused.last_error or "")


# ---- delivery reports -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "id"),
        ({"id": "not-a-uuid"}, "id"),
        ({"token": ""}, "token"),
        ({"status": "3"}, "status"),
        ({"status": "x"}, "status"),
        ({"status": "-1"}, "status"),
        ({"ts": "yesterday"}, "ts"),
        ({"ts": "99999999999999"}, "ts"),
    ],
)
def test_a_malformed_report_is_a_422_naming_the_field(
    client: TestClient,
    admin: dict,
    make_user: Callable[..., dict],
    database: Database,
    params: dict[str, str],
    field: str,
) -> None:
    dispatch(
        client, admin, open_ticket(client, admin), technician(make_user, database, "13912345678")
    )
    [message] = messages(database)
    good = {"id": str(message.id), "token": message.dlr_token, "status": "1", "ts": "1796595217"}
    query = good | params if params else {}
    resp = client.get("/api/v1/sms/dlr", params=query)
    assert resp.status_code == 422, resp.text
    assert field in resp.json()["error"]["fields"]
    assert messages(database)[0].status == "queued"  # nothing changed


def test_reports_need_the_message_s_token_and_move_it_on(
    client: TestClient, admin: dict, make_user: Callable[..., dict], database: Database
) -> None:
    dispatch(
        client, admin, open_ticket(client, admin), technician(make_user, database, "13912345678")
    )
    [message] = messages(database)
    report = {"id": str(message.id), "token": message.dlr_token, "ts": "1796595217"}
    wrong = client.get("/api/v1/sms/dlr", params=report | {"token": "guessed", "status": "1"})
    unknown = client.get(
        "/api/v1/sms/dlr", params=report | {"id": str(uuid.uuid4()), "status": "1"}
    )
    assert wrong.status_code == unknown.status_code == 403
    assert messages(database)[0].status == "queued"
    # 8 before the sender recorded its own success: the message counts as sent.
    assert client.get("/api/v1/sms/dlr", params=report | {"status": "8"}).json()["status"] == "sent"
    assert (
        client.get("/api/v1/sms/dlr", params=report | {"status": "1"}).json()["status"]
        == "delivered"
    )
    # Delivered stays delivered, and a repeat changes nothing.
    assert (
        client.get("/api/v1/sms/dlr", params=report | {"status": "16"}).json()["status"]
        == "delivered"
    )
    [message] = messages(database)
    assert message.dlr_status == 1
    assert message.dlr_at == datetime.fromtimestamp(1796595217, UTC)


def test_an_undelivered_report_fails_the_message(
    client: TestClient, admin: dict, make_user: Callable[..., dict], database: Database
) -> None:
    dispatch(
        client, admin, open_ticket(client, admin), technician(make_user, database, "13912345678")
    )
    [message] = messages(database)
    params = {"id": str(message.id), "token": message.dlr_token, "status": "2"}
    assert client.get("/api/v1/sms/dlr", params=params).json()["status"] == "failed"
    assert "not delivered" in (messages(database)[0].last_error or "")
    assert "fedcrm_sms_failed_total 1.0" in client.get("/metrics").text
