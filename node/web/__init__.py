"""The web UI: server-rendered pages (Jinja2) over the same services, permissions and
masking as the REST API, with its static assets served by the node (no CDN)."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from node.web.error_pages import install_error_pages
from node.web.rendering import STATIC_DIR
from node.web.router import router


def install_web_ui(app: FastAPI) -> None:
    """Add the pages under /ui/ (and / -> /ui/), their assets under /ui/static/ and error
    pages for /ui/ (after the API's error handlers, which answer every other path)."""
    app.include_router(router)
    app.mount("/ui/static", StaticFiles(directory=STATIC_DIR), name="web-static")
    install_error_pages(app)
