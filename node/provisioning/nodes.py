"""Creating a node: its node.toml, its migrated database and its seeded dictionaries."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from node.db.migrate import current_revision, upgrade
from node.db.unit_of_work import Database
from node.provisioning.errors import ProvisioningError
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


@dataclass(frozen=True)
class NodeSpec:
    """What `fedcrm init` is asked for."""

    data_dir: Path
    level: Level
    code: str
    name: str
    parent_url: str | None = None
    db_url: str | None = None  # None: SQLite in data_dir
    host: str = "127.0.0.1"
    port: int = 8100


@dataclass(frozen=True)
class CreatedNode:
    settings: NodeSettings
    seeded: int  # dictionary entries


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


def _check(spec: NodeSpec) -> None:
    try:
        check_division_code(spec.code, spec.level)
    except ValueError as exc:
        raise ProvisioningError(str(exc)) from None
    if spec.level is Level.hq and spec.parent_url:
        raise ProvisioningError("an hq node has no parent; drop --parent-url")
    if (spec.data_dir / CONFIG_FILE).exists():
        raise ProvisioningError(
            f"{spec.data_dir / CONFIG_FILE} already exists: refusing to overwrite a node"
        )


def create_node(spec: NodeSpec) -> CreatedNode:
    """Migrate and seed the node's database, make its signing key (DIR/node.key), then
    write node.toml (last, so a node.toml always names a ready node)."""
    _check(spec)
    spec.data_dir.mkdir(parents=True, exist_ok=True)
    settings = NodeSettings(
        data_dir=spec.data_dir,
        node=NodeSection(
            level=spec.level, code=spec.code, name=spec.name, parent_url=spec.parent_url
        ),
        database=DatabaseSection(url=spec.db_url or ""),
        server=ServerSection(host=spec.host, port=spec.port),
    )
    try:
        seeded = _prepare_database(settings)
    except SQLAlchemyError as exc:
        raise ProvisioningError(
            f"cannot create the database: {exc.__class__.__name__}: {str(exc).splitlines()[0]}"
        ) from None
    # The node's own signing key (mode 0600 from creation), before node.toml as well.
    from federation.entry import node_public_key  # pulls in FastAPI, like the seeding

    node_public_key(spec.data_dir)
    write_settings(settings)
    return CreatedNode(settings, seeded)


def _prepare_database(settings: NodeSettings) -> int:
    ensure_postgres_database(settings.database_url)
    database = Database(settings.database_url, settings.node.code)
    try:
        if current_revision(database.engine) is not None:
            url = database.engine.url.render_as_string()
            raise ProvisioningError(f"database {url} already holds a node")
        upgrade(database.engine)
        from node.dictionaries.resource import seed_dictionaries  # pulls in FastAPI

        with database.unit_of_work() as session:
            return seed_dictionaries(session)
    finally:
        database.dispose()
