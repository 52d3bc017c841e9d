"""Issue 21 §6's agent flow end to end in the real headless Chromium against a served
city node: log in, open 外呼回访 from the menu, take the next callback, answer the
questionnaire, click 拨打成功 and be offered the next one. Screenshots go to
$FEDCRM_ARTIFACTS, as in tests/test_web_browser.py.

The served node reads the real clock, so the campaign calls around the clock
(00:00-24:00 every day); on a statutory holiday or a swapped working day no campaign
may call at all, and the test then checks that the page says so instead."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from node.surveys.calling_window import BEIJING, is_special_day
from tests.browser_fixtures import add_user, launch_chromium, log_in, shot
from tests.survey_page_helpers import EVERY_TYPE
from tests.topology import Node, served_city

pytestmark = pytest.mark.slow
ALL_DAY = "00:00-24:00"


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    yield from launch_chromium()


@pytest.fixture(scope="module")
def city(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[Node]:
    """长沙市 served on SQLite with an agent and a campaign of two numbers to call."""
    node = served_city("sqlite", tmp_path_factory.mktemp("surveys"), request, "surveys")
    try:
        add_user(node, "agent1", "agent", "urban", "话务员小李")
        with node.api() as api:
            made = api.post(
                "/api/v1/questionnaires", json={"name": "报修回访", "definition": EVERY_TYPE}
            )
            assert made.status_code == 201, made.text
            qid = made.json()["id"]
            published = api.post(f"/api/v1/questionnaires/{qid}/versions/1/publish")
            assert published.status_code == 200, published.text
            version_id = published.json()["id"]
            rules = {"weekday_window": ALL_DAY, "weekend_window": ALL_DAY}
            campaign = api.post(
                "/api/v1/surveys/campaigns",
                json={"name": "装机回访", "questionnaire_version_id": version_id, "rules": rules},
            )
            assert campaign.status_code == 201, campaign.text
            tasks = {"tasks": [{"phones": ["13800138001"], "priority": 1},
                               {"phones": ["13800138002"]}]}  # fmt: skip
            added = api.post(f"/api/v1/surveys/campaigns/{campaign.json()['id']}/tasks", json=tasks)
            assert added.status_code == 201, added.text
        yield node
    finally:
        node.stop()


def test_the_agent_takes_answers_completes_and_is_offered_the_next(city, chromium):
    context, page = log_in(chromium, city, "agent1")
    page.get_by_role("link", name="外呼回访").click()
    page.wait_for_url(re.compile(r"/ui/surveys/work$"))
    page.get_by_role("button", name="下一个回访").click()  # not signed in yet
    expect(page.locator('[data-field="message"]')).to_contain_text("示闲后才能领取回访")
    page.goto(f"{city.url}/ui/agent-state")
    bar = page.locator("[data-field=state-bar]")
    bar.get_by_role("button", name="签到", exact=True).click()  # signed in and ready
    expect(bar.locator("[data-field=agent-state]")).to_have_text("示闲")
    page.get_by_role("link", name="外呼回访").click()
    page.get_by_role("button", name="下一个回访").click()
    if is_special_day(datetime.now(UTC).astimezone(BEIJING).date()):
        expect(page.locator('[data-field="message"]')).to_contain_text("现在没有可拨打的回访任务")
        context.close()
        return
    expect(page.locator('[data-field="campaign"]')).to_have_text("装机回访")
    expect(page.locator('[data-field="phone"]')).to_have_text("13800138001")
    page.get_by_label("修好了", exact=True).check()
    page.get_by_label("速度").check()
    page.get_by_label("态度").check()
    page.locator('fieldset[data-question="score"]').get_by_label("5", exact=True).check()
    page.locator('fieldset[data-question="recommend"]').get_by_label("9", exact=True).check()
    page.get_by_label("上门几次？").fill("1")
    page.get_by_label("还有什么建议？").fill("很满意")
    page.get_by_label("哪天修好的？").fill("2026-11-30")
    shot(page, "survey-work-answered")
    page.get_by_role("button", name="拨打成功（完成）").click()
    page.wait_for_url(re.compile(r"/ui/surveys/work\?done=completed$"))
    expect(page.locator('[data-field="notice"]')).to_have_text("已记录：拨打成功（完成）")
    expect(page.locator('[data-field="today-total"]')).to_have_text("共 1 次拨打")
    # the next one is offered: take it, it is the second number
    page.get_by_role("button", name="下一个回访").click()
    expect(page.locator('[data-field="phone"]')).to_have_text("13800138002")
    shot(page, "survey-work-next")
    context.close()
