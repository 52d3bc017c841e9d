"""`fedcrm`: the console entry point."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable

import typer

from node.cli.cti_commands import cti_app
from node.cli.data_commands import export_command, import_command
from node.cli.demo_command import demo
from node.cli.federation_commands import (
    child_app,
    ingest,
    key_app,
    parent_app,
    pull,
    quarantine_app,
    resync,
    status,
    sync,
    verify,
)
from node.cli.help_texts import cli_text, command_help
from node.cli.node_commands import db_app, init, serve
from node.cli.rollup_commands import report_command, rollup_command
from node.cli.shared import HELP_MARKUP
from node.cli.sms_commands import sms_app
from node.cli.survey_commands import surveys_app
from node.cli.user_commands import user_app

app = typer.Typer(
    help=command_help("fedcrm"),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=HELP_MARKUP,
)
# Top-level commands in the order the help lists them; the groups come after them.
_COMMANDS: dict[str, Callable[..., None]] = {
    "init": init,
    "serve": serve,
    "import": import_command,
    "export": export_command,
    "sync": sync,
    "status": status,
    "verify": verify,
    "resync": resync,
    "ingest": ingest,
    "pull": pull,
    "rollup": rollup_command,
    "report": report_command,
    "demo": demo,
}
for _name, _function in _COMMANDS.items():
    app.command(_name, help=command_help(_name))(_function)
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")
app.add_typer(child_app, name="child")
app.add_typer(parent_app, name="parent")
app.add_typer(key_app, name="key")
app.add_typer(quarantine_app, name="quarantine")
app.add_typer(cti_app, name="cti")
app.add_typer(sms_app, name="sms")
app.add_typer(surveys_app, name="surveys")

# Files this process creates (node.db, its journal, logs, quarantine, exports) are
# readable by the node's own account only, whatever the shell's umask was.
PRIVATE_UMASK = 0o077


@app.callback()
def _start(
    verbose: bool = typer.Option(False, "--verbose", "-v", help=cli_text("fedcrm.verbose")),
) -> None:
    os.umask(PRIVATE_UMASK)
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if not verbose:
        for noisy in ("alembic", "httpx", "apscheduler"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
