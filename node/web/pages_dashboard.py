"""Province and HQ dashboard: the children compared (churn rate, key-account revenue
share, SLA compliance, satisfaction), trend, Pareto and churn reason/destination charts,
and drill-down HQ -> province -> city. Charts are rollup's server-rendered SVG."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from node.api.deps import SessionDep
from node.auth.permissions import Perm
from node.settings import Level
from node.web.dashboard_figures import HQ, scoped_figures, window
from node.web.errors import WebRoute
from node.web.i18n import figure_titler, translator
from node.web.rendering import lang_of, render
from node.web.session import PostingViewer, WebViewer, need
from node.web.tables import Cell, Table, export_url, wanted_export, xlsx_response
from rollup.entry import (
    Figures,
    Labels,
    PeriodError,
    PeriodOutOfRange,
    RollupUnavailable,
    display,
    excel_format,
    load_labels,
    parse_period,
    percent,
    refresh,
    svg,
)

router = APIRouter(prefix="/ui/dashboard", include_in_schema=False, route_class=WebRoute)
COMPARED = ["customers", "churn_rate", "key_revenue_share", "sla_rate", "satisfaction_mean"]


def child_grouping(level: Level, scope: str | None) -> str:
    """How the children of the current scope are grouped: province, city or total."""
    if scope is None or scope == HQ:
        return {Level.hq: "province", Level.province: "city"}.get(level, "total")
    return "city" if scope.endswith("0000") else "total"


def parent_scope(level: Level, scope: str | None) -> str | None:
    """The scope one level up (None: the whole node), for the "up" link."""
    if scope is None:
        return None
    if level is Level.hq and not scope.endswith("0000"):
        return scope[:2] + "0000"
    return None


def _labels(request: Request, session: Session) -> Labels:
    names_of = getattr(request.app.state, "rollup_node_names", None)
    names = names_of(session) if names_of else {}
    return load_labels(session, session.info["node_code"], names)


def figure_cell(column: str, value: object) -> Cell | str:
    """A figure as the page shows it, kept a number (in the same format) when exported."""
    text = display(column, value)
    number_format = excel_format(column, value)
    return text if number_format is None else Cell(text, value, number_format)


def compare_table(
    t: Any,
    title: Callable[[str], str],
    by: str,
    keys: Figures,
    churn: Figures,
    service: Figures,
    drill: bool,
) -> Table:
    """One row per child: the four compared figures (and customers), merged by key."""
    headers = [title(by), *(title(c) for c in COMPARED)]
    table = Table("children", t("dash.children"), headers)
    churn_by = {r["key"]: r for r in churn.rows}
    service_by = {r["key"]: r for r in service.rows}
    for row in keys.rows:
        merged = {**row, **churn_by.get(row["key"], {}), **service_by.get(row["key"], {})}
        link = (
            f"/ui/dashboard?scope={row['key']}&period={keys.period}"
            if drill and row["key"]
            else None
        )
        table.add([row["label"], *(figure_cell(c, merged.get(c)) for c in COMPARED)], link=link)
    return table


def figure_table(
    name: str, heading: str, title: Callable[[str], str], fig: Figures, columns: list[str]
) -> Table:
    headers = [title(fig.group_by), *(title(c) for c in columns)]
    table = Table(name, heading, headers)
    for row in fig.rows:
        table.add([row["label"], *(figure_cell(c, row.get(c)) for c in columns)])
    return table


@router.get("")
def dashboard(
    request: Request,
    viewer: WebViewer,
    session: SessionDep,
    period: str | None = None,
    scope: str | None = None,
) -> Response:
    need(viewer, Perm.rollups_read)
    t = translator(lang_of(request))
    level = request.app.state.settings.node.level
    months = window(session)
    context: dict[str, Any] = {"months": months, "scope": scope, "charts": {}, "tables": []}
    if not months:
        context["problem"] = t("dash.unavailable")
        return render(request, "dashboard.html", viewer, context)
    # Default: the last complete month, as `fedcrm report` uses; the current month is
    # there to choose, labelled 本月至今 (month to date).
    chosen = period or (months[1] if len(months) > 1 else months[0])
    try:
        month = parse_period(chosen)
        context.update(_figures(request, session, t, level, month, scope))
    except (PeriodError, PeriodOutOfRange) as exc:
        context["period_error"] = str(exc)
        return render(request, "dashboard.html", viewer, context, status_code=422)
    except RollupUnavailable as exc:
        context["problem"] = str(exc)
        return render(request, "dashboard.html", viewer, context)
    context["period"] = chosen
    tables = {table.name: table for table in context["tables"]}
    if wanted := wanted_export(request, tables):
        need(viewer, Perm.export)
        return xlsx_response(wanted)
    if viewer.can(Perm.export):
        context["exports"] = {name: export_url(request, tb) for name, tb in tables.items()}
    return render(request, "dashboard.html", viewer, context)


def _figures(
    request: Request, session: Session, t: Any, level: Level, month: int, scope: str | None
) -> dict[str, Any]:
    labels = _labels(request, session)
    title = figure_titler(lang_of(request))
    by = child_grouping(level, scope)

    def fig(name: str, group_by: str) -> Figures:
        return scoped_figures(session, name, month, group_by, labels, scope)

    keys, churn, service = fig("key-accounts", by), fig("churn", by), fig("service", by)
    keys_total, churn_total = fig("key-accounts", "total"), fig("churn", "total")
    service_total = fig("service", "total")
    trend, reasons = fig("churn", "month"), fig("churn", "reason")
    destinations = fig("churn", "competitor")
    kt = keys_total.total
    cards = [
        (t("dash.churn_rate"), percent(churn_total.total["churn_rate"])),
        (t("dash.key_share"), percent(kt["key_revenue_share"])),
        (t("dash.sla"), percent(service_total.total["sla_rate"])),
        (
            t("dash.satisfaction"),
            display("satisfaction_mean", service_total.total["satisfaction_mean"]),
        ),
        (title("customers"), display("customers", kt["customers"])),
        (title("revenue"), display("revenue", kt["revenue"])),
    ]
    children = compare_table(t, title, by, keys, churn, service, drill=by != "total")
    charts = {
        "churn_by_child": svg.bar_chart(
            [(r["label"], r["churn_rate"] or 0.0, percent(r["churn_rate"])) for r in churn.rows],
            t("dash.churn_rate"),
        ),
        "sla_by_child": svg.bar_chart(
            [
                (r["label"], r["sla_rate"], percent(r["sla_rate"]))
                for r in service.rows
                if r["sla_rate"] is not None
            ],
            t("dash.sla"),
            percent_scale=True,
        ),
        "trend": svg.trend_chart(
            [r["key"] for r in trend.rows],
            [r["churned"] for r in trend.rows],
            [r["churn_rate"] for r in trend.rows],
            t("dash.trend"),
        ),
        "pareto": svg.pareto_chart(
            keys_total.extra.get("pareto_curve", []),
            kt["top20_revenue_share"],
            kt["customers_share_for_80"],
            t("dash.pareto"),
        ),
        "reasons": _ranked(reasons, t("dash.reasons")),
        "destinations": _ranked(destinations, t("dash.destinations")),
    }
    ranked = ["churned", "churned_share", "churned_revenue"]
    tables = [
        children,
        figure_table(
            "trend", t("dash.trend"), title, trend, ["active_at_start", "churned", "churn_rate"]
        ),
        figure_table("reasons", t("dash.reasons"), title, reasons, ranked),
        figure_table("destinations", t("dash.destinations"), title, destinations, ranked),
    ]
    return {
        "cards": cards,
        "charts": charts,
        "tables": tables,
        "children": children,
        "by": by,
        "scope_label": labels.node(scope) if scope else request.app.state.settings.node.name,
        "up": parent_scope(level, scope),
        "can_go_up": scope is not None,
        "computed_at": keys_total.computed_at,
    }


def _ranked(fig: Figures, title: str) -> str:
    items = [
        (r["label"], r["churned"], f"{r['churned']} · {percent(r['churned_share'])}")
        for r in fig.rows
    ]
    return svg.bar_chart(items, title)


@router.post("/refresh")
def refresh_rollups(
    request: Request, viewer: PostingViewer, tasks: BackgroundTasks
) -> RedirectResponse:
    """Recompute what changed, after this response (as POST /api/v1/rollups/refresh)."""
    need(viewer, Perm.rollups_read)
    tasks.add_task(refresh, request.app.state.db, "web")
    return RedirectResponse("/ui/dashboard?refreshing=1", status_code=303)
