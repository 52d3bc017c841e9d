"""fedcrm rollup / report: bring the rollup up to date, then print, export or report it."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table
from sqlalchemy.orm import Session

from federation.entry import list_children
from node.atomic_file import write_atomically
from node.cli.context import console, err_console, fail, open_database, open_settings
from node.cli.help_texts import cli_text
from node.cli.shared import DirArg
from node.db.unit_of_work import Database
from node.settings import Level, NodeSettings
from rollup.entry import (
    COLUMN_TITLES,
    FIGURE_TITLES,
    FIGURES,
    GROUP_TITLES,
    NEEDS_FILE,
    ConcurrentRun,
    Figures,
    PeriodError,
    PeriodOutOfRange,
    RollupUnavailable,
    RunResult,
    build_report,
    display,
    load_labels,
    parse_period,
    read_figures,
    refresh,
    write,
)

ALL = "all"
# Up to this many groups, a table shows one column per group and a row per figure.
TRANSPOSE_UP_TO = 6


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"
    xlsx = "xlsx"
    parquet = "parquet"


class Figure(StrEnum):
    key_accounts = "key-accounts"
    churn = "churn"
    service = "service"
    value = "value"
    all = ALL


def node_names(settings: NodeSettings, session: Session) -> dict[str, str]:
    """Display names of this node and the children it registered."""
    names = {child.code: child.name for child in list_children(session)}
    names[settings.node.code] = settings.node.name
    return names


def rollup_command(
    data_dir: DirArg,
    period: Annotated[str | None, typer.Option(help=cli_text("rollup.period"))] = None,
    by: Annotated[
        str,
        typer.Option(
            "--by",
            help=cli_text("rollup.by"),
        ),
    ] = "total",
    figure: Annotated[Figure, typer.Option(help=cli_text("rollup.figure"))] = Figure.all,
    fmt: Annotated[Format, typer.Option("--format", help=cli_text("rollup.format"))] = Format.table,
    out: Annotated[Path | None, typer.Option(help=cli_text("rollup.out"))] = None,
    refresh_first: Annotated[
        bool,
        typer.Option("--refresh/--no-refresh", help=cli_text("rollup.refresh")),
    ] = True,
    full: Annotated[bool, typer.Option(help=cli_text("rollup.full"))] = False,
) -> None:
    """Key accounts, churn, service and value figures over everything this node holds.

    Recomputes the partials of origins that changed since the last run first (a new
    node, a new month or --full: all of them), then shows the figures.
    """
    try:
        month = parse_period(period) if period is not None else None
    except PeriodError as exc:
        fail(f"--period: {exc}")
    names = list(FIGURES) if figure is Figure.all else [figure.value]
    offered = [n for n in names if by in FIGURES[n][1]]
    if not offered:
        choices = sorted({g for n in names for g in FIGURES[n][1]})
        fail(
            f"--by {by!r} is not offered by {', '.join(names)}; choose one of {', '.join(choices)}"
        )
    if fmt.value in NEEDS_FILE and out is None:
        fail(f"--format {fmt.value} writes a file: give --out FILE")
    settings = open_settings(data_dir)
    db = open_database(settings)
    try:
        if refresh_first:
            _say(_refresh(db, full).describe())
        figs = _read(db, settings, offered, month, by)
    finally:
        db.dispose()
    skipped = [n for n in names if n not in offered]
    if skipped:
        _say(f"not grouped by {by}: {', '.join(skipped)} (skipped)")
    if fmt.value == "table":
        for fig in figs:
            console.print(_table(fig))
        _say(f"computed at {figs[0].computed_at}")
        return
    try:
        written = write(figs, fmt.value, out, sys.stdout)
    except OSError as exc:
        fail(f"cannot write {out}: {exc}")
    for path in written:
        _say(f"wrote {path}")


def report_command(
    data_dir: DirArg,
    out: Annotated[Path, typer.Option(help=cli_text("report.out"))] = Path("report.html"),
    period: Annotated[str | None, typer.Option(help=cli_text("rollup.period"))] = None,
    refresh_first: Annotated[
        bool,
        typer.Option("--refresh/--no-refresh", help=cli_text("rollup.refresh")),
    ] = True,
) -> None:
    """Write the rollup report: one HTML file in Chinese with charts, that works offline."""
    try:
        month = parse_period(period) if period is not None else None
    except PeriodError as exc:
        fail(f"--period: {exc}")
    settings = open_settings(data_dir)
    db = open_database(settings)
    by = "province" if settings.node.level is Level.hq else "city"
    try:
        if refresh_first:
            _say(_refresh(db, False).describe())
        with db.unit_of_work(write=False) as session:
            labels = load_labels(session, settings.node.code, node_names(settings, session))
            try:
                html = build_report(
                    session, settings.node.name, settings.node.code, labels, month, by
                )
            except (RollupUnavailable, PeriodOutOfRange) as exc:
                fail(f"--period: {exc}" if isinstance(exc, PeriodOutOfRange) else str(exc))
    finally:
        db.dispose()
    try:
        write_atomically(out, html)
    except OSError as exc:
        fail(f"cannot write {out}: {exc}")
    _say(f"wrote {out} ({len(html.encode('utf-8')) // 1024} KiB)")


def _refresh(db: Database, full: bool) -> RunResult:
    with err_console.status("rollup: starting", spinner="dots") as status:
        try:
            return refresh(db, "cli", full=full, progress=lambda s: status.update(f"rollup: {s}"))
        except ConcurrentRun as exc:
            fail(str(exc), code=1)


def _read(
    db: Database, settings: NodeSettings, names: list[str], month: int | None, by: str
) -> list[Figures]:
    with db.unit_of_work(write=False) as session:
        labels = load_labels(session, settings.node.code, node_names(settings, session))
        try:
            return [read_figures(session, n, month, by, labels) for n in names]
        except (RollupUnavailable, PeriodOutOfRange) as exc:
            fail(f"--period: {exc}" if isinstance(exc, PeriodOutOfRange) else str(exc))


def _table(fig: Figures) -> Table:
    """The figures as a rich table; with few groups, one column per group (they fit)."""
    group = GROUP_TITLES.get(fig.group_by, fig.group_by)
    title = f"{FIGURE_TITLES.get(fig.name, fig.name)} {fig.period}（按{group}）"
    rows = fig.rows if fig.group_by == "total" else [*fig.rows, fig.total]
    table = Table(title=title, title_justify="left")
    if len(rows) <= TRANSPOSE_UP_TO:
        table.add_column("指标")
        for row in rows:
            table.add_column(escape(str(row["label"])), justify="right")
        for column in fig.columns:
            title = COLUMN_TITLES.get(column, column)
            table.add_row(title, *(display(column, row.get(column)) for row in rows))
        return table
    table.add_column(group)
    for column in fig.columns:
        table.add_column(COLUMN_TITLES.get(column, column), justify="right")
    for row in rows:
        table.add_row(escape(str(row["label"])), *(display(c, row.get(c)) for c in fig.columns))
    return table


def _say(text: str) -> None:
    err_console.print(text, markup=False, highlight=False, soft_wrap=True)
