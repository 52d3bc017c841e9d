"""An article's Markdown as safe HTML: rendered by markdown-it-py (CommonMark, tables,
strikethrough), then sanitised by nh3 (Ammonia): no script or style elements, no event
handler attributes, no javascript: or other unlisted URL schemes."""

from __future__ import annotations

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt

_MARKDOWN = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])


@lru_cache(maxsize=256)
def render_html(markdown: str) -> str:
    """Sanitised HTML for `markdown` (a published version renders alike every time)."""
    return nh3.clean(_MARKDOWN.render(markdown))
