"""Every list endpoint pages to the end, in every order it allows, on SQLite and PostgreSQL.

The lists come from the app itself: one case per Resource in `node.app.RESOURCES` and
order (each `order_fields` entry ascending and descending, plus the default order), and
a guard checks that the OpenAPI document has no other list (a GET answering `data` and
`next_cursor`). A new Resource is therefore walked without a new case here; what it
needs is a way to make its rows (a `RowMaker` method), and its cases fail until then.

The expected order is computed here, in Python, from the rows in the table: sorted by
(value, id), reversed for descending. Text is compared by code point, as the test
server's C collation does.
"""

from __future__ import annotations

import base64
import http.client
import itertools
import json
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlencode

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import String, UniqueConstraint, select, update

from node.app import RESOURCES
from node.crud.resource import Resource
from node.db.unit_of_work import Database
from node.knowledge.models import KbArticle, KbArticleVersion, KbAudience, KbFolder
from tests.conftest import PASSWORD

LIMIT = 3
# Each made row's rank in the ordered column, in the order the rows are made: not the
# creation order (uuid7 ids follow it, so a page ordered by id alone would be caught),
# and with ties (4, 1) so the id tiebreak decides between equal values.
RANKS = (4, 1, 4, 0, 6, 2, 1)
# Rows whose ordered column is then set to the first row's value (for every column but
# a unique one: created_at, updated_at, due_at... are not the caller's to choose). Four
# equal values lie next to each other in any order, and four in a row always span a
# page boundary when a page holds three: so the tiebreak decides a next page's start.
TIED_ROWS = (0, 2, 3, 5)
BASE_TIME = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
CST = timezone(timedelta(hours=8))  # values go in at +08:00; the lists answer in UTC

# Lists that cannot be walked here, each with the reason. Empty: every list is covered.
EXCLUDED: dict[str, str] = {}


def _orders(resource: Resource) -> list[str | None]:
    """None (the default order) and every allowed field, ascending and descending."""
    return [None] + [f"{sign}{field}" for field in resource.order_fields for sign in ("", "-")]


PAGED = [r for r in RESOURCES if r.path not in EXCLUDED]
ORDER_CASES = [
    pytest.param(r, order, id=f"{r.path}:{order or 'default'}")
    for r in PAGED
    for order in _orders(r)
]
LIST_CASES = [pytest.param(r, id=r.path) for r in PAGED]


def _time(rank: int) -> str:
    return (BASE_TIME + timedelta(hours=rank)).astimezone(CST).isoformat()


class RowMaker:
    """Makes rows of each list through the API as an admin; `rank` picks the value of
    the column a list is ordered by, where the API lets the caller choose it."""

    def __init__(self, client: TestClient, headers: dict) -> None:
        self.client = client
        self.headers = headers
        self._shared: dict[str, str] = {}
        self._serial = itertools.count()  # unique codes and usernames within a test

    def make(self, path: str, rank: int) -> dict:
        """A new row of the list at /api/v1/`path`."""
        maker: Callable[[int, int], dict] | None = getattr(self, _maker_name(path), None)
        if maker is None:
            pytest.fail(
                f"no way to make rows for /api/v1/{path}: add RowMaker.{_maker_name(path)} "
                "or list it in EXCLUDED with the reason"
            )
        return maker(next(self._serial), rank)

    def post(self, path: str, body: dict) -> dict:
        resp = self.client.post(f"/api/v1/{path}", json=body, headers=self.headers)
        assert resp.status_code == 201, (path, resp.text)
        return resp.json()

    def shared(self, path: str) -> str:
        """One customer or product the child rows of a test all refer to."""
        if path not in self._shared:
            self._shared[path] = self.make(path, 0)["id"]
        return self._shared[path]

    def rows_customers(self, n: int, rank: int) -> dict:
        body = {"name": f"客户{rank}", "service_area": "urban", "joined_at": _time(rank)}
        return self.post("customers", body)

    def rows_contacts(self, n: int, rank: int) -> dict:
        return self.post(
            "contacts", {"customer_id": self.shared("customers"), "name": f"联系人{rank}"}
        )

    def rows_products(self, n: int, rank: int) -> dict:
        body = {"code": f"P{n}", "name": f"套餐{rank}", "type": "mobile"}
        return self.post("products", body | {"monthly_price": f"{10 + rank}.50"})

    def rows_subscriptions(self, n: int, rank: int) -> dict:
        body = {"customer_id": self.shared("customers"), "product_id": self.shared("products")}
        return self.post(
            "subscriptions", body | {"monthly_fee": f"{rank}9.00", "started_at": _time(rank)}
        )

    def rows_contracts(self, n: int, rank: int) -> dict:
        starts = (date(2026, 1, 1) + timedelta(days=rank)).isoformat()
        body = {
            "customer_id": self.shared("customers"),
            "amount": f"{rank}000",
            "starts_at": starts,
        }
        return self.post("contracts", body)

    def rows_tickets(self, n: int, rank: int) -> dict:
        # due_at follows from the severity's SLA: alternating it keeps due_at off id order.
        severity = ("major", "general")[rank % 2]
        body = {"customer_id": self.shared("customers"), "kind": "repair", "severity": severity}
        return self.post("tickets", body)

    def rows_interactions(self, n: int, rank: int) -> dict:
        body = {
            "customer_id": self.shared("customers"),
            "channel": "visit",
            "direction": "outbound",
        }
        return self.post("interactions", body | {"started_at": _time(rank)})

    def rows_churn_events(self, n: int, rank: int) -> dict:
        customer = self.rows_customers(n, rank)["id"]  # a customer churns once
        body = {"customer_id": customer, "churned_at": _time(rank), "reason": "price"}
        return self.post("churn-events", body)

    def rows_users(self, n: int, rank: int) -> dict:
        body = {"username": f"u{rank}-{n}", "display_name": f"用户{rank}", "role": "analyst"}
        return self.post("users", body | {"password": PASSWORD})

    def rows_dictionaries(self, n: int, rank: int) -> dict:
        body = {"kind": "competitor", "code": f"x{n}", "label": f"对手{rank}", "sort_order": rank}
        return self.post("dictionaries", body)


def _maker_name(path: str) -> str:
    return "rows_" + path.replace("-", "_")


def _order_field(resource: Resource, order: str | None) -> tuple[str, bool]:
    order = order or resource.default_order
    return order.lstrip("-"), order.startswith("-")


def _is_unique(resource: Resource, field: str) -> bool:
    table = resource.model.__table__  # type: ignore[attr-defined]
    if table.c[field].unique:
        return True
    return any(
        isinstance(c, UniqueConstraint) and field in c.columns for c in table.constraints
    ) or any(i.unique and field in i.columns for i in table.indexes)


def _tie(database: Database, resource: Resource, field: str, ids: list[str]) -> None:
    """Give the TIED_ROWS one value of `field` (not for unique columns: none may share)."""
    if _is_unique(resource, field):
        return
    table = resource.model.__table__  # type: ignore[attr-defined]
    tied = [uuid.UUID(ids[i]) for i in TIED_ROWS]
    # Core, not the ORM: the ORM would stamp updated_at and seq anew.
    with database.engine.begin() as conn:
        value = conn.execute(select(table.c[field]).where(table.c.id == tied[0])).scalar_one()
        conn.execute(update(table).where(table.c.id.in_(tied[1:])).values({field: value}))


def _sorted_rows(database: Database, resource: Resource, field: str, descending: bool) -> list:
    """Every live row's (value, id), sorted in Python: by value, then id."""
    model = resource.model
    stmt = select(getattr(model, field), model.id).where(model.deleted_at.is_(None))
    with database.unit_of_work(write=False) as session:
        rows = [tuple(r) for r in session.execute(stmt)]
    return sorted(rows, reverse=descending)


def _get(client: TestClient, headers: dict, path: str, params: dict) -> Any:
    return client.get(f"/api/v1/{path}", params=params, headers=headers)


def _walk(client: TestClient, headers: dict, path: str, order: str | None, pages: int) -> list:
    """Every id the list answers, following next_cursor to the end."""
    params: dict[str, Any] = {"limit": LIMIT} | ({"order_by": order} if order else {})
    seen: list[str] = []
    for page_no in range(1, pages + 1):
        resp = _get(client, headers, path, params)
        assert resp.status_code == 200, (f"page {page_no}", resp.text)
        page = resp.json()
        seen += [row["id"] for row in page["data"]]
        if page["next_cursor"] is None:
            return seen
        assert len(page["data"]) == LIMIT, f"page {page_no} is short but not the last"
        params["cursor"] = page["next_cursor"]
    pytest.fail(f"still a next_cursor after {pages} pages")


def test_every_list_in_the_api_is_walked_here(client: TestClient) -> None:
    """The OpenAPI document's lists are exactly the Resources walked or excluded here."""
    spec = client.app.openapi()  # type: ignore[attr-defined]
    lists = {path for path, ops in spec["paths"].items() if _is_list(spec, ops.get("get"))}
    # Questionnaires, campaigns, dials and saved segments are no Resource:
    # tests/test_surveys_api.py, tests/test_surveys_pool.py, tests/test_surveys_figures.py
    # and tests/test_surveys_segment.py walk their lists.
    surveys = {
        "/api/v1/questionnaires",
        "/api/v1/surveys/campaigns",
        "/api/v1/surveys/attempts",
        "/api/v1/segments",
    }
    # The knowledge base's lists are walked below (KB_CASES); its search, ranked by title
    # hits before recency, by tests/test_kb_api.py.
    kb = {f"/api/v1/{path}" for path in KB_LISTS} | {"/api/v1/kb/search"}
    assert lists == {f"/api/v1/{r.path}" for r in RESOURCES} | surveys | kb
    assert set(EXCLUDED) <= {r.path for r in RESOURCES}
    for resource in PAGED:
        assert hasattr(RowMaker, _maker_name(resource.path)), resource.path


def _is_list(spec: dict, op: dict | None) -> bool:
    if op is None:
        return False
    content = op.get("responses", {}).get("200", {}).get("content", {})
    ref = content.get("application/json", {}).get("schema", {}).get("$ref", "")
    props = spec["components"]["schemas"].get(ref.rsplit("/", 1)[-1], {}).get("properties", {})
    return {"data", "next_cursor"} <= set(props)


@pytest.mark.parametrize(("resource", "order"), ORDER_CASES)
def test_every_list_pages_to_the_end_in_order(
    client: TestClient, admin: dict, database: Database, resource: Resource, order: str | None
) -> None:
    maker = RowMaker(client, admin)
    made = [maker.make(resource.path, rank)["id"] for rank in RANKS]
    field, descending = _order_field(resource, order)
    _tie(database, resource, field, made)
    rows = _sorted_rows(database, resource, field, descending)
    if not _is_unique(resource, field):
        assert len({value for value, _ in rows}) < len(rows), "no tie for the id to break"
    expected = [str(row_id) for _, row_id in rows]
    assert set(made) <= set(expected)
    seen = _walk(client, admin, resource.path, order, pages=len(expected) // LIMIT + 2)
    assert seen == expected


# ---- the knowledge base's lists (no Resource: their own rows and paths) ------------

# list path (with {article_id} for the one article whose versions are listed) -> its model,
# the fields it orders by and its default order.
KB_LISTS: dict[str, tuple[Any, tuple[str, ...], str]] = {
    "kb/folders": (KbFolder, ("name", "created_at"), "name"),
    "kb/articles": (KbArticle, ("created_at", "updated_at"), "-updated_at"),
    "kb/articles/{article_id}/versions": (KbArticleVersion, ("number", "created_at"), "-number"),
    "kb/audiences": (KbAudience, ("name", "created_at"), "name"),
}
KB_CASES = [
    pytest.param(path, order, id=f"{path}:{order or 'default'}")
    for path, (_, fields, _) in KB_LISTS.items()
    for order in [None] + [f"{sign}{field}" for field in fields for sign in ("", "-")]
]


def _kb_rows(client: TestClient, admin: dict, path: str) -> tuple[str, list[str], dict]:
    """Seven rows of the list at `path` made through the API: the list's URL, the ids
    and the filter its rows are read back with."""

    def post(url: str, body: dict) -> dict:
        resp = client.post(f"/api/v1/{url}", json=body, headers=admin)
        assert resp.status_code == 201, resp.text
        return resp.json()

    def put(url: str, body: dict) -> None:
        resp = client.put(f"/api/v1/{url}", json=body, headers=admin)
        assert resp.status_code == 200, resp.text

    if path == "kb/folders":
        ids = [
            post("kb/folders", {"name": f"目录{rank}-{n}"})["id"] for n, rank in enumerate(RANKS)
        ]
        return path, ids, {}
    if path == "kb/audiences":
        ids = [
            post(path, {"name": f"群组{rank}-{n}", "levels": ["city"]})["id"]
            for n, rank in enumerate(RANKS)
        ]
        return path, ids, {}
    folder = post("kb/folders", {"name": "制度"})["id"]
    if path == "kb/articles":
        ids = [
            post("kb/articles", {"folder_id": folder, "kind": "rule", "title": f"规定{rank}"})["id"]
            for rank in RANKS
        ]
        return path, ids, {"include_drafts": "true"}
    body = {"folder_id": folder, "kind": "rule", "title": "规定0"}
    article = post("kb/articles", body)["id"]
    for rank in RANKS[1:]:
        put(f"kb/articles/{article}", body | {"title": f"规定{rank}"})
    with_versions = path.format(article_id=article)
    return with_versions, [], {"article_id": uuid.UUID(article)}


@pytest.mark.parametrize(("path", "order"), KB_CASES)
def test_every_kb_list_pages_to_the_end_in_order(
    client: TestClient, admin: dict, database: Database, path: str, order: str | None
) -> None:
    model, _, default = KB_LISTS[path]
    url, made, where = _kb_rows(client, admin, path)
    field, descending = (order or default).lstrip("-"), (order or default).startswith("-")
    table = model.__table__
    unique = field == "number"  # (article_id, number) is unique
    with database.engine.begin() as conn:
        filters = [table.c[k] == v for k, v in where.items() if k in table.c]
        ids = made or [str(i) for i in conn.execute(select(table.c.id).where(*filters)).scalars()]
        if not unique:  # four rows share the first one's value: the id breaks the tie
            tied = [uuid.UUID(ids[i]) for i in TIED_ROWS]
            value = conn.execute(select(table.c[field]).where(table.c.id == tied[0])).scalar_one()
            conn.execute(update(table).where(table.c.id.in_(tied[1:])).values({field: value}))
        rows = sorted(conn.execute(select(table.c[field], table.c.id).where(*filters)).all(),
                      reverse=descending)  # fmt: skip
    expected = [str(row_id) for _, row_id in rows]
    assert set(ids) <= set(expected) and len(expected) == len(RANKS)
    params: dict[str, Any] = {"limit": LIMIT} | ({"order_by": order} if order else {})
    params |= {k: v for k, v in where.items() if k == "include_drafts"}
    seen: list[str] = []
    for _ in range(len(expected) // LIMIT + 2):
        resp = client.get(f"/api/v1/{url}", params=params, headers=admin)
        assert resp.status_code == 200, resp.text
        page = resp.json()
        seen += [row.get("id") or _version_id(database, url, row) for row in page["data"]]
        if page["next_cursor"] is None:
            break
        params["cursor"] = page["next_cursor"]
    assert seen == expected


def _version_id(database: Database, url: str, row: dict) -> str:
    """A listed version's id (the list names versions by their number)."""
    article = uuid.UUID(url.split("/")[2])
    with database.engine.connect() as conn:
        stmt = select(KbArticleVersion.id).where(
            KbArticleVersion.article_id == article, KbArticleVersion.number == row["number"]
        )
        return str(conn.execute(stmt).scalar_one())


# ---- cursors the API did not issue ------------------------------------------------


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _fields(cursor: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))


_DROP = object()  # a field _with leaves out


def _with(cursor: str, **changes: Any) -> str:
    """`cursor` with fields changed (_DROP leaves one out), re-encoded like the API does.

    The standard json module writes integers beyond 64 bits, which orjson will not."""
    data = _fields(cursor) | changes
    return _b64(json.dumps({k: v for k, v in data.items() if v is not _DROP}).encode())


NOT_TEXT: dict[str, Any] = {
    "null": None,
    "true": True,
    "float": 1.5,
    "2**63": 2**63,
    "-2**63-1": -(2**63) - 1,
    "2**64": 2**64,
    "2**70": 2**70,
    "list": [],
    "object": {"a": 1},
}
BAD_TEXT: dict[str, Any] = {"NUL character": "a\x00b"}
# Strings, but no timestamp, date, number or integer a cursor could carry.
NOT_TYPED: dict[str, Any] = {
    "word": "x",
    "naive timestamp": "2026-03-01T08:00:00",
    "timestamp before year 1 in UTC": "0001-01-01T00:00:00+14:00",
    "timestamp after 9999 in UTC": "9999-12-31T23:59:59-14:00",
    "no such day": "2026-02-30",
    "NaN": "NaN",
    "infinity": "-Infinity",
    "huge number": "1e999999",
    "tiny number": "1e-999999",
    "empty": "",
}


def _bad_values(resource: Resource, field: str) -> dict[str, Any]:
    """Values no cursor for `field` may carry: for text any string but one with NUL."""
    column = getattr(resource.model, field)
    if isinstance(column.type, String):
        return NOT_TEXT | BAD_TEXT
    return NOT_TEXT | BAD_TEXT | NOT_TYPED


def _bad_cursors(resource: Resource, order: str | None, issued: str) -> dict[str, str]:
    """Cursors for `order` that the API must refuse, made from one it issued."""
    field, _ = _order_field(resource, order)
    cursors = {
        "junk": "not a cursor!",
        "not ASCII": "游标",
        "truncated": issued[:-5],
        "trailing bytes": issued + "AAAA",
        "not JSON": _b64(b"\xff\xfe{"),
        "JSON list": _b64(b"[1, 2]"),
        "JSON string": _b64(b'"x"'),
        "no value": _with(issued, v=_DROP),
        "no id": _with(issued, id=_DROP),
        "no order": _with(issued, o=_DROP),
        "id not a UUID": _with(issued, id="42"),
        "id a number": _with(issued, id=42),
        "id null": _with(issued, id=None),
    }
    for label, value in _bad_values(resource, field).items():
        cursors[f"value {label}"] = _with(issued, v=value)
    return cursors


def _first_cursor(client: TestClient, headers: dict, path: str, order: str | None) -> str:
    params: dict[str, Any] = {"limit": 1} | ({"order_by": order} if order else {})
    resp = _get(client, headers, path, params)
    assert resp.status_code == 200, resp.text
    cursor = resp.json()["next_cursor"]
    assert cursor, f"{path} {order}: one row a page, but no next page"
    return cursor


def _assert_refused(resp: Any, context: tuple) -> None:
    assert resp.status_code == 422, (*context, resp.status_code, resp.text)
    error = resp.json()["error"]
    assert error["code"] == "invalid" and "cursor" in error["fields"], (*context, error)


@pytest.mark.parametrize("resource", LIST_CASES)
def test_a_cursor_the_api_did_not_issue_is_422_naming_cursor(
    client: TestClient, admin: dict, resource: Resource
) -> None:
    maker = RowMaker(client, admin)
    for rank in range(2):
        maker.make(resource.path, rank)
    path = resource.path
    issued = {order: _first_cursor(client, admin, path, order) for order in _orders(resource)}
    for order, cursor in issued.items():
        base = {"limit": 1} | ({"order_by": order} if order else {})
        for label, bad in _bad_cursors(resource, order, cursor).items():
            _assert_refused(_get(client, admin, path, base | {"cursor": bad}), (order, label))
        for other, foreign in issued.items():
            # The default order is one of the named ones: its cursor fits that one too.
            if _order_field(resource, other) != _order_field(resource, order):
                resp = _get(client, admin, path, base | {"cursor": foreign})
                _assert_refused(resp, (order, f"cursor of {other}"))
        # The same client (and the database session behind it) still answers.
        assert _get(client, admin, path, base | {"cursor": cursor}).status_code == 200


# ---- the connection survives a refused cursor --------------------------------------


@contextmanager
def _served(app: FastAPI) -> Iterator[int]:
    """Serve `app` with uvicorn on a free local port for the block; yield the port."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, lifespan="off", log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.01)
    try:
        yield sock.getsockname()[1]
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def _request(conn: http.client.HTTPConnection, headers: dict, path: str, params: dict) -> int:
    """GET on `conn`; a server that dropped it (as uvicorn does after a 500) fails here."""
    try:
        conn.request("GET", f"/api/v1/{path}?{urlencode(params)}", headers=headers)
        resp = conn.getresponse()
        resp.read()
    except ConnectionError as exc:  # RemoteDisconnected is one too
        pytest.fail(f"{path}: the server dropped the connection ({exc!r})")
    return resp.status


def test_a_refused_cursor_keeps_the_connection_open(client: TestClient, admin: dict) -> None:
    """One keep-alive connection: a bad cursor, then page 2, for every list in turn."""
    maker = RowMaker(client, admin)
    issued = {}
    for resource in PAGED:
        for rank in range(2):
            maker.make(resource.path, rank)
        issued[resource.path] = _first_cursor(client, admin, resource.path, None)
    with _served(client.app) as port:  # type: ignore[arg-type]
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.connect()
        sock = conn.sock
        for path, cursor in issued.items():
            bad = _with(cursor, v=[])
            assert _request(conn, admin, path, {"limit": 1, "cursor": bad}) == 422, path
            assert conn.sock is sock, f"{path}: the server closed the connection after 422"
            assert _request(conn, admin, path, {"limit": 1, "cursor": cursor}) == 200, path
            assert conn.sock is sock, f"{path}: the server closed the connection on page 2"
        conn.close()
