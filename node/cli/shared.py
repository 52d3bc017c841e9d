"""What the command modules share: how a group of commands is made, and the node
directory argument nearly every command takes."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Final

import typer

from node.cli.help_texts import cli_text, command_help

# Pinned rather than left to typer's default (which has changed between versions):
# rich mode keeps the line breaks of a help's later paragraphs, so each example stays
# on a line of its own.
HELP_MARKUP: Final = "rich"

DirArg = Annotated[Path, typer.Argument(help=cli_text("node_dir"))]


def command_group(key: str) -> typer.Typer:
    """A group of commands (`fedcrm KEY ...`) whose help is the text `key`, examples
    included; run without a command, it shows that help."""
    return typer.Typer(help=command_help(key), no_args_is_help=True, rich_markup_mode=HELP_MARKUP)
