"""fedcrm cti import: telephone events from the PBX's files; fedcrm cti refigure: the
sums per slot and queue (after migration 0024) and per day (after 0026) filled from the
node's call figures and agents' working time."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from node.callcenter.agent_time_days import refigure_time_days
from node.callcenter.agent_time_store import SUMS as TIME_SUMS
from node.callcenter.day_sums import refigure_days
from node.callcenter.figures_store import SUMS
from node.callcenter.importer import CDR_CSV, QUEUE_LOG, ImportReport, import_file
from node.callcenter.queue_sums import refigure
from node.callcenter.service import rules_of
from node.cli.context import console, err_console, fail, open_database, open_settings
from node.cli.help_texts import cli_text, command_help
from node.cli.shared import DirArg, command_group

cti_app = command_group("cti")
SHOWN_BAD_LINES = 20  # the rest are counted


class FileFormat(StrEnum):
    asterisk_queue_log = "asterisk-queue-log"
    asterisk_cdr_csv = "asterisk-cdr-csv"


@cti_app.command("import", help=command_help("cti.import"))
def cti_import(
    data_dir: DirArg,
    file: Annotated[Path, typer.Argument(help=cli_text("cti.file"))],
    file_format: Annotated[
        FileFormat, typer.Option("--format", help=cli_text("cti.format"))
    ] = FileFormat.asterisk_queue_log,
    strict: Annotated[bool, typer.Option(help=cli_text("cti.strict"))] = False,
) -> None:
    """Import a queue_log or a Master.csv; the same lines twice change nothing."""
    if not file.is_file():
        fail(f"没有这个文件 (no such file): {file}")
    settings = open_settings(data_dir)
    database = open_database(settings)
    try:
        with database.unit_of_work() as session:
            kind = CDR_CSV if file_format is FileFormat.asterisk_cdr_csv else QUEUE_LOG
            report = import_file(session, file, kind, strict, rules_of(settings.callcenter))
    except OSError as exc:
        fail(f"读取失败 (cannot read) {file}: {exc.strerror or exc}")
    finally:
        database.dispose()
    _show_bad_lines(report)
    if strict and report.malformed:
        fail(f"{len(report.malformed)} 行格式错误，未导入任何事件 (nothing imported)")
    console.print(
        f"读取 {report.lines} 行：新增 {report.added} 个事件，已有 {report.already_held} 个，"
        f"未知事件 {sum(report.unknown.values())} 个，格式错误 {len(report.malformed)} 行 "
        f"(lines {report.lines}: {report.added} events added, {report.already_held} already "
        f"held, {sum(report.unknown.values())} unknown, {len(report.malformed)} malformed)"
    )
    for name, count in sorted(report.unknown.items()):
        console.print(f"  未知事件 (unknown event) {escape(name)}: {count}")
    if file_format is FileFormat.asterisk_queue_log:
        _show_states(report)


def _show_states(report: ImportReport) -> None:
    console.print(
        f"坐席状态新增 {report.states_added} 条 (agent state events added: {report.states_added})"
    )
    console.print(
        f"来电记录新增 {report.interactions_added} 条，更新 {report.interactions_updated} 条 "
        f"(calls recorded as interactions: {report.interactions_added} added, "
        f"{report.interactions_updated} updated)"
    )
    for name, count in sorted(report.unmapped_agents.items()):
        console.print(
            f"  未匹配的坐席 (agent matching no 分机 or 工号) {escape(name)}: "
            f"{count} 个事件 (events)"
        )


def _show_bad_lines(report: ImportReport) -> None:
    for number, why in report.malformed[:SHOWN_BAD_LINES]:
        err_console.print(f"第 {number} 行 (line {number}): {escape(why)}")
    hidden = len(report.malformed) - SHOWN_BAD_LINES
    if hidden > 0:
        err_console.print(f"……另有 {hidden} 行格式错误 (and {hidden} more malformed lines)")


@cti_app.command("refigure", help=command_help("cti.refigure"))
def cti_refigure(data_dir: DirArg) -> None:
    """Fill the sums per slot and queue and per day from this node's own figures."""
    settings = open_settings(data_dir)
    database = open_database(settings)
    try:
        with database.unit_of_work() as session:
            changed = refigure(session, SUMS)
            days = refigure_days(session, SUMS)
            time_days = refigure_time_days(session, TIME_SUMS)
    finally:
        database.dispose()
    console.print(
        f"按时段和队列的汇总写入 {changed} 行 (rows per slot and queue written: {changed})"
    )
    console.print(f"按天的话务汇总写入 {days} 行 (call rows per day written: {days})")
    console.print(
        f"按天的坐席工时汇总写入 {time_days} 行 (working time rows per day written: {time_days})"
    )
