"""当天应注意的电话: the callers lost in the queue today and not answered or called back
since, for the agents who call them back and their team leads."""

from __future__ import annotations

import time
from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from node.api.deps import SessionDep
from node.auth.permissions import Perm
from node.callcenter.schemas import CallbackQuery
from node.callcenter.service import callback_rows
from node.errors import InvalidFields
from node.office_time import OFFICE_TZ
from node.web.errors import WebRoute
from node.web.forms import as_form_errors, cleaned, parse
from node.web.i18n import translator
from node.web.rendering import lang_of, local_time, render
from node.web.session import WebViewer, need
from node.web.tables import Table, export_url, wanted_export, xlsx_response

router = APIRouter(prefix="/ui/callbacks", include_in_schema=False, route_class=WebRoute)


@router.get("")
def callbacks_page(request: Request, viewer: WebViewer, session: SessionDep) -> Response:
    """Today's list (or `?day=`), the longest waiting first, overdue ones marked."""
    need(viewer, Perm.interactions_read)
    lang = lang_of(request)
    t = translator(lang)
    given = {k: v for k, v in cleaned(request.query_params, ("day",)).items() if v}
    context: dict[str, Any] = {"day": given.get("day", ""), "errors": {}, "table": None}
    try:
        query = parse(CallbackQuery, given, lang)
    except InvalidFields as exc:
        context["errors"] = as_form_errors(exc, lang).fields
        return render(request, "callbacks.html", viewer, context, status_code=422)
    assert isinstance(query, CallbackQuery)
    day = query.day or datetime.now(OFFICE_TZ).date()
    within = request.app.state.settings.callcenter.callback_within_minutes
    rows = callback_rows(session, day, viewer.can(Perm.pii), within * 60, int(time.time()))
    table = _table(rows, day, t)
    if wanted := wanted_export(request, {"callbacks": table}):
        need(viewer, Perm.export)
        return xlsx_response(wanted)
    context |= {
        "day": day.isoformat(),
        "table": table,
        "count": len(rows),
        "overdue": sum(1 for r in rows if r["overdue"]),
        "within": within,
        "export": export_url(request, table) if viewer.can(Perm.export) else None,
    }
    return render(request, "callbacks.html", viewer, context)


def _table(rows: list[dict[str, Any]], day: date, t: Any) -> Table:
    headers = ["cb.number", "cb.customer", "cb.lost", "cb.first", "cb.last", "cb.wait"]
    headers += ["cb.queue", "cb.state"]
    table = Table("callbacks", t("cb.title_day", day=day.isoformat()), [t(h) for h in headers])
    for r in rows:
        link = f"/ui/customers/{r['customer_id']}" if r["customer_id"] else None
        values = [
            r["number"],
            r["customer_name"] or t("cb.unknown"),
            r["lost"],
            local_time(r["first_lost"]),
            local_time(r["last_lost"]),
            r["longest_wait"],
            r["queue"],
            t("cb.overdue") if r["overdue"] else t("cb.waiting"),
        ]
        table.add(values, link=link, css="sla-overdue" if r["overdue"] else "")
    return table
