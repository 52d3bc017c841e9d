"""Rendering pages: the Jinja2 environment and what every template can use."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from node.auth.viewer import Viewer
from node.office_time import OFFICE_TZ
from node.web.i18n import LANG_COOKIE, code_labeller, pick_lang, role_label, translator
from node.web.menus import menu_for
from node.web.session import CSRF_FIELD, csrf_for

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"
# People read times in Beijing time (the rollups' months use the same zone).

templates = Jinja2Templates(directory=str(TEMPLATES_DIR))


def local_time(value: str | datetime | None, with_seconds: bool = False) -> str:
    """An ISO timestamp or datetime as Beijing wall-clock time, 'YYYY-MM-DD HH:MM'."""
    if not value:
        return ""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(OFFICE_TZ).strftime(
        "%Y-%m-%d %H:%M:%S" if with_seconds else "%Y-%m-%d %H:%M"
    )


templates.env.filters["local_time"] = local_time


def lang_of(request: Request) -> str:
    return pick_lang(request.cookies.get(LANG_COOKIE))


def render(
    request: Request,
    template: str,
    viewer: Viewer | None,
    context: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """Render `template` with the layout's context: texts, menu, CSRF field, node."""
    settings = request.app.state.settings
    lang = lang_of(request)
    menu = menu_for(viewer, settings.node.level) if viewer else []
    base = {
        "request": request,
        "viewer": viewer,
        "lang": lang,
        "t": translator(lang),
        "label": code_labeller(lang),
        "role_label": role_label,
        "node": settings.node,
        "menu": menu,
        # The item the page belongs to: the longest href the path starts with (班长监控,
        # /ui/callcenter/board, is not also 话务统计).
        "current_href": max(
            (i.href for i in menu if request.url.path.startswith(i.href)), key=len, default=None
        ),
        "csrf_field": CSRF_FIELD,
        "csrf_token": csrf_for(viewer.token or "") if viewer else "",
        "path": request.url.path,
    }
    return templates.TemplateResponse(
        request, template, base | (context or {}), status_code=status_code
    )
