"""Issue 19's desk flows end to end in the real headless Chromium against a served city
node, each as the role that does it: editing a customer and adding a contact from its
360 (agent), one-screen call handling that opens the ticket in the same submission
(agent), merging a duplicate (team lead), and the change history on the 360 and on a
ticket after 修改工单 (team lead). Screenshots go to $FEDCRM_ARTIFACTS, as in
tests/test_web_browser.py, whose browser helpers this module shares.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.browser_fixtures import add_user, launch_chromium, log_in, shot
from tests.factories import resident_id
from tests.topology import Node, served_city

pytestmark = pytest.mark.slow

ADDRESS = "湖南省长沙市芙蓉区五一大道1号"
UUID_URL = r"[0-9a-f-]{36}"


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    yield from launch_chromium()


@pytest.fixture(scope="module")
def city(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[Node]:
    """长沙市 served on SQLite with a front-desk agent, a team lead and two technicians."""
    node = served_city("sqlite", tmp_path_factory.mktemp("desk"), request, "desk")
    try:
        add_user(node, "agent1", "agent", "urban", "话务员小李")
        add_user(node, "lead1", "team_lead", None, "班长老王")
        add_user(node, "tech1", "technician", "urban", "装维张师傅")
        add_user(node, "tech2", "technician", "urban", "装维刘师傅")
        yield node
    finally:
        node.stop()


def new_customer(node: Node, name: str, birth: str, phone: str) -> dict:
    """A gold-grade urban customer, made through the API as an import would."""
    with node.api() as api:
        made = api.post(
            "/api/v1/customers",
            json={
                "name": name,
                "id_number": resident_id("430102", birth),
                "phone": phone,
                "home_address": ADDRESS,
                "service_area": "urban",
                "grade": "gold",
            },
        )
    assert made.status_code == 201, made.text
    return made.json()


def new_ticket(node: Node, customer: dict, description: str, **extra: str) -> dict:
    with node.api() as api:
        made = api.post(
            "/api/v1/tickets",
            json={
                "customer_id": customer["id"],
                "kind": "repair",
                "description": description,
                **extra,
            },
        )
    assert made.status_code == 201, made.text
    return made.json()


def user_id(node: Node, username: str) -> str:
    with node.api() as api:
        users = api.get("/api/v1/users", params={"limit": 100}).json()["data"]
    return next(u["id"] for u in users if u["username"] == username)


def profile_value(page, label: str) -> str:  # type: ignore[no-untyped-def]
    """What the 360's 客户资料 shows against `label`."""
    return page.locator(f"dl.profile dt:text-is('{label}') + dd").inner_text()


def open_history(page):  # type: ignore[no-untyped-def]
    """Unfold the page's 修改记录 and return its rows, each as its cells' texts."""
    history = page.get_by_role("region", name=re.compile("^修改记录"))
    history.locator("summary").click()
    rows = history.locator("tbody tr")
    expect(rows.first).to_be_visible()
    return [rows.nth(i).locator("td").all_inner_texts() for i in range(rows.count())]


def test_an_agent_edits_a_customer_and_a_bad_phone_changes_nothing(city, chromium):
    """Issue 19 §1: 编辑 on the 360; an invalid phone is named next to its box in Chinese
    and nothing is saved; corrected, the new address is on the 360."""
    customer = new_customer(city, "陈志强", "19750606", "13900005555")
    context, page = log_in(chromium, city, "agent1")
    page.goto(f"{city.url}/ui/customers/{customer['id']}")
    page.get_by_role("region", name="客户资料").get_by_role("link", name="编辑").click()
    page.wait_for_url(f"{city.url}/ui/customers/{customer['id']}/edit")
    phone = page.get_by_label("手机号")
    expect(phone).to_have_value("")  # an agent never gets the stored number back
    expect(phone).to_have_attribute("placeholder", "139****5555")
    page.get_by_label("家庭地址").fill("湖南省长沙市岳麓区麓山南路932号")
    phone.fill("12345")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#err-phone")).to_have_text("不是有效的中国大陆手机或固话号码")
    expect(phone).to_have_attribute("aria-describedby", "err-phone")
    expect(page.get_by_label("家庭地址")).to_have_value("湖南省长沙市岳麓区麓山南路932号")
    shot(page, "customer-edit")
    page.goto(f"{city.url}/ui/customers/{customer['id']}")
    assert profile_value(page, "地址") == ADDRESS  # the refused form saved nothing
    assert profile_value(page, "手机号") == "139****5555"

    page.get_by_role("region", name="客户资料").get_by_role("link", name="编辑").click()
    page.get_by_label("家庭地址").fill("湖南省长沙市岳麓区麓山南路932号")
    page.get_by_role("button", name="保存").click()  # the phone box left empty: kept
    page.wait_for_url(f"{city.url}/ui/customers/{customer['id']}?saved=customer")
    expect(page.get_by_role("status")).to_have_text("已保存")
    assert profile_value(page, "地址") == "湖南省长沙市岳麓区麓山南路932号"
    assert profile_value(page, "手机号") == "139****5555"
    context.close()


def test_an_agent_adds_a_contact_from_the_360(city, chromium):
    customer = new_customer(city, "长沙湘江物流", "19800808", "13900006666")
    context, page = log_in(chromium, city, "agent1")
    page.goto(f"{city.url}/ui/customers/{customer['id']}")
    profile = page.get_by_role("region", name="客户资料")
    expect(profile.locator('[data-section="contacts"]')).to_have_text("无")
    profile.get_by_role("link", name="添加联系人").click()
    page.wait_for_url(f"{city.url}/ui/customers/{customer['id']}/contacts/new")
    page.get_by_label("姓名/名称").fill("李秘书")
    page.get_by_label("职务").fill("行政主管")
    page.get_by_label("手机号").fill("13912345678")
    page.get_by_label("决策人").check()
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(f"{city.url}/ui/customers/{customer['id']}?saved=contacts")
    contacts = page.get_by_role("region", name="客户资料").locator('[data-section="contacts"] li')
    expect(contacts).to_have_count(1)
    expect(contacts.first).to_contain_text("李秘书 · 139****5678")
    contacts.first.get_by_role("link", name="编辑").click()  # what was saved, in its form
    expect(page.get_by_label("职务")).to_have_value("行政主管")
    expect(page.get_by_label("决策人")).to_be_checked()
    context.close()


def test_an_agent_logs_a_call_and_opens_its_ticket_in_one_submission(city, chromium):
    """Issue 19 §3: an empty call is refused with both fields named; then the outcome
    from the dictionary, a summary and 同时开工单: the call and its linked ticket are
    saved at once, and the agent is back on the customer."""
    customer = new_customer(city, "刘桂芳", "19660909", "13900007777")
    context, page = log_in(chromium, city, "agent1")
    url = f"{city.url}/ui/customers/{customer['id']}"
    page.goto(url)
    call = page.get_by_role("region", name="记录来电")
    call.get_by_role("button", name="保存").click()
    expect(call.locator("#err-outcome")).to_have_text("必填")
    expect(call.locator("#err-summary")).to_have_text("必填")
    expect(page.locator("h1")).to_contain_text("刘桂芳")  # still the customer's page
    page.goto(url)
    timeline = page.get_by_role("region", name="接触记录")
    expect(timeline.locator("li")).to_have_text(["无"])  # nothing was saved

    call.get_by_label("结果").select_option(label="报修已受理")
    call.get_by_label("摘要").fill("宽带断网，光猫红灯闪烁")
    expect(call.get_by_label("工单类型")).to_be_hidden()
    call.get_by_label("同时开工单").check()  # shows the ticket's fields
    call.get_by_label("工单类型").select_option(label="故障报修")
    call.get_by_label("紧急程度").select_option(label="重大（24小时）")
    call.get_by_label("问题描述").fill("光猫红灯，需上门检修")
    expect(call.get_by_label("同时开工单")).to_be_checked()
    shot(page, "customer-call")
    call.get_by_role("button", name="保存").click()
    page.wait_for_url(re.compile(rf"/ui/customers/{customer['id']}\?saved=call&ticket={UUID_URL}$"))
    expect(page.get_by_role("status")).to_have_text("已保存 · 已开工单，查看")
    entry = page.get_by_role("region", name="接触记录").locator("li")
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text("电话 · 呼入 · 报修已受理 · 所开工单")
    expect(entry).to_contain_text("宽带断网，光猫红灯闪烁")
    opened = page.get_by_role("region", name="未结工单").locator("li")
    expect(opened).to_have_count(1)
    expect(opened).to_contain_text("故障报修 · 待派单")
    ticket_no = opened.get_by_role("link").inner_text()

    entry.get_by_role("link", name="所开工单").click()  # the call's link to its ticket
    page.wait_for_url(re.compile(rf"/ui/tickets/{UUID_URL}$"))
    expect(page.locator("h1")).to_have_text(f"{ticket_no} 故障报修")
    assert profile_value(page, "客户") == "刘桂芳"
    assert profile_value(page, "紧急程度") == "重大（24小时）"
    assert profile_value(page, "问题描述") == "光猫红灯，需上门检修"
    context.close()


def test_a_team_lead_merges_a_duplicate_into_the_customer_on_screen(city, chromium):
    """Issue 19 §2: from 合并重复客户 on the survivor's 360; the duplicate's ticket moves
    over, and the duplicate's own address now leads to the survivor."""
    survivor = new_customer(city, "赵磊", "19880303", "13900008888")
    duplicate = new_customer(city, "赵磊", "19880303", "13900009999")
    moved = new_ticket(city, duplicate, "IPTV 无信号")
    context, page = log_in(chromium, city, "lead1")
    url = f"{city.url}/ui/customers/{survivor['id']}"
    page.goto(url)
    merge = page.get_by_role("region", name="合并重复客户")
    merge.get_by_label("重复客户的客户编号").fill(duplicate["customer_no"])
    merge.get_by_label("合并原因").fill("同一证件号重复登记")
    merge.get_by_role("button", name="合并到本客户").click()  # not yet confirmed
    expect(merge.locator("#err-confirm")).to_have_text("请勾选确认")
    expect(merge.get_by_label("重复客户的客户编号")).to_have_value(duplicate["customer_no"])
    page.goto(f"{city.url}/ui/customers/{duplicate['id']}")  # refused: nothing merged
    expect(page).to_have_url(f"{city.url}/ui/customers/{duplicate['id']}")

    page.goto(url)
    merge.get_by_label("重复客户的客户编号").fill(duplicate["customer_no"])
    merge.get_by_label("合并原因").fill("同一证件号重复登记")
    merge.get_by_label("我已核对，两条记录是同一客户").check()
    shot(page, "customer-merge")
    merge.get_by_role("button", name="合并到本客户").click()
    page.wait_for_url(f"{url}?saved=merge")
    expect(page.get_by_role("status")).to_have_text("已保存")
    tickets = page.get_by_role("region", name="未结工单")
    expect(tickets.get_by_role("link", name=moved["ticket_no"])).to_be_visible()

    page.goto(f"{city.url}/ui/customers/{duplicate['id']}")
    page.wait_for_url(f"{url}?saved=merged")
    expect(page.get_by_role("status")).to_have_text("您打开的客户已合并到这位客户")
    expect(page.locator("h1")).to_have_text(f"赵磊 {survivor['customer_no']}")
    context.close()


def test_the_360_history_shows_who_when_and_old_to_new_after_an_edit(city, chromium):
    """Issue 19 §10: a team lead changes the grade and address in the form; 修改记录 on
    the 360 names the lead, the time, and each field's old and new value in words."""
    customer = new_customer(city, "王美兰", "19720707", "13900001234")
    context, page = log_in(chromium, city, "lead1")
    page.goto(f"{city.url}/ui/customers/{customer['id']}/edit")
    page.get_by_label("等级", exact=True).select_option(label="银卡")
    page.get_by_label("家庭地址").fill("湖南省长沙市天心区书院路9号")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(f"{city.url}/ui/customers/{customer['id']}?saved=customer")
    rows = open_history(page)
    by_field = {row[2]: row for row in rows}
    assert by_field["客户 · 客户等级"][1:] == ["班长老王", "客户 · 客户等级", "金卡", "银卡"]
    assert by_field["客户 · 家庭住址"][1:] == [
        "班长老王",
        "客户 · 家庭住址",
        ADDRESS,
        "湖南省长沙市天心区书院路9号",
    ]
    for row in by_field.values():
        assert re.fullmatch(r"20\d\d-\d\d-\d\d \d\d:\d\d", row[0]), row
    shot(page, "customer-history")
    context.close()


def test_a_team_lead_changes_a_tickets_technician_and_severity(city, chromium):
    """Issue 19 §10: 修改工单 on the ticket page; the ticket's 处理记录 and 修改记录 show
    the reassignment and the new severity, by whom."""
    customer = new_customer(city, "孙立新", "19790404", "13900004321")
    ticket = new_ticket(
        city, customer, "光纤入户段断裂", severity="major", technician_id=user_id(city, "tech1")
    )
    context, page = log_in(chromium, city, "lead1")
    page.goto(f"{city.url}/ui/tickets/{ticket['id']}")
    assert profile_value(page, "维修人员") == "装维张师傅"
    edit = page.get_by_role("region", name="修改工单")
    edit.get_by_label("紧急程度").select_option(label="一般（48小时）")
    edit.get_by_label("维修人员").select_option(label="装维刘师傅（tech2） · 在办 0 件")
    edit.get_by_role("button", name="保存").click()
    page.wait_for_url(f"{city.url}/ui/tickets/{ticket['id']}?saved=1")
    expect(page.get_by_role("status")).to_have_text("已保存")
    assert profile_value(page, "维修人员") == "装维刘师傅"
    assert profile_value(page, "紧急程度") == "一般（48小时）"
    expect(page.locator('li[data-event="reassigned"]')).to_contain_text(
        "改派：装维张师傅 → 装维刘师傅 · 班长老王"
    )
    expect(page.locator('li[data-event="severity"]')).to_contain_text(
        "紧急程度：重大（24小时） → 一般（48小时） · 班长老王"
    )
    rows = open_history(page)
    changed = {row[2]: row[1:] for row in rows}
    assert changed["维修人员"] == ["班长老王", "维修人员", "装维张师傅", "装维刘师傅"]
    assert changed["紧急程度"] == ["班长老王", "紧急程度", "重大（24小时）", "一般（48小时）"]
    assert changed["到期时间"][0] == "班长老王"
    shot(page, "ticket-edit-history")
    context.close()
