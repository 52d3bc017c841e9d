"""回访统计: the callback figures (issue 21 §5) for team leads and analysts, read from the
mergeable sums (node.surveys.figures_report): dials, contacts and final tasks by AAPOR
disposition with RR1 and COOP1 by campaign, agent, day and node (a parent compares its
children), then each question's answers with satisfaction and NPS, overall, by
work-order kind and by technician. Every table exports to Excel."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from node.api.deps import SessionDep
from node.auth.permissions import Perm
from node.errors import InvalidFields
from node.office_time import OFFICE_TZ
from node.surveys import campaigns
from node.surveys.campaign_view import question_texts
from node.surveys.figure_models import DISPOSITIONS
from node.surveys.figures_report import (
    AnswersBy,
    GroupBy,
    Period,
    answers_report,
    survey_report,
)
from node.web.choices import kind_labels
from node.web.errors import WebRoute
from node.web.i18n import translator
from node.web.rendering import lang_of, render
from node.web.session import WebViewer, need
from node.web.tables import Cell, Table, export_url, wanted_export, xlsx_response
from rollup.entry import Labels, load_labels

router = APIRouter(prefix="/ui/surveys/report", include_in_schema=False, route_class=WebRoute)
MAX_DAYS = 366
GROUPS = (GroupBy.campaign, GroupBy.agent, GroupBy.day, GroupBy.node)
SUM_COLUMNS = ("attempts", "contacts", *DISPOSITIONS)
LIST_CAMPAIGNS = 200


def _share(value: float | None) -> Cell:
    return Cell("–", None, "General") if value is None else Cell(f"{value:.1%}", value, "0.0%")


def _nps(value: float | None) -> Cell:
    return Cell("–", None, "General") if value is None else Cell(f"{value:.1f}", value, "0.0")


def _period(values: dict[str, str], t: Any) -> Period:
    """The form's days and campaign, or InvalidFields naming each bad one."""
    errors: dict[str, str] = {}
    days: dict[str, date] = {}
    for name in ("from", "to"):
        try:
            days[name] = date.fromisoformat(values[name])
        except ValueError:
            errors[name] = t("sc.bad_date")
    campaign_id = None
    if values["campaign"]:
        try:
            campaign_id = uuid.UUID(values["campaign"])
        except ValueError:
            errors["campaign"] = t("sr.campaign")
    if not errors and days["to"] < days["from"]:
        errors["to"] = t("sr.bad_range")
    elif not errors and (days["to"] - days["from"]).days >= MAX_DAYS:
        errors["to"] = t("sr.too_long", max=MAX_DAYS)
    if errors:
        raise InvalidFields(errors)
    return Period(days["from"], days["to"], campaign_id)


def _labels(request: Request, session: Session) -> Labels:
    names_of = getattr(request.app.state, "rollup_node_names", None)
    return load_labels(session, session.info["node_code"], names_of(session) if names_of else {})


def _row_name(group_by: GroupBy, row: dict[str, Any], labels: Labels) -> str:
    if group_by is GroupBy.agent:
        return labels.managers.get(uuid.UUID(row["key"]).hex, row["key"][:8])
    if group_by is GroupBy.node:
        return labels.node(row["key"])
    return str(row["name"])


def figures_table(
    session: Session, period: Period, group_by: GroupBy, labels: Labels, t: Any
) -> Table:
    """A row per campaign, agent, day or node, then the total: the sums, RR1, COOP1."""
    report = survey_report(session, period, group_by)
    headers = [t(f"sr.key.{group_by.value}")] + [t(f"sr.{c}") for c in SUM_COLUMNS]
    headers += [t("sr.final_tasks"), t("sr.rr1"), t("sr.coop1")]
    table = Table(f"by_{group_by.value}", f"{t('sr.title')}·{t(f'sr.by.{group_by.value}')}",
                  headers)  # fmt: skip
    for row in [*report["rows"], {**report["total"], "key": None}]:
        first = t("sr.total") if row["key"] is None else _row_name(group_by, row, labels)
        cells = [row[c] for c in SUM_COLUMNS] + [row["final_tasks"]]
        cells += [_share(row["aapor_rr1"]), _share(row["aapor_coop1"])]
        table.add([first, *cells], css="total" if row["key"] is None else "")
    return table


def _distribution(question: dict[str, Any]) -> str:
    return "；".join(
        f"{a['answer']} {a['responses']}"
        + (f"（{a['share']:.0%}）" if a["share"] is not None else "")
        for a in question["answers"]
    )


def _question(question: dict[str, Any], texts: dict[str, str]) -> str:
    code = question["question"]
    return f"{texts[code]}（{code}）" if code in texts else code


def answers_table(session: Session, period: Period, t: Any) -> Table:
    """Each question: respondents, the answers' distribution, satisfaction, NPS."""
    headers = [t("sr.question"), t("sr.type"), t("sr.respondents"), t("sr.distribution"),
               t("sr.satisfaction"), t("sr.nps")]  # fmt: skip
    table = Table("answers", t("sr.answers"), headers)
    texts = question_texts(session, period.campaign_id)
    for q in answers_report(session, period, AnswersBy.all):
        table.add([_question(q, texts), q["question_type"], q["respondents"], _distribution(q),
                   _share(q.get("satisfaction")), _nps(q.get("nps"))])  # fmt: skip
    return table


def scored_table(
    session: Session, period: Period, by: AnswersBy, names: dict[str, str], t: Any
) -> Table:
    """Satisfaction and NPS questions by work-order kind or technician."""
    key = "kind" if by is AnswersBy.kind else "technician"
    headers = [t(f"sr.{key}"), t("sr.question"), t("sr.respondents"), t("sr.satisfaction"),
               t("sr.nps")]  # fmt: skip
    table = Table(f"answers_{key}", t(f"sr.answers_{key[:4]}"), headers)
    texts = question_texts(session, period.campaign_id)
    for q in answers_report(session, period, by):
        if "satisfaction" not in q and "nps" not in q:
            continue
        group = q[by.value]
        name = names.get(group, group[:8] if by is AnswersBy.technician else group)
        table.add([name or t("sr.no_ticket"), _question(q, texts), q["respondents"],
                   _share(q.get("satisfaction")), _nps(q.get("nps"))])  # fmt: skip
    return table


def _defaults() -> dict[str, str]:
    today = datetime.now(OFFICE_TZ).date()
    return {"from": today.replace(day=1).isoformat(), "to": today.isoformat(), "campaign": ""}


@router.get("")
def report_page(request: Request, viewer: WebViewer, session: SessionDep) -> Response:
    """The figures of the Beijing days from..to (this month by default), optionally of
    one campaign; a bad field is shown next to it with a 422."""
    need(viewer, Perm.surveys_read)
    t = translator(lang_of(request))
    params = request.query_params
    values = {k: (params.get(k) or "").strip() or v for k, v in _defaults().items()}
    values["campaign"] = (params.get("campaign") or "").strip()
    context: dict[str, Any] = {"values": values, "errors": {}, "tables": [], "campaigns": []}
    try:
        period = _period(values, t)
        # The campaigns with figures in these days (a parent's come from its children,
        # whose campaigns it does not hold), and this node's own.
        unfiltered = Period(period.first, period.last)
        options = {
            r["key"]: r["name"]
            for r in survey_report(session, unfiltered, GroupBy.campaign)["rows"]
        }
        for c in campaigns.list_campaigns(session, LIST_CAMPAIGNS, None, None).rows:
            options.setdefault(str(c.id), c.name)
        context["campaigns"] = sorted(options.items(), key=lambda item: item[1])
        if period.campaign_id is not None and str(period.campaign_id) not in options:
            raise InvalidFields({"campaign": t("sr.no_campaign")})
    except InvalidFields as exc:
        context["errors"] = exc.errors
        return render(request, "survey_report.html", viewer, context, status_code=422)
    labels = _labels(request, session)
    tables = [figures_table(session, period, g, labels, t) for g in GROUPS]
    tables.append(answers_table(session, period, t))
    tables.append(scored_table(session, period, AnswersBy.kind, kind_labels(session), t))
    by_tech = {str(uuid.UUID(h)): n for h, n in labels.managers.items()}
    tables.append(scored_table(session, period, AnswersBy.technician, by_tech, t))
    if wanted := wanted_export(request, {table.name: table for table in tables}):
        need(viewer, Perm.export)
        return xlsx_response(wanted)
    exports = viewer.can(Perm.export)
    context["tables"] = [(tb, export_url(request, tb) if exports else None) for tb in tables]
    return render(request, "survey_report.html", viewer, context)
