"""Issue 18 §7, scope on every path: every operation of the OpenAPI document × every
role, anonymous and bad tokens × own-area, other-area and foreign-origin objects, each
answered with the status tests/authz_rules.py derives from the documents.

The operations come from `app.openapi()`, so a new route is in the matrix the day it is
added: without a rule (authz_rules) and a request (REQUESTS below) the coverage test
fails. Per backend one city node (430100) and one province node (430000) are built once;
the own-area and other-area objects live at the city, the foreign-origin ones (rows of
city 430100 as the province holds them) at the province. Requests that change or end
their object (delete, transition, churn) get a fresh one each.
"""

from __future__ import annotations

import hashlib
import itertools
import shutil
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from node.app import RESOURCES, create_app
from node.auth.accounts import Role, User
from node.auth.models import AccessToken
from node.callcenter.models import AgentStateEvent
from node.db.types import utcnow
from node.db.unit_of_work import Database
from node.dictionaries.resource import seed_dictionaries
from node.settings import AuthSection, DatabaseSection, NodeSection, NodeSettings
from node.surveys.campaign_models import CallTask
from node.users.resource import add_user
from rollup.refresh import refresh
from tests.authz_rules import (
    ANONYMOUS,
    ATTACHED_RESOURCES,
    BAD_TOKEN,
    EXPIRED_TOKEN,
    IDENTITIES,
    PERMISSIONS,
    ROLES,
    Kind,
    Rule,
    expected_status,
    reaches,
    rule_for,
    visible_in_list,
)
from tests.conftest import PASSWORD, _truncate_postgres
from tests.factories import customer_payload
from tests.test_web_pages import web_login

CITY, PROVINCE = "430100", "430000"
OWN_AREA, OTHER_AREA = "urban", "county"
# Fewer checks than this means operations or identities went missing from the matrix.
MIN_CHECKS_PER_BACKEND = 1500
_unique = itertools.count(1)
MODELS = {resource.path: resource.model for resource in RESOURCES}


@dataclass
class Node:
    """One node under test: its client, its users' tokens and the objects it holds."""

    code: str
    db: Database
    client: TestClient
    root: dict[str, str] = field(default_factory=dict)  # the setup admin's headers
    headers: dict[str, dict[str, str]] = field(default_factory=dict)  # per identity
    usernames: dict[str, str] = field(default_factory=dict)  # per role
    technician: dict[Kind, str] = field(default_factory=dict)  # technician id per kind
    objects: dict[tuple[str, Kind], str] = field(default_factory=dict)  # shared rows
    product_id: str = ""
    unassigned_ticket: str = ""  # in the technician's area, assigned to nobody

    def post(self, path: str, body: dict[str, Any]) -> str:
        """Create a row as the setup admin; its id."""
        resp = self.client.post(f"/api/v1/{path}", json=body, headers=self.root)
        assert resp.status_code == 201, (path, resp.text)
        return str(resp.json()["id"])

    def make_foreign(self, resource: str, row_id: str) -> None:
        """Turn a row into a copy replicated from the city below (docs/federation.md
        rule 1), as if it had arrived in a batch from 430100."""
        model = MODELS[resource]
        with self.db.engine.begin() as conn:  # past the unit of work, which refuses this
            conn.execute(update(model).where(model.id == uuid.UUID(row_id)).values(origin=CITY))


# ---- building the nodes ---------------------------------------------------------------


def _area(kind: Kind) -> str:
    return OTHER_AREA if kind is Kind.other else OWN_AREA


def _customer(node: Node, kind: Kind) -> str:
    return node.post("customers", customer_payload(service_area=_area(kind)))


def _churn_body() -> dict[str, Any]:
    # Now: a customer joins when created, and nobody churns before joining.
    return {"churned_at": utcnow().isoformat(), "reason": "price"}


def _attached_body(node: Node, resource: str, customer_id: str, kind: Kind) -> dict[str, Any]:
    """A valid new row of `resource` hanging off `customer_id`."""
    bodies: dict[str, dict[str, Any]] = {
        "contacts": {"name": "王经理"},
        "tickets": {"kind": "repair", "technician_id": node.technician[kind]},
        "interactions": {"channel": "phone", "direction": "inbound"},
        "subscriptions": {"product_id": node.product_id},
        "contracts": {"amount": "1", "starts_at": "2026-01-01"},
        "churn-events": _churn_body(),
    }
    return {"customer_id": customer_id, **bodies[resource]}


def _product_body() -> dict[str, Any]:
    return {
        "code": f"P{next(_unique)}",
        "name": "畅享套餐",
        "type": "mobile",
        "monthly_price": "58",
    }


def _user_body(kind: Kind) -> dict[str, Any]:
    return {
        "username": f"staff{next(_unique)}",
        "display_name": "员工",
        "role": "agent",
        "service_area": _area(kind),
        "password": PASSWORD,
    }


def _dictionary_body() -> dict[str, Any]:
    return {"kind": "ticket_kind", "code": f"kind{next(_unique)}", "label": "类别"}


def new_object(node: Node, resource: str, kind: Kind) -> str:
    """A new row of `resource` of `kind`: own or other area at the city, foreign-origin
    (with its customer) at the province."""
    if resource == "customers":
        row_id = _customer(node, kind)
    elif resource in ATTACHED_RESOURCES:
        customer_id = _customer(node, kind)
        row_id = node.post(resource, _attached_body(node, resource, customer_id, kind))
        if kind is Kind.foreign:
            node.make_foreign("customers", customer_id)
    elif resource == "products":
        row_id = node.post(resource, _product_body())
    elif resource == "users":
        row_id = node.post(resource, _user_body(kind))
    elif resource == "dictionaries":
        row_id = node.post(resource, _dictionary_body())
    else:
        raise AssertionError(f"no way to make a {resource} row: add one to new_object")
    if kind is Kind.foreign:
        node.make_foreign(resource, row_id)
    return row_id


def _sign_in(node: Node, username: str) -> dict[str, str]:
    resp = node.client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert resp.status_code == 200, resp.text
    return {"Authorization": f"Bearer {resp.json()['access_token']}"}


def _expire(node: Node, headers: dict[str, str]) -> None:
    token = headers["Authorization"].removeprefix("Bearer ")
    digest = hashlib.sha256(token.encode()).hexdigest()
    with node.db.engine.begin() as conn:
        conn.execute(
            update(AccessToken)
            .where(AccessToken.token_hash == digest)
            .values(expires_at=utcnow() - timedelta(minutes=1))
        )


def _add_users(node: Node) -> None:
    with node.db.unit_of_work() as session:
        add_user(session, "root", "管理员", Role.admin, PASSWORD)
        for role in ROLES:  # every matrix user works in the own area
            node.usernames[role] = f"m_{role}"
            user = add_user(session, f"m_{role}", role, Role(role), PASSWORD, OWN_AREA)
            if role == Role.technician:
                node.technician[Kind.own] = node.technician[Kind.foreign] = str(user.id)
        other = add_user(session, "m_tech_far", "外区", Role.technician, PASSWORD, OTHER_AREA)
        node.technician[Kind.other] = str(other.id)
        add_user(session, "m_expired", "过期", Role.admin, PASSWORD)
    node.root = _sign_in(node, "root")
    for role in ROLES:
        node.headers[role] = _sign_in(node, node.usernames[role])
    node.headers[ANONYMOUS] = {}
    node.headers[BAD_TOKEN] = {"Authorization": "Bearer not-a-token-this-node-issued"}
    expired = _sign_in(node, "m_expired")
    _expire(node, expired)
    node.headers[EXPIRED_TOKEN] = expired


def _add_objects(node: Node, kinds: tuple[Kind, ...]) -> None:
    node.product_id = node.post("products", _product_body())
    for kind in kinds:
        for resource in MODELS:
            node.objects[(resource, kind)] = new_object(node, resource, kind)
    if Kind.own in kinds:
        customer = node.objects[("customers", Kind.own)]
        node.unassigned_ticket = node.post("tickets", {"customer_id": customer, "kind": "repair"})


def _open_node(stack: ExitStack, url: str, code: str, level: str, data_dir: Path) -> Node:
    db = Database(url, code)
    stack.callback(db.dispose)
    if db.dialect == "postgresql":
        _truncate_postgres(db)
    with db.unit_of_work() as session:
        seed_dictionaries(session)
    settings = NodeSettings(
        data_dir=data_dir,
        node=NodeSection(level=level, code=code, name=f"节点{code}"),
        database=DatabaseSection(url=url),
        auth=AuthSection(),
    )
    # A 500 is recorded as a disagreement like any wrong status, not raised mid-matrix.
    app = create_app(settings, db)
    client = stack.enter_context(TestClient(app, raise_server_exceptions=False))
    return Node(code, db, client)


def _database_urls(backend: str, request: pytest.FixtureRequest, tmp: Path) -> tuple[str, str]:
    if backend == "postgresql":
        return request.getfixturevalue("pg_url"), request.getfixturevalue("pg_parent_url")
    template = request.getfixturevalue("sqlite_template")
    urls = []
    for name in ("city.db", "province.db"):
        shutil.copy(template, tmp / name)
        urls.append(f"sqlite:///{tmp / name}")
    return urls[0], urls[1]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def nodes(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Node, Node]]:
    """(backend, city, province), built once per backend: users of every role in the
    own area, and the shared objects of every kind."""
    backend: str = request.param
    tmp = tmp_path_factory.mktemp(f"authz-{backend}")
    city_url, province_url = _database_urls(backend, request, tmp)
    with ExitStack() as stack:
        city = _open_node(stack, city_url, CITY, "city", tmp / "city")
        province = _open_node(stack, province_url, PROVINCE, "province", tmp / "province")
        for node, kinds in ((city, (Kind.own, Kind.other)), (province, (Kind.foreign,))):
            _add_users(node)
            _add_objects(node, kinds)
            refresh(node.db, "test")  # so the rollup figures have a run to answer from
        yield backend, city, province


# ---- what each operation sends --------------------------------------------------------

Builder = Callable[[Node, Kind, str], tuple[str, dict[str, Any] | None]]

# Each changes its row, so a refused write is refused for what it would change.
PATCH_BODIES: dict[str, dict[str, Any]] = {
    "customers": {"name": "张建军"},
    "contacts": {"title": "经理"},
    "products": {"name": "畅享套餐升级"},
    "subscriptions": {"monthly_fee": "58.00"},
    "contracts": {"amount": "2"},
    "tickets": {"description": "复查"},
    "interactions": {"summary": "回访"},
    "churn-events": {"note": "已回访"},
    "users": {"display_name": "员工甲"},
    "dictionaries": {"label": "类别甲"},
}


def _create_body(node: Node, resource: str, kind: Kind, identity: str) -> dict[str, Any]:
    if resource == "customers":
        return customer_payload(service_area=_area(kind))
    if resource == "churn-events":  # churns its customer: a customer churns only once
        return _attached_body(node, resource, _target(node, "customers", kind, identity), kind)
    if resource in ATTACHED_RESOURCES:
        customer_id = node.objects[("customers", kind)]
        return _attached_body(node, resource, customer_id, kind)
    makers: dict[str, Callable[[], dict[str, Any]]] = {
        "products": _product_body,
        "users": lambda: _user_body(kind),
        "dictionaries": _dictionary_body,
    }
    return makers[resource]()


def _target(node: Node, resource: str, kind: Kind, identity: str) -> str:
    """A fresh object for a request that may change or end it, for a caller who gets
    past authentication (a refused one cannot touch the shared object)."""
    if identity in ROLES:
        return new_object(node, resource, kind)
    return node.objects[(resource, kind)]


@dataclass(frozen=True)
class Call:
    """How to send one operation: its URL and body for a node, an object kind and
    a caller; whether it names an object; whether it ends the caller's token."""

    build: Builder
    names_object: bool = False
    new_customers_only: bool = False  # creates a customer: always local, so no foreign
    ends_token: bool = False
    multipart: bool = False  # the body is the files of a multipart form


# README "History": the rows people edit by hand keep who changed which field.
HISTORY_RESOURCES = frozenset({"customers", "contacts", "subscriptions", "contracts", "tickets"})


def _crud_calls(resource: str) -> dict[tuple[str, str], Call]:
    base = f"/api/v1/{resource}"
    one = f"{base}/{{item_id}}"
    attached = resource in ATTACHED_RESOURCES or resource == "customers"
    return {
        ("GET", base): Call(lambda n, k, i: (f"{base}?limit=200", None)),
        ("POST", base): Call(
            lambda n, k, i: (base, _create_body(n, resource, k, i)),
            names_object=attached,
            new_customers_only=resource == "customers",
        ),
        ("GET", one): Call(
            lambda n, k, i: (f"{base}/{n.objects[(resource, k)]}", None), names_object=True
        ),
        ("PATCH", one): Call(
            lambda n, k, i: (f"{base}/{n.objects[(resource, k)]}", PATCH_BODIES[resource]),
            names_object=True,
        ),
        ("DELETE", one): Call(
            lambda n, k, i: (f"{base}/{_target(n, resource, k, i)}", None), names_object=True
        ),
        **(
            {
                ("GET", f"{one}/history"): Call(
                    lambda n, k, i: (f"{base}/{n.objects[(resource, k)]}/history", None),
                    names_object=True,
                )
            }
            if resource in HISTORY_RESOURCES
            else {}
        ),
    }


DECEMBER = "from=2026-12-01&to=2026-12-31"


def _plain(url: str, body: dict[str, Any] | None = None) -> Call:
    return Call(lambda n, k, i: (url, body))


QUESTIONNAIRE = {
    "name": "报修回访",
    "definition": {
        "questions": [
            {
                "code": "fixed",
                "type": "single",
                "text": "修好了吗？",
                "choices": [{"code": "yes", "label": "是"}, {"code": "no", "label": "否"}],
            },
            {"code": "score", "type": "rating", "text": "满意吗？"},
        ]
    },
}


def _questionnaire(node: Node, published: bool = False) -> str:
    """A fresh questionnaire (version 1 a draft, or published) made by the setup admin:
    each request may publish or extend its own."""
    row_id = node.post("questionnaires", QUESTIONNAIRE)
    if published:
        url = f"/api/v1/questionnaires/{row_id}/versions/1/publish"
        assert node.client.post(url, headers=node.root).status_code == 200
    return row_id


def _survey(tail: str, body: dict[str, Any] | None = None, published: bool = False) -> Call:
    return Call(
        lambda n, k, i: (f"/api/v1/questionnaires/{_questionnaire(n, published)}{tail}", body)
    )


def _campaign(node: Node) -> str:
    """A fresh open campaign on a fresh published version, with one task."""
    questionnaire = _questionnaire(node, published=True)
    detail = node.client.get(f"/api/v1/questionnaires/{questionnaire}", headers=node.root)
    version_id = detail.json()["versions"][0]["id"]
    body = {"name": "回访", "questionnaire_version_id": version_id}
    campaign = node.post("surveys/campaigns", body)
    url = f"/api/v1/surveys/campaigns/{campaign}/tasks"
    tasks = {"tasks": [{"phones": [f"139{next(_unique):08d}"]}]}
    assert node.client.post(url, json=tasks, headers=node.root).status_code == 201
    return campaign


def _leased_task(node: Node, identity: str) -> str:
    """A fresh task reserved (for an hour) by the caller, when the caller is a user: only
    the lease holder may renew it or post its result."""
    campaign = _campaign(node)
    with node.db.unit_of_work() as session:
        task = session.execute(select(CallTask).where(CallTask.campaign_id == uuid.UUID(campaign)))
        row = task.scalar_one()
        if identity in ROLES:
            username = node.usernames[identity]
            user_id = session.execute(select(User.id).where(User.username == username)).scalar_one()
            session.execute(
                update(CallTask)
                .where(CallTask.lease_agent_id == user_id)
                .values(lease_agent_id=None)
            )
            row.lease_agent_id, row.lease_until = user_id, utcnow() + timedelta(hours=1)
        return str(row.id)


def _ready(node: Node, identity: str) -> str:
    """The caller made ready (示闲), when the caller is a user: only a ready agent takes
    the next callback."""
    if identity in ROLES:
        with node.db.unit_of_work() as session:
            username = node.usernames[identity]
            user_id = session.execute(select(User.id).where(User.username == username)).scalar_one()
            event = AgentStateEvent(user_id=user_id, state="ready", at=utcnow(), source="api")
            session.add(event)
    return "/api/v1/surveys/next"


def _campaign_call(tail: str, body: dict[str, Any] | None = None) -> Call:
    return Call(lambda n, k, i: (f"/api/v1/surveys/campaigns/{_campaign(n)}{tail}", body))


def _task_call(tail: str, body: dict[str, Any] | None = None) -> Call:
    return Call(lambda n, k, i: (f"/api/v1/surveys/tasks/{_leased_task(n, i)}{tail}", body))


def _kb_folder(node: Node) -> str:
    """A fresh empty folder made by the setup admin."""
    return node.post("kb/folders", {"name": f"目录{next(_unique)}"})


def _kb_article(node: Node, state: str = "draft") -> str:
    """A fresh must-read article by the setup admin, moved on to `state`: in_review
    (submitted by the setup admin) or published (then approved by the matrix admin)."""
    body = {"folder_id": _kb_folder(node), "kind": "rule", "title": "考勤规定",
            "body": "宽带**资费**", "must_read": True}  # fmt: skip
    article = node.post("kb/articles", body)
    if state in ("in_review", "published"):
        url = f"/api/v1/kb/articles/{article}/submit"
        assert node.client.post(url, headers=node.root).status_code == 200
    if state == "published":
        url = f"/api/v1/kb/articles/{article}/approve"
        assert node.client.post(url, headers=node.headers["admin"]).status_code == 200
    return article


def _kb(tail: str, body: dict[str, Any] | None = None, state: str = "draft") -> Call:
    return Call(lambda n, k, i: (f"/api/v1/kb/articles/{_kb_article(n, state)}{tail}", body))


def _kb_audience(node: Node) -> str:
    """A fresh audience no article uses, made by the setup admin."""
    return node.post("kb/audiences", {"name": f"群组{next(_unique)}", "levels": ["city"]})


def _kb_file(node: Node) -> str:
    """A file attached by the setup admin to a fresh published article."""
    article = _kb_article(node, "published")
    files = {"file": ("说明.txt", b"abc", "text/plain")}
    url = f"/api/v1/kb/articles/{article}/attachments"
    resp = node.client.post(url, files=files, headers=node.root)
    assert resp.status_code == 201, resp.text
    return str(resp.json()["id"])


def _audience_call(body: dict[str, Any] | None = None) -> Call:
    return Call(lambda n, k, i: (f"/api/v1/kb/audiences/{_kb_audience(n)}", body))


def _kb_edit(node: Node) -> tuple[str, dict[str, Any]]:
    article = _kb_article(node, "published")
    body = {"folder_id": _kb_folder(node), "kind": "rule", "title": "考勤规定（修订）"}
    return f"/api/v1/kb/articles/{article}", body


KB_REQUESTS: dict[tuple[str, str], Call] = {
    ("GET", "/api/v1/kb/folders"): _plain("/api/v1/kb/folders"),
    ("POST", "/api/v1/kb/folders"): Call(
        lambda n, k, i: ("/api/v1/kb/folders", {"name": f"目录{next(_unique)}"})
    ),
    ("PATCH", "/api/v1/kb/folders/{folder_id}"): Call(
        lambda n, k, i: (f"/api/v1/kb/folders/{_kb_folder(n)}", {"name": f"改{next(_unique)}"})
    ),
    ("DELETE", "/api/v1/kb/folders/{folder_id}"): Call(
        lambda n, k, i: (f"/api/v1/kb/folders/{_kb_folder(n)}", None)
    ),
    ("GET", "/api/v1/kb/articles"): _plain("/api/v1/kb/articles"),
    ("POST", "/api/v1/kb/articles"): Call(
        lambda n, k, i: (
            "/api/v1/kb/articles",
            {"folder_id": _kb_folder(n), "kind": "phone", "title": "装维热线"},
        )
    ),
    ("GET", "/api/v1/kb/articles/{article_id}"): _kb("", state="published"),
    ("PUT", "/api/v1/kb/articles/{article_id}"): Call(lambda n, k, i: _kb_edit(n)),
    ("POST", "/api/v1/kb/articles/{article_id}/submit"): _kb("/submit"),
    ("POST", "/api/v1/kb/articles/{article_id}/approve"): _kb("/approve", state="in_review"),
    ("POST", "/api/v1/kb/articles/{article_id}/send-back"): _kb(
        "/send-back", {"reason": "请补充"}, state="in_review"
    ),
    ("POST", "/api/v1/kb/articles/{article_id}/archive"): _kb("/archive", state="published"),
    ("GET", "/api/v1/kb/articles/{article_id}/versions"): _kb("/versions"),
    ("GET", "/api/v1/kb/articles/{article_id}/diff"): _kb("/diff?from=1&to=1"),
    ("POST", "/api/v1/kb/articles/{article_id}/ack"): _kb("/ack", state="published"),
    ("GET", "/api/v1/kb/articles/{article_id}/acks"): _kb("/acks", state="published"),
    ("POST", "/api/v1/kb/articles/{article_id}/feedback"): _kb(
        "/feedback", {"helpful": True, "comment": "有用"}, state="published"
    ),
    ("GET", "/api/v1/kb/articles/{article_id}/feedback"): _kb("/feedback", state="published"),
    ("GET", "/api/v1/kb/search"): _plain("/api/v1/kb/search?q=%E5%AE%BD%E5%B8%A6"),
    ("POST", "/api/v1/kb/articles/{article_id}/attachments"): Call(
        lambda n, k, i: (
            f"/api/v1/kb/articles/{_kb_article(n)}/attachments",
            {"file": ("资费.txt", b"abc", "text/plain")},
        ),
        multipart=True,
    ),
    ("GET", "/api/v1/kb/articles/{article_id}/attachments"): _kb("/attachments", state="published"),
    ("GET", "/api/v1/kb/attachments/{attachment_id}"): Call(
        lambda n, k, i: (f"/api/v1/kb/attachments/{_kb_file(n)}", None)
    ),
    ("DELETE", "/api/v1/kb/attachments/{attachment_id}"): Call(
        lambda n, k, i: (f"/api/v1/kb/attachments/{_kb_file(n)}", None)
    ),
    ("GET", "/api/v1/kb/audiences"): _plain("/api/v1/kb/audiences"),
    ("POST", "/api/v1/kb/audiences"): Call(
        lambda n, k, i: (
            "/api/v1/kb/audiences",
            {"name": f"群组{next(_unique)}", "roles": ["agent"]},
        )
    ),
    ("GET", "/api/v1/kb/audiences/{audience_id}"): _audience_call(),
    ("PUT", "/api/v1/kb/audiences/{audience_id}"): Call(
        lambda n, k, i: (
            f"/api/v1/kb/audiences/{_kb_audience(n)}",
            {"name": f"改{next(_unique)}", "areas": ["urban"]},
        )
    ),
    ("DELETE", "/api/v1/kb/audiences/{audience_id}"): _audience_call(),
    ("GET", "/api/v1/kb/suggestions"): Call(
        lambda n, k, i: (f"/api/v1/kb/suggestions?customer_id={n.objects[('customers', k)]}", None),
        names_object=True,
    ),
}


REQUESTS: dict[tuple[str, str], Call] = {
    **KB_REQUESTS,
    ("GET", "/healthz"): _plain("/healthz"),
    ("GET", "/readyz"): _plain("/readyz"),
    ("GET", "/metrics"): _plain("/metrics"),
    ("POST", "/api/v1/auth/login"): _plain(
        "/api/v1/auth/login", {"username": "root", "password": PASSWORD}
    ),
    ("POST", "/api/v1/auth/logout"): Call(
        lambda n, k, i: ("/api/v1/auth/logout", None), ends_token=True
    ),
    ("GET", "/api/v1/auth/me"): _plain("/api/v1/auth/me"),
    ("POST", "/api/v1/customers/{customer_id}/churn"): Call(
        lambda n, k, i: (
            f"/api/v1/customers/{_target(n, 'customers', k, i)}/churn",
            _churn_body(),
        ),
        names_object=True,
    ),
    ("POST", "/api/v1/customers/{customer_id}/merge"): Call(
        lambda n, k, i: (
            f"/api/v1/customers/{_target(n, 'customers', k, i)}/merge",
            {"into": _customer(n, Kind.own), "reason": "重复登记"},  # a local survivor
        ),
        names_object=True,
    ),
    ("POST", "/api/v1/tickets/{ticket_id}/transition"): Call(
        lambda n, k, i: (
            f"/api/v1/tickets/{_target(n, 'tickets', k, i)}/transition",
            {"to": "resolved"},  # open -> resolved: a move a technician may make too
        ),
        names_object=True,
    ),
    ("POST", "/federation/v1/batches"): _plain("/federation/v1/batches"),
    ("GET", "/federation/v1/checkpoint"): _plain("/federation/v1/checkpoint"),
    ("GET", "/federation/v1/digest"): _plain("/federation/v1/digest"),
    ("GET", "/federation/v1/down"): _plain("/federation/v1/down?table=products&after=0"),
    ("GET", "/federation/v1/down/digest"): _plain("/federation/v1/down/digest"),
    ("GET", "/api/v1/sms/dlr"): _plain(
        "/api/v1/sms/dlr?id=0190f000-0000-7000-8000-000000000001&token=guessed&status=1"
    ),
    ("GET", "/api/v1/federation/status"): _plain("/api/v1/federation/status"),
    ("POST", "/api/v1/rollups/refresh"): _plain("/api/v1/rollups/refresh"),
    ("GET", "/api/v1/callcenter/kpis"): _plain(
        "/api/v1/callcenter/kpis?from=2026-12-01T00:00&to=2026-12-02T00:00"
    ),
    ("GET", "/api/v1/callcenter/callbacks"): _plain("/api/v1/callcenter/callbacks?day=2026-12-01"),
    ("POST", "/api/v1/cti/events"): Call(
        lambda n, k, i: (
            "/api/v1/cti/events",
            {
                "events": [
                    {
                        "time": 1764550800,
                        "callid": "m1",
                        "queue": "96296",
                        "agent": "NONE",
                        "event": "ENTERQUEUE",
                        "data": ["", "13907310001"],
                    }
                ]
            },
        )
    ),
    ("GET", "/api/v1/agents/me/state"): _plain("/api/v1/agents/me/state"),
    # 签到: each caller signs in once per node (from signed out, the one move allowed).
    ("POST", "/api/v1/agents/me/state"): _plain("/api/v1/agents/me/state", {"state": "ready"}),
    ("GET", "/api/v1/agents/states"): _plain("/api/v1/agents/states"),
    ("GET", "/api/v1/surveys/campaigns"): _plain("/api/v1/surveys/campaigns"),
    ("POST", "/api/v1/surveys/campaigns"): Call(
        lambda n, k, i: (
            "/api/v1/surveys/campaigns",
            {
                "name": "回访",
                "questionnaire_version_id": n.client.get(
                    f"/api/v1/questionnaires/{_questionnaire(n, published=True)}", headers=n.root
                ).json()["versions"][0]["id"],
            },
        )
    ),
    ("GET", "/api/v1/surveys/campaigns/{campaign_id}"): _campaign_call(""),
    ("POST", "/api/v1/surveys/campaigns/{campaign_id}/close"): _campaign_call("/close"),
    ("POST", "/api/v1/surveys/campaigns/{campaign_id}/tasks"): _campaign_call(
        "/tasks", {"tasks": [{"phones": ["13800138001"]}]}
    ),
    ("POST", "/api/v1/surveys/campaigns/{campaign_id}/tasks/from-tickets"): _campaign_call(
        "/tasks/from-tickets",
        {"closed_from": "2026-01-01T00:00:00+08:00", "closed_to": "2026-02-01T00:00:00+08:00"},
    ),
    ("POST", "/api/v1/surveys/campaigns/{campaign_id}/tasks/from-segment"): _campaign_call(
        "/tasks/from-segment", {"grade": "gold"}
    ),
    ("GET", "/api/v1/segments"): _plain("/api/v1/segments"),
    ("POST", "/api/v1/surveys/next"): Call(lambda n, k, i: (_ready(n, i), None)),
    ("GET", "/api/v1/surveys/report"): _plain(
        "/api/v1/surveys/report?from=2026-12-01&to=2026-12-31"
    ),
    ("GET", "/api/v1/surveys/report/answers"): _plain(
        "/api/v1/surveys/report/answers?from=2026-12-01&to=2026-12-31"
    ),
    ("GET", "/api/v1/surveys/attempts"): _plain("/api/v1/surveys/attempts"),
    ("POST", "/api/v1/surveys/tasks/{task_id}/renew"): _task_call("/renew"),
    ("POST", "/api/v1/surveys/tasks/{task_id}/result"): _task_call("/result", {"result": "busy"}),
    ("GET", "/api/v1/questionnaires"): _plain("/api/v1/questionnaires"),
    ("POST", "/api/v1/questionnaires"): _plain("/api/v1/questionnaires", QUESTIONNAIRE),
    ("GET", "/api/v1/questionnaires/{questionnaire_id}"): _survey(""),
    ("POST", "/api/v1/questionnaires/{questionnaire_id}/versions"): _survey(
        "/versions", published=True
    ),
    ("GET", "/api/v1/questionnaires/{questionnaire_id}/versions/{number}"): _survey("/versions/1"),
    ("PUT", "/api/v1/questionnaires/{questionnaire_id}/versions/{number}"): _survey(
        "/versions/1", {"name": "报修回访二"}
    ),
    ("POST", "/api/v1/questionnaires/{questionnaire_id}/versions/{number}/publish"): _survey(
        "/versions/1/publish"
    ),
    ("POST", "/api/v1/questionnaires/{questionnaire_id}/versions/{number}/check"): _survey(
        "/versions/1/check", {"answers": {"fixed": "yes", "score": 5}}
    ),
    **{
        ("GET", f"/api/v1/rollups/{name}"): _plain(f"/api/v1/rollups/{name}")
        for name in ("key-accounts", "churn", "service", "value", "status")
    },
    **{op: call for resource in MODELS for op, call in _crud_calls(resource).items()},
}


# ---- running the matrix ---------------------------------------------------------------


def openapi_operations(app: Any) -> list[tuple[str, str]]:
    """Every (METHOD, path) of the app's OpenAPI document: reads first (so lists see the
    shared objects on their first page), then creates and changes, deletes last."""
    order = {"GET": 0, "HEAD": 0, "POST": 1, "PUT": 2, "PATCH": 2, "DELETE": 3, "OPTIONS": 0}
    ops = [
        (method.upper(), path)
        for path, item in app.openapi()["paths"].items()
        for method in item
        if method.upper() in order  # a path item may also hold "parameters", "summary"
    ]
    return sorted(ops, key=lambda op: (order[op[0]], op[1]))


def kinds_for(call: Call, node: Node) -> tuple[Kind, ...]:
    if not call.names_object:
        return (Kind.none,)
    if node.code == PROVINCE:
        return (Kind.own,) if call.new_customers_only else (Kind.foreign,)
    return (Kind.own, Kind.other)


def _headers(node: Node, call: Call, identity: str) -> dict[str, str]:
    if call.ends_token and identity in ROLES:
        return _sign_in(node, node.usernames[identity])  # logging out ends this one
    return node.headers[identity]


def _listed(node: Node, resource: str) -> list[tuple[str, Kind, bool]]:
    """The shared objects a list of `resource` is checked for: (id, kind, whether it
    is assigned to the matrix technician)."""
    rows = [
        (row_id, kind, resource != "tickets" or kind is not Kind.other)
        for (res, kind), row_id in node.objects.items()
        if res == resource
    ]
    if resource == "tickets" and node.unassigned_ticket:
        rows.append((node.unassigned_ticket, Kind.own, False))
    return rows


def _list_errors(node: Node, path: str, identity: str, body: Any) -> list[str]:
    resource = path.removeprefix("/api/v1/")
    shown = {row["id"] for row in body["data"]}
    errors = []
    for row_id, kind, assigned in _listed(node, resource):
        want = visible_in_list(identity, resource, kind, assigned)
        if (row_id in shown) != want:
            seen = "shows" if row_id in shown else "hides"
            whose = "" if assigned else " assigned to nobody"
            errors.append(f"{node.code} GET {path} as {identity}: {seen} a {kind} row{whose}")
    return errors


@dataclass
class Tally:
    checks: int = 0
    by_kind: Counter[str] = field(default_factory=Counter)
    mismatches: list[str] = field(default_factory=list)


def check_operation(node: Node, op: tuple[str, str], rule: Rule, tally: Tally) -> None:
    """Send one operation for every object kind and identity; record what disagrees."""
    method, path = op
    call = REQUESTS[op]
    for kind, identity in itertools.product(kinds_for(call, node), IDENTITIES):
        url, body = call.build(node, kind, identity)
        sent = {"files": body} if call.multipart else {"json": body}
        resp = node.client.request(method, url, headers=_headers(node, call, identity), **sent)
        want = expected_status(rule, identity, kind)
        tally.checks += 1
        tally.by_kind[kind.value] += 1
        if resp.status_code != want:
            tally.mismatches.append(
                f"{node.code} {method} {path} [{kind}] as {identity}: "
                f"{resp.status_code}, expected {want}: {resp.text[:160]}"
            )
        elif method == "GET" and want == 200 and path.removeprefix("/api/v1/") in MODELS:
            tally.mismatches.extend(_list_errors(node, path, identity, resp.json()))


def test_every_openapi_operation_has_a_rule_and_a_request(nodes: tuple[str, Node, Node]) -> None:
    """A new route fails here until someone says what it needs and how to call it."""
    _, city, province = nodes
    for node in (city, province):
        missing = [
            f"{method} {path}"
            for method, path in openapi_operations(node.client.app)
            if rule_for(method, path) is None or (method, path) not in REQUESTS
        ]
        assert not missing, f"add to tests/authz_rules.py and REQUESTS: {missing}"
        stale = set(REQUESTS) - set(openapi_operations(node.client.app))
        assert not stale, f"REQUESTS names operations the app no longer has: {stale}"


def test_every_operation_answers_every_caller_as_the_rules_say(
    nodes: tuple[str, Node, Node], record_property: Callable[[str, object], None]
) -> None:
    backend, city, province = nodes
    started = time.monotonic()
    tally = Tally()
    operations = openapi_operations(city.client.app)
    for node in (city, province):
        for op in openapi_operations(node.client.app):
            rule = rule_for(*op)
            assert rule is not None and op in REQUESTS, op  # the test above names them all
            check_operation(node, op, rule, tally)
    seconds = time.monotonic() - started
    kinds = ", ".join(f"{kind} {n}" for kind, n in sorted(tally.by_kind.items()))
    print(
        f"\nauthorization matrix [{backend}]: {len(operations)} operations at a city and a "
        f"province × {len(IDENTITIES)} callers ({len(ROLES)} roles, anonymous, bad and "
        f"expired token) × object kinds ({kinds}) = {tally.checks} checks in {seconds:.1f} s"
    )
    record_property("authorization_checks", tally.checks)
    shown = "\n".join(tally.mismatches[:60])
    assert not tally.mismatches, f"{len(tally.mismatches)} disagreements:\n{shown}"
    assert tally.checks >= MIN_CHECKS_PER_BACKEND, tally.checks


def test_the_web_customer_page_answers_every_role_for_every_kind(
    nodes: tuple[str, Node, Node],
) -> None:
    """Outside the OpenAPI document, the customer 360 page keeps the same scoping and
    never fails for a role that may read only some of its sections."""
    _, city, province = nodes
    wrong = []
    for node, kinds in ((city, (Kind.own, Kind.other)), (province, (Kind.foreign,))):
        for role in ROLES:
            browser = web_login(node.client.app, node.usernames[role])
            for kind in kinds:
                url = f"/ui/customers/{node.objects[('customers', kind)]}"
                got = browser.get(url).status_code
                want = 200 if reaches(role, "customers", kind) else 404
                if "customers:read" not in PERMISSIONS[role]:  # the PBX connector
                    want = 403
                if got != want:
                    wrong.append(f"{node.code} {url} [{kind}] as {role}: {got}, expected {want}")
    assert not wrong, "\n".join(wrong)
