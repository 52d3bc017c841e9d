"""fedcrm user add / list / passwd / disable / enable."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from node.auth.accounts import Role, User
from node.cli.context import console, fail, open_database, open_settings
from node.cli.help_texts import cli_text, command_help
from node.cli.shared import DirArg, command_group
from node.errors import DomainError, InvalidFields

user_app = command_group("user")
Username = Annotated[str, typer.Option(help=cli_text("user.username"))]
PasswordStdin = Annotated[
    bool, typer.Option("--password-stdin", help=cli_text("user.password_stdin"))
]


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return typer.prompt("Password", hide_input=True, confirmation_prompt=True)


@user_app.command("add", help=command_help("user.add"))
def user_add(
    data_dir: DirArg,
    username: Username,
    role: Annotated[Role, typer.Option(help=cli_text("user.role"))],
    display_name: Annotated[str | None, typer.Option(help=cli_text("user.display_name"))] = None,
    service_area: Annotated[str | None, typer.Option(help=cli_text("user.service_area"))] = None,
    password_stdin: PasswordStdin = False,
) -> None:
    """Add a staff user (prompts for the password unless --password-stdin)."""
    from node.users.resource import add_user  # pulls in FastAPI: only this command needs it

    settings = open_settings(data_dir)
    database = open_database(settings)
    password = _read_password(password_stdin)
    try:
        with database.unit_of_work() as session:
            user = add_user(
                session, username, display_name or username, role, password, service_area
            )
            console.print(f"added user {user.username} ({user.role})")
    except InvalidFields as exc:
        fail("; ".join(f"{k}: {v}" for k, v in exc.errors.items()))
    except DomainError as exc:
        fail(exc.message)


@user_app.command("list", help=command_help("user.list"))
def user_list(data_dir: DirArg) -> None:
    """List this node's staff users."""
    settings = open_settings(data_dir)
    database = open_database(settings)
    table = Table("username", "display name", "role", "service area", "active")
    with database.unit_of_work(write=False) as session:
        users = session.execute(
            select(User).where(User.origin == settings.node.code).order_by(User.username)
        ).scalars()
        for u in users:
            table.add_row(
                u.username,
                u.display_name,
                u.role,
                u.service_area or "",
                "yes" if u.active else "no",
            )
    console.print(table)


def _change_user(data_dir: Path, change: Callable[[Session], str]) -> None:
    """Run `change` in one transaction and print what it says, or fail with the reason."""
    database = open_database(open_settings(data_dir))
    try:
        with database.unit_of_work() as session:
            said = change(session)
    except InvalidFields as exc:
        fail("; ".join(f"{k}: {v}" for k, v in exc.errors.items()))
    except DomainError as exc:
        fail(exc.message)
    console.print(said)


@user_app.command("passwd", help=command_help("user.passwd"))
def user_passwd(
    data_dir: DirArg,
    username: Username,
    password_stdin: PasswordStdin = False,
) -> None:
    """Set a user's password and sign them out everywhere."""
    from node.users.resource import change_password

    password = _read_password(password_stdin)
    _change_user(
        data_dir,
        lambda s: (
            f"password of {change_password(s, username, password).username} changed; "
            "their sessions are ended"
        ),
    )


@user_app.command("disable", help=command_help("user.disable"))
def user_disable(
    data_dir: DirArg,
    username: Username,
) -> None:
    """Stop a user signing in and end their sessions (never the last active admin)."""
    from node.users.resource import set_active

    _change_user(
        data_dir, lambda s: f"disabled {set_active(s, username, False).username}; sessions ended"
    )


@user_app.command("enable", help=command_help("user.enable"))
def user_enable(
    data_dir: DirArg,
    username: Username,
) -> None:
    """Let a disabled user sign in again."""
    from node.users.resource import set_active

    _change_user(data_dir, lambda s: f"enabled {set_active(s, username, True).username}")
