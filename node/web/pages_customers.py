"""City work on customers: the instant search, the customer 360 page and its actions
(log a call, open a ticket, mark churned). At a province or HQ the same pages show
the replicated customers, read-only."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from node.api.deps import SessionDep, writes_on_read
from node.auth.permissions import Perm
from node.auth.viewer import Viewer
from node.callcenter.current_call import current_call
from node.churn.resource import ChurnRequest
from node.churn.service import mark_churned
from node.customer_360.resource import CustomerResourceWith360
from node.customer_merge.service import survivor_of
from node.dataio.tabular import XLSX_MAX_DATA_ROWS
from node.db.types import utcnow
from node.dictionaries.lookup import codes_with_meaning
from node.dictionaries.models import DictionaryKind, StatusMeaning
from node.errors import DomainError, InvalidFields, NotFound
from node.interactions.models import Channel, Direction
from node.interactions.resource import InteractionResource
from node.office_time import OFFICE_TZ
from node.privacy.masking import mask_phone
from node.products.models import Product
from node.surveys.segment import Segment
from node.surveys.segment_query import read_segment, segment_params
from node.tickets.models import Severity
from node.tickets.resource import TicketIn, TicketResource
from node.web.choices import dictionary_choices, dictionary_labels
from node.web.customer_filters import filter_form
from node.web.customer_rows import customer_contracts
from node.web.errors import WebRoute
from node.web.forms import FormErrors, as_form_errors, cleaned, parse
from node.web.history_view import customer_changes, shown_changes
from node.web.i18n import translator
from node.web.kb_suggestions_panel import customer_suggestions
from node.web.pages_customer_entry import new_customer_link
from node.web.paging import COUNT_CAP, PageAt, Pager, page_at, pager
from node.web.rendering import lang_of, render
from node.web.session import PostingViewer, WebViewer, need
from node.web.sla_texts import sla_reading, sla_text
from node.web.tables import (
    EXPORT_BATCH,
    Table,
    check_exportable,
    every_page,
    export_url,
    streamed_xlsx,
    wanted_export,
)
from node.web.views_panel import CUSTOMERS, views_panel

router = APIRouter(prefix="/ui/customers", include_in_schema=False, route_class=WebRoute)
customers = CustomerResourceWith360()
interactions = InteractionResource()
tickets = TicketResource()
SEARCH_LIMIT = 20
LIST_LIMIT = 50


def customer_table(
    request: Request, session: Session, rows: list[dict[str, Any]], show_origin: bool
) -> Table:
    """Customers as shown in a list: always masked, as the API's lists are."""
    t = translator(lang_of(request))
    labels = dictionary_labels(session)
    headers = [t("col.customer_no"), t("col.name"), t("col.phone"), t("col.id_number")]
    headers += [t("col.grade"), t("col.status"), t("col.area")]
    if show_origin:
        headers.append(t("col.origin"))
    table = Table("customers", t("nav.search"), headers)
    for c in rows:
        values = [
            c["customer_no"],
            c["name"],
            c["phone"] or "",
            c["id_number"] or "",
            labels.get((DictionaryKind.customer_grade, c["grade"]), c["grade"] or ""),
            labels.get((DictionaryKind.customer_status, c["status"]), c["status"]),
            labels.get((DictionaryKind.service_area, c["service_area"]), c["service_area"] or ""),
        ]
        if show_origin:
            values.append(c["origin"])
        table.add(values, link=f"/ui/customers/{c['id']}")
    return table


def _find(
    session: Session,
    viewer: Viewer,
    q: str | None,
    origin: str | None,
    segment: Segment,
    at: PageAt,
) -> tuple[list[dict[str, Any]], str | None, int]:
    """A page of customers, the cursor of the next one and how many match (capped)."""
    filters: dict[str, Any] = {"q": q, "origin": origin, **segment.filters()}
    size = SEARCH_LIMIT if q else LIST_LIMIT
    page = customers.list(session, viewer, dict(filters), limit=size, cursor=at.cursor)
    total = customers.count(session, viewer, filters, COUNT_CAP)
    return page.data, page.next_cursor, total


def _search_tables(
    request: Request,
    session: Session,
    viewer: Viewer,
    q: str | None,
    origin: str | None,
    segment: Segment,
    at: PageAt | None = None,
) -> tuple[Table | None, Pager | None, str | None]:
    """The result table and its pager (None before anything is asked), or the message.
    A city lists its customers once a search or a filter is given."""
    is_parent = request.app.state.settings.node.level != "city"
    if not q and not is_parent and not segment.filters():
        return None, None, None
    at = at or PageAt(None, [])
    try:
        rows, next_cursor, total = _find(session, viewer, q, origin, segment, at)
    except DomainError as exc:
        return None, None, exc.message
    size = SEARCH_LIMIT if q else LIST_LIMIT
    params = {"q": q or "", "origin": origin or "", **segment_params(segment)}
    paged = pager("/ui/customers", params, at, size, len(rows), total, next_cursor)
    return customer_table(request, session, rows, show_origin=is_parent), paged, None


def _export_customers(
    request: Request,
    session: Session,
    viewer: Viewer,
    q: str | None,
    origin: str | None,
    segment: Segment,
    shown: Table,
) -> Response:
    """Every customer the search matches, not only the page shown, as one Excel file."""
    filters: dict[str, Any] = {"q": q, "origin": origin, **segment.filters()}
    check_exportable(customers.count(session, viewer, dict(filters), XLSX_MAX_DATA_ROWS))
    is_parent = request.app.state.settings.node.level != "city"

    def fetch(cursor: str | None) -> tuple[list[Any], str | None]:
        page = customers.list(session, viewer, dict(filters), EXPORT_BATCH, cursor)
        return customer_table(request, session, page.data, is_parent).rows, page.next_cursor

    return streamed_xlsx(shown.title, shown.headers, every_page(fetch))


def list_query(q: str | None, origin: str | None, segment: Segment) -> str:
    """The list's query string as on screen: the segment's filters (normalized, so a
    saved segment's text equals it), then the search words and the node, if any."""
    extra = {k: v for k, v in (("q", q), ("origin", origin)) if v}
    return urlencode(segment_params(segment) | extra)


@router.get("")
def search_page(
    request: Request,
    viewer: WebViewer,
    session: SessionDep,
    q: str | None = None,
    origin: str | None = None,
    cursor: str | None = None,
    back: str | None = None,
) -> Response:
    """One search box and the segment filters (a wrong value in a link is a 422 naming
    it); results also render here, so the page works without JavaScript. Counted and
    paged (web/paging.py)."""
    need(viewer, Perm.customers_read)
    segment = read_segment(request.query_params)
    return render_list(request, session, viewer, q, origin, segment, page_at(cursor, back))


def render_list(
    request: Request,
    session: Session,
    viewer: Viewer,
    q: str | None,
    origin: str | None,
    segment: Segment,
    at: PageAt | None = None,
    view_errors: FormErrors | None = None,
    view_values: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    """The customer list; a refused saved segment comes back on it with its errors."""
    table, paged, problem = _search_tables(request, session, viewer, q, origin, segment, at)
    if table is not None and (wanted := wanted_export(request, {"customers": table})):
        need(viewer, Perm.export)
        return _export_customers(request, session, viewer, q, origin, segment, wanted)
    t = translator(lang_of(request))
    # A segment is filters only: with search words on screen, saving says so (pages_views).
    note = t("segments.words_not_kept") if q else None
    query = list_query(q, origin, segment)
    return render(
        request,
        "customers.html",
        viewer,
        {
            "q": q or "",
            "origin": origin,
            "table": table,
            "pager": paged,
            "problem": problem,
            "export": export_url(request, table) if table and viewer.can(Perm.export) else None,
            "read_only": request.app.state.settings.node.level != "city",
            "new_customer": new_customer_link(viewer, q),
            "filters": filter_form(session, segment, t),
            "views": views_panel(session, viewer, CUSTOMERS, query, view_errors, view_values, note),
        },
        # A look-up or a link the API refuses; a refused view keeps its own status.
        status_code=422 if problem else status_code,
    )


@router.get("/search")
def search_results(
    request: Request, viewer: WebViewer, session: SessionDep, q: str = ""
) -> Response:
    """The results partial the search box fetches as the agent types (with the list's
    filters, which the page's link holds)."""
    need(viewer, Perm.customers_read)
    segment = read_segment(request.query_params)
    words = q.strip() or None
    table, paged, problem = _search_tables(request, session, viewer, words, None, segment)
    # The full page's export link for the same search (this partial's own URL exports nothing).
    params = {"q": q.strip(), **segment_params(segment), "export": "xlsx", "table": "customers"}
    export = f"/ui/customers?{urlencode(params)}" if table and viewer.can(Perm.export) else None
    return render(
        request,
        "_customer_results.html",
        viewer,
        {
            "table": table,
            "pager": paged,
            "problem": problem,
            "export": export,
            "q": q,
            "new_customer": new_customer_link(viewer, q),
        },
    )


def _form_choices(session: Session) -> dict[str, Any]:
    return {
        "ticket_kinds": dictionary_choices(session, DictionaryKind.ticket_kind),
        "call_outcomes": dictionary_choices(session, DictionaryKind.call_outcome),
        "churn_reasons": dictionary_choices(session, DictionaryKind.churn_reason),
        "competitors": dictionary_choices(session, DictionaryKind.competitor),
        "channels": [c.value for c in Channel],
        "directions": [d.value for d in Direction],
        "severities": [s.value for s in Severity],
    }


def _product_names(session: Session, ids: set[str]) -> dict[str, str]:
    if not ids:
        return {}
    rows = session.execute(
        select(Product.id, Product.name).where(Product.id.in_([uuid.UUID(i) for i in ids]))
    ).all()
    return {str(pid): name for pid, name in rows}


def render_360(
    request: Request,
    session: Session,
    viewer: Viewer,
    customer_id: uuid.UUID,
    failed: str | None = None,
    errors: FormErrors | None = None,
    values: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    row = customers.get(session, viewer, customer_id)
    data = customers.detail(session, viewer, row)
    # A role without subscriptions:read gets no such section (customer_360): none to name.
    subscriptions = data.get("active_subscriptions", [])
    products = _product_names(session, {s["product_id"] for s in subscriptions})
    now_local = datetime.now(OFFICE_TZ).strftime("%Y-%m-%dT%H:%M")
    now, lang = utcnow(), lang_of(request)
    labels = dictionary_labels(session)
    readings = {tk["id"]: sla_reading(tk, now) for tk in data.get("open_tickets") or []}
    ticket_sla = {i: (r.state.value, sla_text(r, lang)) for i, r in readings.items()}
    return render(
        request,
        "customer.html",
        viewer,
        {
            "c": data,
            "labels": labels,
            "products": products,
            "local": row.origin == viewer.node_code,
            "churned": row.status in codes_with_meaning(session, StatusMeaning.churned),
            "masked": not viewer.can(Perm.pii),
            "failed": failed,
            "errors": errors.fields if errors else {},
            "error_message": errors.message if errors else None,
            "values": values or {},
            "now_local": now_local,
            "ticket_sla": ticket_sla,
            "contracts": customer_contracts(session, viewer, customer_id),
            "changes": shown_changes(
                session,
                customer_changes(session, viewer, customers, customer_id),
                lang,
                labels,
                with_entity=True,
            ),
            "saved": request.query_params.get("saved"),
            "opened_ticket": _ticket_param(request),
            "current_call": _current_call(session, viewer, row.origin == viewer.node_code),
            "Perm": Perm,
            "kb_suggested": customer_suggestions(session, viewer, row.id),
            **_form_choices(session),
        },
        status_code=status_code,
    )


def _current_call(session: Session, viewer: Viewer, local: bool) -> dict[str, Any] | None:
    """The call the agent is on or just finished, which the log-call form attaches to."""
    if not local or not viewer.can(Perm.interactions_write):
        return None
    call = current_call(session, viewer.user.id, utcnow())
    if call is None:
        return None
    caller = call.caller if viewer.can(Perm.pii) else mask_phone(call.caller)
    return {
        "callid": call.callid,
        "caller": caller,
        "since_local": call.since.astimezone(OFFICE_TZ).strftime("%H:%M"),
        "on_call": call.on_call,
    }


def _ticket_param(request: Request) -> str | None:
    """The ticket a saved call opened, from the redirect (only a well-formed id is shown)."""
    value = request.query_params.get("ticket")
    try:
        return str(uuid.UUID(value)) if value else None
    except ValueError:
        return None


@router.get("/{customer_id}")
@writes_on_read  # reading an unmasked customer writes an audit row, as in the API
def customer_page(
    request: Request, customer_id: uuid.UUID, viewer: WebViewer, session: SessionDep
) -> Response:
    """The customer 360: profile (masked as the viewer's role requires) and related rows."""
    need(viewer, Perm.customers_read)
    try:
        return render_360(request, session, viewer, customer_id)
    except NotFound:
        # A merged duplicate's page leads to the customer it became (bookmarks, links).
        survivor = survivor_of(session, customer_id)
        if survivor is None:
            raise
        return RedirectResponse(f"/ui/customers/{survivor}?saved=merged", status_code=303)


def refused_on_360(
    request: Request,
    session: Session,
    viewer: Viewer,
    customer_id: uuid.UUID,
    form: str,
    exc: FormErrors,
    values: dict[str, Any],
) -> Response:
    """Nothing the failed action did is kept; the page shows why, next to the field."""
    session.rollback()
    return render_360(request, session, viewer, customer_id, form, exc, values, exc.status_code)


@router.post("/{customer_id}/tickets")
def open_ticket(
    request: Request,
    customer_id: uuid.UUID,
    viewer: PostingViewer,
    session: SessionDep,
    kind: Annotated[str, Form()] = "",
    severity: Annotated[str, Form()] = "",
    description: Annotated[str, Form()] = "",
) -> Response:
    """Open a work order; the SLA clock starts now (the API's rules)."""
    need(viewer, tickets.write_perm)
    form = {"kind": kind, "severity": severity, "description": description}
    values = cleaned(form, tuple(form))
    try:
        customers.get(session, viewer, customer_id)
        payload = parse(TicketIn, {**values, "customer_id": str(customer_id)}, lang_of(request))
        ticket = tickets.create(session, viewer, payload)
    except DomainError as exc:
        return refused_on_360(
            request, session, viewer, customer_id, "ticket", as_form_errors(exc), form
        )
    return RedirectResponse(f"/ui/tickets/{ticket.id}?saved=1", status_code=303)


UNKNOWN_DESTINATION = "unknown"  # the churn form's 「未知」: stored as no competitor


def _parse_churn_form(values: dict[str, Any], confirm: str, lang: str) -> ChurnRequest:
    """The API's request from the form, which also needs a destination chosen and the
    box ticked; every wrong field is named at once."""
    t = translator(lang)
    wrong: dict[str, str] = {}
    if not values["competitor"]:
        wrong["competitor"] = t("churn.need_destination")
    if confirm != "yes":
        wrong["confirm"] = t("churn.need_confirm")
    if values["competitor"] == UNKNOWN_DESTINATION:
        values = {**values, "competitor": None}
    try:
        body = parse(ChurnRequest, values, lang)
    except InvalidFields as exc:
        raise InvalidFields(exc.errors | wrong) from None
    if wrong:
        raise InvalidFields(wrong)
    assert isinstance(body, ChurnRequest)
    return body


def local_datetime(value: str | None) -> str | None:
    """A datetime-local input (Beijing wall clock) as an ISO timestamp with its offset."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value  # the schema names the field and says why
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=OFFICE_TZ)
    return moment.isoformat()


@router.post("/{customer_id}/churn")
def churn(
    request: Request,
    customer_id: uuid.UUID,
    viewer: PostingViewer,
    session: SessionDep,
    churned_at: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    competitor: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    confirm: Annotated[str, Form()] = "",
) -> Response:
    """Mark the customer churned with reason and destination (the API's mark_churned).

    Unlike the API, the form needs a destination (「未知」 when nobody knows, stored as
    none) and a ticked confirmation: it ends every subscription and cannot be undone here.
    """
    need(viewer, Perm.churn_write)
    form = {"churned_at": churned_at, "reason": reason, "competitor": competitor, "note": note}
    values = cleaned(form, tuple(form))
    values["churned_at"] = local_datetime(values["churned_at"])
    try:
        body = _parse_churn_form(values, confirm, lang_of(request))
        customer = customers.get(session, viewer, customer_id)
        customers.ensure_local(customer, viewer)
        mark_churned(
            session,
            customer,
            body.churned_at,
            body.reason,
            body.competitor,
            body.note,
            actor_id=viewer.user.id,
        )
    except DomainError as exc:
        return refused_on_360(
            request, session, viewer, customer_id, "churn", as_form_errors(exc), form
        )
    return RedirectResponse(f"/ui/customers/{customer_id}?saved=churn", status_code=303)
