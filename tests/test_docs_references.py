"""The federation contract names the code and the tests that enforce each rule: every
name it gives must exist, so the page cannot drift from the code silently."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONTRACT = ROOT / "docs" / "federation.md"


def _table_rows() -> list[str]:
    return [
        line
        for line in CONTRACT.read_text(encoding="utf-8").splitlines()
        if re.match(r"\| \d+ \|", line)
    ]


def _test_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}


def test_every_rule_is_in_the_table_once():
    numbers = [int(row.split("|")[1]) for row in _table_rows()]
    assert numbers == list(range(1, 13))


def _exists(ref: str) -> bool:
    """`path/to/module.py` or `test_file.py` or `test_file.py::test_name`."""
    path, _, name = ref.split(" ")[0].partition("::")
    if path.startswith("test_"):
        test_file = ROOT / "tests" / path
        return test_file.exists() and (not name or name in _test_names(test_file))
    return (ROOT / path).exists()


def test_every_module_and_test_named_exists():
    refs = [ref for row in _table_rows() for ref in re.findall(r"`([^`]+)`", row)]
    paths = [r for r in refs if "/" in r or r.startswith("test_")]
    assert len(paths) > 30
    assert [r for r in paths if not _exists(r)] == []


_REPO_PATH = re.compile(
    r"^(node|federation|rollup|schemas|tests|benchmarks|docs|deploy|\.ci)/[\w./-]*$"
)


def _checked_text(doc: Path) -> str:
    """The text whose paths must exist: in a table of moves only the new places."""
    text = doc.read_text(encoding="utf-8")
    head, marker, moves = text.partition("## Where things moved")
    if not marker:
        return text
    rows = [line.split("|")[-2] for line in moves.splitlines() if line.startswith("| `")]
    return head + "\n".join(rows)


def test_every_repository_path_the_docs_name_exists():
    docs = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    named = [
        (doc.name, token)
        for doc in docs
        for token in re.findall(r"`([^`\s]+)`", _checked_text(doc))
        if _REPO_PATH.match(token.split("::")[0].rstrip("/")) and "*" not in token
    ]
    assert len(named) > 40
    missing = [(d, t) for d, t in named if not (ROOT / t.split("::")[0].rstrip("/")).exists()]
    assert missing == []
