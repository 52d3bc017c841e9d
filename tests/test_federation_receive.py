"""The receiving endpoint refuses every bad batch with its status, quarantines it, and
changes nothing; a good batch is applied idempotently."""

from __future__ import annotations

import base64
import secrets
import time

import orjson
import pyarrow as pa
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from federation.batches import codec
from federation.batches.manifest import Manifest, body_digest
from federation.registry.models import QuarantinedBatch
from federation.registry.service import add_child, revoke_child
from federation.sending.capture import read_changes
from node.app import create_app
from node.customers.models import Customer
from node.settings import DatabaseSection, FederationSection, NodeSection, NodeSettings
from schemas.wire import FINGERPRINTS, SCHEMA_VERSION
from tests.factories import customer_payload
from tests.signing import new_signer


@pytest.fixture
def province(parent_database, tmp_path, db_url):
    settings = NodeSettings(
        data_dir=tmp_path / "province",
        node=NodeSection(level="province", code="430000", name="湖南省"),
        database=DatabaseSection(url=str(parent_database.engine.url.render_as_string(False))),
        federation=FederationSection(receive_max_bytes=50_000),
    )
    settings.data_dir.mkdir()
    with parent_database.unit_of_work() as s:
        signer, public = new_signer()
        add_child(s, "430000", settings.node.level, "430100", "长沙市", "city", public)
    with TestClient(create_app(settings, parent_database)) as http:
        yield http, signer, parent_database


def _changes(database, table="customers"):
    with database.engine.connect() as conn:
        return read_changes(conn, table, 0, 10_000)


def _post(http, key, table, rows, seq_start=1, seq_end=None, sender="430100", **overrides):
    body = overrides.pop("body", None) or codec.encode(rows)
    fields = dict(
        sender=sender,
        table=table,
        prev_seq=overrides.pop("prev_seq", 0),
        seq_start=seq_start,
        seq_end=seq_end or rows.num_rows,
        schema_version=SCHEMA_VERSION,
        fingerprint=FINGERPRINTS[table],
        row_count=rows.num_rows,
        body_sha256=body_digest(body),
        created_at=time.time(),
    )
    fields.update({k: v for k, v in overrides.items() if k in fields})
    manifest = Manifest(**fields)
    tag = overrides.get("tag") or key.tag(manifest.to_bytes(), body)
    return http.post(
        "/federation/v1/batches",
        content=overrides.get("send_body", body),
        headers={"x-fedcrm-manifest": manifest.to_header(), "x-fedcrm-tag": tag},
    )


def _counts(db):
    with db.unit_of_work(write=False) as s:
        return (
            s.execute(select(func.count()).select_from(Customer)).scalar_one(),
            s.execute(select(func.count()).select_from(QuarantinedBatch)).scalar_one(),
        )


def test_good_batch_applies_once_and_replays_change_nothing(client, admin, database, province):
    http, key, parent = province
    for name in ("张建国", "李翔"):
        client.post("/api/v1/customers", json=customer_payload(name=name), headers=admin)
    changes = _changes(database)
    first = _post(http, key, "customers", changes.rows, changes.seq_start, changes.seq_end)
    assert first.status_code == 200, first.text
    assert first.json() == {"applied": 2, "skipped_older": 0, "checkpoint": changes.seq_end}
    again = _post(http, key, "customers", changes.rows, changes.seq_start, changes.seq_end)
    assert again.json()["applied"] == 0 and again.json()["skipped_older"] == 2
    assert _counts(parent) == (2, 0)


def test_bad_batches_each_get_their_status_and_change_nothing(client, admin, database, province):
    http, key, parent = province
    client.post("/api/v1/customers", json=customer_payload(), headers=admin)
    rows = _changes(database).rows
    body = codec.encode(rows)
    foreign = rows.set_column(
        rows.schema.get_field_index("origin"), "origin", pa.array(["430200"] * rows.num_rows)
    )
    older_schema = rows.drop_columns(["note"])
    big = pa.concat_tables([rows] * 400)
    # Only a batch whose tag verified is quarantined (kept=True): nothing an
    # unauthenticated request claims is stored.
    cases = [
        ("corrupt body", dict(body=body[:10] + b"garbage" + body[17:]), 400, True),
        ("truncated body", dict(send_body=body[: len(body) // 2]), 400, False),
        ("wrong tag", dict(tag="00" * 32), 401, False),
        ("stale tag", dict(created_at=time.time() - 3600), 401, False),
        ("unknown child", dict(sender="430300"), 403, False),
        ("newer schema", dict(schema_version=SCHEMA_VERSION + 1), 409, True),
        ("row count lies", dict(row_count=5), 400, True),
    ]
    expected_quarantine = 0
    for label, overrides, status, kept in cases:
        resp = _post(http, key, "customers", rows, **overrides)
        assert resp.status_code == status, (label, resp.text)
        assert resp.json()["error"]["message"], label
        expected_quarantine += kept
        assert _counts(parent) == (0, expected_quarantine), label
    assert (
        "upgrade the parent"
        in _post(http, key, "customers", rows, schema_version=SCHEMA_VERSION + 1).json()["error"][
            "message"
        ]
    )
    resp = _post(http, key, "customers", foreign)
    assert resp.status_code == 403 and "outside" in resp.json()["error"]["message"]
    resp = _post(http, key, "customers", big, seq_end=big.num_rows)
    assert resp.status_code in (400, 413)  # duplicate ids, or too big once over the limit
    # An older, compatible schema (a column missing) is accepted; the column becomes null.
    ok = _post(http, key, "customers", older_schema, schema_version=SCHEMA_VERSION - 1)
    assert ok.status_code == 200 and ok.json()["applied"] == 1


def test_oversized_and_revoked(client, admin, database, province):
    http, key, parent = province
    for i in range(150):  # random notes do not compress: well over the 50 kB limit
        client.post(
            "/api/v1/customers",
            json=customer_payload(name=f"客户{i}", note=secrets.token_hex(500)),
            headers=admin,
        )
    changes = _changes(database)
    resp = _post(http, key, "customers", changes.rows, changes.seq_start, changes.seq_end)
    assert resp.status_code == 413
    small = changes.rows.slice(0, 1)
    with parent.unit_of_work() as s:
        revoke_child(s, "430100")
    resp = _post(http, key, "customers", small)
    assert (
        resp.status_code == 403
        and "not a registered, active child" in resp.json()["error"]["message"]
    )
    assert _counts(parent)[0] == 0


def test_manifest_header_garbage(province):
    http, _key, parent = province
    resp = http.post(
        "/federation/v1/batches",
        content=b"x",
        headers={
            "x-fedcrm-manifest": base64.urlsafe_b64encode(orjson.dumps({"a": 1})).decode(),
            "x-fedcrm-tag": "x",
        },
    )
    assert resp.status_code == 400
    assert _counts(parent) == (0, 0)  # never authenticated: answered, not stored


def test_a_batch_past_a_hole_is_refused_with_the_checkpoint(client, admin, database, province):
    http, key, parent = province
    client.post("/api/v1/customers", json=customer_payload(), headers=admin)
    changes = _changes(database)
    resp = _post(
        http,
        key,
        "customers",
        changes.rows,
        changes.seq_start,
        changes.seq_end,
        prev_seq=changes.seq_start - 1,
    )
    assert resp.status_code == 409 and resp.json()["checkpoint"] == 0
    assert "resend from 0" in resp.json()["error"]["message"]
    assert _counts(parent) == (0, 0)  # not applied, and not bad data: not quarantined


def test_replication_metrics_at_the_parent(client, admin, database, province):
    http, key, _parent = province
    client.post("/api/v1/customers", json=customer_payload(), headers=admin)
    changes = _changes(database)
    _post(http, key, "customers", changes.rows, changes.seq_start, changes.seq_end)
    _post(http, key, "customers", changes.rows, tag="00" * 32)
    _post(http, key, "customers", changes.rows, row_count=9)  # authentic, refused
    text = http.get("/metrics").text
    assert 'fedcrm_rows_applied_total{child="430100",table="customers"} 1.0' in text
    assert (
        'fedcrm_batches_received_total{child="430100",result="applied",transport="http"} 1.0'
        in text
    )
    assert (
        'fedcrm_batches_received_total{child="430100",result="rejected",transport="http"} 1.0'
        in text
    )
    # A forged tag proves nothing about who sent it: one fixed label, never quarantined.
    assert (
        'fedcrm_batches_received_total{child="unauthenticated",result="rejected",'
        'transport="http"} 1.0' in text
    )
    assert "fedcrm_quarantined_batches 1.0" in text
    lag = [
        line
        for line in text.splitlines()
        if line.startswith('fedcrm_replication_lag_seconds{child="430100"}')
    ]
    assert lag and 0 <= float(lag[0].split()[-1]) < 600
    assert "fedcrm_batch_apply_seconds_bucket" in text
