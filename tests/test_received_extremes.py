"""Invariant (docs/federation.md rule 12): no batch a parent accepts can make any of its
pages or endpoints answer 5xx.

Generated, bounded: for every column of every wire table, a handful of extreme values
for its type (both ends of the allowed range and one past each, the longest text and one
character more, a NUL, markup, a path, a 4-byte character, an unknown enumeration value,
null) is sent as a one-row batch from an authenticated city to its province. Whatever
the parent answers must be under 500. After each table, every GET route of the parent
(API and web, enumerated from the app, so a new page is covered) is requested, and every
accepted row's own pages: none may answer 5xx.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pyarrow as pa
import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import String, Uuid

from federation.batches import codec
from federation.batches.manifest import Manifest, body_digest
from federation.registry.service import add_child
from federation.sending.capture import read_changes
from node.app import RESOURCES, create_app
from node.auth.accounts import Role, User
from node.callcenter.agent_states import change_state
from node.callcenter.importer import store_events
from node.callcenter.kpis import Rules
from node.callcenter.models import AgentState, StateSource
from node.callcenter.queue_log import parse_line
from node.knowledge.feedback import count_view, give_feedback
from node.knowledge.models import KbAttachmentPublication, KbPublication
from node.models import Base
from node.settings import DatabaseSection, NodeSection, NodeSettings
from node.surveys.campaign_models import DialResult
from node.surveys.figures_fold import fold_all
from node.surveys.models import QuestionnairePublication
from node.surveys.pool import reserve
from node.surveys.results import Report, record_result
from node.surveys.suppression import suppress
from node.users.resource import add_user
from schemas.wire import FINGERPRINTS, SCHEMA_VERSION, TABLE_ORDER, TABLES
from tests.callback_helpers import T0, add_numbers, make_campaign
from tests.conftest import PASSWORD
from tests.signing import new_signer
from tests.test_list_paging import RowMaker
from tests.test_web_pages import web_login

EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)  # the first time refused
TEXTS = ["", " ", "<script>alert(1)</script>", "../../etc/passwd", "𠀀😀", "a\x00b", "%s%n{}"]


def extremes(field: pa.Field, column) -> list[object]:  # type: ignore[no-untyped-def]
    """Values at and past the ends of what the column may hold, by its type."""
    values: list[object] = [None]
    kind = field.type
    if pa.types.is_string(kind) and isinstance(column.type, Uuid):
        values += [uuid.uuid4().hex, "0" * 32, "F" * 32, "../../etc/passwd", str(uuid.uuid4())]
    elif pa.types.is_string(kind):
        length = column.type.length if isinstance(column.type, String) else None
        limit = length or 65_535
        values += [*TEXTS, "张" * limit, "张" * (limit + 1)]
        values += sorted(column.info.get("one_of", ()))[:2]
    elif pa.types.is_integer(kind):
        values += [0, -1, 1, 5, 2**31 - 1, 2**31, -(2**63), 2**63 - 1]
    elif pa.types.is_decimal(kind):
        values += [Decimal("0"), Decimal("-999999999999.99"), Decimal("999999999999.99")]
    elif pa.types.is_timestamp(kind):
        values += [EARLIEST, datetime(1899, 12, 31, tzinfo=UTC), datetime(2199, 12, 31, tzinfo=UTC)]
        values += [LATEST, datetime(9999, 12, 31, tzinfo=UTC), _micros_after_9999(kind)]
    elif pa.types.is_date(kind):
        values += [date(1900, 1, 1), date(1899, 12, 31), date(2199, 12, 31), date(9999, 12, 31)]
    elif pa.types.is_boolean(kind):
        values += [True, False]
    return values


def _micros_after_9999(kind: pa.DataType) -> pa.Scalar:
    after = (datetime(9999, 12, 31, tzinfo=UTC) - datetime(1970, 1, 1, tzinfo=UTC)).days + 2
    return pa.scalar(after * 86_400 * 10**6, pa.int64()).cast(kind)


def _unique_text_columns(table_name: str) -> list[str]:
    table = Base.metadata.tables[table_name]
    unique = {c.name for c in table.columns if c.unique}
    for index in table.indexes:
        if index.unique:
            unique |= {c.name for c in index.columns}
    return [n for n in unique if isinstance(table.columns[n].type, String)]


def get_routes(app) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """Every GET path of the app, included routers and all (web pages are not in the
    OpenAPI document)."""

    def walk(routes):  # type: ignore[no-untyped-def]
        for route in routes:
            inner = getattr(route, "original_router", None)
            if inner is not None:
                yield from walk(inner.routes)
            elif isinstance(route, APIRoute) and "GET" in route.methods:
                yield route.path

    yield from sorted(set(walk(app.routes)))


class Province:
    """A province app whose one child, 长沙市, sends it hand-made one-row batches."""

    def __init__(self, parent_database, tmp_path) -> None:  # type: ignore[no-untyped-def]
        settings = NodeSettings(
            data_dir=tmp_path / "province",
            node=NodeSection(level="province", code="430000", name="湖南省"),
            database=DatabaseSection(url=parent_database.engine.url.render_as_string(False)),
        )
        settings.data_dir.mkdir()
        with parent_database.unit_of_work() as s:
            self.key, public = new_signer()
            add_child(s, "430000", settings.node.level, "430100", "长沙市", "city", public)
            add_user(s, "prov_admin", "省管理员", Role.admin, PASSWORD, None)
        self.app = create_app(settings, parent_database)
        self.checkpoint: dict[str, int] = {}

    def send(self, http: TestClient, table: str, rows: pa.Table) -> int:
        """Post one batch continuing the table's checkpoint; returns the status."""
        body = codec.encode(rows)
        prev = self.checkpoint.get(table, 0)
        manifest = Manifest(
            sender="430100",
            table=table,
            prev_seq=prev,
            seq_start=prev + 1,
            seq_end=prev + rows.num_rows,
            schema_version=SCHEMA_VERSION,
            fingerprint=FINGERPRINTS[table],
            row_count=rows.num_rows,
            body_sha256=body_digest(body),
            created_at=time.time(),
        )
        resp = http.post(
            "/federation/v1/batches",
            content=body,
            headers={
                "x-fedcrm-manifest": manifest.to_header(),
                "x-fedcrm-tag": self.key.tag(manifest.to_bytes(), body),
            },
        )
        if resp.status_code == 200:
            self.checkpoint[table] = resp.json()["checkpoint"]
        return resp.status_code


def _city_rows(client: TestClient, admin: dict, database) -> dict[str, pa.Table]:  # type: ignore[no-untyped-def]
    """Real rows of every wire table, made through the city's API."""
    maker = RowMaker(client, admin)
    for resource in RESOURCES:
        maker.make(resource.path, 1)
    signed_in = client.post("/api/v1/agents/me/state", json={"state": "ready"}, headers=admin)
    assert signed_in.status_code == 200, signed_in.text  # an agent_state_events row
    with database.unit_of_work() as session:  # a queued call: a call_figures row
        store_events(
            session, [parse_line("1764550800|c1|96296|NONE|ENTERQUEUE||13907310001|1")], Rules()
        )
        # A minute later the agent signs out: a span that ended, an agent_time_figures row.
        agent = session.get(User, uuid.UUID(admin["x-user-id"]))
        assert agent is not None
        later = datetime.now(UTC) + timedelta(minutes=1)
        change_state(session, agent, AgentState.signed_out, None, StateSource.api, later, 60)
        # A customer who refused a callback: a suppressed_numbers row (the same service
        # a do_not_call result calls; the API's pool would depend on the calling window).
        suppress(session, "13800138001", "do_not_call", agent.id, later)
        # A completed callback: survey_figures and survey_answer_figures rows.
        (task,) = add_numbers(session, make_campaign(session), ["13800138002"])
        assert reserve(session, agent.id, T0) is not None
        answers = {"fixed": "yes", "score": 5}
        record_result(session, task.id, agent.id, Report(DialResult.completed, answers), T0)
        fold_all(session)
        # An article as a province publishes it for its cities (a city publishes none,
        # so the row is made as the publishing service makes it): a kb_publications row.
        kb_article = uuid.uuid4()
        session.add(
            KbPublication(
                id=kb_article,
                origin=session.info["node_code"],
                folders=f'[["{uuid.uuid4().hex}", "营业厅制度"]]',
                kind="policy",
                title="停机保号办理规定",
                body="# 停机保号\n\n凭本人身份证到营业厅办理。",
                tags='["停机"]',
                must_read=True,
                number=1,
                published_at=later,
            )
        )
        # A file of that article: a kb_attachment_publications row ("abc", FIPS 180-2).
        session.add(
            KbAttachmentPublication(
                id=uuid.uuid4(),
                origin=session.info["node_code"],
                article_id=uuid.uuid4(),
                name="资费表.txt",
                content_type="text/plain",
                size=3,
                sha256="ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
                content="YWJj",
            )
        )
        # A reader's answer on that article and their read of it: kb_feedback and
        # kb_view_counts rows, as the article's endpoints write them.
        give_feedback(session, kb_article, agent.id, agent.username, True, "有用")
        count_view(session, kb_article, later)
        # A questionnaire as a province publishes it: a questionnaire_publications row.
        session.add(
            QuestionnairePublication(
                id=uuid.uuid4(), origin=session.info["node_code"], document='{"format": 1}'
            )
        )
    with database.engine.connect() as conn:
        return {t: read_changes(conn, t, 0, 1000).rows for t in TABLE_ORDER}


def _variant(base: pa.Table, table: str, column: str, value: object, n: int) -> pa.Table:
    """The base row with a new id, `value` in `column` and fresh unique codes."""
    row = base.slice(0, 1)
    schema = TABLES[table]

    def put(rows: pa.Table, name: str, item: object) -> pa.Table:
        at = schema.get_field_index(name)
        array = (
            pa.array([item], schema.field(name).type)
            if not isinstance(item, pa.Scalar)
            else (pa.array([item.cast(pa.int64()).as_py()], pa.int64()).cast(item.type))
        )
        return rows.set_column(at, schema.field(name), array)

    row = put(row, "id", uuid.uuid4().hex)
    row = put(row, "origin_version", 1)
    for unique in _unique_text_columns(table):
        if unique != column:
            row = put(row, unique, f"X{n}")
    return put(row, column, value)


# Not pages over the data: probes, the login form, and the child-facing signed route.
# Not pages: probes, the login form, the language switch, and the screen-pop event
# stream, which never ends (it carries pops only, no row).
SKIPPED = ("/metrics", "/healthz", "/readyz", "/ui/login", "/ui/lang/{lang}", "/ui/pop/stream")
PATH_OF = {r.model.__tablename__: r.path for r in RESOURCES}  # type: ignore[attr-defined]


def _detail_routes(routes: list[str], table: str) -> list[str]:
    """The routes showing one row of `table` (API and web), e.g. /ui/tickets/{ticket_id}."""
    segment = PATH_OF.get(table)
    return [r for r in routes if segment and re.search(rf"/{segment}/{{\w+}}$", r)]


def test_no_accepted_batch_makes_any_page_answer_5xx(
    client, admin, database, parent_database, tmp_path
):
    base = _city_rows(client, admin, database)
    province = Province(parent_database, tmp_path)
    failures: list[str] = []
    sent = accepted = requests = 0
    with TestClient(province.app, raise_server_exceptions=False) as http:
        for table in TABLE_ORDER:  # the real rows first: what the variants refer to
            assert province.send(http, table, base[table]) == 200, table
        pages = Pages(http, web_login(province.app, "prov_admin"), _token(http), failures)
        routes = [r for r in get_routes(province.app) if r not in SKIPPED]
        base_ids = {t: rows.column("id")[0].as_py() for t, rows in base.items()}
        for table in TABLE_ORDER:
            for field in TABLES[table]:
                column = Base.metadata.tables[table].columns[field.name]
                for value in extremes(field, column):
                    sent += 1
                    rows = _variant(base[table], table, field.name, value, sent)
                    status = province.send(http, table, rows)
                    if status >= 500:
                        failures.append(f"receive {table}.{field.name}={value!r}: {status}")
                    if status == 200:
                        accepted += 1
                        row_id = rows.column("id")[0].as_py()
                        for route in _detail_routes(routes, table):
                            pages.get(route, row_id, f"{table}.{field.name}={value!r}")
            # Every list and page, and every base row's pages (the customer's 360 shows
            # every contact, ticket, call... attached to it, variants included).
            for route in routes:
                if "{" not in route:
                    pages.get(route, None, f"after {table}")
            for other, row_id in base_ids.items():
                for route in _detail_routes(routes, other):
                    pages.get(route, row_id, f"after {table}")
        requests = pages.count
    print(f"{sent} batches sent, {accepted} accepted, {requests} page requests")
    assert sent > 1000 and accepted > 300
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures[:40])


class Pages:
    """GETs as the province's admin: web pages with the session, the API with a token."""

    def __init__(self, http: TestClient, web: TestClient, token: str, failures: list[str]):
        self.http, self.web, self.failures, self.count = http, web, failures, 0
        self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, route: str, row_id: str | None, after: str) -> None:
        path = re.sub(r"{\w+}", row_id, route) if row_id else route
        is_web = route == "/" or route.startswith("/ui")
        resp = self.web.get(path) if is_web else self.http.get(path, headers=self.headers)
        self.count += 1
        if resp.status_code >= 500:
            self.failures.append(f"{after}: GET {path}: {resp.status_code}")


def _token(http: TestClient) -> str:
    resp = http.post("/api/v1/auth/login", json={"username": "prov_admin", "password": PASSWORD})
    assert resp.status_code == 200, resp.text
    return resp.json()["access_token"]


@pytest.fixture(autouse=True)
def _quiet_receive_log(caplog):  # type: ignore[no-untyped-def]
    # A thousand refusals log a thousand warnings; pytest keeps them all otherwise.
    caplog.set_level("ERROR", logger="fedcrm.federation.receive")
