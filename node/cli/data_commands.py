"""fedcrm import / export (customers). Implemented in node.dataio."""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from sqlalchemy.exc import SQLAlchemyError

from node.cli.context import console, err_console, fail, open_database, open_settings
from node.cli.help_texts import cli_text
from node.cli.shared import DirArg

# node.dataio (openpyxl, pinyin, the customer resource) is imported inside the two
# commands: it is about half of the CLI's start-up, and every other command pays it.


class Entity(StrEnum):
    customers = "customers"


class _ProgressTracker:
    """node.dataio progress shown as one rich bar per phase."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._task: TaskID | None = None

    def start(self, description: str, total: int | None) -> None:
        if self._task is not None:
            # Row counts are estimates (line breaks in CSV): end the last bar where it got.
            done = next(t.completed for t in self._progress.tasks if t.id == self._task)
            self._progress.update(self._task, total=done)
        self._task = self._progress.add_task(description, total=total)

    def advance(self, amount: int) -> None:
        if self._task is not None:
            self._progress.advance(self._task, amount)


@contextmanager
def _progress() -> Iterator[_ProgressTracker]:
    # Only on a terminal: in logs and pipes a redrawn bar is noise.
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        disable=not err_console.is_terminal,
    ) as progress:
        yield _ProgressTracker(progress)


def _actor() -> str:
    """Who ran the command, for the audit log: the operating-system user."""
    try:
        return f"cli:{getpass.getuser()}"[:64]
    except (OSError, KeyError):
        return "cli"


def _rows(n: int, what: str = "") -> str:
    return f"{n} {what} row{'' if n == 1 else 's'}".replace("  ", " ")


def _say(text: str) -> None:
    err_console.print(text, markup=False, highlight=False, soft_wrap=True)


def import_command(
    data_dir: DirArg,
    file: Annotated[Path, typer.Argument(help=cli_text("import.file"))],
    entity: Annotated[Entity, typer.Option(help=cli_text("import.entity"))] = Entity.customers,
    skip_invalid: Annotated[bool, typer.Option(help=cli_text("import.skip_invalid"))] = False,
    update_existing: Annotated[bool, typer.Option(help=cli_text("import.update_existing"))] = False,
) -> None:
    """Import customers from CSV or XLSX (Chinese or English headers).

    Every row is checked first; if any is bad, nothing is imported (unless
    --skip-invalid) and each bad row is listed with its row number.
    """
    from node.dataio.customer_import import import_customers
    from node.dataio.tabular import DataFileError

    settings = open_settings(data_dir)
    database = open_database(settings)
    try:
        with _progress() as tracker:
            result = import_customers(
                database,
                file,
                skip_invalid=skip_invalid,
                update_existing=update_existing,
                tracker=tracker,
                actor=_actor(),
            )
    except DataFileError as exc:
        fail(escape(str(exc)))
    except SQLAlchemyError as exc:
        fail(escape(f"import failed, nothing was imported: {str(exc).splitlines()[0]}"))
    finally:
        database.dispose()
    for problem in result.problems:
        _say(problem.describe())
    if result.ignored_columns:
        _say(f"ignored read-only column(s): {', '.join(result.ignored_columns)}")
    bad = len(result.problems)
    if not result.applied:
        good = result.rows - bad
        hint = f"; use --skip-invalid to import the {_rows(good, 'good')}" if good else ""
        err_console.print(
            f"[bold red]error:[/] {bad} of {result.rows} rows are bad; nothing was imported{hint}",
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(1)
    console.print(
        f"imported {escape(str(file))}: {result.inserted} new, {result.updated} updated, "
        f"{result.unchanged} unchanged"
        + (f", {_rows(result.skipped, 'bad')} skipped" if result.skipped else "")
        + f" ({_rows(result.rows)} read)",
        highlight=False,
        soft_wrap=True,
    )


def export_command(
    data_dir: DirArg,
    out: Annotated[Path, typer.Option(help=cli_text("export.out"))],
    entity: Annotated[Entity, typer.Option(help=cli_text("export.entity"))] = Entity.customers,
    unmasked: Annotated[bool, typer.Option(help=cli_text("export.unmasked"))] = False,
) -> None:
    """Export customers, with personal data masked unless --unmasked."""
    from node.dataio.customer_export import export_customers
    from node.dataio.tabular import DataFileError

    settings = open_settings(data_dir)
    database = open_database(settings)
    try:
        with _progress() as tracker:
            result = export_customers(
                database, out, unmasked=unmasked, tracker=tracker, actor=_actor()
            )
    except DataFileError as exc:
        fail(escape(str(exc)))
    except SQLAlchemyError as exc:
        fail(escape(f"export failed, nothing was written: {str(exc).splitlines()[0]}"))
    finally:
        database.dispose()
    what = "UNMASKED (full phone, ID and e-mail; audited)" if unmasked else "masked"
    console.print(
        f"exported {result.rows} customers to {escape(str(out))} ({what})",
        highlight=False,
        soft_wrap=True,
    )
