"""The screen-pop stream: server-sent events carrying the caller pop-up's address to the
pages an agent has open, when a call rings or connects at their phone."""

from __future__ import annotations

from collections.abc import AsyncIterator

from fastapi import APIRouter, Request
from sse_starlette.sse import EventSourceResponse, ServerSentEvent

from node.web.errors import WebRoute
from node.web.session import WebViewer

router = APIRouter(include_in_schema=False, route_class=WebRoute)
PING_SECONDS = 15  # keeps proxies from closing an idle stream


@router.get("/ui/pop/stream")
def pop_stream(request: Request, viewer: WebViewer) -> EventSourceResponse:
    """One `pop` event per call for this agent, its data the address to open. The
    database session ends before the stream starts: a page may listen all day."""
    broker = request.app.state.pop_broker
    user_id = viewer.user.id

    async def pops() -> AsyncIterator[ServerSentEvent]:
        with broker.listening(user_id) as queue:
            while True:
                yield ServerSentEvent(data=await queue.get(), event="pop")

    return EventSourceResponse(pops(), ping=PING_SECONDS)
