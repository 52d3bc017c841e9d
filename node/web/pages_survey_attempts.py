"""回访查询: the dials this city made (issue 21 §5), looked up by Beijing time, phone
number, customer, work order, campaign or agent through node.surveys.attempts, newest
first and keyset-paged; each row names its result, agent and campaign and links the
customer's 360 and the work order. Numbers are masked for a role without pii:read. The
filtered dials export to Excel, the newest EXPORT_MAX of them."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from node.api.deps import SessionDep
from node.api.pagination import MAX_LIMIT
from node.auth.accounts import User
from node.auth.permissions import ROLE_PERMISSIONS, Perm
from node.customers.models import Customer
from node.errors import InvalidFields
from node.privacy.masking import mask_phone
from node.surveys import campaigns
from node.surveys.attempts import find_attempts, matching_attempts
from node.surveys.campaign_models import SurveyCampaign
from node.tickets.models import Ticket
from node.web.choices import user_names
from node.web.errors import WebRoute
from node.web.i18n import translator
from node.web.paging import count_rows, page_at, pager
from node.web.rendering import lang_of, render
from node.web.session import WebViewer, need
from node.web.survey_attempt_filters import FIELDS, Filters, Translate, read_filters
from node.web.tables import Table, export_url, streamed_xlsx, time_cell

router = APIRouter(prefix="/ui/surveys/attempts", include_in_schema=False, route_class=WebRoute)
HOME = "/ui/surveys/attempts"
TABLE = "attempts"
PAGE_SIZE = 50
EXPORT_MAX = 10_000  # an export holds the newest this many dials (the page says so)
LIST_CAMPAIGNS = 200
# Who may appear as a dial's agent: the roles that take callbacks (survey:read to open
# the page, interactions:write to take the call).
CALLERS = tuple(
    role.value
    for role, perms in ROLE_PERMISSIONS.items()
    if {Perm.surveys_read, Perm.interactions_write} <= perms
)


@dataclass(frozen=True)
class Link:
    """A cell shown as a link; exported as its text."""

    text: str
    href: str

    def __str__(self) -> str:
        return self.text


def _names(session: Session, model: Any, column: Any, ids: set[uuid.UUID]) -> dict[Any, str]:
    if not ids:
        return {}
    return dict(session.execute(select(model.id, column).where(model.id.in_(ids))).all())


def attempt_table(
    session: Session, rows: list[dict[str, Any]], may_see_pii: bool, title: str, t: Translate
) -> Table:
    """The dials as the page shows them: Beijing time, the number (masked without
    pii:read), the result's label, the agent, the campaign, the customer and work order
    linked to their pages."""
    headers = ["sa.at", "sa.phone", "sa.result", "sa.agent", "sa.campaign", "sa.customer"]
    table = Table(TABLE, title, [t(h) for h in [*headers, "sa.ticket"]])
    agents = user_names(session, {r["agent_id"] for r in rows})
    campaign_names = _names(session, SurveyCampaign, SurveyCampaign.name,
                            {r["campaign_id"] for r in rows})  # fmt: skip
    people = _names(session, Customer, Customer.name,
                    {r["customer_id"] for r in rows if r["customer_id"]})  # fmt: skip
    tickets = _names(session, Ticket, Ticket.ticket_no,
                     {r["ticket_id"] for r in rows if r["ticket_id"]})  # fmt: skip
    for r in rows:
        customer: Any = t("sa.listed_number")
        if r["customer_id"] is not None:
            name = people.get(r["customer_id"], str(r["customer_id"])[:8])
            customer = Link(name, f"/ui/customers/{r['customer_id']}")
        ticket: Any = ""
        if r["ticket_id"] is not None:
            number = tickets.get(r["ticket_id"], str(r["ticket_id"])[:8])
            ticket = Link(number, f"/ui/tickets/{r['ticket_id']}")
        table.add([
            time_cell(r["at"]),
            r["phone"] if may_see_pii else mask_phone(r["phone"]),
            t(f"dial.{r['result']}"),
            agents.get(r["agent_id"], str(r["agent_id"])[:8]),
            campaign_names.get(r["campaign_id"], str(r["campaign_id"])[:8]),
            customer,
            ticket,
        ])  # fmt: skip
    return table


def _choices(session: Session) -> dict[str, list[tuple[str, str]]]:
    """The campaign and agent select boxes: this node's campaigns, newest first, and its
    people who take callbacks (deactivated ones too: their dials stay)."""
    page = campaigns.list_campaigns(session, LIST_CAMPAIGNS, None, None)
    agents = session.execute(
        select(User.id, User.display_name, User.username)
        .where(
            User.role.in_(CALLERS),
            User.deleted_at.is_(None),
            User.origin == session.info["node_code"],
        )
        .order_by(User.display_name, User.username)
    ).all()
    return {
        "campaigns": [(str(c.id), c.name) for c in page.rows],
        "agents": [(str(a.id), f"{a.display_name}（{a.username}）") for a in agents],
    }


def _export(
    session: Session, filters: Filters, may_see_pii: bool, title: str, t: Translate
) -> Response:
    """Every dial the filters match, newest first, up to EXPORT_MAX; the sheet's title
    says when there were more."""
    capped = count_rows(session, matching_attempts(filters.query(1)), EXPORT_MAX) > EXPORT_MAX
    if capped:
        title = t("sa.export_capped", max=EXPORT_MAX)

    def batches() -> Iterator[list[list[Any]]]:
        cursor: str | None = None
        left = EXPORT_MAX
        while left > 0:
            found = find_attempts(session, filters.query(min(MAX_LIMIT, left), cursor))
            yield attempt_table(session, found["data"], may_see_pii, title, t).rows
            left -= len(found["data"])
            cursor = found["next_cursor"]
            if cursor is None:
                return

    headers = attempt_table(session, [], may_see_pii, title, t).headers
    return streamed_xlsx(title, headers, batches())


@router.get("")
def attempts_page(request: Request, viewer: WebViewer, session: SessionDep) -> Response:
    """The filter form and a page of matching dials (the newest dials when nothing is
    asked); a bad field is shown next to it with a 422."""
    need(viewer, Perm.surveys_read)
    t = translator(lang_of(request))
    params = request.query_params
    values = {name: (params.get(name) or "").strip() for name in FIELDS}
    context: dict[str, Any] = {
        "values": values, "errors": {}, "table": None, "pager": None, "export": None,
        "export_max": EXPORT_MAX, **_choices(session),
    }  # fmt: skip
    may_see_pii = viewer.can(Perm.pii)
    try:
        at = page_at(params.get("cursor"), params.get("back"))
        filters = read_filters(session, viewer, values, t)
        if params.get("export") == "xlsx" and params.get("table") == TABLE:
            need(viewer, Perm.export)
            return _export(session, filters, may_see_pii, t("sa.title"), t)
        found = find_attempts(session, filters.query(PAGE_SIZE, at.cursor))
    except InvalidFields as exc:
        context["errors"] = exc.errors
        return render(request, "survey_attempts.html", viewer, context, status_code=422)
    table = attempt_table(session, found["data"], may_see_pii, t("sa.title"), t)
    total = count_rows(session, matching_attempts(filters.query(1)))
    context["table"] = table
    shown = len(found["data"])
    context["pager"] = pager(HOME, values, at, PAGE_SIZE, shown, total, found["next_cursor"])
    if viewer.can(Perm.export):
        context["export"] = export_url(request, table)
    return render(request, "survey_attempts.html", viewer, context)
