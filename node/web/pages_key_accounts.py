"""The key-account list for account managers: their own key accounts (everyone else
with the menu entry sees all), biggest monthly revenue first."""

from __future__ import annotations

import re
import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from node.api.deps import SessionDep
from node.auth.accounts import Role
from node.auth.permissions import Perm
from node.auth.viewer import Viewer
from node.customers.models import Customer
from node.customers.resource import CustomerResource
from node.dictionaries.models import DictionaryKind
from node.errors import invalid
from node.subscriptions.models import Subscription, SubscriptionStatus
from node.tickets.models import OPEN_TICKET_STATES, Ticket
from node.web.choices import dictionary_labels, user_names
from node.web.errors import WebRoute
from node.web.i18n import translator
from node.web.paging import count_rows, page_at, pager
from node.web.rendering import lang_of, render
from node.web.session import WebViewer, need
from node.web.tables import Table, export_url, wanted_export, xlsx_response

router = APIRouter(prefix="/ui/key-accounts", include_in_schema=False, route_class=WebRoute)
customers = CustomerResource()
PAGE = 50
# Key accounts are a few hundred to a few thousand per node: pages by position in the
# revenue order ("o" + offset), counted exactly; the export holds every one.
_OFFSET = re.compile(r"^o(\d{1,7})$")


def _ranked(viewer: Viewer, mine: bool) -> Select:
    """The viewer's key accounts with their monthly revenue, biggest first."""
    revenue = (
        select(
            Subscription.customer_id.label("cid"),
            func.sum(Subscription.monthly_fee).label("revenue"),
        )
        .where(
            Subscription.deleted_at.is_(None),
            Subscription.status != SubscriptionStatus.ended,
        )
        .group_by(Subscription.customer_id)
        .subquery()
    )
    amount = func.coalesce(revenue.c.revenue, 0)
    stmt = customers.base_query(viewer).where(Customer.is_key_account.is_(True))
    if mine:
        stmt = stmt.where(Customer.account_manager_id == viewer.user.id)
    return (
        stmt.outerjoin(revenue, revenue.c.cid == Customer.id)
        .add_columns(amount.label("revenue"))
        .order_by(amount.desc(), Customer.id)
    )


def _offset(cursor: str | None) -> int:
    if cursor is None:
        return 0
    match = _OFFSET.fullmatch(cursor)
    if match is None:
        raise invalid("cursor", "不是本系统给出的翻页位置 (not a cursor this page issued)")
    return int(match.group(1))


def _open_tickets(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    rows = session.execute(
        select(Ticket.customer_id, func.count())
        .where(
            Ticket.customer_id.in_(ids),
            Ticket.deleted_at.is_(None),
            Ticket.status.in_(OPEN_TICKET_STATES),
        )
        .group_by(Ticket.customer_id)
    ).all()
    return {cid: int(n) for cid, n in rows}


def _table(
    request: Request, session: Session, viewer: Viewer, mine: bool, rows: list[Any]
) -> Table:
    t = translator(lang_of(request))
    open_tickets = _open_tickets(session, [r.id for r, _ in rows])
    managers = user_names(session, {r.account_manager_id for r, _ in rows if r.account_manager_id})
    labels = dictionary_labels(session)
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
    for row, revenue in rows:
        shown = customers.present(row, viewer, detail=False)  # a list: masked, as the API's
        table.add(
            [
                row.customer_no,
                row.name,
                labels.get((DictionaryKind.customer_grade, row.grade), row.grade or ""),
                shown["phone"] or "",
                float(revenue or 0),
                open_tickets.get(row.id, 0),
                managers.get(row.account_manager_id, "") if row.account_manager_id else "",
                row.origin,
            ],
            link=f"/ui/customers/{row.id}",
            css="warn" if open_tickets.get(row.id) else "",
        )
    return table


@router.get("")
def key_accounts(
    request: Request,
    viewer: WebViewer,
    session: SessionDep,
    cursor: str | None = None,
    back: str | None = None,
) -> Response:
    """The key accounts by monthly revenue, 50 a page, counted; Excel holds them all."""
    need(viewer, Perm.customers_read)
    mine = viewer.user.role == Role.account_manager
    at, start = page_at(cursor, back), _offset(cursor)
    ranked = _ranked(viewer, mine)
    if request.query_params.get("export") == "xlsx":
        need(viewer, Perm.export)
        every = _table(request, session, viewer, mine, list(session.execute(ranked).all()))
        if wanted := wanted_export(request, {"key_accounts": every}):
            return xlsx_response(wanted)
    rows = list(session.execute(ranked.offset(start).limit(PAGE + 1)).all())
    table = _table(request, session, viewer, mine, rows[:PAGE])
    total = count_rows(session, ranked)
    following = f"o{start + PAGE}" if len(rows) > PAGE else None
    paged = pager(request.url.path, {}, at, PAGE, len(table.rows), total, following)
    return render(
        request,
        "key_accounts.html",
        viewer,
        {
            "table": table,
            "pager": paged,
            "export": export_url(request, table) if viewer.can(Perm.export) else None,
        },
    )
