"""Login, logout, the language switch, and the landing page."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from node.api.deps import SessionDep, client_ip
from node.auth import service
from node.auth.viewer import Viewer
from node.web.errors import WebRoute
from node.web.i18n import LANG_COOKIE, LANGS, translator
from node.web.menus import home_for
from node.web.rendering import lang_of, render
from node.web.session import (
    LOGIN_CSRF_COOKIE,
    PostingViewer,
    WebViewer,
    clear_session_cookie,
    login_csrf_ok,
    new_login_csrf,
    optional_viewer,
    set_login_csrf_cookie,
    set_session_cookie,
)

router = APIRouter(route_class=WebRoute)


def safe_next(target: str | None) -> str:
    """Only a path on this node (no scheme, no host: never an open redirect)."""
    if not target:
        return "/ui/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/ui/"
    return target


def _login_page(
    request: Request,
    next_url: str,
    username: str = "",
    errors: dict[str, str] | None = None,
    message: str | None = None,
    status_code: int = 200,
) -> Response:
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or new_login_csrf()
    response = render(
        request,
        "login.html",
        None,
        {
            "next": next_url,
            "username": username,
            "errors": errors or {},
            "message": message,
            "login_csrf": token,
        },
        status_code=status_code,
    )
    set_login_csrf_cookie(response, request, token)
    return response


@router.get("/", include_in_schema=False)
def root() -> RedirectResponse:
    return RedirectResponse("/ui/", status_code=303)


@router.get("/ui/", include_in_schema=False)
def home(request: Request, viewer: WebViewer) -> RedirectResponse:
    return RedirectResponse(home_for(viewer, request.app.state.settings.node.level), 303)


@router.get("/ui/login", include_in_schema=False)
def login_form(
    request: Request,
    viewer: Annotated[Viewer | None, Depends(optional_viewer)],
    next: str | None = None,
) -> Response:
    if viewer is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return _login_page(request, safe_next(next))


@router.post("/ui/login", include_in_schema=False)
def login_submit(
    request: Request,
    session: SessionDep,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/ui/",
) -> Response:
    t = translator(lang_of(request))
    target = safe_next(next)
    if not login_csrf_ok(request, csrf_token):
        return render(
            request,
            "error.html",
            None,
            {"title": t("csrf.title"), "message": t("csrf.message")},
            status_code=403,
        )
    username = username.strip()
    errors = {}
    if not username:
        errors["username"] = t("login.required")
    elif "\x00" in username:  # PostgreSQL cannot even look it up (nor record the try)
        errors["username"] = t("login.nul")
    if not password:
        errors["password"] = t("login.required")
    if errors:
        return _login_page(request, target, username, errors, status_code=422)
    limits = request.app.state.settings.auth
    result = service.login(session, username, password, client_ip(request), limits)
    # Answered, not raised: the unit of work commits the failed attempt (rate limit).
    if result.failure == "rate_limited":
        message = t("login.rate_limited")
        return _login_page(request, target, username, message=message, status_code=429)
    if result.failure:
        return _login_page(
            request, target, username, {"password": t("login.wrong")}, status_code=401
        )
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(response, request, result.token or "", result.expires_in)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/ui/login")
    return response


@router.post("/ui/logout", include_in_schema=False)
def logout(viewer: PostingViewer, session: SessionDep) -> RedirectResponse:
    service.logout(session, viewer.token or "", viewer.ip)
    response = RedirectResponse("/ui/login", status_code=303)
    clear_session_cookie(response)
    return response


@router.get("/ui/lang/{lang}", include_in_schema=False)
def switch_language(request: Request, lang: str, next: str | None = None) -> RedirectResponse:
    """Remember the chosen language (a preference, not a state change: GET is fine)."""
    response = RedirectResponse(safe_next(next), status_code=303)
    if lang in LANGS:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax", path="/")
    return response
