"""The app factory: the composition root that assembles a running node's HTTP side."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from prometheus_client import CollectorRegistry

from federation.entry import child_names, install_federation
from node.api.deps import refuse_nul_parameters
from node.api.errors import install_error_handlers
from node.api.openapi import errors, install_openapi
from node.callcenter.agent_endpoints import router as agents_router
from node.callcenter.ami_follow import AmiMetrics, start_ami_follower, stop_ami_follower
from node.callcenter.callback_endpoints import router as callback_seat_router
from node.callcenter.endpoints import router as callcenter_router
from node.callcenter.event_endpoints import router as cti_router
from node.callcenter.pop_broker import PopBroker
from node.callcenter.service import rules_of
from node.churn.endpoints import router as customer_actions
from node.churn.resource import ChurnEventResource
from node.contacts.resource import ContactResource
from node.contracts.resource import ContractResource
from node.crud.router import crud_router
from node.customer_360.resource import CustomerResourceWith360
from node.customer_merge.endpoints import router as merge_actions
from node.db.unit_of_work import Database
from node.dictionaries.resource import DictionaryResource
from node.interactions.resource import InteractionResource
from node.knowledge.attachment_endpoints import router as kb_attachments_router
from node.knowledge.audience_endpoints import router as kb_audiences_router
from node.knowledge.endpoints import router as kb_router
from node.knowledge.feedback_endpoints import router as kb_feedback_router
from node.knowledge.suggestion_endpoints import router as kb_suggestions_router
from node.observability.endpoints import router as ops_router
from node.observability.http_metrics import HttpMetrics, HttpMetricsMiddleware
from node.process_heap import freeze_startup_heap
from node.products.resource import ProductResource
from node.scheduler import start_jobs
from node.settings import NodeSettings
from node.sms.endpoints import router as sms_router
from node.sms.metrics import SmsCollector
from node.sms.outbox import SESSION_KEY as SMS_SESSION_KEY
from node.subscriptions.resource import SubscriptionResource
from node.surveys.campaign_endpoints import router as campaigns_router
from node.surveys.endpoints import router as surveys_router
from node.surveys.pool_endpoints import router as pool_router
from node.surveys.report_endpoints import router as survey_reports_router
from node.surveys.segment_endpoints import router as segments_router
from node.tickets.endpoints import router as ticket_actions
from node.tickets.resource import TicketResource
from node.users.resource import UserResource
from node.users.sign_in_endpoints import router as auth_router
from node.web import install_web_ui
from rollup.entry import install_rollup

RESOURCES = (
    CustomerResourceWith360(),
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


def create_app(
    settings: NodeSettings, db: Database | None = None, run_scheduler: bool = False
) -> FastAPI:
    """Build the node's FastAPI app. Nothing is created at import time.

    `run_scheduler` starts the background jobs (replication to the parent and, when
    `[ami]` is enabled, following the PBX live); `fedcrm serve` turns it on, tests drive
    the jobs themselves.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        scheduler = start_jobs(app) if run_scheduler else None
        follower = None
        if run_scheduler and settings.ami.enabled:
            follower = start_ami_follower(
                settings.ami,
                app.state.db,
                app.state.pop_broker,
                app.state.ami_metrics,
                rules_of(settings.callcenter),
            )
        if run_scheduler:  # a served node: start-up is over, keep it out of the collector
            freeze_startup_heap()
        yield
        if follower is not None:
            await stop_ami_follower(follower)
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
    # Dispatches enqueue their technician's SMS in the dispatch's transaction, on
    # whichever path they come (API, web page, bulk): the settings ride on the sessions.
    app.state.db.info[SMS_SESSION_KEY] = settings.sms
    registry = CollectorRegistry()
    app.state.metrics_registry = registry
    registry.register(SmsCollector(app.state.db))
    app.state.pop_broker = PopBroker()  # screen pops for the agents' open pages
    # Made with the app, not in the lifespan: an app started twice registers them once.
    app.state.ami_metrics = AmiMetrics(registry) if settings.ami.enabled else None
    app.add_middleware(HttpMetricsMiddleware, metrics=HttpMetrics(registry))
    install_error_handlers(app)
    install_openapi(app)  # each operation's error statuses, derived from its route
    app.include_router(ops_router)
    app.include_router(auth_router)
    app.include_router(callcenter_router)
    app.include_router(cti_router)
    # Kannel's delivery reports: the message's token, not a bearer token, authenticates.
    app.include_router(sms_router, responses=errors(403))
    app.include_router(agents_router, responses=errors(409))
    # State conflicts: an error a route's signature does not show.
    app.include_router(customer_actions, responses=errors(409))
    app.include_router(merge_actions, responses=errors(409))
    app.include_router(ticket_actions, responses=errors(409))
    app.include_router(surveys_router)
    app.include_router(campaigns_router)
    app.include_router(pool_router)
    app.include_router(callback_seat_router)
    app.include_router(survey_reports_router)
    app.include_router(segments_router)
    app.include_router(kb_router)
    app.include_router(kb_suggestions_router)
    app.include_router(kb_audiences_router)
    app.include_router(kb_attachments_router)
    app.include_router(kb_feedback_router)
    install_federation(app, settings, app.state.db)
    node_names = {settings.node.code: settings.node.name}
    install_rollup(app, lambda session: {**child_names(session), **node_names})
    for resource in RESOURCES:
        app.include_router(crud_router(resource))
    install_web_ui(app)  # the browser pages (node/web/) and their bundled assets
    return app
