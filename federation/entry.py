"""federation's one entry point: how the composition root (app factory, scheduler
wiring, CLI, web pages, demo, provisioning, migrations) uses this package.

`install_federation` mounts the receiving, status and digest routes and the metrics on
an app; `schedule_federation` adds the sending and SFTP-ingest jobs to a scheduler. The
names re-exported below are the operations the CLI and the web pages run. Nothing
outside federation imports its modules directly (import-linter holds it).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from apscheduler.schedulers.base import BaseScheduler
from fastapi import FastAPI
from prometheus_client import CollectorRegistry
from sqlalchemy.orm import Session

from federation.batches.signatures import (
    Signer,
    load_node_key,
    parse_public_key,
    public_key_text,
)
from federation.downward.endpoints import router as down_router
from federation.downward.outbox import write_outboxes
from federation.downward.pulling import Puller, PullReport
from federation.downward.setup import build_puller
from federation.downward.verify import verify_from_above
from federation.metrics import FederationMetrics, FederationStateCollector
from federation.receiving.endpoints import router as receiving_router
from federation.receiving.service import Receiver
from federation.registry.models import QuarantinedBatch
from federation.registry.service import (
    RegistryError,
    active_child,
    add_child,
    list_children,
    reset_checkpoints,
    revoke_child,
    rotate_child,
)
from federation.resync import expected_rows, received_rows
from federation.sending.relay import Relay
from federation.sending.setup import (
    NoParent,
    build_sender,
    has_parent,
    node_path,
    node_signer,
    parent_link_signer,
)
from federation.sftp.inbox import IngestReport, ingest_inbox, prepare_child_inbox, prune_done
from federation.status import node_status
from federation.status_endpoints import router as status_router
from federation.verify.client import VerifyError, verify_children
from federation.verify.compare import Row
from federation.verify.endpoints import router as digest_router
from federation.verify.record import load_result, save_result
from node.api.openapi import errors
from node.db.unit_of_work import Database
from node.settings import FederationSection, NodeSettings

__all__ = [
    "NoParent",
    "PullReport",
    "QuarantinedBatch",
    "RegistryError",
    "Row",
    "VerifyError",
    "active_child",
    "add_child",
    "build_sender",
    "child_names",
    "expected_rows",
    "has_parent",
    "ingest_inbox_now",
    "install_federation",
    "list_children",
    "load_result",
    "node_path",
    "node_public_key",
    "node_signer",
    "node_status",
    "normalised_public_key",
    "prepare_child_inbox",
    "pull_now",
    "received_rows",
    "reset_checkpoints",
    "revoke_child",
    "rotate_child",
    "save_result",
    "schedule_federation",
    "verify_children",
    "verify_parent",
]

log = logging.getLogger("fedcrm.node")


def _receiver(settings: NodeSettings, db: Database, metrics: FederationMetrics) -> Receiver:
    return Receiver(
        db=db,
        data_dir=settings.data_dir,
        metrics=metrics,
        max_tag_age=settings.federation.tag_max_age_seconds,
        quarantine_max_bytes=settings.federation.quarantine_max_bytes,
    )


def install_federation(app: FastAPI, settings: NodeSettings, db: Database) -> None:
    """Mount federation's routes and metrics on `app`; keep the receiver on app.state."""
    metrics = FederationMetrics(app.state.metrics_registry)
    collector = FederationStateCollector(db, settings.federation.quarantine_max_bytes)
    app.state.metrics_registry.register(collector)
    app.state.federation_metrics = metrics
    app.state.receiver = _receiver(settings, db, metrics)
    # A parent checks the request's tag, not a bearer token: errors the route's signature
    # does not show.
    app.include_router(receiving_router, responses=errors(400, 401, 403, 409, 413))
    app.include_router(status_router)
    app.include_router(digest_router, responses=errors(401, 403))
    app.include_router(down_router, responses=errors(400, 401, 403))


def schedule_federation(
    scheduler: BaseScheduler, app: FastAPI, after_pull: Callable[[], object] | None = None
) -> None:
    """Push changes to the parent every interval; ingest an SFTP inbox from children;
    pull from the parent every interval, then run `after_pull` (the composition root
    makes what arrived from above into the node's own read-only rows)."""
    settings: NodeSettings = app.state.settings
    try:
        relay = Relay(build_sender(settings, app.state.db, app.state.federation_metrics))
    except NoParent as exc:
        if has_parent(settings):
            log.warning("replication not started: %s", exc)
    else:
        _every(scheduler, relay.run, "replicate-to-parent", settings.federation.interval_seconds)
        relay.trigger = lambda: scheduler.modify_job("replicate-to-parent", next_run_time=_now())
        app.state.receiver.on_applied = relay.applied
    _schedule_pull(scheduler, settings, app.state.receiver, after_pull)
    inbox = settings.federation.inbox_dir
    if inbox:
        root = node_path(settings, inbox)
        limit = settings.federation.receive_max_bytes
        seconds = settings.federation.ingest_interval_seconds
        args = (app.state.receiver, root, limit, node_signer(settings), settings.federation)
        _every(scheduler, _ingest_and_write_down, "ingest-sftp-inbox", seconds, args)
        retention = settings.federation.done_retention_days
        scheduler.add_job(
            prune_done, "interval", id="prune-sftp-done", hours=1, args=(root, retention)
        )


def _schedule_pull(
    scheduler: BaseScheduler,
    settings: NodeSettings,
    receiver: Receiver,
    after_pull: Callable[[], object] | None,
) -> None:
    """Pull what flows down from the parent every interval (rule 11)."""
    if not has_parent(settings):
        return
    try:
        puller = build_puller(settings, receiver)
    except NoParent as exc:
        log.warning("pulling from the parent not started: %s", exc)
        return

    def pull() -> None:
        puller.pull_once()
        if after_pull is not None:
            after_pull()

    _every(scheduler, pull, "pull-from-parent", settings.federation.interval_seconds)


def pull_now(
    settings: NodeSettings, db: Database, after_pull: Callable[[], object] | None = None
) -> PullReport:
    """Pull what the parent serves down once (`fedcrm pull`), then run `after_pull`;
    NoParent says what is missing."""
    puller: Puller = build_puller(
        settings, _receiver(settings, db, FederationMetrics(CollectorRegistry()))
    )
    try:
        report = puller.pull_once()
    finally:
        puller.close()
    if after_pull is not None:
        after_pull()
    return report


def verify_parent(settings: NodeSettings, db: Database) -> list[Row]:
    """Compare what this node holds from above with what its parent serves down
    (`fedcrm verify --from-parent`); NoParent or VerifyError say why it could not."""
    url = settings.node.parent_url
    if settings.federation.transport != "http" or not url:
        raise NoParent(
            "verifying against the parent needs an HTTP parent link (`fedcrm parent set`)"
        )
    return verify_from_above(db, url, parent_link_signer(settings))


def _ingest_and_write_down(
    receiver: Receiver, root: Path, limit: int, signer: Signer, limits: FederationSection
) -> IngestReport:
    """The SFTP children's inboxes applied, then their outboxes written (rule 11)."""
    report = ingest_inbox(receiver, root, limit)
    report.down_written = write_outboxes(receiver.db, signer, limits, root)
    return report


def ingest_inbox_now(settings: NodeSettings, db: Database) -> IngestReport:
    """Apply the batches waiting in this node's SFTP inbox once and write what flows
    down into the children's outboxes (`fedcrm ingest`)."""
    receiver = _receiver(settings, db, FederationMetrics(CollectorRegistry()))
    root = node_path(settings, settings.federation.inbox_dir or "")
    fed = settings.federation
    return _ingest_and_write_down(receiver, root, fed.receive_max_bytes, node_signer(settings), fed)


def node_public_key(data_dir: Path) -> str:
    """This node's public key as text (`fedcrm key show`); makes DIR/node.key if missing."""
    return public_key_text(load_node_key(data_dir))


def normalised_public_key(text: str) -> str:
    """A public key as given by an operator, checked; ValueError says what is expected."""
    return public_key_text(parse_public_key(text))


def child_names(session: Session) -> dict[str, str]:
    """The display name of every child this node registered, by node code."""
    return {child.code: child.name for child in list_children(session)}


def _every(
    scheduler: BaseScheduler,
    job: Callable[..., object],
    job_id: str,
    seconds: float,
    args: tuple[object, ...] = (),
) -> None:
    # One run at a time; a long catch-up spans several intervals instead of piling up.
    scheduler.add_job(
        job,
        "interval",
        id=job_id,
        args=args,
        seconds=seconds,
        max_instances=1,
        coalesce=True,
        next_run_time=_now(),
    )


def _now() -> datetime:
    return datetime.now(UTC)
