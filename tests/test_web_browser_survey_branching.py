"""Live branching in the real headless Chromium against a served city node (issue 21):
on the agent's 外呼回访 page, 不是本人 (a jump to the end) hides the later questions,
是本人 shows them again with what was typed, and 拨打成功 then stores the one answer
asked; in the preview, 没修好 brings its condition's question. Screenshots go to
$FEDCRM_ARTIFACTS, as in tests/test_web_browser.py.

The served node reads the real clock, so the campaign calls around the clock; on a
statutory holiday or a swapped working day no campaign may call at all, and the agent's
part then checks that the page says so instead (the preview's part runs regardless)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime

import orjson
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from node.db.unit_of_work import Database
from node.surveys.calling_window import BEIJING, is_special_day
from node.surveys.campaign_models import SurveyResponse
from tests.browser_fixtures import add_user, launch_chromium, log_in, shot
from tests.test_web_surveys_branching import BRANCHING
from tests.topology import Node, served_city

pytestmark = pytest.mark.slow
ALL_DAY = "00:00-24:00"


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    yield from launch_chromium()


@pytest.fixture(scope="module")
def city(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[tuple[Node, str]]:
    """长沙市 served on SQLite with an agent and a campaign of one number on the
    branching questionnaire; the node and the version's path."""
    node = served_city("sqlite", tmp_path_factory.mktemp("branching"), request, "branching")
    try:
        add_user(node, "agent1", "agent", "urban", "话务员小李")
        with node.api() as api:
            made = api.post(
                "/api/v1/questionnaires", json={"name": "报修回访", "definition": BRANCHING}
            )
            assert made.status_code == 201, made.text
            qid = made.json()["id"]
            published = api.post(f"/api/v1/questionnaires/{qid}/versions/1/publish")
            assert published.status_code == 200, published.text
            rules = {"weekday_window": ALL_DAY, "weekend_window": ALL_DAY}
            body = {"name": "报修回访", "questionnaire_version_id": published.json()["id"],
                    "rules": rules}  # fmt: skip
            campaign = api.post("/api/v1/surveys/campaigns", json=body)
            assert campaign.status_code == 201, campaign.text
            tasks = {"tasks": [{"phones": ["13800138001"]}]}
            added = api.post(f"/api/v1/surveys/campaigns/{campaign.json()['id']}/tasks", json=tasks)
            assert added.status_code == 201, added.text
        yield node, f"/ui/questionnaires/{qid}/versions/1"
    finally:
        node.stop()


def _question(page, code: str):  # type: ignore[no-untyped-def]
    return page.locator(f'fieldset[data-question="{code}"]')


def test_a_jump_to_the_end_hides_the_rest_and_only_the_asked_answer_is_stored(city, chromium):
    node, _ = city
    context, page = log_in(chromium, node, "agent1")
    page.goto(f"{node.url}/ui/agent-state")
    bar = page.locator("[data-field=state-bar]")
    bar.get_by_role("button", name="签到", exact=True).click()  # signed in and ready
    expect(bar.locator("[data-field=agent-state]")).to_have_text("示闲")
    page.get_by_role("link", name="外呼回访").click()
    page.get_by_role("button", name="下一个回访").click()
    if is_special_day(datetime.now(UTC).astimezone(BEIJING).date()):
        expect(page.locator('[data-field="message"]')).to_contain_text("现在没有可拨打的回访任务")
        context.close()
        return
    expect(page.locator('[data-field="phone"]')).to_have_text("13800138001")
    # before any answer: why waits for 没修好
    for code in ("reached", "fixed", "score"):
        expect(_question(page, code)).to_be_visible()
    expect(_question(page, "why")).to_be_hidden()
    page.get_by_label("是本人", exact=True).check()
    page.get_by_label("修好了", exact=True).check()
    _question(page, "score").get_by_label("5", exact=True).check()
    # 不是本人 ends the questions: the later ones go, disabled
    page.get_by_label("不是本人", exact=True).check()
    for code in ("fixed", "why", "score"):
        expect(_question(page, code)).to_be_hidden()
    expect(page.get_by_label("修好了", exact=True)).to_be_disabled()  # not posted
    shot(page, "survey-branching-ended")
    # 是本人 again: they come back as they were answered
    page.get_by_label("是本人", exact=True).check()
    expect(_question(page, "fixed")).to_be_visible()
    expect(_question(page, "score")).to_be_visible()
    expect(page.get_by_label("修好了", exact=True)).to_be_checked()
    expect(_question(page, "why")).to_be_hidden()
    # 没修好 asks why
    page.get_by_label("没修好", exact=True).check()
    expect(_question(page, "why")).to_be_visible()
    shot(page, "survey-branching-why")
    # and 不是本人 for good: 拨打成功 stores that one answer only
    page.get_by_label("不是本人", exact=True).check()
    expect(_question(page, "score")).to_be_hidden()
    page.get_by_role("button", name="拨打成功（完成）").click()
    page.wait_for_url(re.compile(r"/ui/surveys/work\?done=completed$"))
    expect(page.locator('[data-field="notice"]')).to_have_text("已记录：拨打成功（完成）")
    context.close()
    database = Database(node.db_url, node.code)
    try:
        with database.unit_of_work(write=False) as session:
            (response,) = session.execute(select(SurveyResponse)).scalars()
            assert orjson.loads(response.answers) == {"reached": "no"}
            assert response.partial is False
    finally:
        database.engine.dispose()


def test_the_preview_follows_the_answers(city, chromium):
    node, version_path = city
    context, page = log_in(chromium, node, "agent1")
    page.goto(f"{node.url}{version_path}/preview")
    expect(_question(page, "why")).to_be_hidden()
    page.get_by_label("是本人", exact=True).check()
    page.get_by_label("没修好", exact=True).check()
    expect(_question(page, "why")).to_be_visible()
    page.get_by_label("不是本人", exact=True).check()
    for code in ("fixed", "why", "score"):
        expect(_question(page, code)).to_be_hidden()
    shot(page, "questionnaire-preview-branching")
    # the check asks the same: only the first question
    page.get_by_role("button", name="检查答案").click()
    expect(page.locator('[data-field="preview-result"]')).to_contain_text("答案有效")
    expect(page.locator('[data-field="preview-result"]')).to_contain_text("reached")
    assert "fixed" not in page.locator('[data-field="preview-result"]').inner_text()
    context.close()
