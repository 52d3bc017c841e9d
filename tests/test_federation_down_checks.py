"""Pulling from the parent, in one process (docs/federation.md rule 11): a city pulls a
province's rows once however often it asks; the parent refuses every request it cannot
trust with the field or reason named; the city refuses every batch it cannot trust,
counts it and keeps it, and applies nothing of it."""

from __future__ import annotations

import time

import pyarrow as pa
import pytest
from fastapi.testclient import TestClient
from prometheus_client import CollectorRegistry
from sqlalchemy import func, select

from federation.batches import codec
from federation.batches.manifest import Manifest, body_digest
from federation.batches.signatures import Verifier, load_node_key, parse_public_key
from federation.downward.intake import open_down_batch
from federation.downward.pulling import Puller
from federation.downward.sources import HttpDownSource
from federation.metrics import FederationMetrics
from federation.receiving.intake import CheckedBatch, Refusal
from federation.receiving.service import Receiver
from federation.registry.models import Checkpoint, QuarantinedBatch
from federation.registry.service import add_child
from federation.registry.topology import origins_sql, served_down, subtree_sql
from federation.sending.capture import backlog, read_changes
from node.app import create_app
from node.dictionaries.defaults import DEFAULT_ENTRIES
from node.dictionaries.models import DictionaryEntry
from node.settings import DatabaseSection, NodeSection, NodeSettings
from schemas.wire import DOWN_TABLES, FINGERPRINTS, SCHEMA_VERSION, TABLES
from tests.signing import new_signer

ASK = "/federation/v1/down?table=dictionary_entries&after=0"


@pytest.fixture
def province(parent_database, tmp_path):
    """The province's app with city 430100 registered, and the city's signer."""
    settings = NodeSettings(
        data_dir=tmp_path / "province",
        node=NodeSection(level="province", code="430000", name="湖南省"),
        database=DatabaseSection(url=str(parent_database.engine.url.render_as_string(False))),
    )
    settings.data_dir.mkdir()
    signer, public = new_signer()
    with parent_database.unit_of_work() as s:
        add_child(s, "430000", settings.node.level, "430100", "长沙市", "city", public)
    with TestClient(create_app(settings, parent_database)) as http:
        yield http, signer, settings


def _province_verifier(settings: NodeSettings) -> Verifier:
    key = load_node_key(settings.data_dir).public_key()
    return Verifier(public_key=key)


def _puller(database, tmp_path, http, signer, verifier) -> tuple[Puller, FederationMetrics]:
    metrics = FederationMetrics(CollectorRegistry())
    receiver = Receiver(database, tmp_path, metrics, max_tag_age=300)
    return Puller(receiver, HttpDownSource("430100", signer, http), verifier), metrics


def _held(database, origin: str) -> set[tuple[str, str, int]]:
    with database.unit_of_work(write=False) as s:
        rows = s.execute(
            select(
                DictionaryEntry.code, DictionaryEntry.label, DictionaryEntry.origin_version
            ).where(DictionaryEntry.origin == origin)
        ).all()
    return {tuple(r) for r in rows}


def _add_entry(db, code: str, label: str) -> None:
    with db.unit_of_work() as s:
        s.add(DictionaryEntry(kind="churn_reason", code=code, label=label))


def test_a_city_pulls_the_province_rows_once(database, parent_database, province, tmp_path):
    http, signer, settings = province
    _add_entry(parent_database, "hn_relocation", "湖南省内搬迁")
    puller, metrics = _puller(database, tmp_path, http, signer, _province_verifier(settings))
    report = puller.pull_once()
    assert report.ok, report
    held = _held(database, "430000")
    # The province's seeded dictionary plus the one entry it added, each at version 1.
    assert ("hn_relocation", "湖南省内搬迁", 1) in held
    assert held == _held(parent_database, "430000")
    again = puller.pull_once()
    assert [t.rows_received for t in again.tables] == [0] * len(DOWN_TABLES)  # answered 204
    with parent_database.unit_of_work() as s:
        row = s.execute(
            select(DictionaryEntry).where(DictionaryEntry.code == "hn_relocation")
        ).scalar_one()
        row.label = "湖南省内迁移"
    puller.pull_once()
    assert ("hn_relocation", "湖南省内迁移", 2) in _held(database, "430000")
    # One batch of dictionary entries, then one with the edit; the province has no products.
    assert metrics.down_batches.labels("applied")._value.get() == 2


def test_the_parent_refuses_requests_it_cannot_trust(province):
    http, signer, _ = province
    stranger, _ = new_signer()

    def ask(path: str, headers: dict[str, str]) -> tuple[int, str]:
        resp = http.get(path, headers=headers)
        return resp.status_code, resp.text

    assert ask(ASK, {})[0] == 400  # no timestamp, no sender
    assert ask(ASK, stranger.request_headers("430100", ASK))[0] == 401  # not the city's key
    assert ask(ASK, signer.request_headers("430200", ASK))[0] == 403  # not a registered child
    signed_other = signer.request_headers("430100", ASK.replace("after=0", "after=5"))
    assert ask(ASK, signed_other)[0] == 401  # the tag covers the query
    for path, field in [
        ("/federation/v1/down?table=customers&after=0", "table"),
        ("/federation/v1/down?table=users&after=0", "table"),
        ("/federation/v1/down?after=0", "table"),
        ("/federation/v1/down?table=products&after=-1", "after"),
        ("/federation/v1/down?table=products&after=1e3", "after"),
        ("/federation/v1/down?table=products&after=99999999999999999999", "after"),
        ("/federation/v1/down?table=products", "after"),
    ]:
        status, text = ask(path, signer.request_headers("430100", path))
        assert (status, f"{field}:" in text) == (400, True), (path, text)


def _batch(key, rows: pa.Table, sender="430000", table="dictionary_entries", **over):
    body = over.pop("body", None) or codec.encode(rows)
    fields = dict(
        sender=sender,
        table=table,
        prev_seq=0,
        seq_start=1,
        seq_end=rows.num_rows,
        schema_version=SCHEMA_VERSION,
        fingerprint=FINGERPRINTS[table],
        row_count=rows.num_rows,
        body_sha256=body_digest(body),
        created_at=time.time(),
    )
    fields.update(over)
    manifest = Manifest(**fields)
    return manifest.to_header(), key.tag(manifest.to_bytes(), body), body


def _with_origin(rows: pa.Table, origin: str) -> pa.Table:
    return rows.set_column(
        rows.schema.get_field_index("origin"), "origin", pa.array([origin] * rows.num_rows)
    )


def test_the_city_refuses_batches_it_cannot_trust(parent_database):
    parent_key, parent_public = new_signer()
    verifier = Verifier(public_key=parse_public_key(parent_public))
    with parent_database.engine.connect() as conn:
        rows = read_changes(conn, "dictionary_entries", 0, 5).rows
    ask = ("dictionary_entries", 0)

    def opened(header, tag, body, asked=ask):
        return open_down_batch(verifier, 300, "430100", asked, header, tag, body)

    good = opened(*_batch(parent_key, rows))
    assert isinstance(good, CheckedBatch) and good.rows.num_rows == 5
    header, tag, body = _batch(parent_key, rows)
    stranger, _ = new_signer()
    empty_users = pa.Table.from_pylist([], schema=TABLES["users"])
    cases = [
        (
            "a sibling's rows",
            _batch(parent_key, _with_origin(rows, "430200")),
            ask,
            403,
            "430200 is not above 430100",
        ),
        (
            "the city's own rows",
            _batch(parent_key, _with_origin(rows, "430100")),
            ask,
            403,
            "430100 is not above 430100",
        ),
        (
            "from another province",
            _batch(parent_key, rows, sender="440000"),
            ask,
            403,
            "not this node's parent",
        ),
        (
            "a table that does not flow down",
            _batch(parent_key, empty_users, table="users", seq_end=1),
            ("users", 0),
            400,
            "does not flow down",
        ),
        (
            "not what was asked",
            _batch(parent_key, rows, prev_seq=7, seq_start=8, seq_end=12),
            ask,
            400,
            "asked for dictionary_entries after 0",
        ),
        ("body cut short", (header, tag, body[: len(body) // 2]), ask, 400, "SHA-256"),
        ("signed by another key", _batch(stranger, rows), ask, 401, "signature"),
        ("stale", _batch(parent_key, rows, created_at=time.time() - 3600), ask, 401, "stale"),
    ]
    for name, delivered, asked, status, reason in cases:
        result = opened(*delivered, asked=asked)
        assert isinstance(result, Refusal), name
        assert (result.status, reason in result.reason) == (status, True), (name, result)
        # Only a batch whose tag verified is kept in quarantine (it names its sender).
        assert (result.manifest is not None) == (status != 401 and reason != "SHA-256"), name


def test_a_refused_pull_applies_nothing_and_is_counted(
    database, parent_database, province, tmp_path
):
    http, signer, _ = province
    _, other_public = new_signer()  # the city was told a key the province does not hold
    wrong = Verifier(public_key=parse_public_key(other_public))
    puller, metrics = _puller(database, tmp_path, http, signer, wrong)
    report = puller.pull_once()
    assert not report.ok
    # The province's dictionary is refused; it has no products, so there is no batch.
    errors = {t.table: t.error or "" for t in report.tables}
    assert "(401)" in errors["dictionary_entries"] and errors["products"] == "", errors
    assert _held(database, "430000") == set()
    with database.unit_of_work(write=False) as s:
        assert s.execute(select(func.count()).select_from(Checkpoint)).scalar_one() == 0
        # Never authenticated: logged and counted, nothing it claims is stored.
        assert s.execute(select(func.count()).select_from(QuarantinedBatch)).scalar_one() == 0
    assert metrics.down_batches.labels("rejected")._value.get() == 1


def test_origin_conditions_count_the_right_rows_on_both_databases(parent_database):
    """The SQL conditions of rule 11 as capture and the backlog use them: the province's
    seeded dictionary (53 entries, node.dictionaries.defaults) is its subtree's, not a
    city's, and is among what it serves down."""
    with parent_database.engine.connect() as conn:

        def count(condition: str | None) -> int:
            return backlog(conn, "dictionary_entries", 0, condition)

        assert count(None) == count(subtree_sql("430000")) == len(DEFAULT_ENTRIES) == 53
        assert count(subtree_sql("430100")) == 0
        assert count(subtree_sql("440000")) == 0
        assert count(origins_sql(served_down("430000"))) == 53
        assert count(origins_sql(("000000",))) == 0
