"""Issue 22 §3, suggested articles by ticket kind and product, on SQLite and PostgreSQL:
GET /api/v1/kb/suggestions and node.knowledge.suggestions. A tag matches whole (never
a longer tag holding the code, never another case, `_` and `%` literal); drafts,
archived, expired and not-yet-effective articles are never suggested; the ranking is
kind and product, then kind, then product, must-read first, then the newest; the
caller must be able to read the ticket or customer (404 otherwise, as its own page);
an article taken from above is suggested like any other. Every expected list is
written out here by hand."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient

from federation.receiving.apply import apply_incoming
from federation.sending.capture import read_changes
from node.auth.accounts import Role
from node.db.unit_of_work import Database
from node.knowledge import review
from node.knowledge.articles import ArticleFields, create_article
from node.knowledge.folders import create_folder
from node.knowledge.from_above import take_from_above
from node.knowledge.suggestions import Wanted, suggest, suggest_for_ticket
from node.tickets.models import Ticket
from tests.factories import customer_payload

URL = "/api/v1/kb/suggestions"
TODAY = date.today()
NEXT_YEAR = TODAY.replace(year=TODAY.year + 1).isoformat()


def _post(client: TestClient, headers: dict, path: str, body: dict[str, Any]) -> dict:
    resp = client.post(f"/api/v1/{path}", json=body, headers=headers)
    assert resp.status_code in (200, 201), (path, resp.text)
    result: dict = resp.json()
    return result


def _titles(resp: Any) -> list[str]:
    assert resp.status_code == 200, resp.text
    return [row["title"] for row in resp.json()["data"]]


@pytest.fixture
def world(client: TestClient, login: Callable[..., dict]) -> dict[str, Any]:
    """A customer (urban) subscribing to ftth_500 (live) and itv (ended), with an open
    repair ticket and an open install ticket; articles written by a team lead and
    published by an admin in this order (so the later is the newer):

    宽带报修流程 [repair, ftth_500]      报修话术 [repair]      报修必读 [repair] 必读
    千兆宽带资费 [ftth_500, 资费]        千兆套餐提速 [ftth_5000]
    大写标签 [FTTH_500]                  下划线标签 [ftthX500]  电视说明 [itv]
    报修新规 [repair]                    装机指南 [install]
    never shown to readers, all [repair]: 报修草稿 (a draft), 旧报修规定 (archived),
    过期报修规定 (expired in 2020), 明年报修规定 (effective next year)
    """
    admin, editor = login(Role.admin), login(Role.team_lead)
    customer = _post(client, admin, "customers", customer_payload(service_area="urban"))
    products = {}
    for code, kind in (("ftth_500", "broadband"), ("itv", "iptv")):
        body = {"code": code, "name": code, "type": kind, "monthly_price": "99"}
        products[code] = _post(client, admin, "products", body)["id"]
    _post(
        client,
        admin,
        "subscriptions",
        {"customer_id": customer["id"], "product_id": products["ftth_500"]},
    )
    _post(
        client,
        admin,
        "subscriptions",
        {"customer_id": customer["id"], "product_id": products["itv"], "status": "ended"},
    )
    repair = _post(client, admin, "tickets", {"customer_id": customer["id"], "kind": "repair"})
    install = _post(client, admin, "tickets", {"customer_id": customer["id"], "kind": "install"})
    folder = _post(client, editor, "kb/folders", {"name": "业务知识"})["id"]

    def article(title: str, tags: list[str], state: str = "published", **more: Any) -> str:
        body = {"folder_id": folder, "kind": "knowledge", "title": title, "tags": tags, **more}
        made = _post(client, editor, "kb/articles", body)["id"]
        if state != "draft":
            _post(client, editor, f"kb/articles/{made}/submit", {})
            _post(client, admin, f"kb/articles/{made}/approve", {})
        if state == "archived":
            _post(client, admin, f"kb/articles/{made}/archive", {})
        return str(made)

    ids = {
        "宽带报修流程": article("宽带报修流程", ["repair", "ftth_500"]),
        "报修话术": article("报修话术", ["repair"]),
        "报修必读": article("报修必读", ["repair"], must_read=True),
        "千兆宽带资费": article("千兆宽带资费", ["ftth_500", "资费"]),
    }
    article("千兆套餐提速", ["ftth_5000"])
    article("大写标签", ["FTTH_500"])
    article("下划线标签", ["ftthX500"])
    article("电视说明", ["itv"])
    ids["报修新规"] = article("报修新规", ["repair"])
    ids["装机指南"] = article("装机指南", ["install"])
    article("报修草稿", ["repair"], state="draft")
    article("旧报修规定", ["repair"], state="archived")
    article("过期报修规定", ["repair"], effective_from="2019-01-01", expires_at="2020-01-01")
    article("明年报修规定", ["repair"], effective_from=NEXT_YEAR)
    return {
        "admin": admin,
        "customer": customer["id"],
        "repair": repair["id"],
        "install": install["id"],
        "ids": ids,
    }


def test_beside_a_ticket_the_kind_and_the_customers_products_ranked(
    client: TestClient, world: dict
) -> None:
    resp = client.get(URL, params={"ticket_id": world["repair"]}, headers=world["admin"])
    assert _titles(resp) == ["宽带报修流程", "报修必读", "报修新规", "报修话术", "千兆宽带资费"]
    first, last = resp.json()["data"][0], resp.json()["data"][-1]
    assert first["matched_kinds"] == ["repair"] and first["matched_products"] == ["ftth_500"]
    assert first["tags"] == ["repair", "ftth_500"] and first["folder"] == "业务知识"
    assert first["id"] == world["ids"]["宽带报修流程"] and first["kind"] == "knowledge"
    assert last["matched_kinds"] == [] and last["matched_products"] == ["ftth_500"]
    assert [row["must_read"] for row in resp.json()["data"]] == [False, True, False, False, False]

    install = client.get(URL, params={"ticket_id": world["install"]}, headers=world["admin"])
    # 千兆宽带资费 was published after 宽带报修流程: both match only the product here.
    assert _titles(install) == ["装机指南", "千兆宽带资费", "宽带报修流程"]

    three = client.get(
        URL, params={"ticket_id": world["repair"], "limit": 3}, headers=world["admin"]
    )
    assert _titles(three) == ["宽带报修流程", "报修必读", "报修新规"]


def test_for_a_customer_its_products_and_its_open_tickets_kinds(
    client: TestClient, world: dict
) -> None:
    admin = world["admin"]
    resp = client.get(URL, params={"customer_id": world["customer"], "limit": 10}, headers=admin)
    assert _titles(resp) == [
        "宽带报修流程",
        "报修必读",
        "装机指南",
        "报修新规",
        "报修话术",
        "千兆宽带资费",
    ]
    five = client.get(URL, params={"customer_id": world["customer"]}, headers=admin)
    assert _titles(five) == ["宽带报修流程", "报修必读", "装机指南", "报修新规", "报修话术"]

    # Once its tickets are resolved, only its product is left to match.
    for ticket in (world["repair"], world["install"]):
        _post(client, admin, f"tickets/{ticket}/transition", {"to": "resolved"})
    resolved = client.get(URL, params={"customer_id": world["customer"]}, headers=admin)
    assert _titles(resolved) == ["千兆宽带资费", "宽带报修流程"]


def test_a_customer_with_nothing_to_match_gets_an_empty_list(
    client: TestClient, world: dict
) -> None:
    other = _post(client, world["admin"], "customers", customer_payload(name="李四"))
    resp = client.get(URL, params={"customer_id": other["id"]}, headers=world["admin"])
    assert resp.status_code == 200 and resp.json() == {"data": []}


@pytest.mark.parametrize(
    ("params", "fields"),
    [
        ({}, {"ticket_id", "customer_id"}),
        (
            {"ticket_id": str(uuid.uuid4()), "customer_id": str(uuid.uuid4())},
            {"ticket_id", "customer_id"},
        ),
        ({"ticket_id": "not-a-uuid"}, {"ticket_id"}),
        ({"customer_id": "12345"}, {"customer_id"}),
        ({"customer_id": str(uuid.uuid4()), "limit": 0}, {"limit"}),
        ({"customer_id": str(uuid.uuid4()), "limit": 21}, {"limit"}),
    ],
)
def test_bad_parameters_are_a_422_naming_the_field(
    client: TestClient, admin: dict, params: dict, fields: set[str]
) -> None:
    resp = client.get(URL, params=params, headers=admin)
    assert resp.status_code == 422, resp.text
    assert set(resp.json()["error"]["fields"]) == fields


def test_an_unknown_ticket_or_customer_is_a_404(client: TestClient, admin: dict) -> None:
    for name in ("ticket_id", "customer_id"):
        resp = client.get(URL, params={name: str(uuid.uuid4())}, headers=admin)
        assert resp.status_code == 404, resp.text


def test_only_what_the_caller_may_read(
    client: TestClient, world: dict, login: Callable[..., dict]
) -> None:
    """The 360's and the ticket's own scoping: another area's agent and a technician the
    ticket is not assigned to get a 404; a role without kb:read a 403."""
    near, far = login(Role.agent, "urban"), login(Role.agent, "county")
    technician = login(Role.technician, "urban")
    for name in ("customer_id", "ticket_id"):
        value = world["customer"] if name == "customer_id" else world["repair"]
        assert client.get(URL, params={name: value}, headers=near).status_code == 200
        assert client.get(URL, params={name: value}, headers=far).status_code == 404
        assert client.get(URL, params={name: value}, headers=login(Role.cti)).status_code == 403
    resp = client.get(URL, params={"ticket_id": world["repair"]}, headers=technician)
    assert resp.status_code == 404
    assert client.get(URL, params={"customer_id": world["customer"]}).status_code == 401


# ---- the module itself: codes no API call can send ------------------------------------


def _published(db: Database, folder: str, articles: list[tuple[str, list[str]]]) -> None:
    """Articles in one new folder, each written by one editor and approved by another."""
    with db.unit_of_work() as session:
        made = create_folder(session, folder, None, "zhang.wei")
        for title, tags in articles:
            fields = ArticleFields(made.id, "knowledge", tags, False, None, None)
            article = create_article(session, fields, title, "", "", "zhang.wei")
            review.submit(session, article, "zhang.wei")
            review.approve(session, article, "li.na")


def _suggested(db: Database, kinds: set[str], products: set[str]) -> list[str]:
    with db.unit_of_work(write=False) as session:
        found = suggest(session, Wanted(frozenset(kinds), frozenset(products)), None, 10)
        return [s.title for s in found]


def test_a_tag_matches_whole_and_quotes_percent_and_backslash_are_literal(
    database: Database,
) -> None:
    _published(
        database,
        "宽带",
        [
            ("宽带", ["宽带"]),
            ("宽带提速", ["宽带提速"]),
            ("引号里的宽带", ['a","宽带']),  # the JSON text holds "宽带" inside this tag
            ("百分号", ["50%"]),
            ("五零", ["50x"]),
            ("反斜杠", ["a\\b"]),
            ("引号", ['说"明']),
        ],
    )
    assert _suggested(database, {"宽带"}, set()) == ["宽带"]
    assert _suggested(database, {"50%"}, set()) == ["百分号"]
    assert _suggested(database, {"5%"}, set()) == []
    assert _suggested(database, set(), {"a\\b"}) == ["反斜杠"]
    assert _suggested(database, set(), {'说"明'}) == ["引号"]
    assert _suggested(database, {'a","宽带'}, set()) == ["引号里的宽带"]
    assert _suggested(database, set(), set()) == []


PROVINCE = "430000"


def test_an_article_taken_from_above_is_suggested(
    parent_database: Database, database: Database
) -> None:
    """A province's article tagged repair, handed down and taken at the city (as
    tests/test_kb_from_above.py does), is suggested beside the city's repair tickets."""
    _published(parent_database, "片区公告", [("全省报修口径", ["repair"])])
    with parent_database.engine.connect() as conn:
        changes = read_changes(conn, "kb_publications", 0, 100)
    assert changes is not None
    apply_incoming(database, PROVINCE, "kb_publications", changes.rows, 0, changes.seq_end)
    with database.unit_of_work() as session:
        assert take_from_above(session) == 1
    _published(database, "本地", [("本市报修口径", ["repair"])])
    with database.unit_of_work(write=False) as session:
        ticket = Ticket(kind="repair", customer_id=uuid.uuid4())
        found = suggest_for_ticket(session, ticket, None)
        assert [(s.title, s.folder, s.article.owner) for s in found] == [
            ("本市报修口径", "本地", "430100"),
            ("全省报修口径", "片区公告", PROVINCE),
        ]
