"""Nothing is stored before authentication, and the quarantine of authenticated refusals
is bounded (issue 18 §1-2).

A request whose tag does not verify (a malformed manifest, a body too large to read, a
forged tag) is answered 4xx naming the field, counted under the one label
`child="unauthenticated"`, and leaves no row and no file behind. Refused batches from an
authenticated child are kept, but their bodies only up to `quarantine_max_bytes`.
"""

from __future__ import annotations

import base64
import time

import orjson
import pyarrow as pa
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from federation.batches import codec
from federation.batches.manifest import Manifest, body_digest
from federation.batches.signatures import Signer
from federation.registry.models import QuarantinedBatch
from federation.registry.service import add_child
from federation.sending.capture import read_changes
from node.app import create_app
from node.settings import DatabaseSection, FederationSection, NodeSection, NodeSettings
from schemas.wire import FINGERPRINTS, SCHEMA_VERSION
from tests.factories import customer_payload
from tests.signing import new_signer

CAP = 20_000  # bytes of quarantined bodies kept at most in these tests


@pytest.fixture
def parent(parent_database, tmp_path):
    settings = NodeSettings(
        data_dir=tmp_path / "province",
        node=NodeSection(level="province", code="430000", name="湖南省"),
        database=DatabaseSection(url=parent_database.engine.url.render_as_string(False)),
        federation=FederationSection(receive_max_bytes=50_000, quarantine_max_bytes=CAP),
    )
    settings.data_dir.mkdir()
    with parent_database.unit_of_work() as s:
        signer, public = new_signer()
        add_child(s, "430000", settings.node.level, "430100", "长沙市", "city", public)
    with TestClient(create_app(settings, parent_database)) as http:
        yield http, signer, parent_database, settings.data_dir


def _fields(body: bytes, rows: int = 1, **overrides: object) -> dict:
    fields: dict[str, object] = dict(
        sender="430100",
        table="customers",
        prev_seq=0,
        seq_start=1,
        seq_end=rows,
        schema_version=SCHEMA_VERSION,
        fingerprint=FINGERPRINTS["customers"],
        row_count=rows,
        body_sha256=body_digest(body),
        created_at=time.time(),
    )
    return fields | overrides


def _raw_post(http, key: Signer, fields: dict, body: bytes):
    """Post a manifest built by hand (any JSON, even one Manifest would refuse),
    signed with the child's real key: only its contents are wrong."""
    raw = orjson.dumps(fields, option=orjson.OPT_SORT_KEYS)
    return http.post(
        "/federation/v1/batches",
        content=body,
        headers={
            "x-fedcrm-manifest": base64.urlsafe_b64encode(raw).decode(),
            "x-fedcrm-tag": key.tag(raw, body),
        },
    )


def _stored(db, data_dir) -> tuple[int, list[str]]:
    with db.unit_of_work(write=False) as s:
        rows = len(s.execute(select(QuarantinedBatch.id)).all())
    folder = data_dir / "quarantine"
    return rows, sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def _metric(http, child: str) -> float:
    prefix = f'fedcrm_batches_received_total{{child="{child}",result="rejected",'
    lines = [line for line in http.get("/metrics").text.splitlines() if line.startswith(prefix)]
    return sum(float(line.split()[-1]) for line in lines)


MALFORMED = [
    ("sender", 430100, "sender: Input should be a valid string"),
    ("sender", ["430100"], "sender: Input should be a valid string"),
    ("sender", "../../x", "sender: String should match pattern"),
    ("created_at", "2026-12-05T10:00:00", "created_at: Input should be a valid number"),
    ("created_at", 253_402_300_800.0, "created_at: Input should be less than or equal"),  # 10000
    ("created_at", True, "created_at: Input should be a valid number"),
    ("seq_end", 2**63, "seq_end: Input should be less than or equal"),
    ("prev_seq", -1, "prev_seq: Input should be greater than or equal to 0"),
    ("row_count", "1", "row_count: Input should be a valid integer"),
    ("body_sha256", None, "body_sha256: Input should be a valid string"),
    ("extra", 1, "extra: Unexpected keyword argument"),
]


@pytest.mark.parametrize(("field", "value", "message"), MALFORMED, ids=[m[0] for m in MALFORMED])
def test_a_malformed_manifest_is_answered_400_and_nothing_is_stored(parent, field, value, message):
    http, key, db, data_dir = parent
    body = b"not even arrow"
    resp = _raw_post(http, key, _fields(body) | {field: value}, body)
    assert resp.status_code == 400, resp.text
    assert message in resp.json()["error"]["message"]
    assert _stored(db, data_dir) == (0, [])
    assert _metric(http, "unauthenticated") == 1


def test_a_manifest_that_is_not_an_object_or_not_json_is_400(parent):
    http, _key, db, data_dir = parent
    for header in ("W10=", "bnVsbA==", "e30=", "!!!", base64.b64encode(b'{"a": NaN}').decode()):
        resp = http.post(
            "/federation/v1/batches",
            content=b"x",
            headers={"x-fedcrm-manifest": header, "x-fedcrm-tag": "x"},
        )
        assert resp.status_code == 400, (header, resp.text)
    assert _stored(db, data_dir) == (0, [])


def test_a_nan_timestamp_never_reaches_the_freshness_check(parent):
    # JSON has no NaN; a child's orjson refuses it too, but a hand-made header can say
    # 1e999 (infinity as a double).
    http, key, db, data_dir = parent
    body = b"x"
    raw = orjson.dumps(_fields(body)).replace(b'"created_at":', b'"created_at":1e999,"_":')
    resp = http.post(
        "/federation/v1/batches",
        content=body,
        headers={
            "x-fedcrm-manifest": base64.urlsafe_b64encode(raw).decode(),
            "x-fedcrm-tag": key.tag(raw, body),
        },
    )
    assert resp.status_code == 400
    assert _stored(db, data_dir) == (0, [])


def test_an_oversized_body_is_refused_unread_counted_and_not_stored(parent):
    http, key, db, data_dir = parent
    body = b"\x00" * 60_000
    resp = _raw_post(http, key, _fields(body), body)
    assert resp.status_code == 413
    assert _stored(db, data_dir) == (0, [])
    assert _metric(http, "unauthenticated") == 1


def test_forged_senders_make_no_new_metric_series(parent):
    http, _key, db, data_dir = parent
    body = b"x"
    for code in ("430101", "430102", "999999"):
        resp = _raw_post(http, new_signer()[0], _fields(body, sender=code), body)
        assert resp.status_code == 403
    text = http.get("/metrics").text
    assert 'child="430101"' not in text and 'child="999999"' not in text
    assert _metric(http, "unauthenticated") == 3
    assert _stored(db, data_dir) == (0, [])


def test_quarantined_bodies_stay_under_the_cap_oldest_pruned(client, admin, database, parent):
    http, key, db, data_dir = parent
    client.post("/api/v1/customers", json=customer_payload(), headers=admin)
    with database.engine.connect() as conn:
        rows = read_changes(conn, "customers", 0, 10).rows
    body = codec.encode(rows)
    sizes = []
    for n in range(6):  # authentic batches, each refused: its manifest lies about the count
        fields = Manifest(**_fields(body, rows=1, row_count=2 + n))
        resp = http.post(
            "/federation/v1/batches",
            content=body,
            headers={
                "x-fedcrm-manifest": fields.to_header(),
                "x-fedcrm-tag": key.tag(fields.to_bytes(), body),
            },
        )
        assert resp.status_code == 400 and "rows" in resp.json()["error"]["message"]
        sizes.append(len(body))
    count, files = _stored(db, data_dir)
    assert count == 6  # every refusal keeps its row and reason
    kept = CAP // len(body)  # whole bodies that fit, computed from the cap
    assert 0 < kept < 6, len(body)
    assert files == [f"{i:08d}.arrows" for i in range(7 - kept, 7)]  # the newest
    text = http.get("/metrics").text
    assert f"fedcrm_quarantine_bytes {float(kept * len(body))}" in text
    assert f"fedcrm_quarantine_max_bytes {float(CAP)}" in text
    assert f"fedcrm_quarantine_bodies_pruned_total {float(6 - kept)}" in text
    assert _metric(http, "430100") == 6


def test_a_refused_value_batch_answers_4xx_and_changes_nothing(client, admin, database, parent):
    http, key, db, data_dir = parent
    client.post("/api/v1/customers", json=customer_payload(), headers=admin)
    with database.engine.connect() as conn:
        rows = read_changes(conn, "customers", 0, 10).rows
    at = rows.schema.get_field_index("joined_at")
    far = pa.array([253_402_300_800 * 10**6], pa.int64()).cast(rows.schema.field(at).type)
    rows = rows.set_column(at, rows.schema.field(at), far)  # the year 10000
    body = codec.encode(rows)
    fields = Manifest(**_fields(body))
    resp = http.post(
        "/federation/v1/batches",
        content=body,
        headers={
            "x-fedcrm-manifest": fields.to_header(),
            "x-fedcrm-tag": key.tag(fields.to_bytes(), body),
        },
    )
    assert resp.status_code == 400
    assert "customers.joined_at: outside 1900-01-01..2200-01-01" in resp.json()["error"]["message"]
    assert _stored(db, data_dir)[0] == 1  # authenticated: kept for the operator
