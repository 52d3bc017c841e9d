"""The web UI's routes, gathered for the app factory."""

from __future__ import annotations

from fastapi import APIRouter

from node.web import (
    pages_agents,
    pages_auth,
    pages_callbacks,
    pages_callcenter,
    pages_catalog,
    pages_customer_call,
    pages_customer_edit,
    pages_customer_entry,
    pages_customer_merge,
    pages_customer_rows,
    pages_customers,
    pages_dashboard,
    pages_key_accounts,
    pages_my_tickets,
    pages_notifications,
    pages_ops,
    pages_questionnaires,
    pages_screen_pop,
    pages_survey_attempts,
    pages_survey_branching,
    pages_survey_campaigns,
    pages_survey_report,
    pages_survey_work,
    pages_ticket_bulk,
    pages_ticket_edit,
    pages_tickets,
    pages_users,
    pages_views,
)

router = APIRouter()
# In this order: pages_customer_entry's /ui/customers/new must match before /ui/customers/{id}.
for pages in (
    pages_auth,
    pages_customer_entry,
    pages_customers,
    pages_customer_call,
    pages_customer_merge,
    pages_customer_edit,
    pages_customer_rows,
    pages_tickets,
    pages_ticket_bulk,
    pages_views,
    pages_ticket_edit,
    pages_dashboard,
    pages_key_accounts,
    pages_my_tickets,
    pages_notifications,
    pages_ops,
    pages_users,
    pages_catalog,
    pages_callcenter,
    pages_callbacks,
    pages_screen_pop,
    pages_agents,
    pages_questionnaires,
    pages_survey_work,
    pages_survey_campaigns,
    pages_survey_report,
    pages_survey_attempts,
    pages_survey_branching,
):
    router.include_router(pages.router)
