"""Issue 19's admin and list flows end to end in the real headless Chromium against a
served city node, each as the role that does it: the users page (an admin creates,
disables and resets a user; a bad 分机 is named and creates nobody), safe churn on the
360 (a team lead), the product catalogue and a dictionary (an admin) offered in the
forms that use them (a team lead), paging and the Excel export of a search (a team
lead), and the users page and the queue filtered by 服务部门. Screenshots go to
$FEDCRM_ARTIFACTS, as in tests/test_web_browser.py, whose browser helpers this module
shares.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from io import BytesIO

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.browser_fixtures import (
    USER_PASSWORD,
    VIEWPORT,
    add_user,
    launch_chromium,
    log_in,
    shot,
)
from tests.factories import resident_id
from tests.topology import Node, served_city

pytestmark = pytest.mark.slow

ADDRESS = "湖南省长沙市芙蓉区五一大道1号"
UUID_URL = r"[0-9a-f-]{36}"
NEW_PASSWORD = "lantern-river-97"


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    yield from launch_chromium()


@pytest.fixture(scope="module")
def city(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[Node]:
    """长沙市 served on SQLite with an admin and a team lead."""
    node = served_city("sqlite", tmp_path_factory.mktemp("admin"), request, "admin")
    try:
        add_user(node, "admin1", "admin", None, "管理员老周")
        add_user(node, "lead1", "team_lead", None, "班长老王")
        yield node
    finally:
        node.stop()


def new_customer(node: Node, name: str, birth: str, phone: str) -> dict:
    """A gold-grade urban customer who joined in 2024, made through the API."""
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
                "joined_at": "2024-01-15T09:00:00+08:00",
            },
        )
    assert made.status_code == 201, made.text
    return made.json()


def try_log_in(chromium, node: Node, username: str, password: str):  # type: ignore[no-untyped-def]
    """A fresh browser context at the login form, the form filled in and sent."""
    context = chromium.new_context(viewport=VIEWPORT, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{node.url}/ui/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
    return context, page


def table_rows(page, name: str) -> list[list[str]]:  # type: ignore[no-untyped-def]
    """The cells' texts of each row of the page's table `name`."""
    rows = page.locator(f'table[data-table="{name}"] tbody tr')
    return [rows.nth(i).locator("td").all_inner_texts() for i in range(rows.count())]


def test_an_admin_creates_disables_and_resets_a_user(city, chromium):
    """Issue 19 §12 with issue 20's 工号/分机/手机: a bad 分机 is named next to its box
    and creates nobody; the user made shows the mobile as its 11 digits; disabled, they
    cannot sign in; a new password lets them in again, and only it."""
    context, page = log_in(chromium, city, "admin1")
    page.goto(f"{city.url}/ui/users")
    page.get_by_role("link", name="新建用户").click()
    page.wait_for_url(f"{city.url}/ui/users/new")
    page.get_by_label("用户名").fill("agent09")
    page.get_by_label("显示名").fill("话务员小周")
    page.get_by_label("角色").select_option(label="坐席")
    page.get_by_label("服务区域").select_option(label="城区营业部")
    page.get_by_label("服务部门").select_option(label="客服中心")
    page.get_by_label("组").select_option(label="一组")
    page.get_by_label("工号").fill("1009")
    page.get_by_label("分机号").fill("8 001")
    page.get_by_label("手机（接收派工短信）").fill("+86 139 0731 0001")
    page.get_by_label("密码").fill(USER_PASSWORD)
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#err-extension")).to_have_text("格式不正确")
    expect(page.get_by_label("分机号")).to_have_attribute("aria-describedby", "err-extension")
    expect(page.get_by_label("用户名")).to_have_value("agent09")  # kept to correct
    expect(page.get_by_label("密码")).to_have_value("")  # never sent back
    shot(page, "users-form")
    page.goto(f"{city.url}/ui/users")
    expect(page.locator('table[data-table="users"]')).not_to_contain_text("agent09")

    page.goto(f"{city.url}/ui/users/new")
    page.get_by_label("用户名").fill("agent09")
    page.get_by_label("显示名").fill("话务员小周")
    page.get_by_label("服务区域").select_option(label="城区营业部")
    page.get_by_label("服务部门").select_option(label="客服中心")
    page.get_by_label("组").select_option(label="一组")
    page.get_by_label("工号").fill("1009")
    page.get_by_label("分机号").fill("8001")
    page.get_by_label("手机（接收派工短信）").fill("+86 139 0731 0001")
    page.get_by_label("密码").fill(USER_PASSWORD)
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(re.compile(rf"/ui/users/{UUID_URL}\?saved=1$"))
    expect(page.get_by_role("status")).to_have_text("已保存")
    user_url = page.url.split("?")[0]
    page.goto(user_url)
    expect(page.locator("h1")).to_have_text("agent09")
    expect(page.get_by_label("角色")).to_have_value("agent")
    expect(page.get_by_label("工号")).to_have_value("1009")
    expect(page.get_by_label("分机号")).to_have_value("8001")
    expect(page.get_by_label("手机（接收派工短信）")).to_have_value("13907310001")
    expect(page.get_by_label("启用")).to_be_checked()
    page.goto(f"{city.url}/ui/users")
    listed = {row[0]: row for row in table_rows(page, "users")}
    assert listed["agent09"] == [
        "agent09",
        "话务员小周",
        "坐席",
        "城区营业部",
        "客服中心",
        "一组",
        "是",
    ]

    # The new agent signs in in a second browser, then is disabled.
    theirs, their_page = log_in(chromium, city, "agent09")
    assert their_page.url == f"{city.url}/ui/customers"
    page.goto(user_url)
    page.get_by_label("启用").uncheck()
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(f"{user_url}?saved=1")
    page.goto(user_url)
    expect(page.get_by_label("启用")).not_to_be_checked()
    expect(page.get_by_label("手机（接收派工短信）")).to_have_value("13907310001")  # kept
    expect(page.get_by_label("分机号")).to_have_value("8001")
    page.goto(f"{city.url}/ui/users")
    assert {row[0]: row for row in table_rows(page, "users")}["agent09"][-1] == "否"
    their_page.goto(f"{city.url}/ui/customers")  # their session ended with the account
    expect(their_page).to_have_url(re.compile(r"/ui/login"))
    theirs.close()
    refused, refused_page = try_log_in(chromium, city, "agent09", USER_PASSWORD)
    expect(refused_page.locator("#err-password")).to_have_text("用户名或密码错误")
    refused.close()

    # Enabled again with a new password: only the new one opens.
    page.goto(user_url)
    page.get_by_label("启用").check()
    page.get_by_label("新密码").fill(NEW_PASSWORD)
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(f"{user_url}?saved=1")
    expect(page.get_by_label("新密码")).to_have_value("")
    old, old_page = try_log_in(chromium, city, "agent09", USER_PASSWORD)
    expect(old_page.locator("#err-password")).to_have_text("用户名或密码错误")
    old.close()
    new, new_page = try_log_in(chromium, city, "agent09", NEW_PASSWORD)
    expect(new_page).to_have_url(f"{city.url}/ui/customers")
    expect(new_page.locator("header")).to_contain_text("话务员小周")
    new.close()
    context.close()


def test_a_team_lead_marks_churn_only_when_confirmed_with_a_destination(city, chromium):
    """Issue 19 §14: without the box ticked and a destination chosen nothing changes,
    each named at its field; 未知 is a destination one can choose; afterwards the 360
    shows the customer 离网, the churn record, no subscription and no churn form."""
    customer = new_customer(city, "黄志明", "19770303", "13900002468")
    with city.api() as api:
        product = api.post(
            "/api/v1/products",
            json={"code": "CH1", "name": "天翼融合129", "type": "bundle", "monthly_price": "129"},
        )
        assert product.status_code == 201, product.text
        sub = api.post(
            "/api/v1/subscriptions",
            json={
                "customer_id": customer["id"],
                "product_id": product.json()["id"],
                "service_number": "13900002468",
                "monthly_fee": "129.00",
                "started_at": "2024-01-15T09:00:00+08:00",
            },
        )
        assert sub.status_code == 201, sub.text
    context, page = log_in(chromium, city, "lead1")
    url = f"{city.url}/ui/customers/{customer['id']}"
    page.goto(url)
    form = page.get_by_role("region", name="标记流失")
    form.get_by_label("流失原因").select_option(label="资费偏高")
    form.get_by_role("button", name="标记流失").click()  # no destination, not confirmed
    expect(form.locator("#err-competitor")).to_have_text("请选择流失去向；不清楚时选「未知」")
    expect(form.locator("#err-confirm")).to_have_text("请勾选确认")
    expect(form.get_by_label("流失原因")).to_have_value("price")  # kept to correct
    form.get_by_label("流失去向").select_option(label="未知")
    form.get_by_role("button", name="标记流失").click()  # a destination, still unconfirmed
    expect(form.locator("#err-confirm")).to_have_text("请勾选确认")
    expect(form.locator("#err-competitor")).to_have_count(0)
    expect(form.get_by_label("流失去向")).to_have_value("unknown")

    page.goto(url)  # refused twice: nothing changed
    expect(page.locator(".page-head .badge")).to_have_text("在网")
    expect(page.get_by_role("region", name="流失记录").locator("li")).to_have_text(["无"])
    subscriptions = page.get_by_role("region", name="在用业务").locator("tbody tr")
    expect(subscriptions).to_have_count(1)
    expect(subscriptions).to_contain_text("天翼融合129")

    form.get_by_label("流失原因").select_option(label="资费偏高")
    form.get_by_label("流失去向").select_option(label="未知")
    form.get_by_label("备注").fill("客户称已办理其他运营商业务，去向不愿透露")
    form.get_by_label("确认该客户离网：其在用业务将全部终止，此处不能撤销").check()
    shot(page, "churn-confirm")
    form.get_by_role("button", name="标记流失").click()
    page.wait_for_url(f"{url}?saved=churn")
    expect(page.get_by_role("status")).to_have_text("已保存")

    page.goto(url)
    expect(page.locator(".page-head .badge")).to_have_text("离网")
    record = page.get_by_role("region", name="流失记录").locator("li")
    expect(record).to_have_count(1)
    expect(record).to_have_text(
        re.compile(r"^20\d\d-\d\d-\d\d \d\d:\d\d · 资费偏高$")
    )  # 未知: no →
    expect(page.get_by_role("region", name="在用业务").locator("tbody tr")).to_have_text(["无"])
    done = page.get_by_role("region", name="标记流失")
    expect(done).to_contain_text("该客户已离网，不能再次标记流失")
    expect(done.locator("form")).to_have_count(0)
    expect(done.get_by_role("button")).to_have_count(0)
    context.close()


def test_an_admin_adds_a_product_and_a_churn_reason_that_forms_then_offer(city, chromium):
    """Issue 19 §1: an admin adds a product at /ui/products and a 流失原因 at
    /ui/dictionaries; a team lead then finds both in the 360's forms and uses the
    product."""
    context, page = log_in(chromium, city, "admin1")
    page.goto(f"{city.url}/ui/products")
    page.get_by_role("link", name="新建产品").click()
    page.wait_for_url(f"{city.url}/ui/products/new")
    page.get_by_label("代码").fill("BB300")
    page.get_by_label("名称").fill("天翼宽带300M")
    page.get_by_label("产品类型").select_option(label="宽带")
    page.get_by_label("月价格(元)").fill("99")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(f"{city.url}/ui/products?saved=1")
    expect(page.get_by_role("status")).to_have_text("已保存")
    page.goto(f"{city.url}/ui/products")
    assert ["BB300", "天翼宽带300M", "宽带", "99.00"] in table_rows(page, "products")

    page.goto(f"{city.url}/ui/dictionaries?kind=churn_reason")
    expect(page.locator("h1")).to_have_text("字典")
    expect(page.locator("nav.tabs [aria-current=page]")).to_have_text("流失原因")
    page.get_by_role("link", name="新增字典项").click()
    page.wait_for_url(f"{city.url}/ui/dictionaries/new?kind=churn_reason")
    expect(page.get_by_label("字典类别")).to_have_value("churn_reason")
    page.get_by_label("代码").fill("install_wait")
    page.get_by_label("显示名称").fill("装机等待过久")
    page.get_by_label("排序").fill("15")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(f"{city.url}/ui/dictionaries?kind=churn_reason&saved=1")
    page.goto(f"{city.url}/ui/dictionaries?kind=churn_reason")
    assert ["install_wait", "装机等待过久", "15", "是"] in table_rows(page, "dictionary")
    context.close()

    customer = new_customer(city, "罗建新", "19830808", "13900003579")
    context, page = log_in(chromium, city, "lead1")
    url = f"{city.url}/ui/customers/{customer['id']}"
    page.goto(url)
    reason = page.get_by_role("region", name="标记流失").get_by_label("流失原因")
    reason.select_option(label="装机等待过久")
    expect(reason).to_have_value("install_wait")
    page.get_by_role("region", name="在用业务").get_by_role("link", name="添加业务").click()
    page.wait_for_url(f"{url}/subscriptions/new")
    page.get_by_label("产品").select_option(label="天翼宽带300M（BB300，99.00）")
    page.get_by_label("业务号码").fill("073184001234")
    page.get_by_label("月费(元)").fill("99")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(f"{url}?saved=subscriptions")
    page.goto(url)
    rows = page.get_by_role("region", name="在用业务").locator("tbody tr")
    expect(rows).to_have_count(1)
    assert rows.first.locator("td").all_inner_texts()[:4] == [
        "天翼宽带300M",
        "073184001234",
        "99.00",
        "在用",
    ]
    context.close()


SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔"  # 25 of them


def test_a_search_pages_by_twenty_and_exports_every_hit(city, chromium):
    """Issue 19 §5: 25 customers named …韶峰: the search shows 1–20 of 25, 下一页 the
    other five, 上一页 the first twenty again; 导出 Excel holds all 25."""
    names = {f"{surname}韶峰" for surname in SURNAMES}
    for i, surname in enumerate(SURNAMES):
        new_customer(
            city, f"{surname}韶峰", f"1990{1 + i // 28:02d}{1 + i % 28:02d}", f"1370731{i:04d}"
        )
    context, page = log_in(chromium, city, "lead1")
    page.goto(f"{city.url}/ui/customers")
    page.get_by_label("手机号、证件号或姓名").press_sequentially("韶峰", delay=60)
    count = page.locator('nav.pager [data-field="count"]')
    expect(count).to_have_text("共 25 条，第 1–20 条")  # the results shown as one types
    rows = page.locator("#results tbody tr")
    expect(rows).to_have_count(20)
    first_page = {row[1] for row in table_rows(page, "customers")}
    expect(page.get_by_role("link", name="上一页")).to_have_count(0)

    with page.expect_download() as download:  # every hit, not the twenty shown
        page.get_by_role("link", name="导出 Excel").click()
    sheet = load_workbook(BytesIO(download.value.path().read_bytes())).active
    assert sheet is not None
    lines = list(sheet.iter_rows(values_only=True))
    assert lines[0][:2] == ("客户编号", "姓名/名称")
    exported = [line[1] for line in lines[1:]]
    assert len(exported) == 25 and set(exported) == names

    page.locator('a[rel="next"]').click()
    page.wait_for_url(re.compile(r"/ui/customers\?q=.*&cursor="))
    expect(count).to_have_text("共 25 条，第 21–25 条")
    expect(rows).to_have_count(5)
    second_page = {row[1] for row in table_rows(page, "customers")}
    assert first_page | second_page == names and not first_page & second_page
    expect(page.locator('a[rel="next"]')).to_have_count(0)
    page.reload()  # where the reader is, is in the link
    expect(count).to_have_text("共 25 条，第 21–25 条")

    page.get_by_role("link", name="上一页").click()
    expect(count).to_have_text("共 25 条，第 1–20 条")
    assert {row[1] for row in table_rows(page, "customers")} == first_page
    context.close()


def test_users_and_the_queue_filtered_by_service_department(city, chromium):
    """Issue 19 §15 and §8: 服务部门 on the users page lists that department's staff;
    on the queue, the tickets held by its technicians."""
    with city.api() as api:
        ids = {}
        for username, name, department in (
            ("tech_field", "装维张师傅", "field_service"),
            ("tech_key", "大客户李师傅", "key_accounts"),
        ):
            made = api.post(
                "/api/v1/users",
                json={
                    "username": username,
                    "display_name": name,
                    "role": "technician",
                    "service_area": "urban",
                    "department": department,
                    "password": USER_PASSWORD,
                },
            )
            assert made.status_code == 201, made.text
            ids[username] = made.json()["id"]
    customer = new_customer(city, "易国庆", "19691001", "13900001357")
    numbers = {}
    with city.api() as api:
        for username, what in (("tech_field", "光猫掉线"), ("tech_key", "专线中断")):
            made = api.post(
                "/api/v1/tickets",
                json={
                    "customer_id": customer["id"],
                    "kind": "repair",
                    "description": what,
                    "technician_id": ids[username],
                },
            )
            assert made.status_code == 201, made.text
            numbers[username] = made.json()["ticket_no"]

    context, page = log_in(chromium, city, "admin1")
    page.goto(f"{city.url}/ui/users")
    page.get_by_label("服务部门").select_option(label="装维部")
    page.get_by_role("button", name="筛选").click()
    page.wait_for_url(re.compile(r"/ui/users\?department=field_service"))
    assert table_rows(page, "users") == [
        ["tech_field", "装维张师傅", "装维", "城区营业部", "装维部", "", "是"]
    ]
    expect(page.get_by_label("服务部门")).to_have_value("field_service")
    page.get_by_label("服务部门").select_option(label="大客户部")
    page.get_by_role("button", name="筛选").click()
    page.wait_for_url(re.compile(r"department=key_accounts"))
    assert [row[0] for row in table_rows(page, "users")] == ["tech_key"]
    context.close()

    context, page = log_in(chromium, city, "lead1")
    page.goto(f"{city.url}/ui/tickets")
    page.get_by_label("服务部门").select_option(label="装维部")
    page.get_by_role("button", name="筛选").click()
    page.wait_for_url(re.compile(r"department=field_service"))
    shown = page.locator('table[data-table="tickets"] tbody tr')
    expect(shown).to_have_count(1)
    expect(shown).to_contain_text(numbers["tech_field"])
    page.reload()
    expect(shown).to_have_count(1)
    expect(page.get_by_label("服务部门")).to_have_value("field_service")
    context.close()
