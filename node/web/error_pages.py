"""Errors that happen before a page's own code runs (an unknown address, a malformed
parameter, a method the page does not take) or that nothing else caught, answered under
/ui/ as a page a person can read, with the menu, never as the API's JSON.

The API's handlers stay as they are: each one installed here answers /ui/ paths itself
and hands every other path to the handler it replaced.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from node.api.deps import client_ip
from node.auth.viewer import viewer_for_token
from node.web.i18n import translator
from node.web.rendering import lang_of, render
from node.web.session import SESSION_COOKIE
from node.web.validation_texts import field_message

log = logging.getLogger("fedcrm.web")
Handler = Callable[[Request, Any], Response | Awaitable[Response]]


def install_error_pages(app: FastAPI) -> None:
    """Answer /ui/ failures as pages; call after the API's handlers are installed."""
    for kind in (RequestValidationError, StarletteHTTPException, Exception):
        api_handler = app.exception_handlers[kind]
        app.add_exception_handler(kind, _pages_first(api_handler))


def _pages_first(api_handler: Handler) -> Handler:
    async def handler(request: Request, exc: Exception) -> Response:
        if not request.url.path.startswith("/ui"):
            answer = api_handler(request, exc)
            return await answer if inspect.isawaitable(answer) else answer
        return _error_page(request, exc)

    return handler


def _error_page(request: Request, exc: Exception) -> Response:
    lang = lang_of(request)
    t = translator(lang)
    if isinstance(exc, RequestValidationError):
        errors = list(exc.errors())
        lines = [f"{_where(e)}：{field_message(e, lang)}" for e in errors]
        status, message = 422, f"{t('error.bad_address')}（{'；'.join(lines)}）"
    elif isinstance(exc, StarletteHTTPException):
        status = exc.status_code
        message = t("error.not_found") if status == 404 else t("error.http").format(status=status)
    else:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        status, message = 500, t("error.internal")
    context = {"title": t("error.title"), "message": message}
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        try:  # the menu needs who is signed in, read (and used) inside one transaction
            with request.app.state.db.unit_of_work(write=False) as session:
                viewer = viewer_for_token(session, token, client_ip(request))
                return render(request, "error.html", viewer, context, status_code=status)
        except Exception:  # an error page must render even when the database is down
            log.warning("error page without the menu: no viewer", exc_info=True)
    return render(request, "error.html", None, context, status_code=status)


def _where(error: dict) -> str:
    """The parameter an error names (`customer_id`), without where it came from."""
    return ".".join(str(part) for part in error.get("loc", ())[1:]) or "?"
