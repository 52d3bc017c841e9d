"""What the queue page shows of the bulk form: checkboxes, the form, the last outcome."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import Request
from sqlalchemy.orm import Session

from node.auth.viewer import Viewer
from node.web.forms import FormErrors
from node.web.i18n import code_labeller, translator
from node.web.rendering import lang_of
from node.web.ticket_bulk_plan import MAX_TICKETS, BulkAction
from node.web.ticket_bulk_summary import read_outcome, refused_lines

# The form's fields as the page names them.
FIELD_LABELS = {
    "ids": "bulk.ids",
    "action": "bulk.action",
    "technician_id": "field.technician",
    "note": "field.note",
}
FORM_ID = "bulk-form"  # the queue's checkboxes belong to this form (HTML form="...")


def bulk_panel(
    request: Request,
    session: Session,
    viewer: Viewer,
    rows: list[dict[str, Any]],
    technicians: list[tuple[uuid.UUID, str]],
    filters: dict[str, str],
    errors: FormErrors | None = None,
    values: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The template's `bulk`: a checkbox per row of `rows`, the actions, `technicians`
    (with their open load), the filters to come back to, and the outcome of the request
    that redirected here (if the link carries one) or the errors of a refused form."""
    lang = lang_of(request)
    t, label = translator(lang), code_labeller(lang)
    values = values or {}
    summary = None
    outcome = read_outcome(dict(request.query_params)) if errors is None else None
    if outcome is not None:
        summary = {
            "done": outcome.done,
            "refused": refused_lines(session, viewer, outcome, t, label, lang),
        }
    ticked = {str(v) for v in values.get("ids", [])}
    return {
        "actions": [(a.value, t(f"bulk.{a.value}")) for a in BulkAction],
        "technicians": technicians,
        "filters": filters,
        "summary": summary,
        "max": MAX_TICKETS,
        "errors": errors.fields if errors else {},
        # Above the form, each wrong field by its name on the page: 「维修人员：…」
        "error_lines": [
            (t(FIELD_LABELS.get(name, name)), text)
            for name, text in (errors.fields if errors else {}).items()
        ],
        "error_message": errors.message if errors else None,
        "values": values,
        "select": {
            "ids": [r["id"] for r in rows],
            "numbers": [r["ticket_no"] for r in rows],
            "checked": ticked,
            "form": FORM_ID,
        },
    }
