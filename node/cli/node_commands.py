"""fedcrm init / serve / db: creating, running and migrating a node."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.engine import make_url

from node.cli.context import console, fail, open_database, open_settings
from node.cli.help_texts import cli_text, command_help
from node.cli.shared import DirArg, command_group
from node.db.migrate import current_revision, head_revision, upgrade
from node.provisioning.errors import ProvisioningError
from node.provisioning.nodes import NodeSpec, create_node
from node.settings import Level

db_app = command_group("db")

# uvicorn's own exit code when it cannot start (a port in use, say).
STARTUP_FAILURE = 3


def init(
    data_dir: Annotated[Path, typer.Argument(help=cli_text("init.data_dir"))],
    level: Annotated[Level, typer.Option(help=cli_text("init.level"))],
    code: Annotated[str, typer.Option(help=cli_text("init.code"))],
    name: Annotated[str, typer.Option(help=cli_text("init.name"))],
    parent_url: Annotated[str | None, typer.Option(help=cli_text("init.parent_url"))] = None,
    db: Annotated[str | None, typer.Option("--db", help=cli_text("init.db"))] = None,
    host: Annotated[str, typer.Option(help=cli_text("init.host"))] = "127.0.0.1",
    port: Annotated[int, typer.Option(help=cli_text("init.port"))] = 8100,
) -> None:
    """Create a node: write DIR/node.toml, create and migrate the database, seed dictionaries."""
    spec = NodeSpec(data_dir, level, code, name, parent_url, db, host, port)
    try:
        created = create_node(spec)
    except ProvisioningError as exc:
        fail(str(exc))
    settings = created.settings
    console.print(f"created {level.value} node {code} {name} in {data_dir}")
    console.print(f"  database: {make_url(settings.database_url).render_as_string()}")
    console.print(f"  {created.seeded} dictionary entries seeded")
    console.print(f"next: fedcrm user add {data_dir} --username admin --role admin")


def serve(
    data_dir: DirArg,
    fd: Annotated[int | None, typer.Option("--fd", help=cli_text("serve.fd"))] = None,
) -> None:
    """Run the node's HTTP server. Refuses to start on an unmigrated database."""
    from node.app import create_app

    settings = open_settings(data_dir)
    database = open_database(settings)
    listener = _inherited_listener(fd) if fd is not None else None
    app = create_app(settings, database, run_scheduler=True)
    console.print(
        f"fedcrm {settings.node.level.value} node {settings.node.code} {settings.node.name} on "
        f"http://{settings.server.host}:{settings.server.port} (API docs at /docs)"
    )
    import uvicorn  # only `serve` needs the web server

    config = uvicorn.Config(
        app,
        host=settings.server.host,
        port=settings.server.port,
        log_level="info",
        access_log=False,
        # Forwarded headers only from the proxies configured (none by default).
        proxy_headers=bool(settings.server.trusted_proxies),
        forwarded_allow_ips=[str(net) for net in settings.server.trusted_proxies],
    )
    server = uvicorn.Server(config)
    server.run(sockets=[listener] if listener is not None else None)
    if not server.started:
        raise typer.Exit(STARTUP_FAILURE)


def _inherited_listener(fd: int) -> socket.socket:
    """The TCP socket a supervisor bound and handed over as file descriptor `fd`.

    Binding before any node starts is how the demo keeps one node's outgoing connection
    from taking another node's port as its ephemeral source port."""
    try:
        listener = socket.socket(fileno=fd)
    except OSError as exc:
        fail(f"--fd {fd}: not an open socket ({exc.strerror})")
    if listener.type != socket.SOCK_STREAM or listener.family not in (
        socket.AF_INET,
        socket.AF_INET6,
    ):
        fail(f"--fd {fd}: not a TCP socket")
    return listener


@db_app.command("upgrade", help=command_help("db.upgrade"))
def db_upgrade(data_dir: DirArg) -> None:
    """Apply pending migrations."""
    settings = open_settings(data_dir)
    database = open_database(settings, require_migrated=False)
    before = current_revision(database.engine)
    upgrade(database.engine)
    after = current_revision(database.engine)
    console.print(
        f"database upgraded from {before or 'empty'} to {after}"
        if before != after
        else f"database already at {after}"
    )
    # A new release may bring new dictionaries (call outcomes in 0008): add the defaults
    # this node lacks, never touching entries it has, changed or deleted.
    from node.dictionaries.resource import seed_dictionaries  # pulls in FastAPI

    with database.unit_of_work() as session:
        added = seed_dictionaries(session)
    if added:
        console.print(f"added {added} default dictionary entries")


@db_app.command("current", help=command_help("db.current"))
def db_current(data_dir: DirArg) -> None:
    """Show the database's migration revision and the code's head."""
    settings = open_settings(data_dir)
    database = open_database(settings, require_migrated=False)
    current, head = current_revision(database.engine), head_revision(database.engine)
    state = "up to date" if current == head else "needs `fedcrm db upgrade`"
    console.print(f"current: {current or 'none'}  head: {head}  ({state})")
