"""Drawing one record's form page (templates/record_form.html) from its field list."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from node.auth.permissions import Perm
from node.auth.viewer import Viewer
from node.web.form_fields import FormField
from node.web.forms import FormErrors
from node.web.i18n import translator
from node.web.rendering import lang_of, render


def render_record_form(
    request: Request,
    session: Session,
    viewer: Viewer,
    *,
    title: str,
    action: str,
    back: str,
    fields: tuple[FormField, ...],
    values: Mapping[str, Any],
    hints: Mapping[str, Any] | None = None,
    delete: str | None = None,
    errors: FormErrors | None = None,
) -> Response:
    """The form with `values`; `hints` are the stored row as the viewer may see it (the
    masked personal data a role without pii:read is shown instead of the value)."""
    t = translator(lang_of(request))
    return render(
        request,
        "record_form.html",
        viewer,
        {
            "title": title,
            "action": action,
            "back": back,
            "fields": fields,
            "choices": {f.name: f.choices(session, t) for f in fields if f.choices is not None},
            "v": values,
            "hints": hints or {},
            "masked": not viewer.can(Perm.pii),
            "delete": delete,
            "errors": errors.fields if errors else {},
            "error_message": errors.message if errors else None,
            "saved": request.query_params.get("saved"),
        },
        status_code=errors.status_code if errors else 200,
    )
