"""Browser sessions: the API's bearer token kept in an HttpOnly cookie, and CSRF checks.

A web login calls the same `node.auth.service.login` as the API (rate limits, audit)
and stores the token it issues in an HttpOnly, SameSite=Lax cookie; every page builds
the same `Viewer` the API builds from a bearer header, so permissions and masking are
the API's. Every POST carries a CSRF token in a hidden field: for a logged-in viewer it
is an HMAC of the session token (the attacker's page cannot read the HttpOnly cookie,
so it cannot compute it); the login form, before any session exists, uses a
double-submit cookie.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from typing import Annotated

from fastapi import Depends, Request, Response

from node.api.deps import SessionDep, client_ip
from node.auth.permissions import Perm
from node.auth.viewer import Viewer, viewer_for_token

SESSION_COOKIE = "fedcrm_session"
LOGIN_CSRF_COOKIE = "fedcrm_login_csrf"
CSRF_FIELD = "csrf_token"
# Secure cookies need HTTPS; intranet nodes often serve plain HTTP, so it is opt-in
# (or automatic when the request itself came over HTTPS).
SECURE_ENV = "FEDCRM_WEB_SECURE_COOKIES"


class LoginRequired(Exception):
    """No live session: the page answers with a redirect to the login form."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


class CsrfRefused(Exception):
    """A POST without the right CSRF token: answered 403 with a clear message."""


class Forbidden(Exception):
    """The viewer's role lacks a permission a page needs (403 page)."""

    def __init__(self, perm: Perm) -> None:
        super().__init__(perm.value)
        self.perm = perm


def secure_cookies(request: Request) -> bool:
    return request.url.scheme == "https" or os.environ.get(SECURE_ENV, "") in ("1", "true")


def set_session_cookie(response: Response, request: Request, token: str, max_age: int) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=secure_cookies(request),
        path="/",
    )


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")


def csrf_for(token: str) -> str:
    """The CSRF token of a session: HMAC-SHA256 keyed by the session token."""
    return hmac.new(token.encode(), b"fedcrm-web-csrf", hashlib.sha256).hexdigest()


def new_login_csrf() -> str:
    return secrets.token_urlsafe(24)


def set_login_csrf_cookie(response: Response, request: Request, value: str) -> None:
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        value,
        httponly=True,
        samesite="strict",
        secure=secure_cookies(request),
        path="/ui/login",
    )


def login_csrf_ok(request: Request, submitted: str | None) -> bool:
    expected = request.cookies.get(LOGIN_CSRF_COOKIE)
    return bool(expected and submitted and hmac.compare_digest(expected, submitted))


def optional_viewer(request: Request, session: SessionDep) -> Viewer | None:
    """The logged-in viewer, built exactly as the API builds it, or None."""
    token = request.cookies.get(SESSION_COOKIE)
    return viewer_for_token(session, token, client_ip(request)) if token else None


def web_viewer(
    request: Request, viewer: Annotated[Viewer | None, Depends(optional_viewer)]
) -> Viewer:
    """The viewer of a page that needs a login (else redirect to the login form)."""
    if viewer is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(target)
    return viewer


WebViewer = Annotated[Viewer, Depends(web_viewer)]


async def csrf_protected(request: Request, viewer: WebViewer) -> Viewer:
    """A POST's viewer, after checking the form's CSRF token against the session."""
    form = await request.form()
    submitted = form.get(CSRF_FIELD)
    expected = csrf_for(viewer.token or "")
    if not isinstance(submitted, str) or not hmac.compare_digest(submitted, expected):
        raise CsrfRefused()
    return viewer


PostingViewer = Annotated[Viewer, Depends(csrf_protected)]


def need(viewer: Viewer, perm: Perm) -> None:
    """Refuse (403 page) unless the viewer has `perm`, the API's rule for the same act."""
    if not viewer.can(perm):
        raise Forbidden(perm)
