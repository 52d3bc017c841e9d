"""Opening a node directory from the command line, with clear errors."""

from __future__ import annotations

from pathlib import Path
from typing import NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from node.db.migrate import current_revision, head_revision
from node.db.unit_of_work import Database
from node.settings import ConfigError, NodeSettings, load_settings

console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)


def fail(message: str, code: int = 2) -> NoReturn:
    """Print `message` to stderr and exit non-zero.

    The message is escaped: text in brackets (a path, a quoted value) is never taken for
    rich markup."""
    err_console.print(f"[bold red]error:[/] {escape(message)}")
    raise typer.Exit(code)


def open_settings(data_dir: Path) -> NodeSettings:
    try:
        return load_settings(data_dir)
    except ConfigError as exc:
        fail(str(exc))


def open_database(settings: NodeSettings, require_migrated: bool = True) -> Database:
    db = Database(settings.database_url, settings.node.code, settings.database.echo)
    if require_migrated:
        current, head = current_revision(db.engine), head_revision(db.engine)
        if current != head:
            db.dispose()
            fail(
                f"database is at revision {current or 'none'}, the code expects {head}: "
                f"run `fedcrm db upgrade {settings.data_dir}` first"
            )
    return db
