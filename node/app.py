"""The app factory: the composition root that assembles a running node's HTTP side."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from fastapi import Depends, FastAPI
from prometheus_client import CollectorRegistry

from federation.metrics import FederationMetrics, FederationStateCollector
from federation.receiving.endpoints import router as federation_router
from federation.receiving.service import Receiver
from federation.registry.service import list_children
from federation.sending.relay import Relay
from federation.sending.setup import NoParent, build_sender, has_parent, node_path
from federation.sftp.inbox import ingest_inbox, prune_done
from federation.status_endpoints import router as federation_status_router
from federation.verify.endpoints import router as digest_router
from node.api.deps import refuse_nul_parameters
from node.api.errors import install_error_handlers
from node.api.openapi import errors, install_openapi
from node.auth.endpoints import router as auth_router
from node.churn.resource import ChurnEventResource
from node.contacts.resource import ContactResource
from node.contracts.resource import ContractResource
from node.crud.router import crud_router
from node.customers.endpoints import router as customer_actions
from node.customers.resource import CustomerResource
from node.db.unit_of_work import Database
from node.dictionaries.resource import DictionaryResource
from node.interactions.resource import InteractionResource
from node.observability.endpoints import router as ops_router
from node.observability.http_metrics import HttpMetrics, HttpMetricsMiddleware
from node.products.resource import ProductResource
from node.settings import NodeSettings
from node.subscriptions.resource import SubscriptionResource
from node.tickets.endpoints import router as ticket_actions
from node.tickets.resource import TicketResource
from node.users.resource import UserResource
from node.web import install_web_ui
from rollup import schedule as rollup_schedule
from rollup.endpoints import router as rollup_router

RESOURCES = (
    CustomerResource(),
    ContactResource(),
    ProductResource(),
    SubscriptionResource(),
    ContractResource(),
    TicketResource(),
    InteractionResource(),
    ChurnEventResource(),
    UserResource(),
    DictionaryResource(),
)


log = logging.getLogger("fedcrm.node")


class _QuietSkips(logging.Filter):
    """Drop APScheduler's warning that a job is still running: with max_instances=1 that is
    the intended behaviour (a long catch-up simply spans several intervals)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "maximum number of running instances reached" not in record.getMessage()


_QUIET_SKIPS = _QuietSkips()  # one instance: addFilter ignores it when already there


def _start_jobs(app: FastAPI) -> BackgroundScheduler | None:
    """Background jobs: push changes to the parent; ingest an SFTP inbox from children."""
    settings = app.state.settings
    scheduler = BackgroundScheduler(timezone="UTC")
    logging.getLogger("apscheduler.scheduler").addFilter(_QUIET_SKIPS)
    try:
        relay = Relay(build_sender(settings, app.state.db, app.state.federation_metrics))
        scheduler.add_job(
            relay.run,
            "interval",
            id="replicate-to-parent",
            seconds=settings.federation.interval_seconds,
            max_instances=1,
            coalesce=True,
            next_run_time=_now(),
        )
        relay.trigger = lambda: scheduler.modify_job("replicate-to-parent", next_run_time=_now())
        app.state.receiver.on_applied = relay.applied
    except NoParent as exc:
        if has_parent(settings):
            log.warning("replication not started: %s", exc)
    inbox = settings.federation.inbox_dir
    if inbox:
        root = node_path(settings, inbox)
        limit = settings.federation.receive_max_bytes
        scheduler.add_job(
            ingest_inbox,
            "interval",
            id="ingest-sftp-inbox",
            args=(app.state.receiver, root, limit),
            max_instances=1,
            seconds=settings.federation.ingest_interval_seconds,
            coalesce=True,
            next_run_time=_now(),
        )
        scheduler.add_job(
            prune_done,
            "interval",
            id="prune-sftp-done",
            hours=1,
            args=(root, settings.federation.done_retention_days),
        )
    _add_rollup_jobs(scheduler, app.state.db)
    if not scheduler.get_jobs():
        return None
    scheduler.start()
    return scheduler


def _add_rollup_jobs(scheduler: BackgroundScheduler, db: Database) -> None:
    """Recompute rollups nightly and when replicated or local changes settle."""
    jobs = rollup_schedule.RollupJobs(db)
    hour, minute = rollup_schedule.NIGHTLY_AT
    scheduler.add_job(
        jobs.nightly,
        CronTrigger(hour=hour, minute=minute, timezone=rollup_schedule.TIMEZONE),
        id="rollup-nightly",
        max_instances=1,
        coalesce=True,
    )
    scheduler.add_job(
        jobs.after_changes,
        "interval",
        id="rollup-after-changes",
        seconds=rollup_schedule.CHECK_SECONDS,
        max_instances=1,
        coalesce=True,
    )


def _now() -> datetime:
    return datetime.now(UTC)


def create_app(
    settings: NodeSettings, db: Database | None = None, run_scheduler: bool = False
) -> FastAPI:
    """Build the node's FastAPI app. Nothing is created at import time.

    `run_scheduler` starts the background jobs (replication to the parent); `fedcrm
    serve` turns it on, tests drive the jobs themselves.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        scheduler = _start_jobs(app) if run_scheduler else None
        yield
        if scheduler is not None:
            scheduler.shutdown(wait=True)

    app = FastAPI(
        title=f"fedcrm {settings.node.name} ({settings.node.code})",
        version="0.1.0",
        lifespan=lifespan,
        dependencies=[Depends(refuse_nul_parameters)],
    )
    app.state.settings = settings
    app.state.db = db or Database(settings.database_url, settings.node.code, settings.database.echo)
    registry = CollectorRegistry()
    app.state.metrics_registry = registry
    app.state.federation_metrics = FederationMetrics(registry)
    registry.register(FederationStateCollector(app.state.db))
    app.state.receiver = Receiver(
        db=app.state.db,
        data_dir=settings.data_dir,
        metrics=app.state.federation_metrics,
        max_tag_age=settings.federation.tag_max_age_seconds,
    )
    app.add_middleware(HttpMetricsMiddleware, metrics=HttpMetrics(registry))
    install_error_handlers(app)
    install_openapi(app)  # each operation's error statuses, derived from its route
    app.include_router(ops_router)
    app.include_router(auth_router)
    # Errors a route's signature does not show: state conflicts, and federation's own
    # request signing (a parent checks the tag, not a bearer token).
    app.include_router(customer_actions, responses=errors(409))
    app.include_router(ticket_actions, responses=errors(409))
    app.include_router(federation_router, responses=errors(400, 401, 403, 409, 413))
    app.include_router(federation_status_router)
    app.include_router(digest_router, responses=errors(401, 403))
    app.include_router(rollup_router, responses=errors(409))
    # Rollup labels name this node and the children it registered (the registry is
    # federation's; rollup/ does not import it).
    app.state.rollup_node_names = lambda session: {
        **{child.code: child.name for child in list_children(session)},
        settings.node.code: settings.node.name,
    }
    for resource in RESOURCES:
        app.include_router(crud_router(resource))
    install_web_ui(app)  # the browser pages (node/web/) and their bundled assets
    return app
