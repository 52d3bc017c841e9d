"""Create, register and link the demo's nodes, and fill the cities with data.

Each step is the one an operator runs (`fedcrm init`, `user add`, `child add`,
`parent set`), through the same provisioning functions the CLI calls, so the demo proves
those steps work together and gets public keys as values, never from printed output.
Every step looks first whether it is already done, so a build stopped at any point
resumes when the demo is run again.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from federation.entry import node_public_key
from node.atomic_file import PRIVATE, write_atomically
from node.auth.accounts import Role, User
from node.db.migrate import current_revision
from node.db.unit_of_work import Database
from node.demo.city_data import generate_city
from node.demo.plan import DemoNode, Plan, PlanError, city_of, save
from node.demo.sshd import DemoSshd
from node.provisioning.errors import ProvisioningError
from node.provisioning.links import SftpTarget, is_linked, register_child, set_parent
from node.provisioning.nodes import NodeSpec, create_node
from node.settings import CONFIG_FILE, Level, load_settings

PASSWORDS = "admin-passwords.txt"


def _database(root: Path, node: DemoNode) -> Database:
    return Database(load_settings(root / node.dir).database_url, node.code)


def _create(root: Path, node: DemoNode) -> None:
    """`fedcrm init` for `node`, unless its node.toml is there already."""
    if (root / node.dir / CONFIG_FILE).exists():
        return
    _forget_unfinished_database(root, node)
    spec = NodeSpec(
        root / node.dir,
        Level(node.level),
        node.code,
        node.name,
        db_url=node.db_url,
        port=node.port,
    )
    create_node(spec)


def _forget_unfinished_database(root: Path, node: DemoNode) -> None:
    """A database left by an init stopped before node.toml was written: SQLite files are
    the demo's own and go; a PostgreSQL database is named for the operator to drop."""
    url = make_url(node.db_url)
    if url.get_backend_name() == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{url.database}{suffix}").unlink(missing_ok=True)
        return
    probe = Database(node.db_url, node.code)
    try:
        held = current_revision(probe.engine) is not None
    except SQLAlchemyError:  # no such database yet: create_node makes it
        held = False
    finally:
        probe.dispose()
    if held:
        raise PlanError(
            f"an earlier build stopped while creating node {node.code}: its database "
            f"{url.database} exists but {root / node.dir / CONFIG_FILE} does not. "
            f"Drop it (psql -c 'DROP DATABASE \"{url.database}\"') and run the demo again"
        )


def _ensure_admin(root: Path, node: DemoNode, password: str) -> None:
    from node.users.resource import add_user  # pulls in FastAPI

    db = _database(root, node)
    try:
        with db.unit_of_work() as session:
            found = session.execute(select(User.id).where(User.username == "admin")).first()
            if found is None:
                add_user(session, "admin", f"{node.name}管理员", Role.admin, password)
    finally:
        db.dispose()


def create_nodes(root: Path, plan: Plan, passwords: dict[str, str], sshd: DemoSshd | None) -> None:
    """`fedcrm init` and an admin for every node, then register and link each child."""
    for node in plan.nodes:
        _create(root, node)
        _ensure_admin(root, node, passwords[node.code])
    for node in plan.nodes:
        if node.parent is not None:
            over_sftp = plan.sftp_city is not None and node.code == plan.sftp_city.code
            _link(root, plan.node(node.parent), node, sshd if over_sftp else None)


def _link(root: Path, parent: DemoNode, child: DemoNode, sshd: DemoSshd | None) -> None:
    """`fedcrm child add` at the parent, `fedcrm parent set` at the child (HTTP or SFTP).

    Only public keys travel: the child's (its DIR/node.key, made at init) to the parent,
    the parent's back. A child registered by an interrupted build is registered anew."""
    child_settings = load_settings(root / child.dir)
    if is_linked(child_settings):
        return
    parent_settings = load_settings(root / parent.dir)
    db = Database(parent_settings.database_url, parent.code)
    try:
        issued = register_child(
            parent_settings,
            db,
            (child.code, child.name, Level(child.level)),
            node_public_key(child_settings.data_dir),
            child.url,
            sftp=sshd is not None,
            reissue=True,
        )
    finally:
        db.dispose()
    target = None
    if sshd is not None:
        inbox = str((root / parent.dir / "inbox" / child.code).resolve())
        target = SftpTarget(
            "127.0.0.1", sshd.port, sshd.username, sshd.client_key, sshd.known_hosts, inbox
        )
    set_parent(child_settings, issued.parent_key, parent.url if sshd is None else None, target)


def new_passwords(plan: Plan) -> dict[str, str]:
    return {n.code: secrets.token_urlsafe(9) for n in plan.nodes}


def save_passwords(root: Path, passwords: dict[str, str]) -> None:
    lines = "".join(f"{code} admin {pw}\n" for code, pw in passwords.items())
    write_atomically(root / PASSWORDS, lines, mode=PRIVATE)


def load_passwords(root: Path) -> dict[str, str]:
    lines = (root / PASSWORDS).read_text(encoding="utf-8").split("\n")
    return {code: pw for code, _user, pw in (line.split(" ") for line in lines if line)}


def _passwords(root: Path, plan: Plan) -> dict[str, str]:
    """The admins' passwords: saved before any node exists, so a resumed build reuses them."""
    if (root / PASSWORDS).exists():
        return load_passwords(root)
    passwords = new_passwords(plan)
    save_passwords(root, passwords)
    return passwords


def ensure_built(
    root: Path, plan: Plan, progress: Callable[[str, int], None], sshd: DemoSshd | None = None
) -> dict[str, str]:
    """Build what is missing (everything for a new demo); the admins' passwords.

    `progress(city, customers)` is told as each city's customers are written.
    """
    passwords = _passwords(root, plan)
    if not plan.ready:
        try:
            create_nodes(root, plan, passwords, sshd)
        except ProvisioningError as exc:
            raise PlanError(str(exc)) from None
        plan.ready = True
        save(root, plan)
    for node in plan.of_level("city"):
        if node.code not in plan.generated:
            _generate(root, plan, node, progress)
    return passwords


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
