"""What a list page shows of its saved views: mine, the shared ones, and the form that
saves the filters on screen as a new view. One panel for every list that keeps views
(the ticket queue's 视图, the customer list's 客户分组), told apart by `page`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from node.auth.accounts import Role
from node.auth.viewer import Viewer
from node.views.models import NAME_MAX
from node.views.service import visible_views
from node.web.choices import user_names
from node.web.forms import FormErrors


@dataclass(frozen=True)
class ViewPage:
    """A list with saved views: its SavedView.page, its URL, and the prefix of the texts
    its panel shows (title, name, save, none)."""

    page: str
    url: str
    texts: str

    @property
    def views_url(self) -> str:
        """Where its views are opened, saved and deleted (pages_views)."""
        return f"{self.url}/views"


TICKETS = ViewPage("tickets", "/ui/tickets", "views")
CUSTOMERS = ViewPage("customers", "/ui/customers", "segments")


def views_panel(
    session: Session,
    viewer: Viewer,
    page: ViewPage,
    query_string: str,
    errors: FormErrors | None = None,
    values: dict[str, Any] | None = None,
    note: str | None = None,
) -> dict[str, Any]:
    """The template's `views`: links to each view (the one whose query is the list's,
    `query_string`, marked), which of them this viewer may delete, and the save form
    with its errors and a `note` beside it."""
    me = viewer.user.id
    views = visible_views(session, me, page.page)
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
        "base": page.views_url,
        "texts": page.texts,
        "mine": [item(v) for v in views if v.owner_id == me],
        "shared": [item(v) for v in views if v.owner_id != me],
        "query": query_string,
        "name_max": NAME_MAX,
        "errors": errors.fields if errors else {},
        "error_message": errors.message if errors else None,
        "entered": values or {},
        "note": note,
    }
