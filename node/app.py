"""The app factory: the composition root that assembles a running node's HTTP side."""

from __future__ import annotations

from fastapi import FastAPI
from prometheus_client import CollectorRegistry

from node.api.errors import install_error_handlers
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


def create_app(settings: NodeSettings, db: Database | None = None) -> FastAPI:
    """Build the node's FastAPI app. Nothing is created at import time."""
    app = FastAPI(
        title=f"fedcrm {settings.node.name} ({settings.node.code})",
        version="0.1.0",
    )
    app.state.settings = settings
    app.state.db = db or Database(settings.database_url, settings.node.code, settings.database.echo)
    registry = CollectorRegistry()
    app.state.metrics_registry = registry
    app.add_middleware(HttpMetricsMiddleware, metrics=HttpMetrics(registry))
    install_error_handlers(app)
    app.include_router(ops_router)
    app.include_router(auth_router)
    app.include_router(customer_actions)
    app.include_router(ticket_actions)
    for resource in RESOURCES:
        app.include_router(crud_router(resource))
    return app
