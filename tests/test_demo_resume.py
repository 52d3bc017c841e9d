"""A demo build stopped at any step resumes; public keys travel as values, never as text
read back from a console."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from federation.batches.signatures import load_node_key, public_key_text
from federation.registry.models import ChildNode
from node.auth.accounts import User
from node.db.unit_of_work import Database
from node.demo import build
from node.demo.plan import Params, Plan, open_or_plan
from node.provisioning import links
from node.provisioning.errors import ProvisioningError
from node.settings import load_settings

PARAMS = Params(provinces=1, cities_per_province=2, customers_per_city=3, db_template=None, seed=1)


class Stop(Exception):
    """Stands for a kill at this point of the build."""


def _stop_on_call(monkeypatch: pytest.MonkeyPatch, module: object, name: str, n: int) -> None:
    real = getattr(module, name)
    calls = {"n": 0}

    def wrapped(*args: object, **kwargs: object) -> object:
        calls["n"] += 1
        if calls["n"] == n:
            raise Stop(name)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, wrapped)


def _assert_linked(root, plan: Plan) -> None:
    for node in plan.nodes:
        if node.parent is None:
            continue
        parent = load_settings(root / plan.node(node.parent).dir)
        child_key = public_key_text(load_node_key(root / node.dir))
        db = Database(parent.database_url, parent.node.code)
        with db.unit_of_work(write=False) as session:
            child = session.execute(
                select(ChildNode).where(ChildNode.code == node.code)
            ).scalar_one()
            assert child.revoked_at is None
            assert child.public_key == child_key and child.key_hash is None
        db.dispose()
        settings = load_settings(root / node.dir)
        assert settings.node.parent_url == plan.node(node.parent).url
        parent_key = public_key_text(load_node_key(parent.data_dir))
        assert settings.federation.parent_public_key == parent_key


def _admins(root, plan: Plan, passwords: dict[str, str]) -> None:
    from node.auth.passwords import verify_password

    for node in plan.nodes:
        settings = load_settings(root / node.dir)
        db = Database(settings.database_url, node.code)
        with db.unit_of_work(write=False) as session:
            (admin,) = session.execute(select(User).where(User.username == "admin")).scalars()
            assert verify_password(admin.password_hash, passwords[node.code])
        db.dispose()


@pytest.mark.parametrize(
    ("module", "name", "call"),
    [
        (build, "create_node", 2),  # the province's init
        (build, "register_child", 2),  # the second city's registration
        (build, "set_parent", 1),  # after the province registered, before it stored its key
        (build, "set_parent", 3),  # the last link
    ],
)
def test_a_build_stopped_at_any_step_resumes(tmp_path, monkeypatch, module, name, call):
    root = tmp_path / "demo"
    plan, _ = open_or_plan(root, PARAMS, first_port=40100)
    with monkeypatch.context() as patch:
        _stop_on_call(patch, module, name, call)
        with pytest.raises(Stop):
            build.ensure_built(root, plan, lambda code, n: None)
    assert not plan.ready
    plan, reused = open_or_plan(root, PARAMS, first_port=40100)
    assert reused
    passwords = build.ensure_built(root, plan, lambda code, n: None)
    assert plan.ready and sorted(plan.generated) == ["430100", "430200"]
    _assert_linked(root, plan)
    _admins(root, plan, passwords)


def test_a_parent_key_that_is_not_a_key_is_refused_in_plain_words(tmp_path):
    root = tmp_path / "demo"
    plan, _ = open_or_plan(root, PARAMS, first_port=40200)
    build.ensure_built(root, plan, lambda code, n: None)
    city = load_settings(root / "430100")
    with pytest.raises(ProvisioningError) as caught:
        links.set_parent(city, "fedcrm-430100-abc", "http://127.0.0.1:1")
    assert str(caught.value) == (
        "--parent-key: not an Ed25519 public key: expected ed25519: and 64 hex digits "
        "(`fedcrm key show DIR` prints it)"
    )
    assert "\x1b" not in str(caught.value)
