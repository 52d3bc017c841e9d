"""Signatures a stolen database cannot make (issue 18 §3, docs/federation.md rule 4).

A parent keeps only its children's public keys, so nothing in its database signs a
batch; a legacy HMAC link is accepted only inside its window; the parent's requests to a
child are signed with the parent's own key; every signed timestamp is a finite number
and fresh. Both databases (the parent_database fixture).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import stat
import time
from datetime import timedelta

import pytest
from alembic import command
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from federation.batches import codec
from federation.batches.manifest import Manifest, body_digest
from federation.batches.signatures import (
    Signer,
    credential_key,
    load_node_key,
    public_key_text,
    request_bytes,
)
from federation.registry.models import ChildNode
from federation.registry.service import add_child
from federation.sending.capture import read_changes
from node.app import create_app
from node.customers.models import Customer
from node.db.migrate import alembic_config, upgrade
from node.db.types import utcnow
from node.settings import DatabaseSection, NodeSection, NodeSettings
from schemas.wire import FINGERPRINTS, SCHEMA_VERSION
from tests.factories import customer_payload
from tests.signing import new_signer

CITY, OTHER_CITY = "430100", "430200"
CREDENTIAL = "fedcrm-430100-a-legacy-credential"
BAD_TIMES = ["nan", "NaN", "inf", "-inf", "1e400", "abc", "", "0x10"]


@pytest.fixture
def province(parent_database, tmp_path):
    """A province with two cities registered by their keys; yields the client, the
    database and each city's signer."""
    settings = NodeSettings(
        data_dir=tmp_path / "province",
        node=NodeSection(level="province", code="430000", name="湖南省"),
        database=DatabaseSection(url=parent_database.engine.url.render_as_string(False)),
    )
    settings.data_dir.mkdir()
    signers = {}
    with parent_database.unit_of_work() as s:
        for code, name in ((CITY, "长沙市"), (OTHER_CITY, "株洲市")):
            signers[code], public = new_signer()
            add_child(s, "430000", settings.node.level, code, name, "city", public)
    with TestClient(create_app(settings, parent_database)) as http:
        yield http, parent_database, signers


def _batch(database, client, admin) -> tuple[Manifest, bytes]:
    client.post("/api/v1/customers", json=customer_payload(), headers=admin)
    with database.engine.connect() as conn:
        changes = read_changes(conn, "customers", 0, 100)
    body = codec.encode(changes.rows)
    manifest = Manifest(
        sender=CITY,
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
    return manifest, body


def _post(http: TestClient, manifest: Manifest, body: bytes, tag: str):
    headers = {"x-fedcrm-manifest": manifest.to_header(), "x-fedcrm-tag": tag}
    return http.post("/federation/v1/batches", content=body, headers=headers)


def _applied(db) -> int:
    with db.unit_of_work(write=False) as s:
        return s.execute(select(func.count()).select_from(Customer)).scalar_one()


def _forged_tags(stored: list[str], message: bytes) -> list[str]:
    """Every tag that can be made from the values stored: each as an HMAC key (raw, hex
    decoded, hashed like a credential) and as the seed of an Ed25519 key."""
    keys: list[bytes] = []
    for value in stored:
        keys += [value.encode(), hashlib.sha256(value.encode()).digest(), credential_key(value)]
        with contextlib.suppress(ValueError):
            keys.append(bytes.fromhex(value.removeprefix("ed25519:")))
    tags = [hmac.new(k, message, hashlib.sha256).hexdigest() for k in keys]
    seeds = [hashlib.sha256(k).digest() for k in keys]
    tags += [Signer(Ed25519PrivateKey.from_private_bytes(s)).tag(message) for s in seeds]
    return tags


def _stored_values(db, code: str) -> list[str]:
    """Everything the parent's database holds about a child, as text (what a thief reads)."""
    with db.engine.connect() as conn:
        row = conn.execute(
            text("SELECT * FROM federation_children WHERE code = :c"), {"c": code}
        ).mappings()
        return [str(v) for v in next(iter(row)).values() if v is not None]


# ---- batches ------------------------------------------------------------------------------
def test_a_batch_forged_from_everything_in_the_parent_database_is_refused(
    client, admin, database, province
):
    http, db, _signers = province
    manifest, body = _batch(database, client, admin)
    stored = _stored_values(db, CITY)
    assert any(v.startswith("ed25519:") for v in stored)  # the public key is all there is
    for tag in _forged_tags(stored, manifest.to_bytes() + b"\n" + body):
        assert _post(http, manifest, body, tag).status_code == 401
    assert _applied(db) == 0


def test_a_batch_signed_with_the_childs_key_is_applied(client, admin, database, province):
    http, db, signers = province
    manifest, body = _batch(database, client, admin)
    resp = _post(http, manifest, body, signers[CITY].tag(manifest.to_bytes(), body))
    assert resp.status_code == 200, resp.text
    assert _applied(db) == 1


def test_a_batch_signed_with_another_childs_key_is_refused(client, admin, database, province):
    http, db, signers = province
    manifest, body = _batch(database, client, admin)
    resp = _post(http, manifest, body, signers[OTHER_CITY].tag(manifest.to_bytes(), body))
    assert resp.status_code == 401
    assert "does not match the sender's key" in resp.json()["error"]["message"]
    assert _applied(db) == 0


def _make_legacy(db, until_days: float | None) -> None:
    """The city as a link made before keys: an HMAC key, its window `until_days` from
    now (None: no window)."""
    until = None if until_days is None else utcnow() + timedelta(days=until_days)
    with db.unit_of_work() as s:
        child = s.get(ChildNode, CITY)
        child.key_hash = credential_key(CREDENTIAL).hex()
        child.hmac_accepted_until = until


def test_an_hmac_batch_is_applied_inside_its_window(client, admin, database, province):
    http, db, _signers = province
    _make_legacy(db, until_days=7)
    manifest, body = _batch(database, client, admin)
    tag = Signer(hmac_key=credential_key(CREDENTIAL)).tag(manifest.to_bytes(), body)
    assert _post(http, manifest, body, tag).status_code == 200
    assert _applied(db) == 1


@pytest.mark.parametrize("until_days", [-1 / 24, None], ids=["window-closed", "no-window"])
def test_an_hmac_batch_is_refused_outside_its_window(client, admin, database, province, until_days):
    http, db, _signers = province
    _make_legacy(db, until_days)
    manifest, body = _batch(database, client, admin)
    tag = Signer(hmac_key=credential_key(CREDENTIAL)).tag(manifest.to_bytes(), body)
    resp = _post(http, manifest, body, tag)
    assert resp.status_code == 401
    message = resp.json()["error"]["message"]
    if until_days is None:
        assert "HMAC tags are not accepted" in message
    else:
        assert "the HMAC window closed at" in message
    assert _applied(db) == 0


# ---- body-less requests at the parent: checkpoint --------------------------------------------
CHECKPOINT = "/federation/v1/checkpoint"


def _signed_get(http, path: str, signer: Signer, sender: str, timestamp: str):
    headers = {
        "x-fedcrm-sender": sender,
        "x-fedcrm-timestamp": timestamp,
        "x-fedcrm-tag": signer.tag(request_bytes(sender, timestamp, path)),
    }
    return http.get(path, headers=headers)


def test_a_checkpoint_request_signed_with_the_childs_key_is_answered(province):
    http, _db, signers = province
    resp = http.get(CHECKPOINT, headers=signers[CITY].request_headers(CITY, CHECKPOINT))
    assert resp.status_code == 200, resp.text
    assert resp.json() == {"sender": CITY, "tables": {}}
    other = _signed_get(http, CHECKPOINT, signers[OTHER_CITY], CITY, f"{time.time():.3f}")
    assert other.status_code == 401


@pytest.mark.parametrize("timestamp", BAD_TIMES)
def test_a_checkpoint_timestamp_that_is_not_a_finite_number_is_refused(province, timestamp):
    http, _db, signers = province
    resp = _signed_get(http, CHECKPOINT, signers[CITY], CITY, timestamp)
    assert resp.status_code == 400, resp.text
    assert "timestamp" in resp.json()["error"]["message"]


@pytest.mark.parametrize("offset", [-3600, 3600], ids=["replayed", "future"])
def test_a_checkpoint_request_outside_the_allowed_age_is_refused(province, offset):
    http, _db, signers = province
    resp = _signed_get(http, CHECKPOINT, signers[CITY], CITY, f"{time.time() + offset:.3f}")
    assert resp.status_code == 401
    assert "stale" in resp.json()["error"]["message"]


# ---- the parent's requests to a child: digest ------------------------------------------------
DIGEST = "/federation/v1/digest"


@pytest.fixture
def city(settings, database):
    """A city that keeps its parent's public key; yields the client and the parent's signer."""
    parent, public = new_signer()
    settings.federation.parent_public_key = public
    with TestClient(create_app(settings, database)) as http:
        yield http, parent


def test_a_digest_request_signed_with_the_parent_key_is_answered(city):
    http, parent = city
    resp = http.get(DIGEST, headers=parent.request_headers(CITY, DIGEST))
    assert resp.status_code == 200, resp.text
    assert resp.json()["node"] == CITY


def test_a_digest_request_signed_with_anything_else_is_refused(city, tmp_path):
    http, _parent = city
    now = f"{time.time():.3f}"
    others = [
        new_signer()[0],  # another node's key
        Signer(private_key=load_node_key(tmp_path)),  # the child's own key
        Signer(hmac_key=credential_key(CREDENTIAL)),  # a legacy credential
    ]
    for signer in others:
        assert _signed_get(http, DIGEST, signer, CITY, now).status_code == 401


def test_a_digest_request_for_another_node_is_refused(city):
    http, parent = city
    resp = http.get(DIGEST, headers=parent.request_headers(OTHER_CITY, DIGEST))
    assert resp.status_code == 403


def test_a_child_without_its_parents_key_answers_no_digest(settings, database):
    with TestClient(create_app(settings, database)) as http:
        resp = http.get(DIGEST, headers=new_signer()[0].request_headers(CITY, DIGEST))
    assert resp.status_code == 401
    assert "no parent key" in resp.json()["error"]["message"]


@pytest.mark.parametrize("timestamp", BAD_TIMES)
def test_a_digest_timestamp_that_is_not_a_finite_number_is_refused(city, timestamp):
    http, parent = city
    resp = _signed_get(http, DIGEST, parent, CITY, timestamp)
    assert resp.status_code == 400, resp.text


@pytest.mark.parametrize("offset", [-3600, 3600], ids=["replayed", "future"])
def test_a_digest_request_outside_the_allowed_age_is_refused(city, offset):
    http, parent = city
    resp = _signed_get(http, DIGEST, parent, CITY, f"{time.time() + offset:.3f}")
    assert resp.status_code == 401


# ---- upgrading a parent whose links were made before keys -----------------------------------
def _downgrade(engine, revision: str) -> None:
    cfg = alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


def test_upgrading_keeps_legacy_links_for_a_seven_day_window(database):
    _downgrade(database.engine, "0006")
    with database.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO federation_children (code, name, level, key_hash, created_at) "
                "VALUES (:c, '长沙市', 'city', :k, :t)"
            ),
            {"c": CITY, "k": credential_key(CREDENTIAL).hex(), "t": utcnow()},
        )
    before = utcnow()
    upgrade(database.engine)
    after = utcnow()
    with database.unit_of_work(write=False) as s:
        child = s.get(ChildNode, CITY)
        assert child.key_hash == credential_key(CREDENTIAL).hex() and child.public_key is None
        until = child.hmac_accepted_until
    assert until is not None
    assert before + timedelta(days=7) <= until <= after + timedelta(days=7)


# ---- the node's own key --------------------------------------------------------------------
def test_the_node_key_is_private_from_creation_and_stable(tmp_path):
    old = os.umask(0o022)
    try:
        key = load_node_key(tmp_path)
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "node.key").stat().st_mode) == 0o600
    assert public_key_text(load_node_key(tmp_path)) == public_key_text(key)
    assert [p.name for p in tmp_path.iterdir()] == ["node.key"]  # no temporary file left
