"""Saved views of a list page: save the filters on screen under a name, open a view
(its filters, read again as any link's), delete one's own. The ticket queue's 视图 and
the customer list's 客户分组 (segments, which a campaign may dial) share these routes,
each under its own list's URL (views_panel.ViewPage).

A view is kept as its normalized query string; opening it is a redirect to the list
with that string, so the list's own check reads it as it reads any link.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from node.api.deps import SessionDep
from node.auth.accounts import Role
from node.auth.permissions import Perm
from node.auth.viewer import Viewer
from node.errors import InvalidFields, Taken
from node.surveys.segment_query import PARAMS as SEGMENT_PARAMS
from node.surveys.segment_query import read_segment, require_filter, segment_query
from node.views.service import delete_view, get_visible, save_view
from node.web.errors import WebRoute
from node.web.forms import FormErrors
from node.web.i18n import translator
from node.web.pages_customers import list_query, render_list
from node.web.pages_tickets import known_here, render_queue
from node.web.queue_filters import PARAMS as QUEUE_PARAMS
from node.web.queue_filters import read_query
from node.web.rendering import lang_of
from node.web.session import PostingViewer, WebViewer, need
from node.web.views_panel import CUSTOMERS, TICKETS, ViewPage

router = APIRouter(include_in_schema=False, route_class=WebRoute)
Raw = dict[str, str]


@dataclass(frozen=True)
class Views:
    """What the routes need of one list: who may use its views, the parameters a posted
    query may hold, and three readings of them."""

    page: ViewPage
    perm: Perm
    params: tuple[str, ...]
    # The text a view keeps, or InvalidFields naming `query` (the page wrote that field:
    # a wrong one was changed by hand, or holds what a view does not keep).
    to_keep: Callable[[Request, Session, Raw], str]
    # The list again with the posted filters and the refused form's errors.
    refused: Callable[[Request, Session, Viewer, Raw, FormErrors, dict[str, Any], int], Response]
    # The list as it was, after a delete (the filters that still read).
    back: Callable[[Request, Session, Raw], str]


def _at(url: str, query: str) -> str:
    return f"{url}?{query}" if query else url


def _posted_query(text: str, params: tuple[str, ...]) -> tuple[Raw, bool]:
    """The filters of a posted query string, and whether it held only filters."""
    pairs = parse_qsl(text[:2000], keep_blank_values=True)
    raw = {k: v for k, v in pairs if k in params}
    return raw, len(raw) == len(pairs)


# ---- the ticket queue -------------------------------------------------------------------


def _queue_keeps(request: Request, session: Session, raw: Raw) -> str:
    filters, errors = read_query(raw, known_here(request, session))
    if errors:
        raise InvalidFields({"query": translator(lang_of(request))("views.bad_query")})
    return filters.query_string()


def _queue_refused(
    request: Request,
    session: Session,
    viewer: Viewer,
    raw: Raw,
    errors: FormErrors,
    values: dict[str, Any],
    status_code: int,
) -> Response:
    filters, _ = read_query(raw, known_here(request, session))
    return render_queue(
        request,
        session,
        viewer,
        filters,
        status_code=status_code,
        view_errors=errors,
        view_values=values,
    )


def _queue_back(request: Request, session: Session, raw: Raw) -> str:
    filters, _ = read_query(raw, known_here(request, session))
    return _at(TICKETS.url, filters.query_string())


# ---- the customer list: its views are segments ----------------------------------------


def _segment_keeps(request: Request, session: Session, raw: Raw) -> str:
    """The segment's filters; refused with search words or a node on screen, which a
    segment does not keep (the list would show other customers than it names)."""
    t = translator(lang_of(request))
    if (raw.get("q") or "").strip() or (raw.get("origin") or "").strip():
        raise InvalidFields({"query": t("segments.words_not_kept")})
    try:
        segment = read_segment(raw)
    except InvalidFields:
        raise InvalidFields({"query": t("views.bad_query")}) from None
    try:
        require_filter(segment, "query")
    except InvalidFields:
        raise InvalidFields({"query": t("segments.need_filter")}) from None
    return segment_query(segment)


def _segment_filters(raw: Raw) -> tuple[str | None, str | None, Any]:
    """The search words, node and segment of a posted query, dropping what does not read."""
    try:
        segment = read_segment(raw)
    except InvalidFields:
        segment = read_segment({})
    return (raw.get("q") or "").strip() or None, (raw.get("origin") or "").strip() or None, segment


def _segment_refused(
    request: Request,
    session: Session,
    viewer: Viewer,
    raw: Raw,
    errors: FormErrors,
    values: dict[str, Any],
    status_code: int,
) -> Response:
    q, origin, segment = _segment_filters(raw)
    return render_list(
        request,
        session,
        viewer,
        q,
        origin,
        segment,
        view_errors=errors,
        view_values=values,
        status_code=status_code,
    )


def _segment_back(request: Request, session: Session, raw: Raw) -> str:
    return _at(CUSTOMERS.url, list_query(*_segment_filters(raw)))


LISTS = (
    Views(TICKETS, Perm.tickets_read, QUEUE_PARAMS, _queue_keeps, _queue_refused, _queue_back),
    Views(
        CUSTOMERS,
        Perm.customers_read,
        (*SEGMENT_PARAMS, "q", "origin"),
        _segment_keeps,
        _segment_refused,
        _segment_back,
    ),
)


# ---- the routes, once per list ------------------------------------------------------------


def _routes(views: Views) -> None:
    page = views.page

    def open_view(view_id: int, viewer: WebViewer, session: SessionDep) -> Response:
        """The list with a view's filters (mine or shared; another's private one is a 404)."""
        need(viewer, views.perm)
        view = get_visible(session, viewer.user.id, view_id, page.page)
        return RedirectResponse(_at(page.url, view.query), 303)

    def save(
        request: Request,
        viewer: PostingViewer,
        session: SessionDep,
        name: Annotated[str, Form()] = "",
        query: Annotated[str, Form()] = "",
        shared: Annotated[str, Form()] = "",
    ) -> Response:
        """Save the filters on screen as a view; refused, the list says why beside the name."""
        need(viewer, views.perm)
        raw, only_filters = _posted_query(query, views.params)
        values = {"name": name, "shared": bool(shared)}
        try:
            if not only_filters:
                raise InvalidFields({"query": translator(lang_of(request))("views.bad_query")})
            kept = views.to_keep(request, session, raw)
            saved = save_view(session, viewer.user.id, name, page.page, kept, bool(shared))
        except Taken as exc:
            refused = FormErrors(exc.fields, None, exc.status_code)
            return views.refused(request, session, viewer, raw, refused, values, 409)
        except InvalidFields as exc:
            refused = FormErrors(exc.errors, translator(lang_of(request))("form.fix"))
            return views.refused(request, session, viewer, raw, refused, values, 422)
        return RedirectResponse(f"{page.views_url}/{saved.id}", status_code=303)

    def delete(
        request: Request,
        view_id: int,
        viewer: PostingViewer,
        session: SessionDep,
        query: Annotated[str, Form()] = "",
    ) -> Response:
        """Delete one of my views (an admin may also delete a shared one); back to the
        list as it was (the filters that still read)."""
        need(viewer, views.perm)
        is_admin = viewer.user.role == Role.admin
        delete_view(session, viewer.user.id, view_id, is_admin, page.page)
        raw, _ = _posted_query(query, views.params)
        return RedirectResponse(views.back(request, session, raw), status_code=303)

    router.add_api_route(f"{page.views_url}/{{view_id}}", open_view, methods=["GET"])
    router.add_api_route(page.views_url, save, methods=["POST"])
    router.add_api_route(f"{page.views_url}/{{view_id}}/delete", delete, methods=["POST"])


for _views in LISTS:
    _routes(_views)
