"""Shared fixtures: every database test runs on SQLite and on PostgreSQL.

PostgreSQL must be reachable in CI (CI=true): there a connection failure fails the
run. Locally the PostgreSQL half skips with the reason when no server answers.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from node.app import create_app
from node.auth.accounts import Role
from node.db.migrate import upgrade
from node.db.unit_of_work import Database
from node.dictionaries.resource import seed_dictionaries
from node.migrations.metadata import metadata
from node.provisioning.nodes import ensure_postgres_database
from node.settings import AuthSection, DatabaseSection, NodeSection, NodeSettings
from node.users.resource import add_user

NODE_CODE = "430100"
PASSWORD = "correct-horse-42"


def _worker_pg_url() -> str:
    """The suite's PostgreSQL database; under pytest-xdist each worker has its own
    (`fedcrm_ci_gw0`, ...), and every database a test derives from it is named after it."""
    url = make_url(
        os.environ.get(
            "FEDCRM_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/fedcrm_test"
        )
    )
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker:
        url = url.set(database=f"{url.database}_{worker}")
    return url.render_as_string(hide_password=False)


PG_URL = _worker_pg_url()


def reset_postgres_schema(url: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()


@pytest.fixture(scope="session")
def pg_url() -> str:
    """A migrated PostgreSQL test database (created if missing)."""
    try:
        ensure_postgres_database(PG_URL)
        reset_postgres_schema(PG_URL)
    except Exception as exc:
        message = f"PostgreSQL at {PG_URL} is not usable: {exc.__class__.__name__}: {exc}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    db = Database(PG_URL, NODE_CODE)
    upgrade(db.engine)
    db.dispose()
    return PG_URL


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "node.db"
    db = Database(f"sqlite:///{path}", NODE_CODE)
    upgrade(db.engine)
    db.dispose()
    return path


def _truncate_postgres(db: Database) -> None:
    tables = ", ".join(t.name for t in metadata.sorted_tables)
    with db.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY"))
        conn.execute(text("INSERT INTO counters (name, value) VALUES ('seq', 0)"))


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def db_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if backend == "sqlite":
        path = tmp_path / "node.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def database(db_url: str) -> Iterator[Database]:
    """A migrated, empty node database with the default dictionaries."""
    db = Database(db_url, NODE_CODE)
    if db.dialect == "postgresql":
        _truncate_postgres(db)
    with db.unit_of_work() as session:
        seed_dictionaries(session)
    yield db
    db.dispose()


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> NodeSettings:
    return NodeSettings(
        data_dir=tmp_path,
        node=NodeSection(level="city", code=NODE_CODE, name="长沙市"),
        database=DatabaseSection(url=db_url),
        auth=AuthSection(
            max_failed_logins_per_account_per_hour=5, max_failed_logins_per_address_per_hour=20
        ),
    )


@pytest.fixture
def client(settings: NodeSettings, database: Database) -> Iterator[TestClient]:
    with TestClient(create_app(settings, database)) as test_client:
        yield test_client


@pytest.fixture
def make_user(database: Database) -> Callable[..., dict]:
    """Create a user; returns {'id', 'username', 'role'}."""
    counter = {"n": 0}

    def _make(
        role: Role | str = Role.admin, service_area: str | None = None, username: str | None = None
    ) -> dict:
        counter["n"] += 1
        name = username or f"{Role(role).value}{counter['n']}"
        with database.unit_of_work() as session:
            user = add_user(
                session, name, f"用户{counter['n']}", Role(role), PASSWORD, service_area
            )
            return {"id": str(user.id), "username": name, "role": Role(role).value}

    return _make


@pytest.fixture
def login(client: TestClient, make_user: Callable[..., dict]) -> Callable[..., dict]:
    """Create a user with `role` and return Authorization headers for it."""

    def _login(role: Role | str = Role.admin, service_area: str | None = None) -> dict:
        user = make_user(role, service_area)
        resp = client.post(
            "/api/v1/auth/login", json={"username": user["username"], "password": PASSWORD}
        )
        assert resp.status_code == 200, resp.text
        return {"Authorization": f"Bearer {resp.json()['access_token']}", "x-user-id": user["id"]}

    return _login


@pytest.fixture
def admin(login: Callable[..., dict]) -> dict:
    return login(Role.admin)


@pytest.fixture(scope="session")
def pg_parent_url(pg_url: str) -> str:
    """A second migrated PostgreSQL database, for a parent node beside `database`."""
    # Named after the suite's own database, so two suites on one server never share it.
    base = make_url(pg_url)
    url = base.set(database=f"{base.database}_parent").render_as_string(hide_password=False)
    ensure_postgres_database(url)
    reset_postgres_schema(url)
    db = Database(url, "430000")
    upgrade(db.engine)
    db.dispose()
    return url


@pytest.fixture
def parent_database(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Database]:
    """A province node's database (code 430000) on the same backend as `database`."""
    if backend == "sqlite":
        path = tmp_path / "parent.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        db = Database(f"sqlite:///{path}", "430000")
    else:
        db = Database(request.getfixturevalue("pg_parent_url"), "430000")
        _truncate_postgres(db)
    with db.unit_of_work() as session:
        seed_dictionaries(session)
    yield db
    db.dispose()
