"""fedcrm init / serve / db: creating, running and migrating a node."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from node.cli.context import console, fail, open_database, open_settings
from node.db.migrate import current_revision, head_revision, upgrade
from node.db.unit_of_work import Database
from node.settings import (
    CONFIG_FILE,
    DatabaseSection,
    Level,
    NodeSection,
    NodeSettings,
    ServerSection,
    check_division_code,
    write_settings,
)

db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)


def ensure_postgres_database(url: str) -> None:
    """Create the PostgreSQL database named in `url` if it does not exist yet."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql" or not parsed.database:
        return
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": parsed.database}
            ).first()
            if not exists:
                conn.exec_driver_sql(f'CREATE DATABASE "{parsed.database}"')
    finally:
        admin.dispose()


def init(
    data_dir: Annotated[Path, typer.Argument(help="Directory for node.toml and the SQLite file")],
    level: Annotated[Level, typer.Option(help="hq, province or city")],
    code: Annotated[str, typer.Option(help="6-digit division code; HQ is 000000")],
    name: Annotated[str, typer.Option(help="Display name, e.g. 长沙市")],
    parent_url: Annotated[str | None, typer.Option(help="The parent node's base URL")] = None,
    db: Annotated[str | None, typer.Option("--db", help="SQLAlchemy URL; default SQLite")] = None,
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8100,
) -> None:
    """Create a node: write DIR/node.toml, create and migrate the database, seed dictionaries."""
    try:
        check_division_code(code, level)
    except ValueError as exc:
        fail(str(exc))
    if level is Level.hq and parent_url:
        fail("an hq node has no parent; drop --parent-url")
    if (data_dir / CONFIG_FILE).exists():
        fail(f"{data_dir / CONFIG_FILE} already exists: refusing to overwrite a node")
    data_dir.mkdir(parents=True, exist_ok=True)
    settings = NodeSettings(
        data_dir=data_dir,
        node=NodeSection(level=level, code=code, name=name, parent_url=parent_url),
        database=DatabaseSection(url=db or ""),
        server=ServerSection(host=host, port=port),
    )
    try:
        ensure_postgres_database(settings.database_url)
        database = Database(settings.database_url, code)
        if current_revision(database.engine) is not None:
            fail(f"database {database.engine.url.render_as_string()} already holds a node")
        upgrade(database.engine)
        from node.dictionaries.resource import seed_dictionaries  # pulls in FastAPI

        with database.unit_of_work() as session:
            seeded = seed_dictionaries(session)
        database.dispose()
    except SQLAlchemyError as exc:
        fail(f"cannot create the database: {exc.__class__.__name__}: {str(exc).splitlines()[0]}")
    write_settings(settings)
    console.print(f"created {level.value} node {code} {name} in {data_dir}")
    console.print(f"  database: {make_url(settings.database_url).render_as_string()}")
    console.print(f"  {seeded} dictionary entries seeded")
    console.print(f"next: fedcrm user add {data_dir} --username admin --role admin")


def serve(data_dir: Annotated[Path, typer.Argument(help="The node directory")]) -> None:
    """Run the node's HTTP server. Refuses to start on an unmigrated database."""
    from node.app import create_app

    settings = open_settings(data_dir)
    database = open_database(settings)
    app = create_app(settings, database, run_scheduler=True)
    console.print(
        f"fedcrm {settings.node.level.value} node {settings.node.code} {settings.node.name} on "
        f"http://{settings.server.host}:{settings.server.port} (API docs at /docs)"
    )
    import uvicorn  # only `serve` needs the web server

    uvicorn.run(
        app,
        host=settings.server.host,
        port=settings.server.port,
        log_level="info",
        access_log=False,
    )


@db_app.command("upgrade")
def db_upgrade(data_dir: Annotated[Path, typer.Argument(help="The node directory")]) -> None:
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


@db_app.command("current")
def db_current(data_dir: Annotated[Path, typer.Argument(help="The node directory")]) -> None:
    """Show the database's migration revision and the code's head."""
    settings = open_settings(data_dir)
    database = open_database(settings, require_migrated=False)
    current, head = current_revision(database.engine), head_revision(database.engine)
    state = "up to date" if current == head else "needs `fedcrm db upgrade`"
    console.print(f"current: {current or 'none'}  head: {head}  ({state})")
