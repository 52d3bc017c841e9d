"""The web UI's routes, gathered for the app factory."""

from __future__ import annotations

from fastapi import APIRouter

from node.web import (
    pages_auth,
    pages_customers,
    pages_dashboard,
    pages_key_accounts,
    pages_ops,
    pages_tickets,
)

router = APIRouter()
for pages in (
    pages_auth,
    pages_customers,
    pages_tickets,
    pages_dashboard,
    pages_key_accounts,
    pages_ops,
):
    router.include_router(pages.router)
