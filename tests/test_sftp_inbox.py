"""The parent's SFTP inbox without SSH, on both databases: each batch gets the receiver's
answer, written as the answer file the child reads back (sftp/client.py), and its files
go where the outcome says. test_sftp_transport.py runs the same through a real sshd."""

from __future__ import annotations

import time
from pathlib import Path

import orjson
import pytest
from prometheus_client import CollectorRegistry
from sqlalchemy import func, select

from federation.batches import codec
from federation.batches.manifest import Manifest, body_digest
from federation.batches.signatures import Signer
from federation.metrics import FederationMetrics
from federation.receiving.service import Receiver
from federation.registry.models import QuarantinedBatch
from federation.registry.service import add_child
from federation.sending.capture import Changes, read_changes
from federation.sftp import layout
from federation.sftp.inbox import ingest_inbox, prepare_child_inbox
from node.settings import Level
from schemas.wire import FINGERPRINTS, SCHEMA_VERSION
from tests.conftest import NODE_CODE
from tests.factories import customer_payload
from tests.signing import new_signer

MAX_BYTES = 1 << 20


@pytest.fixture
def inbox(parent_database, tmp_path):
    with parent_database.unit_of_work() as s:
        signer, public = new_signer()
        add_child(s, "430000", Level.province, NODE_CODE, "长沙市", "city", public)
    metrics = FederationMetrics(CollectorRegistry())
    receiver = Receiver(parent_database, tmp_path, metrics, max_tag_age=300)
    root = tmp_path / "inbox"
    for code in (NODE_CODE, "430200"):
        prepare_child_inbox(root, code)
    return receiver, root, signer


def _changes(client, admin, database) -> Changes:
    client.post("/api/v1/customers", json=customer_payload(), headers=admin)
    with database.engine.connect() as conn:
        changes = read_changes(conn, "customers", 0, 1000)
    assert changes is not None
    return changes


def _drop(folder: Path, key: Signer, changes: Changes, prev_seq: int = 0) -> str:
    """Upload a batch the way sftp/client.py does: body first, then its manifest file."""
    body = codec.encode(changes.rows)
    manifest = Manifest(
        sender=NODE_CODE,
        table="customers",
        prev_seq=prev_seq,
        seq_start=changes.seq_start,
        seq_end=changes.seq_end,
        schema_version=SCHEMA_VERSION,
        fingerprint=FINGERPRINTS["customers"],
        row_count=changes.rows.num_rows,
        body_sha256=body_digest(body),
        created_at=time.time(),
    )
    envelope = {"manifest": manifest.to_header(), "tag": key.tag(manifest.to_bytes(), body)}
    name = layout.batch_name("customers", prev_seq, changes.seq_end)
    (folder / layout.INCOMING / (name + layout.BODY_SUFFIX)).write_bytes(body)
    (folder / layout.INCOMING / (name + layout.MANIFEST_SUFFIX)).write_bytes(orjson.dumps(envelope))
    return name


def _answer(folder: Path, name: str) -> bytes:
    return (folder / layout.ACKS / (name + ".json")).read_bytes()


def _quarantined(db) -> int:
    with db.unit_of_work(write=False) as s:
        return s.execute(select(func.count()).select_from(QuarantinedBatch)).scalar_one()


def test_applied_batch_is_answered_and_moved_to_done(client, admin, database, inbox):
    receiver, root, key = inbox
    changes = _changes(client, admin, database)
    folder = root / NODE_CODE
    name = _drop(folder, key, changes)
    report = ingest_inbox(receiver, root, MAX_BYTES)
    assert (report.applied, report.rows, report.rejected) == (1, 1, 0)
    assert _answer(folder, name) == orjson.dumps(
        {"status": 200, "applied": 1, "skipped_older": 0, "checkpoint": changes.seq_end}
    )
    assert sorted(p.name for p in (folder / layout.DONE).iterdir()) == [
        name + layout.BODY_SUFFIX,
        name + layout.MANIFEST_SUFFIX,
    ]
    tables = orjson.loads((folder / layout.CHECKPOINT).read_bytes())["tables"]
    assert tables == {"customers": changes.seq_end}


def test_batch_past_a_hole_is_answered_with_the_checkpoint_and_not_kept(
    client, admin, database, inbox
):
    receiver, root, key = inbox
    changes = _changes(client, admin, database)
    folder = root / NODE_CODE
    name = _drop(folder, key, changes, prev_seq=changes.seq_start - 1)
    report = ingest_inbox(receiver, root, MAX_BYTES)
    assert report.out_of_order == 1
    answer = _answer(folder, name)
    assert answer.startswith(b'{"status":409,"checkpoint":0,"error":{"code":"out_of_order",')
    assert b"resend from 0" in answer
    assert not any((folder / layout.INCOMING).iterdir())
    assert not any((folder / layout.QUARANTINE).iterdir())
    assert _quarantined(receiver.db) == 0


def test_batch_in_another_childs_inbox_is_refused_and_set_aside(client, admin, database, inbox):
    receiver, root, key = inbox
    changes = _changes(client, admin, database)
    folder = root / "430200"
    name = _drop(folder, key, changes)  # signed by 430100, uploaded into 430200's inbox
    report = ingest_inbox(receiver, root, MAX_BYTES)
    assert report.rejected == 1
    assert _answer(folder, name) == orjson.dumps(
        {
            "status": 403,
            "error": {
                "code": "batch_rejected",
                "message": f"batch from {NODE_CODE} found in 430200's inbox",
            },
        }
    )
    assert len(list((folder / layout.QUARANTINE).iterdir())) == 2
    # Not shown to come from the child it names: set aside in the inbox it was found in,
    # never a row in this node's quarantine table.
    assert _quarantined(receiver.db) == 0


def test_a_batch_in_the_inbox_signed_with_another_key_is_refused(client, admin, database, inbox):
    """The SFTP way in checks the same Ed25519 signature as HTTP (issue 18 §3)."""
    receiver, root, _key = inbox
    changes = _changes(client, admin, database)
    folder = root / NODE_CODE
    name = _drop(folder, new_signer()[0], changes)
    report = ingest_inbox(receiver, root, MAX_BYTES)
    assert (report.applied, report.rejected) == (0, 1)
    assert orjson.loads(_answer(folder, name))["status"] == 401
