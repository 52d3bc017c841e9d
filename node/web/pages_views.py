"""Saved views of the ticket queue: save the filters on screen under a name, open a
view (its filters, read again as any link's), delete one's own.

A view is kept as its normalized query string; opening it is a redirect to the queue
with that string, so the queue's own check reads it as it reads any link.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from node.api.deps import SessionDep
from node.auth.accounts import Role
from node.auth.permissions import Perm
from node.errors import InvalidFields, Taken
from node.views.service import delete_view, get_visible, save_view
from node.web.errors import WebRoute
from node.web.forms import FormErrors
from node.web.i18n import translator
from node.web.pages_tickets import known_here, render_queue
from node.web.queue_filters import PARAMS, QueueQuery, read_query
from node.web.queue_views import PAGE
from node.web.rendering import lang_of
from node.web.session import PostingViewer, WebViewer, need

router = APIRouter(prefix="/ui/tickets/views", include_in_schema=False, route_class=WebRoute)


def _queue_url(query: QueueQuery) -> str:
    text = query.query_string()
    return f"/ui/tickets?{text}" if text else "/ui/tickets"


def _posted_query(text: str) -> tuple[dict[str, str], bool]:
    """The filters of a posted query string, and whether it held only filters."""
    pairs = parse_qsl(text[:2000], keep_blank_values=True)
    raw = {k: v for k, v in pairs if k in PARAMS}
    return raw, len(raw) == len(pairs)


@router.get("/{view_id}")
def open_view(view_id: int, viewer: WebViewer, session: SessionDep) -> Response:
    """The queue with a view's filters (mine or shared; another's private one is a 404)."""
    need(viewer, Perm.tickets_read)
    view = get_visible(session, viewer.user.id, view_id)
    return RedirectResponse(f"/ui/tickets?{view.query}" if view.query else "/ui/tickets", 303)


@router.post("")
def save(
    request: Request,
    viewer: PostingViewer,
    session: SessionDep,
    name: Annotated[str, Form()] = "",
    query: Annotated[str, Form()] = "",
    shared: Annotated[str, Form()] = "",
) -> Response:
    """Save the filters on screen as a view; refused, the queue says why beside the name."""
    need(viewer, Perm.tickets_read)
    t = translator(lang_of(request))
    raw, only_filters = _posted_query(query)
    filters, errors = read_query(raw, known_here(request, session))
    values = {"name": name, "shared": bool(shared)}
    try:
        if errors or not only_filters:
            # The page wrote this field; a wrong one was changed by hand.
            raise InvalidFields({"query": t("views.bad_query")})
        saved = save_view(session, viewer.user.id, name, PAGE, filters.query_string(), bool(shared))
    except Taken as exc:
        refused = FormErrors(exc.fields, None, exc.status_code)
        return render_queue(
            request,
            session,
            viewer,
            filters,
            status_code=409,
            view_errors=refused,
            view_values=values,
        )
    except InvalidFields as exc:
        refused = FormErrors(exc.errors, t("form.fix"))
        return render_queue(
            request,
            session,
            viewer,
            filters,
            status_code=422,
            view_errors=refused,
            view_values=values,
        )
    return RedirectResponse(f"/ui/tickets/views/{saved.id}", status_code=303)


@router.post("/{view_id}/delete")
def delete(
    request: Request,
    view_id: int,
    viewer: PostingViewer,
    session: SessionDep,
    query: Annotated[str, Form()] = "",
) -> Response:
    """Delete one of my views (an admin may also delete a shared one); back to the
    queue as it was (the filters that still read)."""
    need(viewer, Perm.tickets_read)
    delete_view(session, viewer.user.id, view_id, viewer.user.role == Role.admin)
    filters, _ = read_query(_posted_query(query)[0], known_here(request, session))
    return RedirectResponse(_queue_url(filters), status_code=303)
