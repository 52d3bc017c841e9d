"""The key-account list for account managers: their own key accounts (everyone else
with the menu entry sees all), biggest monthly revenue first."""

from __future__ import annotations

from decimal import Decimal

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import func, select

from node.api.deps import SessionDep
from node.auth.accounts import Role
from node.auth.permissions import Perm
from node.customers.models import Customer
from node.customers.resource import CustomerResource
from node.dictionaries.models import DictionaryKind
from node.subscriptions.models import Subscription, SubscriptionStatus
from node.tickets.models import OPEN_TICKET_STATES, Ticket
from node.web.choices import dictionary_labels, user_names
from node.web.errors import WebRoute
from node.web.i18n import translator
from node.web.rendering import lang_of, render
from node.web.session import WebViewer, need
from node.web.tables import Table, export_url, wanted_export, xlsx_response

router = APIRouter(prefix="/ui/key-accounts", include_in_schema=False, route_class=WebRoute)
customers = CustomerResource()
LIMIT = 500


@router.get("")
def key_accounts(request: Request, viewer: WebViewer, session: SessionDep) -> Response:
    need(viewer, Perm.customers_read)
    t = translator(lang_of(request))
    mine = viewer.user.role == Role.account_manager
    stmt = customers.base_query(viewer).where(Customer.is_key_account.is_(True))
    if mine:
        stmt = stmt.where(Customer.account_manager_id == viewer.user.id)
    rows = list(session.execute(stmt.limit(LIMIT)).scalars())
    ids = [r.id for r in rows]
    revenue = dict(
        session.execute(
            select(Subscription.customer_id, func.sum(Subscription.monthly_fee))
            .where(
                Subscription.customer_id.in_(ids),
                Subscription.deleted_at.is_(None),
                Subscription.status != SubscriptionStatus.ended,
            )
            .group_by(Subscription.customer_id)
        ).all()
    )
    open_tickets = dict(
        session.execute(
            select(Ticket.customer_id, func.count())
            .where(
                Ticket.customer_id.in_(ids),
                Ticket.deleted_at.is_(None),
                Ticket.status.in_(OPEN_TICKET_STATES),
            )
            .group_by(Ticket.customer_id)
        ).all()
    )
    managers = user_names(session, {r.account_manager_id for r in rows if r.account_manager_id})
    labels = dictionary_labels(session)
    rows.sort(key=lambda r: revenue.get(r.id) or Decimal(0), reverse=True)
    table = Table(
        "key_accounts",
        t("ka.mine") if mine else t("ka.title"),
        [
            t("col.customer_no"),
            t("col.name"),
            t("col.grade"),
            t("col.phone"),
            t("col.revenue"),
            t("col.open_tickets"),
            t("col.manager"),
            t("col.origin"),
        ],
    )
    for row in rows:
        shown = customers.present(row, viewer, detail=False)  # a list: masked, as the API's
        table.add(
            [
                row.customer_no,
                row.name,
                labels.get((DictionaryKind.customer_grade, row.grade), row.grade or ""),
                shown["phone"] or "",
                float(revenue.get(row.id) or 0),
                open_tickets.get(row.id, 0),
                managers.get(row.account_manager_id, "") if row.account_manager_id else "",
                row.origin,
            ],
            link=f"/ui/customers/{row.id}",
            css="warn" if open_tickets.get(row.id) else "",
        )
    if wanted := wanted_export(request, {"key_accounts": table}):
        need(viewer, Perm.export)
        return xlsx_response(wanted)
    return render(
        request,
        "key_accounts.html",
        viewer,
        {"table": table, "export": export_url(request, table) if viewer.can(Perm.export) else None},
    )
