"""Rows another node owns are read-only here: a form for one is refused with a page that
says whose it is, in the reader's language (the API's 409 for the same write)."""

from __future__ import annotations

from node.auth.viewer import Viewer
from node.errors import Conflict
from node.web.i18n import translator


def local_or_refuse(origin: str, viewer: Viewer, lang: str) -> None:
    """Raise Conflict (409) unless the row was made at this node."""
    if origin != viewer.node_code:
        raise Conflict(translator(lang)("edit.foreign", origin=origin))
