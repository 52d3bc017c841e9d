"""Capture at a child, encode, decode, validate and apply at a parent: both databases."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from federation.batches import codec
from federation.batches.manifest import Manifest, body_digest
from federation.receiving.apply import apply_incoming
from federation.receiving.validate import BatchRejected, check_rows, conform
from federation.sending.capture import read_changes
from node.customers.models import Customer
from node.settings import Level
from schemas.wire import FINGERPRINTS, SCHEMA_VERSION, TABLES
from tests.conftest import NODE_CODE
from tests.factories import customer_payload


@pytest.fixture
def parent(parent_database):
    return parent_database


def _batch(database, table="customers", after=0):
    with database.engine.connect() as conn:
        changes = read_changes(conn, table, after, 1000)
    body = codec.encode(changes.rows)
    manifest = Manifest(
        sender=NODE_CODE,
        table=table,
        prev_seq=after,
        seq_start=changes.seq_start,
        seq_end=changes.seq_end,
        schema_version=SCHEMA_VERSION,
        fingerprint=FINGERPRINTS[table],
        row_count=changes.rows.num_rows,
        body_sha256=body_digest(body),
        created_at=0,
    )
    return manifest, body


def _apply(parent, manifest, body):
    table = conform(manifest, codec.decode(body))
    check_rows(manifest, table, Level.city)
    return apply_incoming(
        parent, manifest.sender, manifest.table, table, manifest.prev_seq, manifest.seq_end
    )


def test_round_trip_is_exact_and_idempotent(client, admin, database, parent):
    made = [
        client.post("/api/v1/customers", json=customer_payload(name=n), headers=admin).json()
        for n in ("张建国", "李翔", "王芳")
    ]
    client.patch(f"/api/v1/customers/{made[0]['id']}", json={"note": "改"}, headers=admin)
    manifest, body = _batch(database)
    first = _apply(parent, manifest, body)
    assert (first.applied, first.skipped_older, first.checkpoint) == (3, 0, manifest.seq_end)
    again = _apply(parent, manifest, body)
    assert (again.applied, again.skipped_older) == (0, 3)
    with database.unit_of_work(write=False) as s, parent.unit_of_work(write=False) as p:
        cols = [Customer.__table__.c[name] for name in TABLES["customers"].names]
        mine = sorted(s.execute(select(*cols)).all())
        theirs = sorted(p.execute(select(*cols)).all())
    assert mine == theirs


def test_old_version_never_overwrites_new(client, admin, database, parent):
    made = client.post("/api/v1/customers", json=customer_payload(), headers=admin).json()
    old_manifest, old_body = _batch(database)
    client.patch(f"/api/v1/customers/{made['id']}", json={"note": "新"}, headers=admin)
    new_manifest, new_body = _batch(database)
    _apply(parent, new_manifest, new_body)
    replay = _apply(parent, old_manifest, old_body)
    assert replay.applied == 0 and replay.checkpoint == new_manifest.seq_end
    with parent.unit_of_work(write=False) as p:
        assert p.execute(select(Customer.note)).scalar_one() == "新"


def test_foreign_origin_is_refused(client, admin, database, parent):
    client.post("/api/v1/customers", json=customer_payload(), headers=admin)
    manifest, body = _batch(database)
    other = Manifest(**{**manifest.__dict__, "sender": "430200"})
    with pytest.raises(BatchRejected) as err:
        _apply(parent, other, body)
    assert err.value.status == 403 and "outside" in err.value.reason


def test_search_works_on_replicated_rows(client, admin, database, parent):
    client.post("/api/v1/customers", json=customer_payload(name="欧阳建国"), headers=admin)
    _apply(parent, *_batch(database))
    from node.customers.lookup import apply_lookup, classify

    with parent.unit_of_work(write=False) as p:
        stmt = apply_lookup(select(Customer), classify("阳建"), parent.dialect, None)
        assert [c.name for c in p.execute(stmt).scalars()] == ["欧阳建国"]


def test_search_follows_renames_applied_in_bulk(client, admin, database, parent):
    from node.customers.lookup import apply_lookup, classify

    made = client.post("/api/v1/customers", json=customer_payload(name="欧阳建国"), headers=admin)
    _apply(parent, *_batch(database))
    client.patch(f"/api/v1/customers/{made.json()['id']}", json={"name": "司马光明"}, headers=admin)
    _apply(parent, *_batch(database))

    def names(q: str) -> list[str]:
        with parent.unit_of_work(write=False) as p:
            stmt = apply_lookup(select(Customer), classify(q), parent.dialect, None)
            return [c.name for c in p.execute(stmt).scalars()]

    assert names("光明") == ["司马光明"]
    assert names("建国") == []
    if parent.dialect == "sqlite":
        with parent.engine.connect() as conn:
            fts_rows = conn.exec_driver_sql("SELECT count(*) FROM customer_fts").scalar_one()
            customers = conn.exec_driver_sql("SELECT count(*) FROM customers").scalar_one()
        assert fts_rows == customers == 1
