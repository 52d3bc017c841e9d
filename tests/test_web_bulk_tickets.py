"""Issue 19 §7, the dispatcher's workbench: tick tickets on the queue, then dispatch,
reassign or close them in one request (POST /ui/tickets/bulk). Each ticket is tried on
its own (a refusal changes nothing of it, the others are applied) and the queue says
「已处理 N 件，M 件未处理」 with each refused ticket's number and reason."""

from __future__ import annotations

import itertools
import re
import uuid
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from node.auth.accounts import Role
from node.dictionaries.models import DictionaryEntry
from node.tickets.models import Ticket
from tests.factories import customer_payload
from tests.test_web_pages import csrf_of, web_login

ALL_STATES = ("open", "dispatched", "in_progress", "resolved", "closed", "reopened")
# How to bring a new (open) ticket to each state through the API; "tech" is the holder.
ROUTES: dict[str, list[str]] = {
    "open": [],
    "dispatched": ["dispatched"],
    "in_progress": ["dispatched", "in_progress"],
    "resolved": ["dispatched", "in_progress", "resolved"],
    "closed": ["dispatched", "in_progress", "resolved", "closed"],
    "reopened": ["dispatched", "in_progress", "resolved", "reopened"],
}
# Written out by hand from the issue and the workflow (not read from the code): what
# each action makes of a ticket in each state; a state not listed is refused.
EXPECTED: dict[str, dict[str, str]] = {
    "dispatch": {"open": "dispatched", "reopened": "dispatched"},
    "reassign": {"dispatched": "dispatched", "in_progress": "in_progress", "reopened": "reopened"},
    "close": {"resolved": "closed"},
}
LABELS = {
    "open": "待派单",
    "dispatched": "已派单",
    "in_progress": "处理中",
    "resolved": "已解决",
    "closed": "已关闭",
    "reopened": "重新打开",
}
VERBS = {"dispatch": "派单", "reassign": "改派", "close": "关闭"}
SUMMARY = re.compile(r'data-field="bulk-summary">([^<]*)<')
REFUSED = re.compile(r'<li><span data-field="ticket_no">([^<]+)</span>：([^<]+)</li>')


class Desk:
    """A node with an admin (API), two technicians and a customer to open tickets for."""

    def __init__(self, client: TestClient, admin: dict, make_user: Callable[..., dict]) -> None:
        self.client = client
        self.admin = admin
        self.make_user = make_user
        self.tech_a = make_user(Role.technician)
        self.tech_b = make_user(Role.technician)
        made = client.post("/api/v1/customers", json=customer_payload(), headers=admin)
        assert made.status_code == 201, made.text
        self.customer = made.json()

    def ticket(self, state: str = "open", customer: dict | None = None, **fields: str) -> dict:
        """A new ticket moved to `state` (held by technician A once dispatched)."""
        body = {"customer_id": (customer or self.customer)["id"], "kind": "repair"} | fields
        made = self.client.post("/api/v1/tickets", json=body, headers=self.admin)
        assert made.status_code == 201, made.text
        for to in ROUTES[state]:
            move = {"to": to} | ({"technician_id": self.tech_a["id"]} if to == "dispatched" else {})
            moved = self.client.post(
                f"/api/v1/tickets/{made.json()['id']}/transition", json=move, headers=self.admin
            )
            assert moved.status_code == 200, moved.text
        return self.read(made.json()["id"])

    def read(self, ticket_id: str) -> dict:
        """The ticket as the API shows it now, with its events."""
        resp = self.client.get(f"/api/v1/tickets/{ticket_id}", headers=self.admin)
        assert resp.status_code == 200, resp.text
        return resp.json()

    def web(self, role: Role, service_area: str | None = None) -> TestClient:
        user = self.make_user(role, service_area)
        browser = web_login(self.client.app, user["username"])
        browser.user = user  # type: ignore[attr-defined]
        return browser


@pytest.fixture
def desk(client: TestClient, admin: dict, make_user: Callable[..., dict]) -> Desk:
    return Desk(client, admin, make_user)


def post_bulk(
    browser: TestClient, ids: list[str], action: str, technician_id: str = "", **extra: str
):  # type: ignore[no-untyped-def]
    """The queue's bulk form as a browser sends it (the redirect not followed)."""
    csrf = csrf_of(browser.get("/ui/tickets").text)
    data = {
        "csrf_token": csrf,
        "ids": ids,
        "action": action,
        "technician_id": technician_id,
    } | extra
    return browser.post("/ui/tickets/bulk", data=data, follow_redirects=False)


def landed(browser: TestClient, resp) -> tuple[str, list[tuple[str, str]]]:  # type: ignore[no-untyped-def]
    """Follow the 303 back to the queue: its summary line and the refused tickets."""
    assert resp.status_code == 303, resp.text
    assert urlsplit(resp.headers["location"]).path == "/ui/tickets"
    page = browser.get(resp.headers["location"])
    assert page.status_code == 200
    summary = SUMMARY.search(page.text)
    assert summary, "no summary on the queue"
    return summary.group(1), REFUSED.findall(page.text)


def unchanged(before: dict, after: dict) -> bool:
    keys = ("status", "technician_id", "origin_version", "updated_at")
    return all(before[k] == after[k] for k in keys) and before["events"] == after["events"]


# ---- the form on the queue -------------------------------------------------------------


@pytest.mark.parametrize(
    "role, shown",
    [
        (Role.dispatcher, True),
        (Role.team_lead, True),
        (Role.admin, True),
        (Role.agent, False),
        (Role.technician, False),
        (Role.analyst, False),
    ],
)
def test_checkboxes_and_the_bulk_form_only_for_who_may_move_tickets(desk, role, shown):
    ticket = desk.ticket("open")
    page = desk.web(role).get("/ui/tickets").text
    box = f'<input type="checkbox" name="ids" value="{ticket["id"]}" form="bulk-form"'
    if role is Role.technician:  # their queue holds their own tickets only
        assert 'action="/ui/tickets/bulk"' not in page
        return
    assert (box in page) is shown
    assert ('action="/ui/tickets/bulk"' in page) is shown
    assert ("data-select-all" in page) is shown


def test_each_technician_shows_their_open_load_beside_the_choice(desk):
    desk.ticket("dispatched")
    desk.ticket("in_progress")
    page = desk.web(Role.dispatcher).get("/ui/tickets").text
    form = page.split('id="bulk-technician"', 1)[1].split("</select>", 1)[0]
    assert re.search(f'<option value="{desk.tech_a["id"]}">[^<]+ · 在办 2 件</option>', form)
    assert re.search(f'<option value="{desk.tech_b["id"]}">[^<]+ · 在办 0 件</option>', form)


# ---- dispatch, reassign, close ---------------------------------------------------------


def test_bulk_dispatch_of_three_open_tickets(desk):
    made = [desk.ticket("open") for _ in range(3)]
    dispatcher = desk.web(Role.dispatcher)
    resp = post_bulk(
        dispatcher, [t["id"] for t in made], "dispatch", desk.tech_b["id"], note="台风后集中抢修"
    )
    summary, refused = landed(dispatcher, resp)
    assert summary == "已处理 3 件，0 件未处理" and refused == []
    for before in made:
        after = desk.read(before["id"])
        assert after["status"] == "dispatched"
        assert after["technician_id"] == desk.tech_b["id"]
        assert after["dispatched_at"] is not None
        assert len(after["events"]) == len(before["events"]) + 1
        event = after["events"][-1]
        assert (event["from_status"], event["to_status"]) == ("open", "dispatched")
        assert event["actor_id"] == dispatcher.user["id"]
        assert event["note"] == "台风后集中抢修"


def test_a_closed_ticket_among_the_ticked_is_refused_by_number_and_the_rest_applied(desk):
    first, closed, last = desk.ticket("open"), desk.ticket("closed"), desk.ticket("open")
    lead = desk.web(Role.team_lead)
    resp = post_bulk(lead, [first["id"], closed["id"], last["id"]], "dispatch", desk.tech_b["id"])
    summary, refused = landed(lead, resp)
    assert summary == "已处理 2 件，1 件未处理"
    assert refused == [(closed["ticket_no"], "已关闭的工单不能派单")]
    assert unchanged(closed, desk.read(closed["id"]))
    assert [desk.read(t["id"])["status"] for t in (first, last)] == ["dispatched", "dispatched"]
    # The reason in English for an English reader, from the same link.
    lead.cookies.set("fedcrm_lang", "en")
    english = lead.get(resp.headers["location"]).text
    assert "2 done, 1 not done" in english
    assert f"{closed['ticket_no']}</span>：A ticket that is closed cannot be dispatched" in english


def test_reassign_gives_held_tickets_the_new_technician(desk):
    dispatched, working, reopened = (
        desk.ticket("dispatched"),
        desk.ticket("in_progress"),
        desk.ticket("reopened"),
    )
    still_open = desk.ticket("open")
    dispatcher = desk.web(Role.dispatcher)
    ids = [dispatched["id"], working["id"], reopened["id"], still_open["id"]]
    summary, refused = landed(dispatcher, post_bulk(dispatcher, ids, "reassign", desk.tech_b["id"]))
    assert summary == "已处理 3 件，1 件未处理"
    assert refused == [(still_open["ticket_no"], "待派单的工单不能改派")]
    for before in (dispatched, working, reopened):
        after = desk.read(before["id"])
        assert after["technician_id"] == desk.tech_b["id"]
        assert after["status"] == before["status"]  # reassigning keeps the state
    assert unchanged(still_open, desk.read(still_open["id"]))
    # Reassigning to whoever holds it already changes nothing, and says so.
    again = desk.read(working["id"])
    summary, refused = landed(
        dispatcher, post_bulk(dispatcher, [working["id"]], "reassign", desk.tech_b["id"])
    )
    assert summary == "已处理 0 件，1 件未处理"
    assert refused == [(working["ticket_no"], "已经派给这位维修人员")]
    assert unchanged(again, desk.read(working["id"]))


def test_close_closes_resolved_tickets_and_refuses_an_open_one(desk):
    resolved, still_open = desk.ticket("resolved"), desk.ticket("open")
    admin = desk.web(Role.admin)
    summary, refused = landed(
        admin, post_bulk(admin, [resolved["id"], still_open["id"]], "close", note="回访满意")
    )
    assert summary == "已处理 1 件，1 件未处理"
    assert refused == [(still_open["ticket_no"], "待派单的工单不能关闭")]
    after = desk.read(resolved["id"])
    assert after["status"] == "closed" and after["closed_at"] is not None
    assert after["technician_id"] == desk.tech_a["id"]  # closing keeps who did the work
    assert (after["events"][-1]["from_status"], after["events"][-1]["to_status"]) == (
        "resolved",
        "closed",
    )
    assert after["events"][-1]["note"] == "回访满意"
    assert unchanged(still_open, desk.read(still_open["id"]))


@pytest.mark.parametrize("action, state", list(itertools.product(sorted(EXPECTED), ALL_STATES)))
def test_every_action_on_every_state_does_what_the_workflow_allows(desk, action, state):
    before = desk.ticket(state)
    dispatcher = desk.web(Role.dispatcher)
    technician = desk.tech_b["id"] if action != "close" else ""
    summary, refused = landed(dispatcher, post_bulk(dispatcher, [before["id"]], action, technician))
    after = desk.read(before["id"])
    expected = EXPECTED[action].get(state)
    if expected is None:
        assert summary == "已处理 0 件，1 件未处理"
        assert refused == [(before["ticket_no"], f"{LABELS[state]}的工单不能{VERBS[action]}")]
        assert unchanged(before, after)
        return
    assert summary == "已处理 1 件，0 件未处理" and refused == []
    assert after["status"] == expected
    holder = desk.tech_b["id"] if action in ("dispatch", "reassign") else desk.tech_a["id"]
    assert after["technician_id"] == holder
    if expected != state:  # a move leaves its event, from the state it was in
        event = after["events"][-1]
        assert (event["from_status"], event["to_status"]) == (state, expected)


# ---- who may, and what is refused before anything is tried ------------------------------


@pytest.mark.parametrize("role", [Role.technician, Role.agent, Role.analyst])
def test_roles_that_may_not_bulk_move_get_403_and_nothing_changes(desk, role):
    ticket = desk.ticket("open")
    browser = desk.web(role)
    resp = post_bulk(browser, [ticket["id"]], "dispatch", desk.tech_b["id"])
    assert resp.status_code == 403
    assert "您的角色无权执行此操作" in resp.text
    assert unchanged(ticket, desk.read(ticket["id"]))


def test_a_post_without_the_csrf_token_is_refused(desk):
    ticket = desk.ticket("open")
    browser = desk.web(Role.dispatcher)
    data = {"ids": [ticket["id"]], "action": "dispatch", "technician_id": desk.tech_b["id"]}
    assert browser.post("/ui/tickets/bulk", data=data).status_code == 403
    assert unchanged(ticket, desk.read(ticket["id"]))


@pytest.mark.parametrize(
    "form, field, message",
    [
        ({"action": ""}, "操作", "请选择派单、改派或关闭"),
        ({"action": "delete"}, "操作", "请选择派单、改派或关闭"),
        ({"technician_id": ""}, "维修人员", "派单和改派需要选择维修人员"),
        ({"technician_id": "nobody"}, "维修人员", "不是本节点在岗的装维人员"),
        ({"ids": []}, "工单", "请至少勾选一件工单"),
        ({"note": "备" * 2001}, "备注", "备注最多 2000 个字符"),
        ({"note": "a\x00b"}, "备注", "不能包含空字符"),
    ],
)
def test_a_wrong_form_value_is_named_in_chinese_and_nothing_changes(desk, form, field, message):
    ticket = desk.ticket("open")
    dispatcher = desk.web(Role.dispatcher)
    values = {"ids": [ticket["id"]], "action": "dispatch", "technician_id": desk.tech_b["id"]}
    values |= form
    resp = post_bulk(dispatcher, **values)
    assert resp.status_code == 422
    assert f"<p>{field}：{message}" in resp.text
    assert unchanged(ticket, desk.read(ticket["id"]))
    if values["ids"]:  # the queue comes back with the same boxes ticked
        assert re.search(f'value="{ticket["id"]}" form="bulk-form"[^>]* checked>', resp.text)
    if values["action"] == "dispatch":  # ...and the form with what was chosen
        assert '<option value="dispatch" selected>' in resp.text


def test_someone_who_is_not_a_technician_cannot_be_dispatched_to(desk):
    ticket = desk.ticket("open")
    agent = desk.make_user(Role.agent)
    dispatcher = desk.web(Role.dispatcher)
    resp = post_bulk(dispatcher, [ticket["id"]], "dispatch", agent["id"])
    assert resp.status_code == 422 and "维修人员：不是本节点在岗的装维人员" in resp.text
    assert unchanged(ticket, desk.read(ticket["id"]))


@pytest.mark.parametrize(
    "bad", ["not-a-ticket", "12345", "' OR 1=1 --", "ｅ" * 300, "\x00", "0" * 33]
)
def test_a_malformed_id_refuses_the_whole_request(desk, bad):
    ticket = desk.ticket("open")
    dispatcher = desk.web(Role.dispatcher)
    resp = post_bulk(dispatcher, [ticket["id"], bad], "dispatch", desk.tech_b["id"])
    assert resp.status_code == 422
    assert "工单：不是有效的工单编号：" in resp.text
    assert unchanged(ticket, desk.read(ticket["id"]))


def test_more_than_200_tickets_are_refused_with_a_message(desk):
    ticket = desk.ticket("open")
    dispatcher = desk.web(Role.dispatcher)
    ids = [ticket["id"]] + [str(uuid.uuid4()) for _ in range(200)]
    resp = post_bulk(dispatcher, ids, "dispatch", desk.tech_b["id"])
    assert resp.status_code == 422
    assert "一次最多处理 200 件，本次选了 201 件" in resp.text
    assert unchanged(ticket, desk.read(ticket["id"]))


def test_exactly_200_with_unknown_ids_and_a_ticket_ticked_twice(desk):
    ticket = desk.ticket("open")
    dispatcher = desk.web(Role.dispatcher)
    unknown = [str(uuid.uuid4()) for _ in range(198)]
    resp = post_bulk(
        dispatcher, [ticket["id"], ticket["id"], *unknown], "dispatch", desk.tech_b["id"]
    )
    summary, refused = landed(dispatcher, resp)
    assert summary == "已处理 1 件，198 件未处理"  # the one ticked twice is done once
    assert len(refused) == 198 and {no for no, _ in refused} == set(unknown)
    assert {why for _, why in refused} == {"工单不存在，或不在您的服务区域内"}
    assert desk.read(ticket["id"])["status"] == "dispatched"


def test_tickets_outside_the_area_or_of_another_node_are_refused_unchanged(desk, database):
    county = desk.client.post(
        "/api/v1/customers", json=customer_payload(service_area="county"), headers=desk.admin
    ).json()
    outside = desk.ticket("open", customer=county)
    foreign = desk.ticket("open")
    mine = desk.ticket("open")
    with database.unit_of_work() as session:  # as if replicated from another city
        session.execute(
            update(Ticket).where(Ticket.id == uuid.UUID(foreign["id"])).values(origin="430200")
        )
    foreign = desk.read(foreign["id"])
    dispatcher = desk.web(Role.dispatcher, service_area="urban")
    unknown = str(uuid.uuid4())
    ids = [outside["id"], foreign["id"], unknown, mine["id"]]
    summary, refused = landed(dispatcher, post_bulk(dispatcher, ids, "dispatch", desk.tech_b["id"]))
    assert summary == "已处理 1 件，3 件未处理"
    assert refused == [
        (outside["id"], "工单不存在，或不在您的服务区域内"),  # its number is not theirs to see
        (foreign["ticket_no"], "工单属于其他节点，此处只读"),
        (unknown, "工单不存在，或不在您的服务区域内"),
    ]
    assert unchanged(outside, desk.read(outside["id"]))
    assert unchanged(foreign, desk.read(foreign["id"]))
    assert desk.read(mine["id"])["status"] == "dispatched"


def test_a_ticket_the_service_refuses_rolls_back_alone(desk, database):
    """The reassign goes through the API's PATCH, which checks the whole ticket again:
    a retired ticket kind refuses it there; its savepoint undoes only that ticket."""
    retired = desk.ticket("dispatched", kind="complaint")
    fine = desk.ticket("dispatched")
    with database.unit_of_work() as session:
        session.execute(
            update(DictionaryEntry)
            .where(DictionaryEntry.kind == "ticket_kind", DictionaryEntry.code == "complaint")
            .values(active=False)
        )
    dispatcher = desk.web(Role.dispatcher)
    resp = post_bulk(dispatcher, [retired["id"], fine["id"]], "reassign", desk.tech_b["id"])
    summary, refused = landed(dispatcher, resp)
    assert summary == "已处理 1 件，1 件未处理"
    assert refused == [(retired["ticket_no"], "系统拒绝了此工单，请打开工单单独办理以查看原因")]
    assert unchanged(retired, desk.read(retired["id"]))
    assert desk.read(fine["id"])["technician_id"] == desk.tech_b["id"]


# ---- the way back to the queue ------------------------------------------------------------


def test_the_redirect_keeps_the_queue_filters_and_a_reload_sends_nothing(desk):
    ticket = desk.ticket("open")
    dispatcher = desk.web(Role.dispatcher)
    resp = post_bulk(
        dispatcher,
        [ticket["id"]],
        "dispatch",
        desk.tech_b["id"],
        area="urban",
        status="open",
        sla="nonsense",
    )
    assert resp.status_code == 303
    query = parse_qs(urlsplit(resp.headers["location"]).query)
    assert query["area"] == ["urban"] and query["status"] == ["open"]
    assert "sla" not in query  # not a filter the queue takes
    assert query["bulk"] == ["dispatch"] and query["done"] == ["1"]
    events = len(desk.read(ticket["id"])["events"])
    dispatcher.get(resp.headers["location"])  # the reload is a GET
    assert len(desk.read(ticket["id"])["events"]) == events


@pytest.mark.parametrize(
    "query",
    [
        "bulk=dispatch&done=abc&refused=zz",
        "bulk=explode&done=1",
        "bulk=close&done=99999999999&refused=" + "~".join(["0" * 32 + ".closed"] * 500),
        "bulk=close&refused=" + "0" * 32 + ".<script>",
        "bulk=reassign&done=%00",
    ],
)
def test_a_hand_made_summary_link_never_fails(desk, query):
    page = desk.web(Role.dispatcher).get(f"/ui/tickets?{query}")
    assert page.status_code in (200, 422)
    assert "<script>" not in page.text.split("</title>", 1)[1].replace(
        '<script src="/ui/static/app.js" defer></script>', ""
    )
