"""Property: any interleaving of changes, duplicated, reordered, dropped and resent
batches and sender restarts converges to the same state at every level, and no row's
version ever goes back (docs/federation.md rules 2, 5, 6)."""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from sqlalchemy import text

from federation.batches.manifest import Manifest, body_digest
from federation.receiving.apply import OutOfOrder, apply_incoming
from federation.receiving.validate import check_rows, conform
from federation.registry.models import Checkpoint
from federation.sending.capture import read_changes
from node.customers.models import Customer
from node.customers.search_terms import customer_search_terms
from node.db.migrate import upgrade
from node.db.types import utcnow
from node.db.unit_of_work import Database
from node.settings import Level
from schemas.wire import FINGERPRINTS, SCHEMA_VERSION

CITIES = ("430100", "430200")
TEMPLATE: Path | None = None


def _template() -> Path:
    global TEMPLATE
    if TEMPLATE is None:
        TEMPLATE = Path(tempfile.mkdtemp()) / "template.db"
        db = Database(f"sqlite:///{TEMPLATE}", "000000")
        upgrade(db.engine)
        db.dispose()
    return TEMPLATE


def _node(folder: Path, code: str) -> Database:
    path = folder / f"{code}.db"
    shutil.copy(_template(), path)
    return Database(f"sqlite:///{path}", code)


def _state(db: Database) -> set[tuple]:
    with db.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT id, origin, origin_version, deleted_at, note FROM customers")
        ).all()
    return {tuple(r) for r in rows}


def _capture(src: Database, after: int, limit: int):  # type: ignore[no-untyped-def]
    with src.engine.connect() as conn:
        changes = read_changes(conn, "customers", after, limit)
    if changes is None:
        return None
    manifest = Manifest(
        sender=src.node_code,
        table="customers",
        prev_seq=after,
        seq_start=changes.seq_start,
        seq_end=changes.seq_end,
        schema_version=SCHEMA_VERSION,
        fingerprint=FINGERPRINTS["customers"],
        row_count=changes.rows.num_rows,
        body_sha256=body_digest(b""),  # rows are applied directly; no body is checked
        created_at=0,
    )
    return manifest, changes.rows


def _deliver(dst: Database, level: Level, batch) -> None:  # type: ignore[no-untyped-def]
    manifest, rows = batch
    table = conform(manifest, rows)
    check_rows(manifest, table, level)
    apply_incoming(dst, manifest.sender, "customers", table, manifest.prev_seq, manifest.seq_end)


def _checkpoint(dst: Database, sender: str) -> int:
    with dst.unit_of_work(write=False) as s:
        cp = s.get(Checkpoint, (sender, "customers"))
        return cp.last_seq if cp else 0


class Federation(RuleBasedStateMachine):
    @initialize()
    def build(self) -> None:
        self.folder = Path(tempfile.mkdtemp())
        self.city = {c: _node(self.folder, c) for c in CITIES}
        self.province = _node(self.folder, "430000")
        self.hq = _node(self.folder, "000000")
        self.ids: dict[str, list] = {c: [] for c in CITIES}
        self.watermark = {c: 0 for c in (*CITIES, "430000")}
        self.network: list = []  # (destination, level, batch)
        self.versions: dict[tuple, int] = {}
        self.counter = 0

    # ---- changes at the cities ---------------------------------------------------
    @rule(city=st.sampled_from(CITIES))
    def create(self, city: str) -> None:
        self.counter += 1
        with self.city[city].unit_of_work() as s:
            c = Customer(
                customer_no=f"{city}-{self.counter:08d}",
                name=f"客户{self.counter}",
                joined_at=utcnow(),
                search_terms=customer_search_terms("客户"),
            )
            s.add(c)
        self.ids[city].append(c.id)

    @rule(city=st.sampled_from(CITIES), pick=st.integers(0, 50), delete=st.booleans())
    def change(self, city: str, pick: int, delete: bool) -> None:
        if not self.ids[city]:
            return
        row_id = self.ids[city][pick % len(self.ids[city])]
        with self.city[city].unit_of_work() as s:
            row = s.get(Customer, row_id)
            if delete:
                row.deleted_at = row.deleted_at or utcnow()
            else:
                row.note = f"v{(row.origin_version or 0) + 1}"

    # ---- the unreliable network --------------------------------------------------
    @rule(sender=st.sampled_from((*CITIES, "430000")), limit=st.integers(1, 4))
    def send(self, sender: str, limit: int) -> None:
        src = self.province if sender == "430000" else self.city[sender]
        batch = _capture(src, self.watermark[sender], limit)
        if batch is None:
            return
        dst, level = (
            (self.hq, Level.province) if sender == "430000" else (self.province, Level.city)
        )
        self.network.append((dst, level, batch))
        self.watermark[sender] = batch[0].seq_end  # optimistic: the ack may never come

    @rule(pick=st.integers(0, 100), keep=st.booleans())
    def deliver(self, pick: int, keep: bool) -> None:
        """Deliver any in-flight batch (reordering); keep a copy to duplicate it later."""
        if not self.network:
            return
        index = pick % len(self.network)
        dst, level, batch = self.network[index] if keep else self.network.pop(index)
        # A parent refuses a batch that continues past a hole; the sender resumes later.
        with contextlib.suppress(OutOfOrder):
            _deliver(dst, level, batch)

    @rule(pick=st.integers(0, 100))
    def drop(self, pick: int) -> None:
        if self.network:
            self.network.pop(pick % len(self.network))

    @rule(sender=st.sampled_from((*CITIES, "430000")))
    def restart(self, sender: str) -> None:
        """A sender restarts and resumes from what its parent says it holds."""
        dst = self.hq if sender == "430000" else self.province
        self.watermark[sender] = _checkpoint(dst, sender)

    # ---- invariants --------------------------------------------------------------
    @invariant()
    def versions_never_go_back(self) -> None:
        if not hasattr(self, "hq"):
            return
        for name, db in (("province", self.province), ("hq", self.hq)):
            with db.engine.connect() as conn:
                for row_id, version in conn.execute(
                    text("SELECT id, origin_version FROM customers")
                ):
                    key = (name, row_id)
                    assert version >= self.versions.get(key, 0)
                    self.versions[key] = version

    def teardown(self) -> None:
        if not hasattr(self, "hq"):
            return
        try:
            # Whatever happened, restarting every sender and syncing fully converges.
            for sender, src, dst, level in (
                *((c, self.city[c], self.province, Level.city) for c in CITIES),
                ("430000", self.province, self.hq, Level.province),
            ):
                after = _checkpoint(dst, sender)
                while (batch := _capture(src, after, 3)) is not None:
                    _deliver(dst, level, batch)
                    after = batch[0].seq_end
            union = _state(self.city["430100"]) | _state(self.city["430200"])
            assert _state(self.province) == union
            assert _state(self.hq) == union
        finally:
            for db in (*self.city.values(), self.province, self.hq):
                db.dispose()
            shutil.rmtree(self.folder, ignore_errors=True)


TestFederation = Federation.TestCase
TestFederation.settings = settings(
    max_examples=40,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
