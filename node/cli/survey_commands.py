"""fedcrm surveys import / export: a questionnaire as a JSON file, so HQ or a province
can hand one to a node until the downward channel (issue 22) carries them; fedcrm
surveys fill: one run of the self-filling campaigns (fedcrm serve runs it every minute)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Annotated

import typer

from node.atomic_file import write_atomically
from node.cli.context import console, fail, open_database, open_settings
from node.cli.help_texts import cli_text, command_help
from node.cli.shared import DirArg, command_group
from node.db.types import utcnow
from node.errors import DomainError, InvalidFields
from node.surveys.auto_fill import fill_open_campaigns
from node.surveys.transfer import export_questionnaire, import_questionnaire

surveys_app = command_group("surveys")
MAX_FILE_BYTES = 10 * 1024 * 1024  # far beyond any questionnaire; refuses a wrong file early


def _reason(exc: DomainError) -> str:
    if isinstance(exc, InvalidFields):
        return "; ".join(f"{field}: {why}" for field, why in exc.errors.items())
    return exc.message


@surveys_app.command("import", help=command_help("surveys.import"))
def surveys_import(
    data_dir: DirArg,
    file: Annotated[Path, typer.Argument(help=cli_text("surveys.file_in"))],
) -> None:
    """Add the file's questionnaire (or its versions not here yet); nothing on an error."""
    try:
        if file.stat().st_size > MAX_FILE_BYTES:
            fail(f"{file}: 文件过大 (larger than {MAX_FILE_BYTES} bytes: not a questionnaire)")
        raw = file.read_bytes()
    except OSError as exc:
        fail(f"{file}: 无法读取 (cannot read): {exc.strerror or exc}")
    settings = open_settings(data_dir)
    database = open_database(settings)
    try:
        with database.unit_of_work() as session:
            questionnaire, added = import_questionnaire(session, raw)
            name, qid = questionnaire.name, questionnaire.id
    except DomainError as exc:
        fail(f"{file}: 问卷未导入 (nothing imported): {_reason(exc)}")
    finally:
        database.dispose()
    console.print(f"问卷 {name} ({qid})：新增 {added} 个版本 (added {added} versions)")


@surveys_app.command("export", help=command_help("surveys.export"))
def surveys_export(
    data_dir: DirArg,
    questionnaire_id: Annotated[str, typer.Argument(help=cli_text("surveys.id"))],
    file: Annotated[Path, typer.Argument(help=cli_text("surveys.file_out"))],
) -> None:
    """Write the questionnaire's published versions to `file`."""
    try:
        parsed = uuid.UUID(questionnaire_id)
    except ValueError:
        fail(f"不是问卷编号 (not a questionnaire id): {questionnaire_id}")
    settings = open_settings(data_dir)
    database = open_database(settings)
    try:
        with database.unit_of_work(write=False) as session:
            data = export_questionnaire(session, parsed)
    except DomainError as exc:
        fail(f"问卷未导出 (nothing exported): {_reason(exc)}")
    finally:
        database.dispose()
    try:
        write_atomically(file, data)
    except OSError as exc:
        fail(f"{file}: 无法写入 (cannot write): {exc.strerror or exc}")
    console.print(f"已导出到 {file} (exported)")


@surveys_app.command("fill", help=command_help("surveys.fill"))
def surveys_fill(data_dir: DirArg) -> None:
    """Fill every open self-filling campaign once; print what each took."""
    settings = open_settings(data_dir)
    database = open_database(settings)
    try:
        with database.unit_of_work() as session:
            added = fill_open_campaigns(session, utcnow())
            lines = [
                f"{cid}: 新增 {a.added} (added), 已在回访中 {a.already_open} (already open), "
                f"无号码 {a.without_number} (no number)"
                for cid, a in added.items()
            ]
    finally:
        database.dispose()
    for line in lines:
        console.print(line)
    console.print(f"{len(lines)} 个自动补充的活动 (self-filling campaigns)")
