"""CCmonitor (seed 001): the call center's figures by time slot, queue, agent, group or
node (a parent compares its children), for team leads and analysts, with the Excel
export every table has."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from node.api.deps import SessionDep
from node.auth.permissions import Perm
from node.callcenter.agent_report import agent_rows
from node.callcenter.kpis import Figures, GroupBy, Report, Slot
from node.callcenter.schemas import KpiQuery
from node.callcenter.service import kpi_report, rules_of
from node.errors import InvalidFields
from node.office_time import OFFICE_TZ
from node.settings import Level
from node.web.errors import WebRoute
from node.web.forms import as_form_errors, cleaned, parse
from node.web.i18n import translator
from node.web.rendering import lang_of, render
from node.web.session import WebViewer, need
from node.web.tables import Cell, Table, export_url, wanted_export, xlsx_response

router = APIRouter(prefix="/ui/callcenter", include_in_schema=False, route_class=WebRoute)
FIELDS = ("from", "to", "slot", "group_by", "queue", "agent", "group")
# The figures a row shows, in order: (text key, Figures.shown() name, how it is shown).
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("cc.offered", "offered", "count"),
    ("cc.answered", "answered", "count"),
    ("cc.abandoned", "abandoned", "count"),
    ("cc.short_abandoned", "short_abandoned", "count"),
    ("cc.timeouts", "timeouts", "count"),
    ("cc.exit_empty", "exit_empty", "count"),
    ("cc.exit_key", "exit_key", "count"),
    ("cc.service_level", "service_level", "share"),
    ("cc.abandon_rate", "abandon_rate", "share"),
    ("cc.asa", "asa", "seconds"),
    ("cc.att", "att", "seconds"),
    ("cc.max_wait", "max_wait", "count"),
    ("cc.transfers", "transfers", "count"),
    ("cc.ring_no_answer", "ring_no_answer", "count"),
    ("cc.outbound_calls", "outbound_calls", "count"),
    ("cc.outbound_talk", "outbound_talk_seconds", "count"),
)
SLOT_TEXTS = {
    Slot.m15: "cc.slot_15m",
    Slot.m30: "cc.slot_30m",
    Slot.m60: "cc.slot_60m",
    Slot.day: "cc.slot_day",
}
GROUP_TEXTS = {
    GroupBy.slot: "cc.group_slot",
    GroupBy.queue: "cc.group_queue",
    GroupBy.agent: "cc.group_agent",
    GroupBy.group: "cc.group_group",
    GroupBy.node: "cc.group_node",
}


def _today() -> dict[str, str]:
    """Today in office time, the form's default period."""
    start = datetime.now(OFFICE_TZ).replace(hour=0, minute=0, second=0, microsecond=0)
    end = start + timedelta(days=1)
    return {"from": start.strftime("%Y-%m-%dT%H:%M"), "to": end.strftime("%Y-%m-%dT%H:%M")}


@router.get("")
def callcenter_page(request: Request, viewer: WebViewer, session: SessionDep) -> Response:
    """The figures of the period the form asks for (today by default); a bad field is
    shown next to it with a 422, as the API refuses it."""
    need(viewer, Perm.rollups_read)
    lang = lang_of(request)
    t = translator(lang)
    given = {k: v for k, v in cleaned(request.query_params, FIELDS).items() if v is not None}
    values = {**_today(), "slot": Slot.m30.value, "group_by": GroupBy.slot.value, **given}
    context: dict[str, Any] = {"values": values, "errors": {}, "table": None, "export": None}
    context["slots"] = [(s.value, t(key)) for s, key in SLOT_TEXTS.items()]
    context["groupings"] = [(g.value, t(key)) for g, key in GROUP_TEXTS.items()]
    settings = request.app.state.settings
    try:
        query = parse(KpiQuery, values, lang)
        assert isinstance(query, KpiQuery)
        rules = rules_of(settings.callcenter)
        report = kpi_report(session, query, rules, settings.node.level is Level.city)
    except InvalidFields as exc:
        context["errors"] = as_form_errors(exc, lang).fields
        return render(request, "callcenter.html", viewer, context, status_code=422)
    table = kpi_table(report, query, t)
    agents = _agents_table(request, session, query, report, t)
    if wanted := wanted_export(request, {"kpis": table, **({"agents": agents} if agents else {})}):
        need(viewer, Perm.export)
        return xlsx_response(wanted)
    context["table"] = table
    context["agents"] = agents
    exports = viewer.can(Perm.export)
    context["export"] = export_url(request, table) if exports else None
    context["agents_export"] = export_url(request, agents) if exports and agents else None
    return render(request, "callcenter.html", viewer, context)


AGENT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("cc.signed_in", "signed_in_seconds"),
    ("cc.not_ready", "not_ready_seconds"),
    ("cc.wrap_up", "wrap_up_seconds"),
    ("cc.answered", "answered"),
    ("cc.talk", "talk_seconds"),
)


def _agents_table(
    request: Request, session: Session, query: KpiQuery, report: Report, t: Any
) -> Table | None:
    """By agent or group: each agent's Worktime, occupancy and AHT (seconds)."""
    if query.group_by not in (GroupBy.agent, GroupBy.group):
        return None
    wrap_up_max = request.app.state.settings.callcenter.wrap_up_max_seconds
    rows = agent_rows(session, query, report.by_user, wrap_up_max, datetime.now(OFFICE_TZ))
    who = [t("cc.by_node"), t("cc.by_group"), t("board.agent_no"), t("board.name")]
    headers = who + [t(key) for key, _ in AGENT_COLUMNS] + [t("cc.occupancy"), t("cc.aht")]
    table = Table("agents", t("cc.agents_title"), headers)
    for row in rows:
        first = [row["node"], row["agent_group"] or "", row["agent_no"] or "", row["name"]]
        occupancy, aht = row["occupancy"], row["aht"]
        table.add(
            first
            + [row[name] for _, name in AGENT_COLUMNS]
            + [
                Cell(f"{occupancy:.1%}", occupancy, "0.0%") if occupancy is not None else "–",
                Cell(f"{aht:.1f}", aht, "0.0") if aht is not None else "–",
            ]
        )
    return table


def kpi_table(report: Report, query: KpiQuery, t: Any) -> Table:
    """A row per slot (and queue or agent), then the period's total."""
    headers = [t("cc.slot")]
    if query.group_by is not GroupBy.slot:
        headers.append(t(f"cc.by_{query.group_by.value}"))
    table = Table("kpis", t("cc.title"), headers + [t(key) for key, _, _ in COLUMNS])
    for (at, key), figures in sorted(report.rows.items()):
        first: list[Any] = [_slot_cell(at, query.slot)]
        if query.group_by is not GroupBy.slot:
            first.append(key)
        table.add(first + _cells(figures))
    total = [t("cc.total")] + ([""] if query.group_by is not GroupBy.slot else [])
    table.add(total + _cells(report.total), css="total")
    return table


def _slot_cell(at: int, slot: Slot) -> Cell:
    moment = datetime.fromtimestamp(at, OFFICE_TZ).replace(tzinfo=None)
    if slot is Slot.day:
        return Cell(moment.strftime("%Y-%m-%d"), moment, "yyyy-mm-dd")
    return Cell(moment.strftime("%Y-%m-%d %H:%M"), moment, "yyyy-mm-dd hh:mm")


def _cells(figures: Figures) -> list[Any]:
    shown = figures.shown()
    cells: list[Any] = []
    for _, name, kind in COLUMNS:
        value = shown[name]
        if value is None:
            cells.append(Cell("–", None, "General"))
        elif kind == "share":
            cells.append(Cell(f"{value:.1%}", value, "0.0%"))
        elif kind == "seconds":
            cells.append(Cell(f"{value:.1f}", value, "0.0"))
        else:
            cells.append(value)
    return cells
