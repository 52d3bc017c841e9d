"""The dependency rule is held by import-linter (pyproject.toml); these tests hold the
configuration itself: every package is classified, and an exception is load-bearing."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
CONTRACTS = {c["id"]: c for c in CONFIG["tool"]["importlinter"]["contracts"]}


def _node_children() -> set[str]:
    children = set()
    for path in (ROOT / "node").iterdir():
        if path.is_dir() and (path / "__init__.py").exists():
            children.add(f"node.{path.name}")
        elif path.suffix == ".py" and path.stem != "__init__":
            children.add(f"node.{path.stem}")
    return children


def test_every_node_package_is_core_or_composition_root():
    core = set(CONTRACTS["core"]["source_modules"])
    root = {m for m in CONTRACTS["core"]["forbidden_modules"] if m.startswith("node.")}
    assert core.isdisjoint(root)
    assert _node_children() == core | root
    # The other contracts name the same composition root.
    assert set(CONTRACTS["below-root"]["forbidden_modules"]) == root
    assert set(CONTRACTS["entry-points"]["source_modules"]) == root


def _lint(config: str, contract: str | None = None) -> subprocess.CompletedProcess[str]:
    lint = Path(sys.executable).with_name("lint-imports")
    only = ["--contract", contract] if contract else []
    return subprocess.run(
        [str(lint), "--no-logo", "--no-cache", *only, config],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_contracts_hold():
    result = _lint("pyproject.toml")
    assert result.returncode == 0, result.stdout


def test_without_its_exception_the_entry_point_contract_fails(tmp_path):
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    broken = re.sub(r'\s*"node\.\*\* -> rollup\.entry",', "", text)
    assert broken != text
    config = tmp_path / "pyproject.toml"
    config.write_text(broken, encoding="utf-8")
    result = _lint(str(config), "entry-points")
    assert result.returncode != 0
    assert "rollup.entry" in result.stdout
