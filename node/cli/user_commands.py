"""fedcrm user add / list."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy import select

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
