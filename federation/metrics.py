"""Replication metrics (DESIGN.md rule 10): fedcrm_ prefix, base units, low cardinality."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

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
            "fedcrm_batches_sent_total", "Batches sent to the parent", ["result"], registry=registry
        )
        self.batches_received = Counter(
            "fedcrm_batches_received_total",
            "Batches received from children",
            ["child", "result"],
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
        self.batch_bytes = Histogram(
            "fedcrm_batch_bytes",
            "Size of batch bodies sent and received",
            ["direction"],
            buckets=SIZE_BUCKETS,
            registry=registry,
        )
        self.lag_seconds = Gauge(
            "fedcrm_replication_lag_seconds",
            "Now minus the origin time of the newest change applied from the child",
            ["child"],
            registry=registry,
        )
        self.quarantined = Gauge(
            "fedcrm_quarantined_batches", "Batches kept in quarantine", registry=registry
        )
