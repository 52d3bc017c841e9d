"""Ops: the federation status page (parent link, children, lag, backlog, rejected
batches with their reasons, the last verify result)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select

from federation.entry import QuarantinedBatch, load_result, node_status
from node.api.deps import SessionDep
from node.auth.permissions import Perm
from node.web.errors import WebRoute
from node.web.i18n import code_labeller, translator
from node.web.rendering import lang_of, local_time, render
from node.web.session import WebViewer, need
from node.web.tables import Table, export_url, wanted_export, xlsx_response

router = APIRouter(prefix="/ui/federation", include_in_schema=False, route_class=WebRoute)
REJECTED_SHOWN = 50


@router.get("")
def federation_page(request: Request, viewer: WebViewer, session: SessionDep) -> Response:
    need(viewer, Perm.federation_read)
    lang = lang_of(request)
    t, label = translator(lang), code_labeller(lang)
    status = node_status(request.app.state.db, request.app.state.settings)
    tables: dict[str, Table] = {}
    parent = status["parent"]
    if parent is not None:
        link = Table(
            "parent",
            t("fed.per_table"),
            [t("fed.table"), t("fed.backlog"), t("fed.last_success"), t("fed.last_error")],
        )
        for row in parent["tables"]:
            css = "warn" if row["last_error"] else ""
            link.add(
                [
                    row["table"],
                    row["backlog_rows"],
                    local_time(row["last_success"], True),
                    row["last_error"] or "",
                ],
                css=css,
            )
        tables["parent"] = link
    children = Table(
        "children",
        t("fed.children"),
        [
            t("fed.code"),
            t("fed.name"),
            t("fed.level"),
            t("fed.last_batch"),
            t("fed.rows_applied"),
            t("fed.lag"),
            t("fed.rejected"),
        ],
    )
    for child in status["children"]:
        name = child["name"] + (f"（{t('fed.revoked')}）" if child["revoked"] else "")
        lag = child["lag_seconds"]
        children.add(
            [
                child["code"],
                name,
                label(child["level"]),
                local_time(child["last_batch_received"], True) or t("never"),
                child["rows_applied"],
                "" if lag is None else round(lag, 1),
                child["rejected_batches"],
            ],
            css="warn" if child["rejected_batches"] else "",
        )
    tables["children"] = children
    rejected = Table(
        "rejected",
        t("fed.rejected"),
        [t("fed.received_at"), t("fed.sender"), t("fed.table"), "HTTP", t("fed.reason")],
    )
    batches = session.execute(
        select(QuarantinedBatch).order_by(QuarantinedBatch.id.desc()).limit(REJECTED_SHOWN)
    ).scalars()
    for batch in batches:
        rejected.add(
            [
                local_time(batch.received_at, True),
                batch.sender or "",
                batch.table_name or "",
                batch.status_code,
                batch.reason,
            ]
        )
    tables["rejected"] = rejected
    if wanted := wanted_export(request, tables):
        need(viewer, Perm.export)
        return xlsx_response(wanted)
    exports = (
        {name: export_url(request, tb) for name, tb in tables.items()}
        if viewer.can(Perm.export)
        else {}
    )
    return render(
        request,
        "federation.html",
        viewer,
        {
            "status": status,
            "tables": tables,
            "exports": exports,
            "verify": load_result(request.app.state.settings.data_dir),
        },
    )
