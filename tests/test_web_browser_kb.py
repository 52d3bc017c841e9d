"""Issue 22's knowledge base end to end in the real headless Chromium against a served
city node: an editor writes a must-read article and submits it, a reviewer publishes it,
a reader finds it by a two-character search, opens it and clicks 我已阅读, and the
editor then sees the reader among those who have read it. Screenshots go to
$FEDCRM_ARTIFACTS, as in tests/test_web_browser.py."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.browser_fixtures import add_user, launch_chromium, log_in, shot
from tests.topology import Node, served_city

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    yield from launch_chromium()


@pytest.fixture(scope="module")
def city(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[Node]:
    """长沙市 served on SQLite with an editor, a reviewer, a reader and one folder."""
    node = served_city("sqlite", tmp_path_factory.mktemp("kb"), request, "kb")
    try:
        add_user(node, "editor1", "team_lead", None, "编辑小王")
        add_user(node, "reviewer1", "admin", None, "审核老李")
        add_user(node, "reader1", "agent", "urban", "话务员小张")
        with node.api() as api:
            made = api.post("/api/v1/kb/folders", json={"name": "装维知识"})
            assert made.status_code == 201, made.text
        yield node
    finally:
        node.stop()


def test_write_review_find_read_and_acknowledge(city, chromium):
    # The editor writes a must-read article and submits it for review.
    context, page = log_in(chromium, city, "editor1")
    page.get_by_role("link", name="知识库", exact=True).click()
    page.wait_for_url(re.compile(r"/ui/kb$"))
    page.get_by_role("link", name="新建文章").click()
    page.get_by_label("标题").fill("光猫重启步骤")
    page.get_by_label("目录", exact=True).select_option(label="装维知识")
    page.get_by_label("类别").select_option(label="业务知识")
    page.get_by_label("正文（Markdown）").fill("## 步骤\n\n1. 拔掉光猫电源\n2. 等十秒再插上\n")
    page.get_by_label("必读").check()
    page.get_by_role("button", name="保存草稿").click()
    expect(page.locator('[data-field="status"]')).to_have_text("草稿")
    page.get_by_role("button", name="提交审核").click()
    expect(page.locator('[data-field="status"]')).to_have_text("待审核")
    article_url = page.url.split("?")[0]
    shot(page, "kb-submitted")
    context.close()

    # The reviewer finds it among the articles in review and publishes it.
    context, page = log_in(chromium, city, "reviewer1")
    page.get_by_role("link", name="知识库", exact=True).click()
    page.get_by_label("状态").select_option(label="待审核")
    page.get_by_role("button", name="查找").click()
    page.get_by_role("link", name="光猫重启步骤").click()
    page.get_by_role("button", name="审核通过").click()
    expect(page.locator('[data-field="done"]')).to_have_text("已审核通过并发布。")
    expect(page.locator('[data-field="status"]')).to_have_text("已发布")
    context.close()

    # The reader finds it by two characters, reads it and acknowledges it.
    context, page = log_in(chromium, city, "reader1")
    page.get_by_role("link", name="知识库", exact=True).click()
    page.get_by_label("搜索文章").fill("光猫")
    page.get_by_label("搜索文章").press("Enter")
    rows = page.locator('table[data-table="kb-articles"] tbody tr')
    expect(rows).to_have_count(1)
    rows.get_by_role("link", name="光猫重启步骤").click()
    page.wait_for_url(article_url)
    expect(page.locator('[data-field="must-read"]')).to_have_text("必读")
    expect(page.locator('[data-field="body"] li')).to_have_text(["拔掉光猫电源", "等十秒再插上"])
    page.get_by_role("button", name="我已阅读").click()
    expect(page.locator('[data-field="acked"]')).to_contain_text("确认阅读")
    expect(page.get_by_role("button", name="我已阅读")).to_have_count(0)
    shot(page, "kb-acknowledged")
    context.close()

    # The editor sees the reader among those who have read it.
    context, page = log_in(chromium, city, "editor1")
    page.goto(article_url)
    page.get_by_role("link", name="阅读情况").click()
    acked = page.locator('table[data-table="kb-acked"] tbody tr')
    expect(acked).to_have_count(1)
    expect(acked.locator("td").first).to_have_text("话务员小张")
    pending = page.locator('table[data-table="kb-pending"]')
    expect(pending).not_to_contain_text("话务员小张")
    expect(pending).to_contain_text("审核老李")
    shot(page, "kb-acks")
    context.close()
