"""The ticket queue per service area (SLA countdown, overdue first), one ticket's page,
dispatching to a technician and moving a ticket through its states."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import replace
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from node.api.deps import SessionDep
from node.api.pagination import apply_keyset, decode_cursor, encode_cursor
from node.auth.accounts import Role
from node.auth.permissions import Perm
from node.auth.viewer import Viewer
from node.customers.models import Customer
from node.dataio.tabular import XLSX_MAX_DATA_ROWS
from node.db.types import utcnow
from node.dictionaries.models import DictionaryKind
from node.errors import DomainError
from node.sms.outbox import messages_of_ticket
from node.tickets import workflow
from node.tickets.models import OPEN_TICKET_STATES, Severity, Ticket, TicketStatus
from node.tickets.resource import TicketResource, TransitionIn
from node.tickets.sla import SlaState
from node.web.choices import (
    dictionary_choices,
    dictionary_labels,
    open_load,
    technicians,
    user_names,
)
from node.web.errors import WebRoute
from node.web.forms import FormErrors, as_form_errors, cleaned, parse
from node.web.history_view import shown_changes
from node.web.i18n import code_labeller, translator
from node.web.kb_suggestions_panel import ticket_suggestions
from node.web.paging import PageAt, count_rows, page_at, pager
from node.web.queue_filter_form import filter_form
from node.web.queue_filters import PARAMS, Known, QueueQuery, known_codes, strict_query
from node.web.queue_select import apply_filters
from node.web.rendering import lang_of, local_time, render
from node.web.session import PostingViewer, WebViewer, need
from node.web.sla_texts import sla_reading, sla_text
from node.web.tables import (
    EXPORT_BATCH,
    Table,
    check_exportable,
    every_page,
    export_url,
    streamed_xlsx,
    time_cell,
    wanted_export,
)
from node.web.ticket_bulk_panel import bulk_panel
from node.web.ticket_bulk_plan import may_bulk
from node.web.views_panel import TICKETS, views_panel

router = APIRouter(prefix="/ui/tickets", include_in_schema=False, route_class=WebRoute)
tickets = TicketResource()
QUEUE_LIMIT = 500
QUEUE_PAGE = 50
DONE_STATES = (TicketStatus.resolved.value, TicketStatus.closed.value)


def _queue_page(
    session: Session, viewer: Viewer, query: QueueQuery, at: PageAt
) -> tuple[list[dict[str, Any]], str | None, int]:
    """A page of the queue, the cursor of the next and how many match (capped)."""
    total = count_rows(session, apply_filters(tickets.base_query(viewer), query, utcnow()))
    rows, next_cursor = _queue_rows(session, viewer, query, at.cursor, QUEUE_PAGE)
    return rows, next_cursor, total


def _queue_rows(
    session: Session, viewer: Viewer, query: QueueQuery, cursor: str | None, size: int
) -> tuple[list[dict[str, Any]], str | None]:
    """`size` tickets of the queue after `cursor` and the cursor of the next ones: open
    tickets the earliest due first; resolved or closed ones the latest due first."""
    stmt = apply_filters(tickets.base_query(viewer), query, utcnow())
    order = "-due_at" if query.status in DONE_STATES and not query.sla else "due_at"
    after = decode_cursor(cursor, order, Ticket.due_at) if cursor else None
    stmt = apply_keyset(stmt, Ticket.due_at, Ticket.id, order.startswith("-"), after)
    rows = list(session.execute(stmt.limit(size + 1)).scalars())
    next_cursor = None
    if len(rows) > size:
        rows = rows[:size]
        next_cursor = encode_cursor(order, rows[-1].due_at, rows[-1].id)
    return [tickets.present(r, viewer, detail=False) for r in rows], next_cursor


def _export_queue(
    request: Request, session: Session, viewer: Viewer, query: QueueQuery, shown: Table
) -> Response:
    """Every ticket the filters match, not only the page shown, as one Excel file."""
    if query.sla == SlaState.soon:  # already whole: one page read in Python
        return streamed_xlsx(shown.title, shown.headers, [shown.rows])
    stmt = apply_filters(tickets.base_query(viewer), query, utcnow())
    check_exportable(count_rows(session, stmt, XLSX_MAX_DATA_ROWS))

    def fetch(cursor: str | None) -> tuple[list[Any], str | None]:
        rows, next_cursor = _queue_rows(session, viewer, query, cursor, EXPORT_BATCH)
        return queue_table(request, session, rows)[0].rows, next_cursor

    return streamed_xlsx(shown.title, shown.headers, every_page(fetch))


def _due_soon_rows(session: Session, viewer: Viewer, query: QueueQuery) -> list[dict[str, Any]]:
    """The open tickets about to breach, the earliest due first: read from the
    QUEUE_LIMIT earliest due not yet overdue, as "soon" is a share of each one's window."""
    now = utcnow()
    stmt = apply_filters(tickets.base_query(viewer), query, now)
    rows = session.execute(stmt.order_by(Ticket.due_at, Ticket.id).limit(QUEUE_LIMIT)).scalars()
    shown = [tickets.present(r, viewer, detail=False) for r in rows]
    return [r for r in shown if sla_reading(r, now).state is SlaState.soon]


def customer_names(session: Session, ids: set[str]) -> dict[str, str]:
    if not ids:
        return {}
    rows = session.execute(
        select(Customer.id, Customer.name).where(Customer.id.in_([uuid.UUID(i) for i in ids]))
    ).all()
    return {str(cid): name for cid, name in rows}


def queue_table(
    request: Request, session: Session, rows: list[dict[str, Any]]
) -> tuple[Table, list[dict[str, Any]]]:
    lang = lang_of(request)
    t, label = translator(lang), code_labeller(lang)
    labels = dictionary_labels(session)
    names = customer_names(session, {r["customer_id"] for r in rows})
    techs = user_names(session, {uuid.UUID(r["technician_id"]) for r in rows if r["technician_id"]})
    table = Table(
        "tickets",
        t("tickets.title"),
        [
            t("col.ticket_no"),
            t("col.customer"),
            t("col.kind"),
            t("col.severity"),
            t("col.status"),
            t("col.area"),
            t("col.technician"),
            t("col.due"),
            t("col.sla"),
        ],
    )
    now = utcnow()
    extra = []
    for r in rows:
        reading = sla_reading(r, now)
        tech = techs.get(uuid.UUID(r["technician_id"])) if r["technician_id"] else None
        table.add(
            [
                r["ticket_no"],
                names.get(r["customer_id"], ""),
                labels.get((DictionaryKind.ticket_kind, r["kind"]), r["kind"]),
                label(r["severity"]),
                label(r["status"]),
                labels.get(
                    (DictionaryKind.service_area, r["service_area"]), r["service_area"] or ""
                ),
                tech or "",
                time_cell(r["due_at"]),
                sla_text(reading, lang),
            ],
            link=f"/ui/tickets/{r['id']}",
            css=f"sla-{reading.state}",
        )
        extra.append({"due_at": r["due_at"], "state": reading.state.value})
    return table, extra


def known_here(request: Request, session: Session) -> Known:
    """What the queue's filters may name on this node (its codes and level)."""
    node = request.app.state.settings.node
    return known_codes(session, node.level, node.code)


@router.get("")
def queue(
    request: Request,
    viewer: WebViewer,
    session: SessionDep,
    cursor: str | None = None,
    back: str | None = None,
) -> Response:
    """The queue of a service area (an area-bound viewer only ever sees their own),
    filtered by the link's parameters (queue_filters.PARAMS); a wrong one is a 422."""
    need(viewer, Perm.tickets_read)
    pairs = request.query_params.multi_items()
    if any(name in PARAMS and not value.strip() for name, value in pairs):
        # The filter form sends its empty fields too: one short link per set of filters
        # (the one a saved view keeps and the page marks as the current view).
        kept = [(name, value) for name, value in pairs if name not in PARAMS or value.strip()]
        return RedirectResponse(f"/ui/tickets?{urlencode(kept)}" if kept else "/ui/tickets", 303)
    raw = {name: request.query_params.get(name) for name in PARAMS}
    query = strict_query(raw, known_here(request, session))
    return render_queue(request, session, viewer, query, cursor, back)


def render_queue(
    request: Request,
    session: Session,
    viewer: Viewer,
    query: QueueQuery,
    cursor: str | None = None,
    back: str | None = None,
    bulk_errors: FormErrors | None = None,
    bulk_values: dict[str, Any] | None = None,
    status_code: int = 200,
    view_errors: FormErrors | None = None,
    view_values: dict[str, Any] | None = None,
) -> Response:
    """The queue page; a refused bulk form or view comes back on it with its errors."""
    if viewer.area:
        query = replace(query, area=viewer.area)
    at = page_at(cursor, back)
    if query.sla == SlaState.soon:  # one page: the share left is read in Python
        at = PageAt(None, [])
        rows = _due_soon_rows(session, viewer, query)
        total, next_cursor, size = len(rows), None, max(len(rows), 1)
    else:
        rows, next_cursor, total = _queue_page(session, viewer, query, at)
        size = QUEUE_PAGE
    paged = pager("/ui/tickets", query.params(), at, size, len(rows), total, next_cursor)
    table, extra = queue_table(request, session, rows)
    if wanted := wanted_export(request, {"tickets": table}):
        need(viewer, Perm.export)
        return _export_queue(request, session, viewer, query, wanted)
    lang = lang_of(request)
    t = translator(lang)
    bulk = None
    if may_bulk(viewer):
        techs = _with_load(session, technicians(session, query.area), t)
        params = query.params()
        bulk = bulk_panel(request, session, viewer, rows, techs, params, bulk_errors, bulk_values)
    return render(
        request,
        "tickets.html",
        viewer,
        {
            "table": table,
            "sla": extra,
            "areas": dictionary_choices(session, DictionaryKind.service_area),
            "area": query.area,
            "area_fixed": viewer.area is not None,
            "status": query.status,
            "statuses": [s.value for s in TicketStatus],
            "sla_filter": query.sla,
            "filters": filter_form(request, session, query, t),
            "views": views_panel(
                session, viewer, TICKETS, query.query_string(), view_errors, view_values
            ),
            "refreshed": local_time(utcnow())[-5:],
            "pager": paged,
            "export": export_url(request, table) if viewer.can(Perm.export) else None,
            "bulk": bulk,
        },
        status_code=status_code,
    )


def allowed_moves(viewer: Viewer, status: str) -> list[str]:
    """The states this viewer may move a ticket to from `status` (the API's rules)."""
    if not viewer.can(Perm.tickets_transition):
        return []
    moves = workflow.TRANSITIONS[TicketStatus(status)]
    if viewer.user.role == Role.technician:
        moves = moves & workflow.TECHNICIAN_MOVES
    order = list(TicketStatus)
    return sorted((m.value for m in moves), key=lambda m: order.index(TicketStatus(m)))


def _with_load(
    session: Session, choices: list[tuple[uuid.UUID, str]], t: Callable[[str], str]
) -> list[tuple[uuid.UUID, str]]:
    """Each technician's name with the open tickets they hold now, for dispatching."""
    load = open_load(session, [tid for tid, _ in choices])
    return [
        (tid, f"{name} · {t('tickets.load').format(n=load.get(tid, 0))}") for tid, name in choices
    ]


def render_ticket(
    request: Request,
    session: Session,
    viewer: Viewer,
    ticket_id: uuid.UUID,
    errors: FormErrors | None = None,
    values: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    row = tickets.get(session, viewer, ticket_id)
    data = tickets.detail(session, viewer, row)
    reading = sla_reading(data, utcnow())
    t = translator(lang_of(request))
    actors = {uuid.UUID(e["actor_id"]) for e in data["events"] if e["actor_id"]}
    actors |= {
        uuid.UUID(value)
        for e in data["events"]
        if e["field"] == "technician_id"
        for value in (e["old_value"], e["new_value"])
        if value
    }
    if data["technician_id"]:
        actors.add(uuid.UUID(data["technician_id"]))
    sms = messages_of_ticket(session, row.id)
    actors |= {m.recipient_id for m in sms}
    labels = dictionary_labels(session)
    changes = tickets.history(session, viewer, [row.id])
    local = row.origin == viewer.node_code
    return render(
        request,
        "ticket.html",
        viewer,
        {
            "tk": data,
            "customer": customer_names(session, {data["customer_id"]}).get(data["customer_id"]),
            "labels": labels,
            "names": {str(k): v for k, v in user_names(session, actors).items()},
            "changes": shown_changes(session, changes, lang_of(request), labels),
            "sms": sms,
            "sla_state": reading.state.value,
            "sla_text": sla_text(reading, lang_of(request)),
            "moves": allowed_moves(viewer, data["status"]) if local else [],
            "technicians": _with_load(session, technicians(session, data["service_area"]), t),
            "can_edit": local
            and viewer.can(Perm.tickets_write)
            and data["status"] in OPEN_TICKET_STATES,
            "severities": [s.value for s in Severity],
            "errors": errors.fields if errors else {},
            "error_message": errors.message if errors else None,
            "values": values or {},
            "saved": request.query_params.get("saved"),
            "kb_suggested": ticket_suggestions(session, viewer, row),
        },
        status_code=status_code,
    )


@router.get("/{ticket_id}")
def ticket_page(
    request: Request, ticket_id: uuid.UUID, viewer: WebViewer, session: SessionDep
) -> Response:
    need(viewer, Perm.tickets_read)
    return render_ticket(request, session, viewer, ticket_id)


@router.post("/{ticket_id}/transition")
def transition(
    request: Request,
    ticket_id: uuid.UUID,
    viewer: PostingViewer,
    session: SessionDep,
    to: Annotated[str, Form()] = "",
    technician_id: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    """Dispatch or move the ticket: TicketResource.transition, the API's one path."""
    need(viewer, Perm.tickets_transition)
    form = {"to": to, "technician_id": technician_id, "note": note}
    values = cleaned(form, tuple(form))
    try:
        body = parse(TransitionIn, values, lang_of(request))
        assert isinstance(body, TransitionIn)
        tickets.transition(session, viewer, ticket_id, body)
    except DomainError as exc:
        session.rollback()
        errors = as_form_errors(exc)
        return render_ticket(
            request, session, viewer, ticket_id, errors, form, status_code=errors.status_code
        )
    return RedirectResponse(f"/ui/tickets/{ticket_id}?saved=1", status_code=303)
