"""Agents' states in the browser (issue 20 §1 and §5): the state bar where an agent or a
team lead signs in (签到), goes ready (示闲) or not ready with a reason (示忙) and signs
out (签退); and 班长监控, the board where team leads watch every agent's state and the
queues, refreshed every 15 seconds."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from node.api.deps import SessionDep
from node.auth.accounts import Role
from node.auth.permissions import Perm
from node.auth.viewer import Viewer
from node.callcenter.agent_states import (
    Reading,
    agent_states,
    change_state,
    current_state,
    may_move,
)
from node.callcenter.kpis import Slot
from node.callcenter.models import AgentState, StateSource
from node.callcenter.schemas import KpiQuery
from node.callcenter.service import callback_rows, kpi_report, rules_of, waiting_by_queue
from node.db.types import utcnow
from node.dictionaries.models import DictionaryKind
from node.errors import Conflict, InvalidFields
from node.office_time import OFFICE_TZ
from node.web.choices import dictionary_choices, dictionary_labels
from node.web.errors import WebRoute
from node.web.rendering import render
from node.web.session import PostingViewer, WebViewer, need

router = APIRouter(prefix="/ui", include_in_schema=False, route_class=WebRoute)
REFRESH_SECONDS = 15
# Where the state bar may send a person back to after a change.
BACK = {"bar": "/ui/agent-state", "board": "/ui/callcenter/board"}


def _wrap_up_max(request: Request) -> int:
    return int(request.app.state.settings.callcenter.wrap_up_max_seconds)


def duration(seconds: int | None) -> str:
    """Time in a state as people read it: 4:05, 1:02:03; – when never signed in."""
    if seconds is None:
        return "–"
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def state_bar(request: Request, session: Session, viewer: Viewer) -> dict[str, Any]:
    """What the state bar shows: the viewer's state, since when, and the moves open."""
    now = utcnow()
    reading = current_state(session, viewer.user.id, now, _wrap_up_max(request))
    return {
        "state": reading.state.value,
        "reason": reading.reason,
        "since": reading.since,
        "duration": duration(reading.seconds(now)),
        "moves": [s.value for s in AgentState if _offered(reading, s)],
        "reasons": dictionary_choices(session, DictionaryKind.not_ready_reason),
        "labels": dictionary_labels(session),
    }


def _offered(reading: Reading, to: AgentState) -> bool:
    """The buttons a person has: the moves the table allows them by hand (ringing, on
    a call and wrap-up come from the telephone)."""
    by_hand = to in (AgentState.ready, AgentState.not_ready, AgentState.signed_out)
    return by_hand and may_move(reading, to)


@router.get("/agent-state")
def agent_state_page(request: Request, viewer: WebViewer, session: SessionDep) -> Response:
    """坐席状态: the viewer's state bar."""
    need(viewer, Perm.interactions_write)
    context = {"bar": state_bar(request, session, viewer), "due": callbacks_due(request, session)}
    return render(request, "agent_state.html", viewer, context)


def callbacks_due(request: Request, session: Session) -> dict[str, int]:
    """Today's 当天应注意的电话 in two numbers, for the agents' and the leads' pages."""
    within = request.app.state.settings.callcenter.callback_within_minutes
    now = utcnow()
    day = now.astimezone(OFFICE_TZ).date()
    rows = callback_rows(session, day, False, within * 60, int(now.timestamp()))
    return {"count": len(rows), "overdue": sum(1 for r in rows if r["overdue"]), "within": within}


@router.post("/agent-state")
def change_agent_state(
    request: Request,
    viewer: PostingViewer,
    session: SessionDep,
    state: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    back: Annotated[str, Form()] = "bar",
) -> Response:
    """A button of the state bar; refused, the page says why (409 or 422)."""
    need(viewer, Perm.interactions_write)
    target = BACK.get(back, BACK["bar"])
    try:
        if state not in AgentState.__members__:
            raise InvalidFields({"state": f"未知状态 {state!r} (unknown state {state!r})"})
        to = AgentState(state)
        limit = _wrap_up_max(request)
        chosen = reason or None if to is AgentState.not_ready else None
        change_state(session, viewer.user, to, chosen, StateSource.web, utcnow(), limit)
    except (InvalidFields, Conflict) as exc:
        problem = "；".join(exc.errors.values()) if isinstance(exc, InvalidFields) else exc.message
        bar = state_bar(request, session, viewer) | {"problem": problem}
        return render(request, "agent_state.html", viewer, {"bar": bar}, exc.status_code)
    return RedirectResponse(target, status_code=303)


@router.get("/callcenter/board")
def supervisor_board(request: Request, viewer: WebViewer, session: SessionDep) -> Response:
    """班长监控: each agent's state and time in it, by group; calls waiting per queue with
    the longest wait; today's offered, answered, abandoned and service level."""
    need(viewer, Perm.callcenter_monitor)
    now = utcnow()
    labels = dictionary_labels(session)
    groups: dict[str, list[dict[str, Any]]] = {}
    leads: dict[str, list[str]] = {}  # a group's team leads: team_lead users in it
    for user, reading in agent_states(session, now, _wrap_up_max(request)):
        group = (
            labels.get((DictionaryKind.agent_group, user.agent_group), user.agent_group)
            if user.agent_group
            else ""
        )
        if user.role == Role.team_lead.value and group:
            leads.setdefault(group, []).append(user.display_name)
        groups.setdefault(group, []).append(
            {
                "name": user.display_name,
                "agent_no": user.agent_no or "",
                "extension": user.extension or "",
                "state": reading.state.value,
                "reason": labels.get(
                    (DictionaryKind.not_ready_reason, reading.reason or ""), reading.reason
                ),
                "since": reading.since,
                "duration": duration(reading.seconds(now)),
            }
        )
    epoch = int(now.timestamp())
    waiting = sorted(waiting_by_queue(session, epoch).items())
    today = today_figures(request, session, now)
    context = {
        "groups": sorted(groups.items(), key=lambda g: (g[0] == "", g[0])),
        "leads": {group: "、".join(names) for group, names in leads.items()},
        "waiting": waiting,
        "today": today,
        "due": callbacks_due(request, session),
        "refresh": REFRESH_SECONDS,
        "bar": state_bar(request, session, viewer) if viewer.can(Perm.interactions_write) else None,
    }
    return render(request, "callcenter_board.html", viewer, context)


def today_figures(request: Request, session: Session, now: datetime) -> dict[str, Any]:
    """Today's (office time) offered, answered, abandoned and service level."""
    start = now.astimezone(OFFICE_TZ).replace(hour=0, minute=0, second=0, microsecond=0)
    query = KpiQuery.model_validate(
        {"from": start, "to": start + timedelta(days=1), "slot": Slot.day}
    )
    # Whole days are quarter hours: read from the partial sums at any level.
    shown = kpi_report(session, query, rules_of(request.app.state.settings.callcenter), False)
    return shown.total.shown()
