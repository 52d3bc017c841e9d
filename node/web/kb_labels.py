"""The knowledge base's codes as the pages name them: an article's kind, the state of
its newest version, and what an action just did (the flash after a redirect)."""

from __future__ import annotations

from collections.abc import Callable

from node.knowledge.models import Kind, Status

DONE = ("acked", "saved", "submitted", "approved", "sent_back", "archived", "attached",
        "detached")  # fmt: skip


def kb_labels(t: Callable[..., str]) -> dict[str, dict[str, str]]:
    """{"kind": code -> text, "status": code -> text, "done": code -> text}."""
    return {
        "kind": {k.value: t(f"kb.kind_{k.value}") for k in Kind},
        "status": {s.value: t(f"kb.status_{s.value}") for s in Status},
        "done": {d: t(f"kb.done_{d}") for d in DONE},
    }
