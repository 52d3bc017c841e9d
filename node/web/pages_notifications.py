"""通知: a person's notifications page (opening it marks them seen) and the badge count
the header fetches (node/web/static/notify.js)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from node.api.deps import SessionDep, writes_on_read
from node.db.types import utcnow
from node.notifications.service import COUNTED_UP_TO, mark_seen, notices_for, watches_the_queue
from node.tickets.resource import TicketResource
from node.web.choices import dictionary_labels
from node.web.errors import WebRoute
from node.web.pages_tickets import customer_names
from node.web.rendering import lang_of, render
from node.web.session import WebViewer
from node.web.sla_texts import sla_reading, sla_text

router = APIRouter(prefix="/ui/notifications", include_in_schema=False, route_class=WebRoute)
tickets = TicketResource()


@router.get("")
@writes_on_read  # opening the page marks everything on it seen
def notifications_page(request: Request, viewer: WebViewer, session: SessionDep) -> Response:
    """New dispatches, tickets about to breach and today's overdue digest."""
    now, lang = utcnow(), lang_of(request)
    notices = notices_for(session, viewer, now)
    shown = {
        kind: [tickets.present(t, viewer, detail=False) for t in rows]
        for kind, rows in (("assigned", notices.assigned), ("breaching", notices.breaching))
    }
    ids = {r["customer_id"] for rows in shown.values() for r in rows}
    sla = {r["id"]: sla_text(sla_reading(r, now), lang) for rows in shown.values() for r in rows}
    mark_seen(session, viewer, now)
    return render(
        request,
        "notifications.html",
        viewer,
        {
            "shown": shown,
            "overdue": notices.overdue,
            "capped": COUNTED_UP_TO,
            "watches": watches_the_queue(viewer),
            "names": customer_names(session, ids),
            "labels": dictionary_labels(session),
            "sla": sla,
        },
    )


@router.get("/count")
def notification_count(viewer: WebViewer, session: SessionDep) -> Response:
    """{"count": n} for the header's badge (n is at most COUNTED_UP_TO + a few)."""
    notices = notices_for(session, viewer, utcnow())
    return JSONResponse({"count": notices.count}, headers={"Cache-Control": "no-store"})
