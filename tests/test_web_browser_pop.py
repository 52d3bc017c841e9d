"""Issue 20 §4 in the real headless Chromium against a served city: a call ringing or
connected at an agent's phone (posted by the PBX connector, a `cti` user) takes that
agent's open page to the caller: the 360 of a known number, the new-customer form with
an unknown one; an agent who has typed something gets a bar with the link instead."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser_fixtures import USER_PASSWORD, add_user, launch_chromium, log_in, shot
from tests.test_callcenter_queue_log import t
from tests.test_web_browser_desk import new_customer
from tests.topology import Node, served_city

pytestmark = pytest.mark.slow
KNOWN, UNKNOWN = "13907310041", "13907310042"


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    yield from launch_chromium()


@pytest.fixture(scope="module")
def city(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[Node]:
    """长沙市 with an agent on extension 8001, the PBX connector and a known caller."""
    node = served_city("sqlite", tmp_path_factory.mktemp("pop"), request, "pop")
    try:
        add_user(node, "agent8001", "agent", "urban", "话务员小周")
        add_user(node, "pbx", "cti", None, "交换机接口")
        with node.api() as api:
            users = api.get("/api/v1/users", params={"limit": 200}).json()["data"]
            agent = next(u for u in users if u["username"] == "agent8001")
            set_extension = api.patch(f"/api/v1/users/{agent['id']}", json={"extension": "8001"})
            assert set_extension.status_code == 200, set_extension.text
        node.known = new_customer(node, "周丽华", "19800101", KNOWN)  # type: ignore[attr-defined]
        yield node
    finally:
        node.stop()


def connector(node: Node) -> httpx.Client:
    login = httpx.post(
        f"{node.url}/api/v1/auth/login", json={"username": "pbx", "password": USER_PASSWORD}
    )
    login.raise_for_status()
    token = login.json()["access_token"]
    return httpx.Client(base_url=node.url, headers={"Authorization": f"Bearer {token}"})


def ring(pbx: httpx.Client, callid: str, caller: str, event: str = "AGENTCALLED") -> int:
    """Post one event at SIP/8001; how many open pages it popped."""
    data = [caller] if event == "AGENTCALLED" else ["5", f"{callid}.1", "3"]
    body = {"events": [{"time": t("2026-12-01 09:00:00"), "callid": callid, "queue": "96296",
                        "agent": "SIP/8001-00000001", "event": event, "data": data}]}  # fmt: skip
    resp = pbx.post("/api/v1/cti/events", json=body)
    assert resp.status_code == 200, resp.text
    return resp.json()["popped"]


def ring_until_heard(pbx: httpx.Client, callid: str, caller: str) -> None:
    """The page opens its stream as it loads: ring until it is listening."""
    deadline = time.monotonic() + 10
    while ring(pbx, callid, caller) == 0:
        assert time.monotonic() < deadline, "the agent's page never listened"
        time.sleep(0.1)


def test_a_ringing_known_caller_opens_their_360(city, chromium):
    context, page = log_in(chromium, city, "agent8001")
    with connector(city) as pbx:
        ring_until_heard(pbx, "pop1", f"+86 {KNOWN[:3]} {KNOWN[3:7]} {KNOWN[7:]}")
        page.wait_for_url(re.compile(rf"/ui/customers/{city.known['id']}$"))
        expect(page.locator("h1")).to_contain_text("周丽华")
        shot(page, "screen-pop-360")
        # An unknown number: the new-customer form, the number filled in.
        ring_until_heard(pbx, "pop2", UNKNOWN)
        page.wait_for_url(re.compile(r"/ui/customers/new\?phone=" + UNKNOWN))
        expect(page.get_by_label("手机号")).to_have_value(UNKNOWN)
    context.close()


def test_a_connected_call_pops_with_the_caller_of_its_entry(city, chromium):
    context, page = log_in(chromium, city, "agent8001")
    with connector(city) as pbx:
        entry = {"time": t("2026-12-01 09:10:00"), "callid": "pop3", "queue": "96296",
                 "agent": "NONE", "event": "ENTERQUEUE", "data": ["", KNOWN, "1"]}  # fmt: skip
        assert pbx.post("/api/v1/cti/events", json={"events": [entry]}).status_code == 200
        deadline = time.monotonic() + 10
        while ring(pbx, "pop3", "", event="CONNECT") == 0:
            assert time.monotonic() < deadline
            time.sleep(0.1)
        page.wait_for_url(re.compile(rf"/ui/customers/{city.known['id']}$"))
    context.close()


def test_an_agent_who_typed_something_gets_a_bar_instead(city, chromium):
    context, page = log_in(chromium, city, "agent8001")
    page.goto(f"{city.url}/ui/customers/{city.known['id']}")
    call = page.get_by_role("region", name="记录来电")
    call.get_by_label("摘要").fill("客户咨询宽带资费")
    with connector(city) as pbx:
        ring_until_heard(pbx, "pop4", UNKNOWN)
    bar = page.locator("[data-pop-bar] a")
    expect(bar).to_have_text("来电：打开客户页面")
    assert page.url.endswith(city.known["id"])  # still here, the summary kept
    expect(call.get_by_label("摘要")).to_have_value("客户咨询宽带资费")
    context.close()
