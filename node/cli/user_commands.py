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
from node.errors import DomainError, InvalidFields

user_app = typer.Typer(help="Staff users.", no_args_is_help=True)


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return typer.prompt("Password", hide_input=True, confirmation_prompt=True)


@user_app.command("add")
def user_add(
    data_dir: Annotated[Path, typer.Argument(help="The node directory")],
    username: Annotated[str, typer.Option(help="Login name")],
    role: Annotated[Role, typer.Option(help="One of the roles in the README's table")],
    display_name: Annotated[str | None, typer.Option(help="Shown name; default username")] = None,
    service_area: Annotated[str | None, typer.Option(help="Service area code")] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin")
    ] = False,
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


@user_app.command("list")
def user_list(data_dir: Annotated[Path, typer.Argument(help="The node directory")]) -> None:
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


@user_app.command("passwd")
def user_passwd(
    data_dir: Annotated[Path, typer.Argument(help="The node directory")],
    username: Annotated[str, typer.Option(help="Login name")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin")
    ] = False,
) -> None:
    """Set a user's password and sign them out everywhere.

    Example: fedcrm user passwd var/changsha --username agent01
    """
    from node.users.resource import change_password

    password = _read_password(password_stdin)
    _change_user(
        data_dir,
        lambda s: (
            f"password of {change_password(s, username, password).username} changed; "
            "their sessions are ended"
        ),
    )


@user_app.command("disable")
def user_disable(
    data_dir: Annotated[Path, typer.Argument(help="The node directory")],
    username: Annotated[str, typer.Option(help="Login name")],
) -> None:
    """Stop a user signing in and end their sessions (never the last active admin).

    Example: fedcrm user disable var/changsha --username agent01
    """
    from node.users.resource import set_active

    _change_user(
        data_dir, lambda s: f"disabled {set_active(s, username, False).username}; sessions ended"
    )


@user_app.command("enable")
def user_enable(
    data_dir: Annotated[Path, typer.Argument(help="The node directory")],
    username: Annotated[str, typer.Option(help="Login name")],
) -> None:
    """Let a disabled user sign in again.

    Example: fedcrm user enable var/changsha --username agent01
    """
    from node.users.resource import set_active

    _change_user(data_dir, lambda s: f"enabled {set_active(s, username, True).username}")
