"""Issue 20 §1 and §5 in the real headless Chromium against a served city: an agent moves
through the state bar (签到 → 示闲 → 示忙 with a reason → 示闲 → 签退) and the page shows
each state; a team lead's 班长监控 follows an agent's change and the calls the PBX
connector (a `cti` user) posts by its own refresh (a meta refresh every 15 seconds),
without the test reloading it."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime

import httpx
import pytest
from playwright.sync_api import Locator, Page, expect

from node.office_time import OFFICE_TZ
from tests.browser_fixtures import USER_PASSWORD, add_user, launch_chromium, log_in, shot
from tests.topology import Node, served_city

pytestmark = pytest.mark.slow
QUEUE = "96296"


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    yield from launch_chromium()


@pytest.fixture(scope="module")
def city(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[Node]:
    """长沙市 with two agents (工号 1001 and 1002, 一组), a team lead and the PBX connector."""
    node = served_city("sqlite", tmp_path_factory.mktemp("cc"), request, "cc")
    try:
        add_user(node, "agent1001", "agent", "urban", "话务员小李")
        add_user(node, "agent1002", "agent", "urban", "话务员小王")
        add_user(node, "lead", "team_lead", "urban", "班长老陈")
        add_user(node, "pbx", "cti", None, "交换机接口")
        with node.api() as api:
            users = api.get("/api/v1/users", params={"limit": 200}).json()["data"]
            for user in users:
                if user["username"].startswith("agent"):
                    number = user["username"].removeprefix("agent")
                    fields = {"agent_no": number, "extension": f"8{number[1:]}"}
                    resp = api.patch(
                        f"/api/v1/users/{user['id']}", json=fields | {"agent_group": "group_1"}
                    )
                    assert resp.status_code == 200, resp.text
        yield node
    finally:
        node.stop()


def state_of(page: Page) -> Locator:
    return page.locator("[data-field=state-bar] [data-field=agent-state]")


def press(page: Page, button: str) -> None:
    """A state-bar button; the form posts and comes back to the same page."""
    page.locator("[data-field=state-bar]").get_by_role("button", name=button, exact=True).click()
    page.wait_for_load_state("domcontentloaded")


def test_an_agent_moves_through_the_state_bar(city, chromium):
    context, page = log_in(chromium, city, "agent1002")
    page.goto(f"{city.url}/ui/agent-state")
    expect(state_of(page)).to_have_text("已签退")
    press(page, "签到")
    expect(state_of(page)).to_have_text("示闲")
    bar = page.locator("[data-field=state-bar]")
    bar.get_by_label("原因").select_option(label="就餐")
    press(page, "示忙")
    expect(state_of(page)).to_have_text("示忙")
    current = bar.locator("p").first  # the state, its reason and since when
    expect(current).to_contain_text("（就餐）")
    shot(page, "agent-state-not-ready")
    press(page, "示闲")
    expect(state_of(page)).to_have_text("示闲")
    expect(current).not_to_contain_text("就餐")
    press(page, "签退")
    expect(state_of(page)).to_have_text("已签退")
    # Signed out, the only move left is signing in again.
    expect(bar.get_by_role("button")).to_have_text(["签到"])
    context.close()


def today_calls() -> list[dict[str, object]]:
    """Four calls that entered today (office time): one answered within the 20-second
    service level, one answered after 30 s, one abandoned after 40 s, one still
    waiting. Answered at SIP/8009, a phone with no user, so no agent's state moves."""
    now = int(time.time())
    midnight = int(
        datetime.fromtimestamp(now, OFFICE_TZ).replace(hour=0, minute=0, second=0).timestamp()
    )
    if now - midnight < 120:  # every call must have entered today and before now
        time.sleep(120 - (now - midnight))
        now = int(time.time())
    base = max(midnight + 1, now - 300)

    def event(at: int, callid: str, agent: str, name: str, *data: str) -> dict[str, object]:
        return {
            "time": base + at,
            "callid": callid,
            "queue": QUEUE,
            "agent": agent,
            "event": name,
            "data": list(data),
        }

    return [
        event(0, "b1", "NONE", "ENTERQUEUE", "", "13907310051", "1"),
        event(10, "b1", "SIP/8009", "CONNECT", "10", "b1.1", "2"),
        event(70, "b1", "SIP/8009", "COMPLETECALLER", "10", "60", "1"),
        event(5, "b2", "NONE", "ENTERQUEUE", "", "13907310052", "2"),
        event(45, "b2", "NONE", "ABANDON", "2", "2", "40"),
        event(20, "b3", "NONE", "ENTERQUEUE", "", "13907310053", "3"),
        event(50, "b3", "SIP/8009", "CONNECT", "30", "b3.1", "2"),
        event(100, "b3", "SIP/8009", "COMPLETEAGENT", "30", "50", "3"),
        event(30, "b4", "NONE", "ENTERQUEUE", "", "13907310054", "4"),
    ]


def post_as_connector(node: Node, events: list[dict[str, object]]) -> None:
    login = httpx.post(
        f"{node.url}/api/v1/auth/login", json={"username": "pbx", "password": USER_PASSWORD}
    )
    login.raise_for_status()
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    resp = httpx.post(f"{node.url}/api/v1/cti/events", json={"events": events}, headers=headers)
    assert resp.status_code == 200, resp.text
    assert resp.json()["added"] == len(events)


def test_the_board_follows_agents_and_calls_by_itself(city, chromium):
    agent_context, agent = log_in(chromium, city, "agent1001")
    agent.goto(f"{city.url}/ui/agent-state")
    press(agent, "签到")
    expect(state_of(agent)).to_have_text("示闲")

    lead_context, board = log_in(chromium, city, "lead")
    board.goto(f"{city.url}/ui/callcenter/board")
    expect(board.locator("h1")).to_have_text("班长监控")
    expect(board.locator("meta[http-equiv=refresh]")).to_have_attribute("content", "15")
    row = board.locator("tr[data-agent='1001']")
    expect(row.locator("td").nth(0)).to_have_text("话务员小李")
    expect(row.locator("td").nth(2)).to_have_text("8001")
    expect(row.locator("td.state")).to_have_text("示闲")
    expect(board.locator("[data-field=board-queues]")).to_contain_text("当前没有排队的来电")
    expect(board.locator("[data-field=offered]")).to_have_text("0")
    expect(board.locator("[data-field=service-level]")).to_have_text("–")
    # Only the page's own refresh can take this mark away.
    board.evaluate("window.boardMark = 'before'")

    agent.get_by_label("原因").select_option(label="培训")
    press(agent, "示忙")
    expect(state_of(agent)).to_have_text("示忙")
    post_as_connector(city, today_calls())

    expect(row.locator("td.state")).to_have_text("示忙", timeout=20_000)
    assert board.evaluate("window.boardMark") is None, "the board did not reload by itself"
    expect(row.locator("td").nth(4)).to_have_text("培训")
    expect(board.locator("[data-field=offered]")).to_have_text("4")
    expect(board.locator("[data-field=answered]")).to_have_text("2")
    expect(board.locator("[data-field=abandoned]")).to_have_text("1")
    expect(board.locator("[data-field=service-level]")).to_have_text("25.0%")
    waiting = board.locator(f"[data-field=board-queues] tr[data-queue='{QUEUE}'] td")
    expect(waiting.nth(0)).to_have_text(QUEUE)
    expect(waiting.nth(1)).to_have_text("1")
    assert int(waiting.nth(2).inner_text()) >= 30  # b4 entered at least 89 s before now
    shot(board, "callcenter-board")
    lead_context.close()
    agent_context.close()
