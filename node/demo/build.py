"""Create, register and link the demo's nodes, and fill the cities with data.

Each step is the one an operator would run (`fedcrm init`, `user add`, `child add`,
`parent set`), called in-process, so the demo proves the real commands work together.
"""

from __future__ import annotations

import contextlib
import io
import os
import secrets
from collections.abc import Callable
from pathlib import Path

import typer
from sqlalchemy.exc import SQLAlchemyError

from node.cli.federation_commands import Transport, child_add, parent_set
from node.cli.node_commands import init
from node.db.unit_of_work import Database
from node.demo.city_data import generate_city
from node.demo.plan import DemoNode, Plan, PlanError, city_of, save
from node.demo.sshd import DemoSshd
from node.settings import Level, load_settings
from node.users.models import Role
from node.users.resource import add_user

PASSWORDS = "admin-passwords.txt"


def _quietly(step: str, call: Callable[[], object]) -> str:
    """Run a CLI step in-process and return what it printed (not shown on the screen)."""
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            call()
    except typer.Exit as exc:
        if exc.exit_code:
            raise PlanError(f"{step} failed: {out.getvalue().strip()}") from None
    return out.getvalue()


def _database(root: Path, node: DemoNode) -> Database:
    return Database(load_settings(root / node.dir).database_url, node.code)


def create_nodes(root: Path, plan: Plan, passwords: dict[str, str], sshd: DemoSshd | None) -> None:
    """`fedcrm init` and an admin for every node, then register and link each child."""
    for node in plan.nodes:
        _quietly(
            f"fedcrm init {node.code}",
            lambda n=node: init(
                data_dir=root / n.dir,
                level=Level(n.level),
                code=n.code,
                name=n.name,
                parent_url=None,
                db=n.db_url,
                host="127.0.0.1",
                port=n.port,
            ),
        )
        db = _database(root, node)
        try:
            with db.unit_of_work() as session:
                add_user(session, "admin", f"{node.name}管理员", Role.admin, passwords[node.code])
        finally:
            db.dispose()
    for node in plan.nodes:
        if node.parent is not None:
            over_sftp = plan.sftp_city is not None and node.code == plan.sftp_city.code
            _link(root, plan.node(node.parent), node, sshd if over_sftp else None)


def _link(root: Path, parent: DemoNode, child: DemoNode, sshd: DemoSshd | None) -> None:
    """`fedcrm child add` at the parent, `fedcrm parent set` at the child (HTTP or SFTP)."""
    said = _quietly(
        f"fedcrm child add {child.code}",
        lambda: child_add(
            data_dir=root / parent.dir,
            code=child.code,
            name=child.name,
            level=Level(child.level),
            url=child.url,
            sftp=sshd is not None,
        ),
    )
    secret = root / child.dir / "issued.credential"
    secret.write_text(said.strip().splitlines()[-1] + "\n", encoding="utf-8")
    os.chmod(secret, 0o600)
    over = (
        {
            "url": parent.url,
            "transport": Transport.http,
            "host": None,
            "port": 22,
            "username": None,
            "key_file": None,
            "known_hosts": None,
            "inbox": None,
        }
        if sshd is None
        else {
            "url": None,
            "transport": Transport.sftp,
            "host": "127.0.0.1",
            "port": sshd.port,
            "username": sshd.username,
            "key_file": sshd.client_key,
            "known_hosts": sshd.known_hosts,
            "inbox": str((root / parent.dir / "inbox" / child.code).resolve()),
        }
    )
    _quietly(
        f"fedcrm parent set {child.code}",
        lambda: parent_set(data_dir=root / child.dir, credential_file=secret, **over),
    )
    secret.unlink()  # parent set keeps its own 0600 copy


def new_passwords(plan: Plan) -> dict[str, str]:
    return {n.code: secrets.token_urlsafe(9) for n in plan.nodes}


def save_passwords(root: Path, passwords: dict[str, str]) -> None:
    path = root / PASSWORDS
    tmp = path.with_suffix(".tmp")
    tmp.write_text(
        "".join(f"{code} admin {pw}\n" for code, pw in passwords.items()), encoding="utf-8"
    )
    os.chmod(tmp, 0o600)
    tmp.replace(path)


def load_passwords(root: Path) -> dict[str, str]:
    lines = (root / PASSWORDS).read_text(encoding="utf-8").split("\n")
    return {code: pw for code, _user, pw in (line.split(" ") for line in lines if line)}


def ensure_built(
    root: Path, plan: Plan, progress: Callable[[str, int], None], sshd: DemoSshd | None = None
) -> dict[str, str]:
    """Build what is missing (everything for a new demo); the admins' passwords.

    `progress(city, customers)` is told as each city's customers are written.
    """
    if not plan.ready:
        if any((root / n.dir / "node.toml").exists() for n in plan.nodes):
            raise PlanError(
                f"an earlier build of {root} stopped half-way: delete {root} (and, on "
                "PostgreSQL, its databases) and run the demo again"
            )
        passwords = new_passwords(plan)
        try:
            create_nodes(root, plan, passwords, sshd)
        except SQLAlchemyError as exc:
            raise PlanError(
                f"cannot create a node's database: {str(exc).splitlines()[0]}"
            ) from None
        save_passwords(root, passwords)
        plan.ready = True
        save(root, plan)
    for node in plan.of_level("city"):
        if node.code not in plan.generated:
            _generate(root, plan, node, progress)
    return load_passwords(root)


def _generate(root: Path, plan: Plan, node: DemoNode, progress: Callable[[str, int], None]) -> None:
    db = _database(root, node)
    try:
        generate_city(
            db,
            city_of(node.code),
            plan.params.customers_per_city,
            plan.params.seed,
            lambda n: progress(node.code, n),
        )
    finally:
        db.dispose()
    plan.generated.append(node.code)
    save(root, plan)
