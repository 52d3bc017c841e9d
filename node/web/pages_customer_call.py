"""One-screen call handling on the customer 360: log the call with an outcome from the
dictionary and a summary, and in the same form, if need be, open the work order the call
is about, linked to it. Both or neither are saved; the agent stays on the customer."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import Field
from sqlalchemy.orm import Session

from node.api.deps import SessionDep
from node.auth.permissions import Perm
from node.auth.viewer import Viewer
from node.callcenter.current_call import record_call
from node.dictionaries.lookup import dictionary_entry
from node.dictionaries.models import DictionaryKind
from node.errors import DomainError, InvalidFields
from node.interactions.resource import InteractionIn
from node.tickets.resource import TicketIn
from node.web.errors import WebRoute
from node.web.forms import as_form_errors, cleaned, parse
from node.web.pages_customers import customers, interactions, refused_on_360, tickets
from node.web.rendering import lang_of
from node.web.session import PostingViewer, need

router = APIRouter(prefix="/ui/customers", include_in_schema=False, route_class=WebRoute)

CALL_FIELDS = ("channel", "direction", "talk_seconds", "outcome", "summary")
TICKET_FIELDS = ("kind", "severity", "description")


class LoggedCall(InteractionIn):
    """A call logged by a person: what came of it and what was said are required, so an
    empty record cannot be saved (the API's own clients may leave them out)."""

    outcome: str = Field(min_length=1, max_length=100)
    summary: str = Field(min_length=1, max_length=4000)


def _parse_call_and_ticket(
    session: Session,
    values: dict[str, Any],
    customer_id: uuid.UUID,
    with_ticket: bool,
    lang: str,
) -> tuple[InteractionIn, TicketIn | None]:
    """Both parts checked before anything is written, every bad field named at once."""
    bad: dict[str, str] = {}
    call = ticket = None
    try:
        call = parse(LoggedCall, {**_pick(values, CALL_FIELDS), "customer_id": customer_id}, lang)
        dictionary_entry(session, DictionaryKind.call_outcome, values["outcome"], "outcome")
    except InvalidFields as exc:
        bad.update(exc.errors)
    if with_ticket:
        try:
            given = {**_pick(values, TICKET_FIELDS), "customer_id": customer_id}
            ticket = parse(TicketIn, given, lang)
        except InvalidFields as exc:
            bad.update(exc.errors)
    if bad:
        raise InvalidFields(bad)
    assert isinstance(call, InteractionIn)
    assert ticket is None or isinstance(ticket, TicketIn)
    return call, ticket


def _pick(values: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    return {name: values[name] for name in names}


def _save(
    session: Session,
    viewer: Viewer,
    call: InteractionIn,
    ticket: TicketIn | None,
    callid: str | None,
) -> uuid.UUID | None:
    """The ticket first, so the call can point at it; the caller's one transaction. A
    call the PBX put through (`callid`) is logged on that call's own record."""
    opened = tickets.create(session, viewer, ticket) if ticket is not None else None
    if opened is not None:
        call = call.model_copy(update={"ticket_id": opened.id})
    if callid:
        record_call(session, viewer, interactions, call, callid)
    else:
        interactions.create(session, viewer, call)
    return opened.id if opened is not None else None


@router.post("/{customer_id}/calls")
def log_call(
    request: Request,
    customer_id: uuid.UUID,
    viewer: PostingViewer,
    session: SessionDep,
    channel: Annotated[str, Form()] = "",
    direction: Annotated[str, Form()] = "",
    talk_seconds: Annotated[str, Form()] = "",
    outcome: Annotated[str, Form()] = "",
    summary: Annotated[str, Form()] = "",
    open_ticket: Annotated[str, Form()] = "",
    kind: Annotated[str, Form()] = "",
    severity: Annotated[str, Form()] = "",
    description: Annotated[str, Form()] = "",
    call_id: Annotated[str, Form()] = "",
) -> Response:
    """Log the call and, when the box is ticked, open its ticket, through the API's
    resources and validation; with `call_id` (the current call, which the 360 offers),
    on the record the PBX's events make of that call."""
    need(viewer, interactions.write_perm)
    with_ticket = open_ticket == "1"
    if with_ticket:
        need(viewer, Perm.tickets_write)
    form = {
        "channel": channel,
        "direction": direction,
        "talk_seconds": talk_seconds,
        "outcome": outcome,
        "summary": summary,
        "open_ticket": open_ticket,
        "kind": kind,
        "severity": severity,
        "description": description,
        "call_id": call_id,
    }
    values = cleaned(form, tuple(form))
    try:
        customers.get(session, viewer, customer_id)
        call, ticket = _parse_call_and_ticket(
            session, values, customer_id, with_ticket, lang_of(request)
        )
        ticket_id = _save(session, viewer, call, ticket, values["call_id"])
    except DomainError as exc:
        errors = as_form_errors(exc)
        return refused_on_360(request, session, viewer, customer_id, "call", errors, form)
    opened = f"&ticket={ticket_id}" if ticket_id else ""
    return RedirectResponse(f"/ui/customers/{customer_id}?saved=call{opened}", status_code=303)
