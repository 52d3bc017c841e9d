"""GET /api/v1/rollups/{key-accounts,churn,service,value}, status, and refresh on demand.

For analysts, team leads and admins (`rollups:read`). Figures come from the stored
partials; `POST /api/v1/rollups/refresh` recomputes what changed, after the response
(the request's own transaction must not hold SQLite's write lock while the rollup
saves in its own).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends, Request
from sqlalchemy.orm import Session

from node.api.deps import SessionDep, require
from node.auth.permissions import Perm
from node.auth.viewer import Viewer
from node.errors import Conflict, invalid
from rollup.figures import FIGURES
from rollup.labels import load_labels
from rollup.periods import PeriodError, format_period, parse_period
from rollup.reading import PeriodOutOfRange, RollupUnavailable, read_figures
from rollup.refresh import max_seq, refresh
from rollup.store import last_run

router = APIRouter(prefix="/api/v1/rollups", tags=["rollups"])
Reader = Annotated[Viewer, Depends(require(Perm.rollups_read))]


def _figures(
    name: str, request: Request, session: Session, period: str | None, group_by: str
) -> dict[str, Any]:
    month = None
    if period is not None:
        try:
            month = parse_period(period)
        except PeriodError as exc:
            raise invalid("period", str(exc)) from None
    offered = FIGURES[name][1]
    if group_by not in offered:
        raise invalid("group_by", f"must be one of {', '.join(offered)}; got {group_by!r}")
    names_of = getattr(request.app.state, "rollup_node_names", None)
    names = names_of(session) if names_of else {}
    labels = load_labels(session, session.info["node_code"], names)
    try:
        return read_figures(session, name, month, group_by, labels).as_json()
    except PeriodOutOfRange as exc:
        raise invalid("period", str(exc)) from None
    except RollupUnavailable as exc:
        raise Conflict(str(exc)) from None


@router.get("/key-accounts")
def key_accounts(
    request: Request,
    viewer: Reader,
    session: SessionDep,
    period: str | None = None,
    group_by: str = "total",
) -> dict:
    """大客户: count, monthly revenue and share, 80/20 (Pareto), key-account churn."""
    return _figures("key-accounts", request, session, period, group_by)


@router.get("/churn")
def churn(
    request: Request,
    viewer: Reader,
    session: SessionDep,
    period: str | None = None,
    group_by: str = "total",
) -> dict:
    """流失: rate, reasons, destinations, lost revenue; group_by=month is the trend."""
    return _figures("churn", request, session, period, group_by)


@router.get("/service")
def service(
    request: Request,
    viewer: Reader,
    session: SessionDep,
    period: str | None = None,
    group_by: str = "total",
) -> dict:
    """服务: tickets, SLA compliance, time to resolve, repeat repairs, satisfaction."""
    return _figures("service", request, session, period, group_by)


@router.get("/value")
def value(
    request: Request,
    viewer: Reader,
    session: SessionDep,
    period: str | None = None,
    group_by: str = "total",
) -> dict:
    """客户价值: monthly revenue per customer and lifetime value by segment."""
    return _figures("value", request, session, period, group_by)


@router.get("/status")
def status(viewer: Reader, session: SessionDep) -> dict:
    """The last run, and whether changes have arrived since."""
    run = last_run(session)
    latest = max_seq(session)
    if run is None:
        return {"last_run": None, "pending_changes": latest > 0}
    return {
        "last_run": {
            "finished_at": run.finished_at.isoformat(),
            "trigger": run.trigger,
            "full": run.full,
            "origins_recomputed": run.origins,
            "window": [run.window_first, run.window_last],
            "timezone": run.timezone,
            "watermark": run.watermark,
            "rows_read": run.rows_read,
            "seconds": round(run.seconds, 3),
        },
        "pending_changes": latest > run.watermark,
        "default_period": format_period(parse_period(run.window_last) - 1),
    }


@router.post("/refresh", status_code=202)
def refresh_now(request: Request, viewer: Reader, tasks: BackgroundTasks) -> dict:
    """Recompute the partials of origins that changed, right after this response."""
    tasks.add_task(refresh, request.app.state.db, "api")
    return {"status": "accepted", "see": "/api/v1/rollups/status"}
