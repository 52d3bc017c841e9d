"""What the queue page shows of saved views: mine, the shared ones, and the form that
saves the filters on screen as a new view."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from node.auth.accounts import Role
from node.auth.viewer import Viewer
from node.views.models import NAME_MAX
from node.views.service import visible_views
from node.web.choices import user_names
from node.web.forms import FormErrors

PAGE = "tickets"


def views_panel(
    session: Session,
    viewer: Viewer,
    query_string: str,
    errors: FormErrors | None = None,
    values: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The template's `views`: links to each view (the one on screen marked), which of
    them this viewer may delete, and the save form with its errors."""
    me = viewer.user.id
    views = visible_views(session, me, PAGE)
    owners = user_names(session, {v.owner_id for v in views if v.owner_id != me})
    is_admin = viewer.user.role == Role.admin

    def item(v: Any) -> dict[str, Any]:
        return {
            "id": v.id,
            "name": v.name,
            "shared": v.shared,
            "owner": owners.get(v.owner_id, ""),
            "current": v.query == query_string,
            "deletable": v.owner_id == me or (v.shared and is_admin),
        }

    return {
        "mine": [item(v) for v in views if v.owner_id == me],
        "shared": [item(v) for v in views if v.owner_id != me],
        "query": query_string,
        "name_max": NAME_MAX,
        "errors": errors.fields if errors else {},
        "error_message": errors.message if errors else None,
        "entered": values or {},
    }
