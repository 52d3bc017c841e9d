"""The web UI end to end in a real headless Chromium against `fedcrm serve` processes.

HQ, 湖南省 and two cities run as real processes (tests/topology.py); Playwright drives
the Debian Chromium (never a downloaded browser). Covered: logging in, searching a
customer by a Chinese name fragment, opening a ticket and moving it through its states,
seeing it in the queue with its SLA state, the province (and HQ) dashboard showing the
cities' figures after replication with drill-down, the federation page, and that an
agent (no pii:read) never sees a full ID number or phone on any page. Screenshots of
the main pages go to $FEDCRM_ARTIFACTS (default tests/artifacts/).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import create_engine, update

from node.office_time import OFFICE_TZ
from node.tickets.models import Ticket
from tests.browser_fixtures import USER_PASSWORD, VIEWPORT, add_user, launch_chromium, log_in, shot
from tests.factories import resident_id
from tests.topology import Node, Topology, build, db_url_factory, fedcrm

pytestmark = pytest.mark.slow

FULL_ID = re.compile(r"(?<![\dA-Za-z])\d{17}[\dX](?![\dA-Za-z])")
FULL_MOBILE = re.compile(r"(?<![\dA-Za-z])1[3-9]\d{9}(?![\dA-Za-z])")
# Random hex (UUIDs in links, the CSRF token) could hold a digit run by chance.
RANDOM_HEX = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{64}"
)


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    yield from launch_chromium()


def seed_city(node: Node, people: list[tuple[str, str, str, bool]]) -> list[dict]:
    """Customers (name, resident ID, mobile, key account) with a subscription each;
    the last one churned this month, so every figure has something to show."""
    made = []
    with node.api() as api:
        product = api.post(
            "/api/v1/products",
            json={"code": "K1", "name": "融合套餐199", "type": "bundle", "monthly_price": "199.00"},
        )
        assert product.status_code == 201, product.text
        for name, id_number, phone, key in people:
            resp = api.post(
                "/api/v1/customers",
                json={
                    "name": name,
                    "id_number": id_number,
                    "phone": phone,
                    "home_address": "湖南省长沙市芙蓉区五一大道1号",
                    "service_area": "urban",
                    "grade": "gold",
                    "is_key_account": key,
                    "joined_at": "2024-01-15T09:00:00+08:00",
                },
            )
            assert resp.status_code == 201, resp.text
            customer = resp.json()
            sub = api.post(
                "/api/v1/subscriptions",
                json={
                    "customer_id": customer["id"],
                    "product_id": product.json()["id"],
                    "service_number": phone,
                    "monthly_fee": "199.00" if key else "59.00",
                    "started_at": "2024-01-15T09:00:00+08:00",
                },
            )
            assert sub.status_code == 201, sub.text
            made.append(customer | {"phone": phone, "id_number": id_number})
        churned = api.post(
            f"/api/v1/customers/{made[-1]['id']}/churn",
            json={
                "churned_at": datetime.now(UTC).isoformat(),
                "reason": "price",
                "competitor": "china_mobile",
            },
        )
        assert churned.status_code == 201, churned.text
    return made


@pytest.fixture(scope="module")
def topo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Topology]:
    root = tmp_path_factory.mktemp("web")
    topology = build(root, db_url_factory("sqlite", root, None))
    city = topology["430100"]
    add_user(city, "agent1", "agent", "urban", "话务员小李")
    add_user(city, "lead1", "team_lead", None, "班长老王")
    add_user(city, "tech1", "technician", "urban", "装维张师傅")
    add_user(topology["430000"], "analyst1", "analyst", None, "省公司分析员")
    add_user(topology["000000"], "analyst1", "analyst", None, "总部分析员")
    topology.start_all()
    try:
        topology.customers = seed_city(  # type: ignore[attr-defined]
            city,
            [
                ("欧阳建国", resident_id("430102", "19800101"), "13900001111", True),
                ("张建华", resident_id("430102", "19850505"), "13900002222", False),
                ("李秀英", resident_id("430103", "19700303"), "13900003333", False),
            ],
        )
        topology.zhuzhou = seed_city(  # type: ignore[attr-defined]
            topology["430200"],
            [
                ("周建军", resident_id("430202", "19900101"), "13700001111", True),
                ("吴丽", resident_id("430202", "19920202"), "13700002222", False),
            ],
        )
        yield topology
    finally:
        topology.stop_all()


def assert_nothing_unmasked(page, customers: list[dict], html: str | None = None) -> None:  # type: ignore[no-untyped-def]
    """No full ID number or mobile in `html` (default: the whole page)."""
    html = RANDOM_HEX.sub("", page.content() if html is None else html)
    for c in customers:
        assert c["id_number"] not in html, page.url
        assert c["phone"] not in html, page.url
    assert not FULL_ID.search(html), (page.url, FULL_ID.search(html))
    assert not FULL_MOBILE.search(html), (page.url, FULL_MOBILE.search(html))


def test_wrong_password_then_login(topo, chromium):
    context = chromium.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.goto(f"{topo['430100'].url}/ui/customers")
    assert "/ui/login" in page.url  # no session: the login form, then back here
    page.get_by_label("用户名").fill("agent1")
    page.get_by_label("密码").fill("wrong-password")
    page.get_by_role("button", name="登录").click()
    expect(page.locator("#err-password")).to_have_text("用户名或密码错误")
    shot(page, "login-error")
    page.get_by_label("密码").fill(USER_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/ui/customers$"))
    # An agent's menu at a city (tests/test_web_pages.py has every role's).
    assert page.locator("nav").inner_text().split() == [
        "客户查询",
        "工单队列",
        "待回拨",
        "坐席状态",
        "回访问卷",
        "外呼回访",
        "知识库",
    ]
    context.close()


def test_search_by_chinese_name_fragment_with_the_keyboard(topo, chromium):
    context, page = log_in(chromium, topo["430100"], "agent1")
    page.goto(f"{topo['430100'].url}/ui/customers")
    box = page.get_by_label("手机号、证件号或姓名")
    box.press_sequentially("建国", delay=60)
    rows = page.locator("#results tbody tr")
    expect(rows).to_have_count(1)
    assert "欧阳建国" in rows.first.inner_text()
    assert "139****1111" in rows.first.inner_text()
    shot(page, "search")
    box.press("ArrowDown")  # the first result takes the focus
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/ui/customers/[0-9a-f-]{36}$"))
    assert page.locator("h1").inner_text().startswith("欧阳建国")
    shown = page.locator('[data-field="id_number"]').inner_text()
    assert shown == "430" + "*" * 11 + topo.customers[0]["id_number"][-4:]
    shot(page, "customer-360-agent")
    context.close()


def test_open_a_ticket_move_it_and_see_it_in_the_queue(topo, chromium):
    city = topo["430100"]
    context, page = log_in(chromium, city, "lead1")
    customer = topo.customers[1]
    page.goto(f"{city.url}/ui/customers/{customer['id']}")
    assert page.locator('[data-field="id_number"]').inner_text() == customer["id_number"]
    shot(page, "customer-360")
    new_ticket = page.get_by_role("region", name="新建工单")
    new_ticket.get_by_label("工单类型").select_option("repair")
    new_ticket.get_by_label("紧急程度").select_option("major")
    new_ticket.get_by_label("问题描述").fill("光猫红灯，宽带无法上网")
    new_ticket.get_by_role("button", name="新建工单").click()
    page.wait_for_url(re.compile(r"/ui/tickets/[0-9a-f-]{36}"))
    ticket_url = page.url.split("?")[0]
    assert page.locator('[data-field="status"]').inner_text() == "待派单"
    assert "小时" in page.locator('[data-field="sla"]').inner_text()

    # Dispatching without a technician: the reason appears next to the field.
    move = page.get_by_role("region", name="状态变更")
    move.get_by_label("变更为").select_option("dispatched")
    move.get_by_role("button", name="保存").click()
    expect(page.locator("#err-technician_id")).to_have_text(
        "派单需要选择维修人员 (dispatching needs a technician)"
    )
    move.get_by_label("维修人员").select_option(label="装维张师傅（tech1） · 在办 0 件")
    move.get_by_label("变更为").select_option("dispatched")
    move.get_by_role("button", name="保存").click()
    expect(page.locator('[data-field="status"]')).to_have_text("已派单")
    for target, shown in (("in_progress", "处理中"), ("resolved", "已解决")):
        move.get_by_label("变更为").select_option(target)
        move.get_by_role("button", name="保存").click()
        expect(page.locator('[data-field="status"]')).to_have_text(shown)
    shot(page, "ticket")

    # The queue: a second, open ticket with its countdown; resolved ones leave it.
    page.goto(f"{city.url}/ui/customers/{customer['id']}")
    new_ticket.get_by_label("工单类型").select_option("complaint")
    new_ticket.get_by_role("button", name="新建工单").click()
    page.wait_for_url(re.compile(r"/ui/tickets/"))
    second = page.locator("h1").inner_text().split()[0]
    page.goto(f"{city.url}/ui/tickets?area=urban")
    row = page.locator("tbody tr", has_text=second)
    assert row.get_attribute("class") == "sla-ok"
    assert re.search(r"4[67]小时\d+分", row.locator("td.countdown").inner_text())
    assert "张建华" in row.inner_text() and "待派单" in row.inner_text()
    page.goto(ticket_url)
    resolved_no = page.locator("h1").inner_text().split()[0]
    page.goto(f"{city.url}/ui/tickets?status=resolved")
    done = page.locator("tbody tr", has_text=resolved_no)
    assert done.get_attribute("class") == "sla-met"  # resolved minutes after opening
    assert "按时完成，提前" in done.locator("td.countdown").inner_text()

    # A major repair past its 24 hours: highlighted and first in the queue.
    page.goto(f"{city.url}/ui/customers/{topo.customers[0]['id']}")
    new_ticket.get_by_label("工单类型").select_option("repair")
    new_ticket.get_by_label("紧急程度").select_option("major")
    new_ticket.get_by_role("button", name="新建工单").click()
    page.wait_for_url(re.compile(r"/ui/tickets/"))
    late = page.locator("h1").inner_text().split()[0]
    _make_overdue(city, late, timedelta(hours=3, minutes=5))
    page.goto(f"{city.url}/ui/tickets")
    first = page.locator("tbody tr").first
    assert late in first.inner_text() and first.get_attribute("class") == "sla-overdue"
    assert "已超时 3小时" in first.locator("td.countdown").inner_text()
    shot(page, "ticket-queue")
    context.close()


def _make_overdue(node: Node, ticket_no: str, by: timedelta) -> None:
    """Move a ticket's SLA deadline into the past (as if it had been opened long ago)."""
    engine = create_engine(node.db_url)
    with engine.begin() as conn:
        conn.execute(
            update(Ticket)
            .where(Ticket.ticket_no == ticket_no)
            .values(due_at=datetime.now(UTC) - by)
        )
    engine.dispose()


def test_an_agent_never_sees_a_full_id_number_or_phone(topo, chromium):
    city = topo["430100"]
    context, page = log_in(chromium, city, "agent1")
    customers = topo.customers
    page.goto(f"{city.url}/ui/customers?q=建")
    assert page.locator("#results tbody tr").count() >= 2
    assert_nothing_unmasked(page, customers)
    for fragment in ("1111", "13900002222", customers[0]["id_number"], "ouyang"):
        page.goto(f"{city.url}/ui/customers?q={fragment}")
        results = page.locator("#results")
        assert "欧阳建国" in results.inner_text() or fragment == "13900002222"
        # What the agent typed is in the search box; the results show it masked.
        assert_nothing_unmasked(page, customers, results.inner_html())
    for c in customers:
        page.goto(f"{city.url}/ui/customers/{c['id']}")
        assert page.locator("h1").inner_text().startswith(c["name"])
        assert_nothing_unmasked(page, customers)
        for link in page.locator('a[href^="/ui/tickets/"]').all():
            href = link.get_attribute("href")
            other = context.new_page()
            other.goto(f"{city.url}{href}")
            assert_nothing_unmasked(other, customers)
            other.close()
    for path in ("/ui/tickets", "/ui/key-accounts", "/ui/federation"):
        page.goto(f"{city.url}{path}")
        assert_nothing_unmasked(page, customers)
    context.close()


def _refresh_dashboard(page, url: str) -> None:  # type: ignore[no-untyped-def]
    """Press 重新计算 and reload until the figures are there (the rollup runs after
    the response, as POST /api/v1/rollups/refresh does). The seeded churn is this month
    (本月至今), not the last complete month the dashboard opens on."""
    url += "?period=" + datetime.now(OFFICE_TZ).strftime("%Y-%m")
    page.goto(url)
    page.get_by_role("button", name="重新计算").click()
    for _ in range(60):
        page.goto(url)
        if page.locator(".cards").count():
            return
        page.wait_for_timeout(1000)
    raise AssertionError(f"no figures at {url}: {page.content()[:2000]}")


def test_province_and_hq_dashboards_after_replication(topo, chromium):
    for code in ("430100", "430200", "430000"):
        fedcrm("sync", str(topo[code].dir))
    province, hq = topo["430000"], topo["000000"]
    context, page = log_in(chromium, province, "analyst1")
    assert page.url.endswith("/ui/dashboard")
    _refresh_dashboard(page, f"{province.url}/ui/dashboard")
    children = page.locator('table[data-table="children"] tbody tr')
    labels = [children.nth(i).locator("td").first.inner_text() for i in range(children.count())]
    assert labels == ["长沙市", "株洲市"]
    changsha = children.nth(0).locator("td").all_inner_texts()
    assert changsha[1] == "2"  # customers in service at the end: 3, one churned
    assert changsha[2].endswith("%") and changsha[2] != "0.00%"  # its churn rate
    assert page.locator("svg").count() >= 6
    shot(page, "dashboard-province")
    children.nth(0).get_by_role("link").click()  # drill down to 长沙市
    page.wait_for_url(re.compile(r"scope=430100"))
    assert page.locator('[data-field="scope"]').inner_text() == "长沙市"
    context.close()

    context, page = log_in(chromium, hq, "analyst1")
    _refresh_dashboard(page, f"{hq.url}/ui/dashboard")
    rows = page.locator('table[data-table="children"] tbody tr')
    assert rows.first.locator("td").first.inner_text() == "湖南省"
    rows.first.get_by_role("link").click()  # HQ -> province
    page.wait_for_url(re.compile(r"scope=430000"))
    cities = page.locator('table[data-table="children"] tbody tr td:first-child')
    # HQ registered the province, not its cities: they show by their standard names.
    assert cities.all_inner_texts() == ["长沙市", "株洲市"]
    page.locator('table[data-table="children"] tbody tr').first.get_by_role("link").click()
    page.wait_for_url(re.compile(r"scope=430100"))  # province -> city
    shot(page, "dashboard-hq-drilldown")
    page.get_by_role("link", name="查看该市客户").click()  # the city's replicated customers
    page.wait_for_url(re.compile(r"/ui/customers\?origin=430100"))
    expect(page.locator("#results tbody tr")).to_have_count(3)
    # Replicated customers are readable here, read-only.
    page.goto(f"{hq.url}/ui/customers")
    assert page.locator("#results tbody tr").count() == 5
    page.locator("#results tbody tr", has_text="欧阳建国").get_by_role("link").click()
    assert "此处只读" in page.content()
    assert page.locator('form[action$="/tickets"]').count() == 0
    context.close()


def test_federation_status_page(topo, chromium):
    province = topo["430000"]
    context, page = log_in(chromium, province, "analyst1")
    page.goto(f"{province.url}/ui/federation")
    rows = page.locator('table[data-table="children"] tbody tr')
    assert rows.count() == 2
    first = rows.first.locator("td").all_inner_texts()
    assert first[0] == "430100" and int(first[4]) > 0  # rows applied from 长沙市
    assert page.locator('[data-field="backlog"]').inner_text() == "0"
    assert "从未运行" in page.locator('[data-field="verify"]').inner_text()
    shot(page, "federation")
    context.close()


def test_english_switch(topo, chromium):
    context, page = log_in(chromium, topo["430100"], "agent1")
    page.get_by_role("link", name="English").click()
    page.wait_for_function("document.documentElement.lang === 'en'")
    assert page.get_by_label("Phone, ID number or name").is_visible()
    context.close()


@pytest.mark.postgres
def test_login_and_search_on_postgresql(chromium, pg_url, tmp_path):
    """The same login + search against a city node on PostgreSQL."""
    topology = build(tmp_path, db_url_factory("postgresql", tmp_path, pg_url, "fedcrm_web_"))
    city = topology["430100"]
    add_user(city, "agent1", "agent", "urban")
    city.start()
    try:
        city.wait_ready()
        seed_city(
            city,
            [
                ("欧阳建国", resident_id("430102", "19800101"), "13900001111", True),
                ("王芳", resident_id("430102", "19850505"), "13900002222", False),
            ],
        )
        context, page = log_in(chromium, city, "agent1")
        page.goto(f"{city.url}/ui/customers")
        page.get_by_label("手机号、证件号或姓名").press_sequentially("建国", delay=60)
        expect(page.locator("#results tbody tr")).to_have_count(1)
        assert "欧阳建国" in page.locator("#results").inner_text()
        assert not FULL_ID.search(page.content())
        context.close()
    finally:
        city.stop()


def test_a_ringing_unknown_caller_is_registered_then_pops_their_360(topo, chromium):
    """Issue 19 §4 and §1: the telephone system opens the pop-up with the caller ID as
    it sends it; nobody matches, so the agent lands on the form with the number, fills
    it in and is on the new customer's 360; the next call pops that 360 directly, and
    the province holds the customer after the next sync. Runs last: the dashboards
    above count this city's customers."""
    city, province = topo["430100"], topo["430000"]
    context, page = log_in(chromium, city, "agent1")
    page.goto(f"{city.url}/ui/pop?number=%2B86%20186%201234%205678")
    page.wait_for_url(re.compile(r"/ui/customers/new\?phone=18612345678$"))
    expect(page.get_by_label("手机号")).to_have_value("18612345678")
    expect(page.get_by_label("服务区域")).to_have_value("urban")  # the agent's own area
    page.get_by_role("button", name="保存客户").click()  # nothing typed in the name
    expect(page.locator("#err-name")).to_be_visible()
    page.get_by_label("姓名/名称").fill("孙来电")
    page.get_by_label("证件号").fill("11010519491231002X")  # GB 11643's example
    page.get_by_label("家庭地址").fill("湖南省长沙市开福区湘江中路二段36号")
    shot(page, "customer-new")
    page.get_by_role("button", name="保存客户").click()
    page.wait_for_url(re.compile(r"/ui/customers/[0-9a-f-]{36}\?saved=customer$"))
    assert page.locator("h1").first.inner_text().startswith("孙来电")
    customer_url = page.url.split("?")[0]
    page.goto(f"{city.url}/ui/pop?number=8618612345678")
    page.wait_for_url(customer_url)
    context.close()
    fedcrm("sync", str(city.dir))
    with province.api() as api:
        found = api.get("/api/v1/customers", params={"q": "+86 186 1234 5678"}).json()["data"]
    assert [c["name"] for c in found] == ["孙来电"]


def test_a_technician_lands_on_my_tickets_on_a_phone_screen(topo, chromium):
    """Issue 19 §7: 我的工单 as a technician's home, readable at 390 px wide, with the
    customer's number as a link the phone can dial."""
    city = topo["430100"]
    customer = topo.customers[1]  # 张建华
    with city.api() as api:
        tech = next(
            u
            for u in api.get("/api/v1/users", params={"limit": 100}).json()["data"]
            if u["username"] == "tech1"
        )
        made = api.post(
            "/api/v1/tickets",
            json={"customer_id": customer["id"], "kind": "repair", "description": "机顶盒无信号"},
        )
        assert made.status_code == 201, made.text
        moved = api.post(
            f"/api/v1/tickets/{made.json()['id']}/transition",
            json={"to": "dispatched", "technician_id": tech["id"]},
        )
        assert moved.status_code == 200, moved.text
    context = chromium.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{city.url}/ui/login")
    page.get_by_label("用户名").fill("tech1")
    page.get_by_label("密码").fill(USER_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/ui/my-tickets$"))
    card = page.locator(".ticket-card", has_text="机顶盒无信号")
    expect(card).to_be_visible()
    assert card.locator('[data-field="phone"]').get_attribute("href") == f"tel:{customer['phone']}"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone: {width} px"
    shot(page, "my-tickets-phone")
    context.close()


def test_a_team_lead_ticks_two_tickets_and_dispatches_them_at_once(topo, chromium):
    """Issue 19 §7: the workbench on the queue: tick two rows, 派单 to a technician, and
    both come back dispatched with the count of what was done."""
    city = topo["430100"]
    with city.api() as api:
        tech = next(
            u
            for u in api.get("/api/v1/users", params={"limit": 100}).json()["data"]
            if u["username"] == "tech1"
        )
        numbers = []
        for text in ("小区光缆中断（一）", "小区光缆中断（二）"):
            made = api.post(
                "/api/v1/tickets",
                json={
                    "customer_id": topo.customers[2]["id"],
                    "kind": "repair",
                    "description": text,
                },
            )
            assert made.status_code == 201, made.text
            numbers.append(made.json()["ticket_no"])
    context, page = log_in(chromium, city, "lead1")
    page.goto(f"{city.url}/ui/tickets?area=urban&status=open")
    every = page.get_by_label("全选本页")
    boxes = page.locator('tbody input[name="ids"]')
    every.check()  # ticks the whole page, and clears it again
    assert all(boxes.nth(i).is_checked() for i in range(boxes.count()))
    every.uncheck()
    assert not any(boxes.nth(i).is_checked() for i in range(boxes.count()))
    for number in numbers:
        page.get_by_label(f"选择 {number}").check()
    page.get_by_label("操作").select_option("dispatch")
    page.get_by_label("维修人员").select_option(tech["id"])
    page.get_by_label("备注").fill("同一光缆，一起处理")
    shot(page, "ticket-queue-bulk")
    page.get_by_role("button", name="处理选中的工单").click()
    page.wait_for_url(re.compile(r"/ui/tickets\?area=urban&status=open&bulk=dispatch&done=2"))
    expect(page.locator('[data-field="bulk-summary"]')).to_have_text("已处理 2 件，0 件未处理")
    page.goto(f"{city.url}/ui/tickets?area=urban&status=dispatched")
    for number in numbers:
        row = page.locator("tbody tr", has_text=number)
        expect(row).to_contain_text("已派单")
        expect(row).to_contain_text("装维张师傅")
    context.close()


def test_a_technicians_badge_counts_a_new_dispatch(topo, chromium):
    """Issue 19 §9: the header's 通知 badge, fetched by the page, counts a dispatch made
    after the technician last looked; opening the list clears it."""
    city = topo["430100"]
    context, page = log_in(chromium, city, "tech1")
    page.goto(f"{city.url}/ui/notifications")  # everything so far: seen
    badge = page.locator("[data-notice-count]")
    expect(badge).to_be_hidden()
    with city.api() as api:
        tech = next(
            u
            for u in api.get("/api/v1/users", params={"limit": 100}).json()["data"]
            if u["username"] == "tech1"
        )
        made = api.post(
            "/api/v1/tickets",
            json={
                "customer_id": topo.customers[1]["id"],
                "kind": "repair",
                "description": "楼道交换机掉电",
                "technician_id": tech["id"],
            },
        )
        assert made.status_code == 201, made.text
    page.goto(f"{city.url}/ui/my-tickets")
    expect(badge).to_have_text("1")
    page.get_by_role("link", name=re.compile("^通知")).click()
    expect(page.locator("#assigned")).to_contain_text(made.json()["ticket_no"])
    page.goto(f"{city.url}/ui/my-tickets")
    expect(badge).to_be_hidden()
    context.close()


def test_a_lead_filters_the_queue_saves_the_view_and_opens_it_again(topo, chromium):
    """Issue 19 §8: two filters set in the form, saved as a view, opened from the list:
    the same rows, the form showing the filters, and when the list was refreshed."""
    city = topo["430100"]
    wanted, others = [], []
    with city.api() as api:
        for kind, severity in (("billing", "major"), ("billing", "major"), ("billing", "general")):
            made = api.post(
                "/api/v1/tickets",
                json={
                    "customer_id": topo.customers[1]["id"],
                    "kind": kind,
                    "severity": severity,
                },
            )
            assert made.status_code == 201, made.text
            (wanted if severity == "major" else others).append(made.json()["ticket_no"])
    context, page = log_in(chromium, city, "lead1")
    page.goto(f"{city.url}/ui/tickets")
    page.get_by_label("工单类型").select_option("billing")
    page.get_by_label("紧急程度").select_option("major")
    page.get_by_role("button", name="筛选").click()
    page.wait_for_url(re.compile(r"/ui/tickets\?kind=billing&severity=major"))
    page.get_by_label("视图名称").fill("账务重大")
    page.get_by_label("共享给本节点所有人").check()
    page.get_by_role("button", name="保存为视图").click()
    page.goto(f"{city.url}/ui/tickets")  # the filters cleared
    page.locator('[data-field="views-mine"]').get_by_role("link", name="账务重大").click()
    page.wait_for_url(re.compile(r"/ui/tickets\?kind=billing&severity=major$"))
    rows = page.locator("#queue-list tbody tr")
    expect(rows).to_have_count(len(wanted))
    for number in wanted:
        expect(page.locator("tbody tr", has_text=number)).to_have_count(1)
    expect(page.get_by_label("工单类型")).to_have_value("billing")
    expect(page.get_by_label("紧急程度")).to_have_value("major")
    expect(page.locator('[data-field="refreshed"]')).to_have_text(re.compile(r"刷新于 \d\d:\d\d"))
    shot(page, "ticket-queue-view")
    context.close()


def test_a_lead_filters_the_customers_saves_a_segment_and_opens_it_again(topo, chromium):
    """Issue 21 §2: the customer list filtered by key account, saved as a segment (客户
    分组), opened from the list: the same customer; typing a search keeps the filter."""
    city = topo["430100"]
    context, page = log_in(chromium, city, "lead1")
    page.goto(f"{city.url}/ui/customers")
    page.locator("#f-is_key_account").select_option("true")
    page.locator('[data-field="segment-filters"]').get_by_role("button", name="筛选").click()
    page.wait_for_url(re.compile(r"/ui/customers\?.*is_key_account=true"))
    page.get_by_label("分组名称").fill("大客户")
    page.get_by_role("button", name="保存为分组").click()
    page.wait_for_url(re.compile(r"/ui/customers\?is_key_account=true$"))
    page.goto(f"{city.url}/ui/customers")
    page.locator('[data-field="views-mine"]').get_by_role("link", name="大客户").click()
    page.wait_for_url(re.compile(r"/ui/customers\?is_key_account=true$"))
    rows = page.locator("#results tbody tr")
    expect(rows).to_have_count(1)  # 欧阳建国, the one key account of the three
    expect(rows.first).to_contain_text("欧阳建国")
    expect(page.locator("#f-is_key_account")).to_have_value("true")
    page.locator("#q").fill("张建华")
    expect(page.locator("#results")).to_contain_text("没有找到客户")  # 张建华 is no key account
    context.close()
