"""How web pages fail: as HTML a person can read, never the API's JSON.

Pages use `WebRoute`, which turns a missing login into a redirect to the login form,
a CSRF refusal or a missing permission into a 403 page that says so, and any domain
error (not found, conflict...) into a page with the service's own message (the
knowledge base's pages show it in the reader's language: `page_message`).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from fastapi.routing import APIRoute

from node.errors import DomainError
from node.web.i18n import translator
from node.web.rendering import lang_of, render
from node.web.session import CsrfRefused, Forbidden, LoginRequired
from node.web.validation_texts import domain_message

# The pages whose services' refusals are shown translated (validation_texts); the
# other pages show the service's message as it is written (some tests and people
# match on it), until their texts are listed there too.
KB_PAGES = "/ui/kb"


def error_page(request: Request, title: str, message: str, status_code: int) -> Response:
    return render(
        request, "error.html", None, {"title": title, "message": message}, status_code=status_code
    )


def page_message(request: Request, message: str) -> str:
    """A service's refusal as the page shows it: on a knowledge-base page in the
    reader's language, elsewhere as the service wrote it."""
    path = request.url.path
    if path == KB_PAGES or path.startswith(KB_PAGES + "/"):
        return domain_message(message, lang_of(request))
    return message


class WebRoute(APIRoute):
    """An APIRoute whose failures answer as pages."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            t = translator(lang_of(request))
            try:
                return await handler(request)
            except LoginRequired as exc:
                return RedirectResponse(f"/ui/login?next={quote(exc.next_url)}", status_code=303)
            except CsrfRefused:
                return error_page(request, t("csrf.title"), t("csrf.message"), 403)
            except Forbidden as exc:
                message = f"{t('error.forbidden')}（{exc.perm.value}）"
                return error_page(request, t("error.title"), message, 403)
            except DomainError as exc:
                message = page_message(request, exc.message)
                return error_page(request, t("error.title"), message, exc.status_code)

        return page_handler
