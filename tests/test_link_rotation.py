"""A link made before node keys moves to them with real processes and loses nothing
(issue 18 §3, docs/operations.md "Rotating a key").

A province and a city linked the old way (an HMAC credential, the parent at migration
0006) are upgraded with `fedcrm db upgrade`, then rotated with `fedcrm child rotate` at
the parent and `fedcrm parent rotate` at the city, replicating over HTTP or SFTP at
every step; once the HMAC window is closed the old credential signs nothing.
"""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from alembic import command
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from federation.batches.signatures import Signer, credential_key
from node.atomic_file import write_atomically
from node.db.migrate import alembic_config
from node.settings import load_settings, write_settings
from tests.factories import customer_payload
from tests.sshd import start_sshd
from tests.topology import PASSWORD, Node, db_url_factory, fedcrm, reserved_node, setup_cli

pytestmark = pytest.mark.slow

CREDENTIAL = "fedcrm-430100-issued-before-node-keys"
CHECKPOINT = "/federation/v1/checkpoint"


def _init(root: Path, url_for, code: str, name: str, level: str) -> Node:
    node = reserved_node(code, name, level, root / code, url_for(code))
    init = ["init", str(node.dir), "--level", level, "--code", code, "--name", name]
    setup_cli(*init, "--db", node.db_url, "--port", str(node.port))
    user = ["user", "add", str(node.dir), "--username", "admin", "--role", "admin"]
    setup_cli(*user, "--password-stdin", stdin=PASSWORD + "\n")
    return node


def _link(province: Node, city: Node, sshd) -> None:  # type: ignore[no-untyped-def]
    """Link the city with today's commands, over HTTP or through `sshd`."""
    child_key = setup_cli("key", "show", str(city.dir)).strip().splitlines()[-1]
    add = ["child", "add", str(province.dir), "--code", city.code, "--name", city.name]
    add += ["--level", "city", "--public-key", child_key, "--url", city.url]
    out = setup_cli(*add, *(["--sftp"] if sshd else []))
    link = ["parent", "set", str(city.dir), "--parent-key", out.strip().splitlines()[-1]]
    if sshd is None:
        setup_cli(*link, "--url", province.url)
        return
    setup_cli(
        *link,
        *("--transport", "sftp", "--host", "127.0.0.1", "--port", str(sshd.port)),
        *("--username", getpass.getuser(), "--key-file", str(sshd.client_key)),
        *("--known-hosts", str(sshd.known_hosts)),
        *("--inbox", str(province.dir / "inbox" / city.code)),
    )


def _as_before_node_keys(province: Node, city: Node) -> None:
    """Turn the link into one made by the release before keys: the parent's database at
    0006 holding only the credential's HMAC key, the city holding only the credential."""
    engine = create_engine(province.db_url)
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE federation_children SET key_hash = :k WHERE code = :c"),
            {"k": credential_key(CREDENTIAL).hex(), "c": city.code},
        )
        cfg = alembic_config(engine)
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0006")
    engine.dispose()
    write_atomically(city.dir / "parent.credential", CREDENTIAL + "\n")
    settings = load_settings(city.dir)
    settings.federation.credential_file = "parent.credential"
    settings.federation.parent_public_key = None
    write_settings(settings)


@pytest.fixture(params=["http", "sftp"])
def legacy_link(
    request: pytest.FixtureRequest, backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Node, Node]]:
    """A province and a city on an HMAC link, the province upgraded, both served."""
    pg_url = request.getfixturevalue("pg_url") if backend == "postgresql" else None
    prefix = f"{make_url(pg_url).database}_rotation_" if pg_url else ""
    url_for = db_url_factory(backend, tmp_path, pg_url, prefix=prefix)
    sshd = start_sshd(tmp_path / "sshd") if request.param == "sftp" else None
    monkeypatch.setenv("FEDCRM_FEDERATION__SFTP_ACK_TIMEOUT_SECONDS", "10")
    province = _init(tmp_path, url_for, "430000", "湖南省", "province")
    city = _init(tmp_path, url_for, "430100", "长沙市", "city")
    _link(province, city, sshd)
    _as_before_node_keys(province, city)
    fedcrm("db", "upgrade", str(province.dir))  # the release with keys, as an operator does
    for node in (province, city):
        node.start()
    for node in (province, city):
        node.wait_ready()
    yield province, city
    for node in (province, city):
        node.stop()
    if sshd is not None:
        sshd.stop()


def _customers(node: Node, origin: str) -> set[str]:
    engine = create_engine(node.db_url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id FROM customers WHERE origin = :o"), {"o": origin})
        ids = {str(r[0]) for r in rows}
    engine.dispose()
    return ids


def _work_and_sync(city: Node, province: Node, names: list[str]) -> None:
    with city.api() as api:
        for name in names:
            made = api.post("/api/v1/customers", json=customer_payload(name=name))
            assert made.status_code == 201, made.text
    fedcrm("sync", str(city.dir))
    assert _customers(province, city.code) == _customers(city, city.code)


def test_a_legacy_link_rotates_to_node_keys_without_loss(legacy_link):
    province, city = legacy_link
    # The upgraded parent still accepts the city's HMAC, inside the window.
    _work_and_sync(city, province, ["张建国", "李翔"])
    # The parent's requests are signed with its key, which the city does not know yet.
    refused = fedcrm("verify", str(province.dir), check=False)
    assert refused.returncode == 1 and "no parent key" in refused.stdout

    city_key = fedcrm("key", "show", str(city.dir)).stdout.strip()
    rotate = ["child", "rotate", str(province.dir), "--code", city.code, "--public-key", city_key]
    parent_key = fedcrm(*rotate).stdout.strip().splitlines()[-1]
    _work_and_sync(city, province, ["王芳"])  # still HMAC: the window lasts 7 more days

    moved = fedcrm("parent", "rotate", str(city.dir), "--parent-key", parent_key).stdout
    assert "legacy credential" in moved and not (city.dir / "parent.credential").exists()
    city.stop()  # a served node reads its settings at start
    city.start()
    city.wait_ready()
    fedcrm(*rotate, "--hmac-days", "0")  # close the window: the key is all that signs now
    _work_and_sync(city, province, ["赵敏", "钱伟"])

    old = Signer(hmac_key=credential_key(CREDENTIAL)).request_headers(city.code, CHECKPOINT)
    answer = httpx.get(province.url + CHECKPOINT, headers=old)
    assert answer.status_code == 401
    assert "HMAC tags are not accepted" in answer.json()["error"]["message"]
    assert "all children match" in fedcrm("verify", str(province.dir)).stdout
    assert len(_customers(province, city.code)) == 5
