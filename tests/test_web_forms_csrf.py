"""Every form that posts carries the CSRF token, on every page without a path parameter,
for each role that takes or leads calls and for an admin: a form that renders the token
empty (a macro imported without the page's context) refuses every click in a browser."""

from __future__ import annotations

import re

import pytest

from node.auth.accounts import Role
from tests.conftest import PASSWORD
from tests.test_received_extremes import get_routes
from tests.test_web_pages import web_login

FORM = re.compile(r"<form\b[^>]*method=\"post\"[^>]*>(.*?)</form>", re.S | re.I)
TOKEN = re.compile(r'<input type="hidden" name="csrf_token" value="[^"]+">')
SKIPPED = {"/ui/pop/stream", "/ui/logout", "/ui/login"}  # endless stream; no page


def _pages(app) -> list[str]:  # type: ignore[no-untyped-def]
    return [
        path
        for path in get_routes(app)
        if path.startswith("/ui/") and "{" not in path and path not in SKIPPED
    ]


@pytest.mark.parametrize("role", [Role.admin, Role.team_lead, Role.agent])
def test_every_posting_form_carries_the_token(client, make_user, role):
    browser = web_login(client.app, make_user(role)["username"], PASSWORD)
    checked = 0
    for path in _pages(client.app):
        page = browser.get(path)
        if page.status_code != 200 or "text/html" not in page.headers.get("content-type", ""):
            continue
        for form in FORM.findall(page.text):
            assert TOKEN.search(form), f"{path} as {role.value}: a form without its token"
            checked += 1
    assert checked > 0
