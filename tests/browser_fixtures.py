"""What the browser test modules share: the Debian Chromium driven by Playwright, users
made through the CLI, logging in through the form, and screenshots.

Each module declares its own `chromium` fixture from `launch_chromium()` (a fixture
imported into a module would shadow the test arguments that use it)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from tests.topology import Node, setup_cli

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1366, "height": 768}  # the smallest screen the offices use
USER_PASSWORD = "web-test-password-1"
ROOT = Path(__file__).resolve().parent.parent


def artifacts() -> Path:
    folder = Path(os.environ.get("FEDCRM_ARTIFACTS") or ROOT / "tests" / "artifacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _require_chromium() -> None:
    if Path(CHROMIUM).exists():
        return
    message = f"{CHROMIUM} is missing: apt-get install chromium chromium-driver"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def launch_chromium() -> Iterator[object]:
    """The headless browser, for a module-scoped `chromium` fixture to yield from."""
    _require_chromium()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


def add_user(node: Node, username: str, role: str, area: str | None = None, name: str = "") -> None:
    args = ["user", "add", str(node.dir), "--username", username, "--role", role]
    args += ["--display-name", name or username]
    if area:
        args += ["--service-area", area]
    setup_cli(*args, "--password-stdin", stdin=USER_PASSWORD + "\n")


def log_in(chromium, node: Node, username: str, lang: str = "zh-CN"):  # type: ignore[no-untyped-def]
    """A fresh browser context logged in through the form, as a person would."""
    context = chromium.new_context(viewport=VIEWPORT, locale=lang)
    page = context.new_page()
    page.goto(f"{node.url}/ui/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(USER_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/ui/(?!login)"))
    return context, page


def shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    page.screenshot(path=str(artifacts() / f"{name}.png"), full_page=True)
