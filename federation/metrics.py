"""Replication metrics (docs/federation.md rule 10): fedcrm_ prefix, base units, low cardinality."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from federation.registry.models import Checkpoint, ChildNode, QuarantinedBatch
from federation.registry.topology import parent_of
from node.db.types import utcnow
from node.db.unit_of_work import Database

SIZE_BUCKETS = (1e3, 1e4, 1e5, 1e6, 4e6, 16e6, 64e6)
APPLY_BUCKETS = (0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)


class FederationMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.backlog_rows = Gauge(
            "fedcrm_replication_backlog_rows",
            "Changed rows not yet acknowledged by the parent",
            ["table"],
            registry=registry,
        )
        self.last_success = Gauge(
            "fedcrm_replication_last_success_timestamp_seconds",
            "When the last sync cycle to the parent fully succeeded",
            registry=registry,
        )
        self.batches_sent = Counter(
            "fedcrm_batches_sent_total",
            "Batches sent to the parent",
            ["result", "transport"],
            registry=registry,
        )
        self.batches_received = Counter(
            "fedcrm_batches_received_total",
            "Batches received from children",
            ["child", "result", "transport"],
            registry=registry,
        )
        self.rows_applied = Counter(
            "fedcrm_rows_applied_total",
            "Rows applied from children",
            ["child", "table"],
            registry=registry,
        )
        self.apply_seconds = Histogram(
            "fedcrm_batch_apply_seconds",
            "Time to validate and apply one batch",
            buckets=APPLY_BUCKETS,
            registry=registry,
        )
        self.quarantine_pruned = Counter(
            "fedcrm_quarantine_bodies_pruned_total",
            "Bodies of refused batches deleted to keep the quarantine within its byte cap",
            registry=registry,
        )
        self.down_batches = Counter(
            "fedcrm_down_batches_total",
            "Batches pulled from the parent (reference data flowing down), by result",
            ["result"],
            registry=registry,
        )
        self.down_rows_applied = Counter(
            "fedcrm_down_rows_applied_total",
            "Rows applied from batches pulled from the parent",
            ["table"],
            registry=registry,
        )
        self.down_last_success = Gauge(
            "fedcrm_down_last_success_timestamp_seconds",
            "When the last pull from the parent fully succeeded",
            registry=registry,
        )
        self.batch_bytes = Histogram(
            "fedcrm_batch_bytes",
            "Size of batch bodies sent and received",
            ["direction"],
            buckets=SIZE_BUCKETS,
            registry=registry,
        )


class FederationStateCollector(Collector):
    """Gauges read from the database at scrape time, so they are right after a restart
    and keep growing while a child is silent (lag is now minus its newest change)."""

    def __init__(self, db: Database, quarantine_max_bytes: int) -> None:
        self.db = db
        self.quarantine_max_bytes = quarantine_max_bytes

    def collect(self) -> Iterator[GaugeMetricFamily]:
        lag = GaugeMetricFamily(
            "fedcrm_replication_lag_seconds",
            "Now minus the origin time of the newest change applied from the child",
            labels=["child"],
        )
        # Per active child that has delivered at least once: a silent link shows as a
        # growing `time() - value` at the parent, whatever the child's own metrics say.
        last_batch = GaugeMetricFamily(
            "fedcrm_child_last_batch_timestamp_seconds",
            "When the last batch from the child was applied here (Unix time)",
            labels=["child"],
        )
        kept = GaugeMetricFamily("fedcrm_quarantined_batches", "Batches kept in quarantine")
        kept_bytes = GaugeMetricFamily(
            "fedcrm_quarantine_bytes", "Bytes of refused batches' bodies kept in quarantine"
        )
        cap = GaugeMetricFamily(
            "fedcrm_quarantine_max_bytes", "The quarantine's byte cap (oldest bodies go past it)"
        )
        down_lag = GaugeMetricFamily(
            "fedcrm_down_lag_seconds",
            "Now minus the origin time of the newest change pulled from the parent",
        )
        now = utcnow()
        parent = parent_of(self.db.node_code)
        with self.db.unit_of_work(write=False) as session:
            newest = session.execute(
                select(Checkpoint.sender, func.max(Checkpoint.newest_change_at)).group_by(
                    Checkpoint.sender
                )
            ).all()
            delivered = session.execute(
                select(Checkpoint.sender, func.max(Checkpoint.last_batch_at))
                .join(ChildNode, ChildNode.code == Checkpoint.sender)
                .where(ChildNode.revoked_at.is_(None))
                .group_by(Checkpoint.sender)
            ).all()
            count = session.execute(select(func.count()).select_from(QuarantinedBatch)).scalar()
            body_bytes = session.execute(
                select(func.coalesce(func.sum(QuarantinedBatch.body_bytes), 0)).where(
                    QuarantinedBatch.body_path.is_not(None)
                )
            ).scalar_one()
        for sender, at in newest:
            if at is not None:
                seconds = max(0.0, (now - _aware(at)).total_seconds())
                # The parent's checkpoints are what this node pulled down (rule 11).
                if sender == parent:
                    down_lag.add_metric([], seconds)
                else:
                    lag.add_metric([sender], seconds)
        for child, at in delivered:
            if at is not None:
                last_batch.add_metric([child], _aware(at).timestamp())
        kept.add_metric([], float(count or 0))
        kept_bytes.add_metric([], float(body_bytes))
        cap.add_metric([], float(self.quarantine_max_bytes))
        yield lag
        yield down_lag
        yield last_batch
        yield kept
        yield kept_bytes
        yield cap


def _aware(at: datetime) -> datetime:
    """Aggregates can lose the column type on SQLite and come back naive: those are UTC."""
    return at if at.tzinfo else at.replace(tzinfo=UTC)
