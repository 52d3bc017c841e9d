"""Issue 19 §8 on the ticket queue: filters by kind, severity, technician, SLA, opening
date (office days), status, area and, at a province or HQ, city; saved views (mine,
shared, refused names); the refresh stamp. Expected rows are worked out by hand for
single filters and combinations, and by a filter written here in Python (from the issue,
not from the code) for a matrix of every filter against every other."""

from __future__ import annotations

import itertools
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from node.app import create_app
from node.auth.accounts import Role, User
from node.db.types import utcnow
from node.office_time import OFFICE_TZ
from node.settings import DatabaseSection, NodeSection, NodeSettings
from node.tickets.models import Ticket
from node.users.resource import add_user
from node.views.models import SavedView
from node.views.service import MAX_PER_USER, save_view
from tests.conftest import PASSWORD
from tests.factories import customer_payload
from tests.rollup_data import Rows, at, insert_rows
from tests.test_web_pages import csrf_of, web_login

ROW = re.compile(r'<td><a href="/ui/tickets/([0-9a-f-]{36})">')
COUNT = re.compile(r'data-field="count">([^<]*)<')
NEXT = re.compile(r'href="([^"]+)" rel="next"')
OPEN = ("open", "dispatched", "in_progress", "reopened")


@dataclass
class Made:
    """A ticket as the test made it (what the Python filter reads)."""

    id: str
    kind: str
    severity: str
    area: str
    status: str
    tech: str | None  # "a", "b" or None
    opened: datetime  # office wall-clock time
    due_in: timedelta  # from now; windows are long, so "soon" is set by hand below
    soon: bool = False


def beijing(day: int, hour: int = 0, minute: int = 0, second: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, second, tzinfo=OFFICE_TZ)


H = timedelta(hours=1)
YEARS = timedelta(days=3650)
# t0..t7, the rows every hand-computed expectation below refers to.
PLAN = [
    ("repair", "major", "urban", "open", None, beijing(1), -2 * H),
    ("install", "general", "urban", "dispatched", "a", beijing(1, 23, 59, 59), 1 * H),
    ("complaint", "major", "suburban", "in_progress", "b", beijing(2), YEARS),
    ("repair", "general", "county", "reopened", "a", beijing(28, 23, 59, month=2), -1 * H),
    ("repair", "general", "urban", "resolved", "a", beijing(1, 12), -5 * H),
    ("install", "major", "urban", "closed", "b", beijing(3), -5 * H),
    ("repair", "major", "urban", "open", None, beijing(5), 1 * H),
    ("inquiry", "general", "enterprise", "dispatched", "b", beijing(1, 8), YEARS),
]


class Queue:
    """A city node with two technicians, the eight tickets of PLAN and an admin's browser."""

    def __init__(self, client: TestClient, admin: dict, make_user: Callable[..., dict], database):  # type: ignore[no-untyped-def]
        self.client, self.admin, self.make_user, self.database = client, admin, make_user, database
        self.techs = {"a": make_user(Role.technician), "b": make_user(Role.technician)}
        customer = client.post("/api/v1/customers", json=customer_payload(), headers=admin)
        assert customer.status_code == 201, customer.text
        self.made: list[Made] = []
        now = utcnow()
        for kind, severity, area, status, tech, opened, due_in in PLAN:
            answer = client.post(
                "/api/v1/tickets",
                json={"customer_id": customer.json()["id"], "kind": kind, "severity": severity},
                headers=admin,
            )
            assert answer.status_code == 201, answer.text
            made = Made(answer.json()["id"], kind, severity, area, status, tech, opened, due_in)
            # An open ticket due within hours of a window of weeks has < 25 % left.
            made.soon = status in OPEN and timedelta(0) < due_in < YEARS
            self.made.append(made)
            with database.unit_of_work() as session:
                done = now - H if status in ("resolved", "closed") else None
                session.execute(
                    update(Ticket)
                    .where(Ticket.id == uuid.UUID(made.id))
                    .values(
                        service_area=area,
                        status=status,
                        technician_id=uuid.UUID(self.techs[tech]["id"]) if tech else None,
                        created_at=opened.astimezone(UTC),
                        due_at=now + due_in,
                        resolved_at=done if status == "resolved" else None,
                        closed_at=done if status == "closed" else None,
                    )
                )
        self.browser = self.web(Role.admin)

    def web(self, role: Role) -> TestClient:
        user = self.make_user(role)
        browser = web_login(self.client.app, user["username"])
        browser.user = user  # type: ignore[attr-defined]
        return browser

    def ids(self, *numbers: int) -> set[str]:
        return {self.made[n].id for n in numbers}

    def shown(self, params: dict[str, str], browser: TestClient | None = None) -> set[str]:
        page = (browser or self.browser).get("/ui/tickets", params=params)
        assert page.status_code == 200, (params, page.text[:500])
        return set(ROW.findall(page.text))

    def param(self, name: str, value: str) -> str:
        """A test's symbolic value as the link carries it (technicians by their id)."""
        if name == "technician" and value in self.techs:
            return self.techs[value]["id"]
        return value


@pytest.fixture
def queue(client, admin, make_user, database) -> Queue:  # type: ignore[no-untyped-def]
    return Queue(client, admin, make_user, database)


# ---- each filter alone and together, worked out by hand ----------------------------------


@pytest.mark.parametrize(
    "params, expected",
    [
        ({}, {0, 1, 2, 3, 6, 7}),  # open states only
        ({"kind": "repair"}, {0, 3, 6}),
        ({"kind": "install"}, {1}),
        ({"severity": "major"}, {0, 2, 6}),
        ({"technician": "a"}, {1, 3}),
        ({"technician": "none"}, {0, 6}),
        ({"sla": "overdue"}, {0, 3}),
        ({"sla": "soon"}, {1, 6}),
        # 2026-03-01 Beijing: t0 at 00:00:00 and t1 at 23:59:59 are in, t2 at 03-02 00:00
        # and t3 at 02-28 23:59 are out.
        ({"opened_from": "2026-03-01", "opened_to": "2026-03-01"}, {0, 1, 7}),
        ({"opened_from": "2026-03-02"}, {2, 6}),
        ({"opened_to": "2026-02-28"}, {3}),
        ({"status": "resolved"}, {4}),
        ({"status": "closed"}, {5}),
        ({"area": "urban"}, {0, 1, 6}),
        ({"kind": "repair", "severity": "major"}, {0, 6}),
        ({"technician": "a", "sla": "overdue"}, {3}),
        ({"area": "urban", "opened_from": "2026-03-01", "opened_to": "2026-03-01"}, {0, 1}),
        ({"status": "resolved", "technician": "a"}, {4}),
        ({"kind": "repair", "status": "resolved", "opened_to": "2026-03-01"}, {4}),
        ({"kind": "inquiry", "technician": "none"}, set()),
    ],
)
def test_each_filter_and_some_combinations(queue, params, expected):
    link = {k: queue.param(k, v) for k, v in params.items()}
    page = queue.browser.get("/ui/tickets", params=link).text
    assert set(ROW.findall(page)) == queue.ids(*expected)
    if expected:
        assert COUNT.search(page).group(1) == f"共 {len(expected)} 条，第 1–{len(expected)} 条"
    # The form shows what is filtered by.
    for name, value in link.items():
        if name in ("opened_from", "opened_to"):
            assert f'name="{name}" value="{value}"' in page
        else:
            assert re.search(rf'<option value="{re.escape(value)}" selected>', page), name


VALUES = {
    "kind": ["repair", "install"],
    "severity": ["major", "general"],
    "technician": ["a", "none"],
    "sla": ["overdue", "soon"],
    "status": ["dispatched", "resolved"],
    "area": ["urban", "county"],
    "opened_from": ["2026-03-01", "2026-03-02"],
    "opened_to": ["2026-03-01", "2026-02-28"],
}


def expected_rows(queue: Queue, params: dict[str, str]) -> set[str]:
    """The issue's filters applied in Python to the tickets this test made."""
    kept = set()
    for m in queue.made:
        if "sla" in params:
            # An SLA filter reads open tickets only, whatever the status says.
            ok = m.status in OPEN and (
                m.due_in < timedelta(0) if params["sla"] == "overdue" else m.soon
            )
        elif "status" in params:
            ok = m.status == params["status"]
        else:
            ok = m.status in OPEN
        day = m.opened.date()
        ok = ok and params.get("kind", m.kind) == m.kind
        ok = ok and params.get("severity", m.severity) == m.severity
        ok = ok and params.get("area", m.area) == m.area
        ok = ok and params.get("technician", m.tech or "none") == (m.tech or "none")
        ok = ok and date.fromisoformat(params.get("opened_from", "1900-01-01")) <= day
        ok = ok and day <= date.fromisoformat(params.get("opened_to", "2999-12-31"))
        if ok:
            kept.add(m.id)
    return kept


def test_every_filter_against_every_other(queue):
    """Each filter with each of its values, alone and paired with every other filter's."""
    cases: list[dict[str, str]] = [{k: v} for k, values in VALUES.items() for v in values]
    for a, b in itertools.combinations(VALUES, 2):
        cases += [{a: x, b: y} for x in VALUES[a] for y in VALUES[b]]
    checked = 0
    for params in cases:
        if params.get("opened_to", "9") < params.get("opened_from", "0"):
            continue  # refused as a range that ends before it starts (tested below)
        link = {k: queue.param(k, v) for k, v in params.items()}
        assert queue.shown(link) == expected_rows(queue, params), params
        checked += 1
    assert checked > 100


def test_filters_keep_to_the_pages_and_their_links(queue, monkeypatch):
    monkeypatch.setattr("node.web.pages_tickets.QUEUE_PAGE", 2)
    params = {"area": "urban", "technician": "none", "kind": "repair"}  # t0, t6
    page = queue.browser.get("/ui/tickets", params=params | {"severity": "major"}).text
    assert COUNT.search(page).group(1) == "共 2 条，第 1–2 条"
    page = queue.browser.get("/ui/tickets", params={"area": "urban"}).text  # t0, t1, t6
    assert COUNT.search(page).group(1) == "共 3 条，第 1–2 条"
    nxt = NEXT.search(page).group(1).replace("&amp;", "&")
    assert parse_qs(urlsplit(nxt).query)["area"] == ["urban"]
    second = queue.browser.get(nxt).text
    assert COUNT.search(second).group(1) == "共 3 条，第 3–3 条"
    shown = set(ROW.findall(page)) | set(ROW.findall(second))
    assert shown == queue.ids(0, 1, 6)


def test_bulk_actions_keep_every_filter_on_the_way_back(queue):
    link = {"kind": "repair", "technician": "none", "opened_from": "2026-03-01"}
    page = queue.browser.get("/ui/tickets", params=link).text
    answer = queue.browser.post(
        "/ui/tickets/bulk",
        data={
            "csrf_token": csrf_of(page),
            "ids": [queue.made[0].id],
            "action": "dispatch",
            "technician_id": queue.techs["b"]["id"],
        }
        | link
        | {"severity": "high"},  # a stale value is dropped, not a refusal
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    query = parse_qs(urlsplit(answer.headers["location"]).query)
    assert {k: query[k] for k in link} == {k: [v] for k, v in link.items()}
    assert "severity" not in query and query["done"] == ["1"]
    # t0 is dispatched now: the filtered queue it returns to keeps t6 only.
    assert ROW.findall(queue.browser.get(answer.headers["location"]).text) == [queue.made[6].id]


@pytest.mark.parametrize(
    "params, field, name",
    [
        ({"area": "nowhere"}, "area", "服务区域"),
        ({"status": "lost"}, "status", "状态"),
        ({"sla": "late"}, "sla", "时限"),
        ({"kind": "teleport"}, "kind", "工单类型"),
        ({"kind": "x" * 200}, "kind", "工单类型"),
        ({"severity": "high"}, "severity", "紧急程度"),
        ({"technician": "tech1"}, "technician", "维修人员"),
        ({"opened_from": "2026-13-01"}, "opened_from", "受理日期（起）"),
        ({"opened_from": "20260301"}, "opened_from", "受理日期（起）"),
        ({"opened_to": "2026-02-30"}, "opened_to", "受理日期（止）"),
        ({"opened_to": "9999-12-31"}, "opened_to", "受理日期（止）"),
        ({"opened_from": "2026-03-05", "opened_to": "2026-03-01"}, "opened_to", "受理日期（止）"),
        ({"city": "430100"}, "city", "城市"),  # a city's queue has no city filter
    ],
)
def test_a_wrong_filter_is_a_422_naming_it(client, admin, make_user, params, field, name):
    browser = web_login(client.app, make_user(Role.admin)["username"])
    answer = browser.get("/ui/tickets", params=params)
    assert answer.status_code == 422, answer.text
    assert f"{field}: 「{name}」" in answer.text


# ---- saved views ----------------------------------------------------------------------------

VIEW_LINK = re.compile(r'<a href="/ui/tickets/views/(\d+)"[^>]*>([^<]+)</a>')


def save(browser: TestClient, name: str, query: str, shared: bool = False):  # type: ignore[no-untyped-def]
    data = {"csrf_token": csrf_of(browser.get("/ui/tickets").text), "name": name, "query": query}
    return browser.post(
        "/ui/tickets/views", data=data | ({"shared": "1"} if shared else {}), follow_redirects=False
    )


def views_of(browser: TestClient, which: str) -> dict[str, str]:
    """{name: view id} in the queue's 我的视图 ("mine") or 共享视图 ("shared") list."""
    html = browser.get("/ui/tickets").text
    part = html.split(f'data-field="views-{which}"')[1].split("</div>")[0]
    return {name: vid for vid, name in VIEW_LINK.findall(part)}


def test_save_list_and_open_a_view(queue):
    query = urlencode({"kind": "repair", "severity": "major"})
    saved = save(queue.browser, "重大报修", query)
    assert saved.status_code == 303, saved.text
    view_id = views_of(queue.browser, "mine")["重大报修"]
    opened = queue.browser.get(f"/ui/tickets/views/{view_id}", follow_redirects=False)
    assert opened.headers["location"] == f"/ui/tickets?{query}"
    page = queue.browser.get(opened.headers["location"]).text
    assert set(ROW.findall(page)) == queue.ids(0, 6)
    assert f'href="/ui/tickets/views/{view_id}" aria-current="page"' in page


def test_a_shared_view_is_listed_for_others_and_a_private_one_is_not(queue):
    owner, other = queue.web(Role.dispatcher), queue.web(Role.agent)
    assert save(owner, "逾期工单", "sla=overdue", shared=True).status_code == 303
    assert save(owner, "我的草稿", "kind=install").status_code == 303
    mine = views_of(owner, "mine")
    assert set(mine) == {"逾期工单", "我的草稿"}
    shared = views_of(other, "shared")
    assert set(shared) == {"逾期工单"} and views_of(other, "mine") == {}
    page = other.get(f"/ui/tickets/views/{shared['逾期工单']}").text
    assert set(ROW.findall(page)) == queue.ids(0, 3)
    assert other.get(f"/ui/tickets/views/{mine['我的草稿']}").status_code == 404


def test_a_name_is_unique_per_owner_and_an_owner_holds_fifty(queue):
    assert save(queue.browser, "城区", "area=urban").status_code == 303
    again = save(queue.browser, "  城区 ", "area=county")
    assert again.status_code == 409
    assert re.search(r'id="err-name" role="alert">已有名为「城区」的视图', again.text)
    assert save(queue.web(Role.admin), "城区", "area=county").status_code == 303  # another's
    assert save(queue.browser, "x" * 41, "").status_code == 422
    assert save(queue.browser, "", "").status_code == 422
    with queue.database.unit_of_work() as session:
        owner = uuid.UUID(queue.browser.user["id"])
        for i in range(MAX_PER_USER - 1):
            save_view(session, owner, f"视图{i}", "tickets", "", False)
    refused = save(queue.browser, "第五十一个", "kind=repair")
    assert refused.status_code == 422
    assert f"每人最多保存 {MAX_PER_USER} 个视图" in refused.text
    with queue.database.unit_of_work() as session:
        held = session.execute(select(SavedView).where(SavedView.owner_id == owner)).all()
    assert len(held) == MAX_PER_USER


def test_a_view_of_a_changed_query_field_is_refused(queue):
    answer = save(queue.browser, "坏的", "kind=teleport")
    assert answer.status_code == 422 and "筛选条件无法读取" in answer.text
    assert save(queue.browser, "别的参数", "cursor=abc").status_code == 422


def delete(browser: TestClient, view_id: str):  # type: ignore[no-untyped-def]
    csrf = csrf_of(browser.get("/ui/tickets").text)
    return browser.post(
        f"/ui/tickets/views/{view_id}/delete",
        data={"csrf_token": csrf, "query": "area=urban"},
        follow_redirects=False,
    )


def test_only_the_owner_deletes_a_view_and_an_admin_a_shared_one(queue):
    owner, other = queue.web(Role.dispatcher), queue.web(Role.dispatcher)
    save(owner, "私有", "kind=repair")
    save(owner, "共享", "kind=install", shared=True)
    ids = views_of(owner, "mine")
    assert delete(other, ids["私有"]).status_code == 404
    assert delete(other, ids["共享"]).status_code == 403
    assert set(views_of(owner, "mine")) == {"私有", "共享"}
    gone = delete(owner, ids["私有"])
    assert gone.status_code == 303 and gone.headers["location"] == "/ui/tickets?area=urban"
    assert delete(queue.browser, ids["共享"]).status_code == 303  # queue.browser is an admin
    assert views_of(owner, "mine") == {}


def test_a_view_of_a_deleted_technician_still_opens(queue):
    tech = queue.techs["a"]
    assert save(queue.browser, "张师傅的", f"technician={tech['id']}").status_code == 303
    with queue.database.unit_of_work() as session:
        session.execute(
            update(User)
            .where(User.id == uuid.UUID(tech["id"]))
            .values(active=False, deleted_at=utcnow())
        )
    view_id = views_of(queue.browser, "mine")["张师傅的"]
    page = queue.browser.get(f"/ui/tickets/views/{view_id}")
    assert page.status_code == 200
    assert re.search(rf'<option value="{tech["id"]}" selected>未知维修人员（', page.text)
    assert set(ROW.findall(page.text)) == queue.ids(1, 3)


def test_the_queue_says_when_it_was_refreshed_and_opts_in(queue):
    page = queue.browser.get("/ui/tickets").text
    stamp = re.search(r'data-field="refreshed">刷新于 (\d\d:\d\d)<', page)
    assert stamp
    now = datetime.now(OFFICE_TZ)
    assert stamp.group(1) in {now.strftime("%H:%M"), (now - timedelta(minutes=1)).strftime("%H:%M")}
    assert 'id="queue-list" data-refresh="60"' in page


# ---- the city filter at a province -----------------------------------------------------------


@pytest.fixture
def province(parent_database, tmp_path) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    settings = NodeSettings(
        data_dir=tmp_path / "province",
        node=NodeSection(level="province", code="430000", name="湖南省"),
        database=DatabaseSection(url=parent_database.engine.url.render_as_string(False)),
    )
    settings.data_dir.mkdir()
    with parent_database.unit_of_work() as session:
        add_user(session, "prov_admin", "省管理员", Role.admin, PASSWORD, None)
    rows = Rows()
    customer = uuid.uuid4()
    for origin, kind, day in (
        ("430100", "repair", 1),
        ("430100", "install", 2),
        ("430200", "repair", 3),
        ("430200", "complaint", 4),
        ("430300", "repair", 5),
    ):
        rows.ticket(customer, origin, kind, "general", at(2026, 3, day, 9))
    insert_rows(parent_database, rows)
    app = create_app(settings, parent_database)
    with TestClient(app):
        browser = web_login(app, "prov_admin")
        made = {t["ticket_no"]: (t["origin"], t["kind"]) for t in rows.tickets}
        browser.made = made  # type: ignore[attr-defined]
        yield browser


def _numbers(html: str) -> set[str]:
    return set(re.findall(r"43\d{4}-W\d{8}", html))


@pytest.mark.parametrize(
    "params, cities",
    [
        ({}, {"430100", "430200", "430300"}),
        ({"city": "430100"}, {"430100"}),
        ({"city": "430200"}, {"430200"}),
        ({"city": "430200", "kind": "repair"}, {"430200"}),
        ({"city": "430500"}, set()),  # a city of the province with nothing here yet
    ],
)
def test_a_province_filters_by_city(province, params, cities):
    page = province.get("/ui/tickets", params=params)
    assert page.status_code == 200, page.text
    expected = {
        no
        for no, (origin, kind) in province.made.items()
        if origin in cities and params.get("kind", kind) == kind
    }
    assert _numbers(page.text) == expected
    # The cities whose tickets the province holds, by their standard names.
    assert re.search(r'<option value="430100"( selected)?>长沙市</option>', page.text)
    assert re.search(r'<option value="430200"( selected)?>株洲市</option>', page.text)


@pytest.mark.parametrize("city", ["440100", "430000", "43010", "abc"])
def test_a_province_refuses_a_city_outside_it(province, city):
    answer = province.get("/ui/tickets", params={"city": city})
    assert answer.status_code == 422 and "city: 「城市」" in answer.text


def test_the_form_s_empty_fields_leave_the_link(queue):
    answer = queue.browser.get(
        "/ui/tickets?area=&status=&sla=&kind=repair&severity=&technician=none&opened_from=",
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/ui/tickets?kind=repair&technician=none"
    everything = queue.browser.get("/ui/tickets?area=&kind=", follow_redirects=False)
    assert everything.headers["location"] == "/ui/tickets"


def test_the_queue_filters_by_the_technicians_service_department(client, admin, make_user):
    """Issue 19 §15: 服务部门 is usable as a filter: the tickets held by technicians of
    that department (none for a department nobody in it holds)."""
    field_tech = make_user(Role.technician, "urban")
    hall_tech = make_user(Role.technician, "urban")
    for user, department in ((field_tech, "field_service"), (hall_tech, "business_hall")):
        answer = client.patch(
            f"/api/v1/users/{user['id']}", json={"department": department}, headers=admin
        )
        assert answer.status_code == 200, answer.text
    customer = client.post("/api/v1/customers", json=customer_payload(), headers=admin).json()
    numbers = {}
    for name, tech in (("field", field_tech), ("hall", hall_tech), ("nobody", None)):
        body = {"customer_id": customer["id"], "kind": "repair"}
        if tech:
            body["technician_id"] = tech["id"]
        numbers[name] = client.post("/api/v1/tickets", json=body, headers=admin).json()["ticket_no"]
    lead = web_login(client.app, make_user(Role.team_lead)["username"], PASSWORD)
    page = lead.get("/ui/tickets", params={"department": "field_service"}).text
    assert numbers["field"] in page
    assert numbers["hall"] not in page and numbers["nobody"] not in page
    assert (
        numbers["field"] not in lead.get("/ui/tickets", params={"department": "key_accounts"}).text
    )
    bad = lead.get("/ui/tickets", params={"department": "made_up"})
    assert bad.status_code == 422 and "服务部门" in bad.text
