"""fedcrm_child_last_batch_timestamp_seconds{child}: when a parent last applied a batch
from each active child (the "child not seen" alert reads it), on SQLite and PostgreSQL."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from federation.batches import codec
from federation.batches.manifest import Manifest, body_digest
from federation.batches.signatures import Signer
from federation.registry.service import add_child, revoke_child
from federation.sending.capture import read_changes
from node.app import create_app
from node.db.migrate import upgrade
from node.db.unit_of_work import Database
from node.dictionaries.resource import seed_dictionaries
from node.provisioning.nodes import ensure_postgres_database
from node.settings import DatabaseSection, NodeSection, NodeSettings
from schemas.wire import FINGERPRINTS, SCHEMA_VERSION
from tests.conftest import reset_postgres_schema
from tests.factories import customer_payload
from tests.signing import new_signer

GAUGE = "fedcrm_child_last_batch_timestamp_seconds"


@pytest.fixture
def parent_database(backend: str, tmp_path, request: pytest.FixtureRequest) -> Iterator[Database]:
    """Province 430000's database on the same backend as the city's `database`.

    On PostgreSQL a database of this module's own, named after the run's test database
    (FEDCRM_TEST_PG_URL), so concurrent runs with other test databases never share it.
    """
    if backend == "sqlite":
        shutil.copy(request.getfixturevalue("sqlite_template"), tmp_path / "parent.db")
        url = f"sqlite:///{tmp_path / 'parent.db'}"
    else:
        url = request.getfixturevalue("pg_url") + "_child_metrics"
        ensure_postgres_database(url)
        reset_postgres_schema(url)
    db = Database(url, "430000")
    upgrade(db.engine)
    with db.unit_of_work() as session:
        seed_dictionaries(session)
    yield db
    db.dispose()


@pytest.fixture
def province(parent_database, tmp_path) -> Iterator[tuple[TestClient, bytes]]:
    """Province 430000 with cities 430100 (sends below) and 430200 (never sends)."""
    settings = NodeSettings(
        data_dir=tmp_path / "province",
        node=NodeSection(level="province", code="430000", name="湖南省"),
        database=DatabaseSection(url=parent_database.engine.url.render_as_string(False)),
    )
    settings.data_dir.mkdir()
    with parent_database.unit_of_work() as session:
        signer, public = new_signer()
        add_child(session, "430000", settings.node.level, "430100", "长沙市", "city", public)
        add_child(
            session, "430000", settings.node.level, "430200", "株洲市", "city", new_signer()[1]
        )
    with TestClient(create_app(settings, parent_database)) as http:
        yield http, signer


def _send_customers(http: TestClient, key: Signer, database, tag: str | None = None) -> int:
    """Push the city's customer changes to the province as one batch; the HTTP status."""
    with database.engine.connect() as conn:
        changes = read_changes(conn, "customers", 0, 10_000)
    body = codec.encode(changes.rows)
    manifest = Manifest(
        sender="430100",
        table="customers",
        prev_seq=0,
        seq_start=changes.seq_start,
        seq_end=changes.seq_end,
        schema_version=SCHEMA_VERSION,
        fingerprint=FINGERPRINTS["customers"],
        row_count=changes.rows.num_rows,
        body_sha256=body_digest(body),
        created_at=time.time(),
    )
    resp = http.post(
        "/federation/v1/batches",
        content=body,
        headers={
            "x-fedcrm-manifest": manifest.to_header(),
            "x-fedcrm-tag": tag or key.tag(manifest.to_bytes(), body),
        },
    )
    return resp.status_code


def _last_batch(http: TestClient) -> dict[str, float]:
    """The gauge's samples by child, read from the province's real /metrics page."""
    families = {f.name: f for f in text_string_to_metric_families(http.get("/metrics").text)}
    assert GAUGE in families, "the gauge is exported even before any child has sent"
    return {s.labels["child"]: s.value for s in families[GAUGE].samples}


def test_last_batch_time_per_active_child(client, admin, database, province, parent_database):
    http, key = province
    assert _last_batch(http) == {}, "registered children that never sent are not exported"

    created = client.post("/api/v1/customers", json=customer_payload(), headers=admin)
    assert created.status_code == 201, created.text
    before = time.time()
    assert _send_customers(http, key, database) == 200
    after = time.time()
    seen = _last_batch(http)
    assert set(seen) == {"430100"}
    assert before - 1 <= seen["430100"] <= after + 1

    # A refused batch is not a delivery: the time stays where the last applied one left it.
    time.sleep(0.05)
    assert _send_customers(http, key, database, tag="00" * 32) == 401
    assert _last_batch(http) == seen

    # A replay that applies nothing new still proves the link works: the time moves on.
    time.sleep(0.05)
    assert _send_customers(http, key, database) == 200
    assert _last_batch(http)["430100"] > seen["430100"]

    # A revoked child is no longer expected to send, so it must not raise "not seen".
    with parent_database.unit_of_work() as session:
        revoke_child(session, "430100")
    assert _last_batch(http) == {}
