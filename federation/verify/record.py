"""The last `verify` result of a node, kept in its directory for the status page.

Written under a temporary name and renamed into place, so a reader never sees half a
file; a node that never verified has none.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from federation.verify.compare import Row
from node.atomic_file import write_atomically

RESULT_FILE = "verify-last.json"


def save_result(data_dir: Path, rows: Sequence[Row], problems: Sequence[str]) -> dict[str, Any]:
    """Keep this verification (when, whether all matched, every divergence and problem)."""
    bad = [r for r in rows if not r.match]
    result = {
        "checked_at": datetime.now(UTC).isoformat(),
        "ok": not bad and not problems,
        "compared": len(rows),
        "divergences": [
            {
                "child": r.child,
                "table": r.table,
                "origin": r.origin,
                "here": r.parent_rows,
                "child_rows": r.child_rows,
            }
            for r in bad
        ],
        "problems": list(problems),
    }
    write_atomically(data_dir / RESULT_FILE, orjson.dumps(result))
    return result


def load_result(data_dir: Path) -> dict[str, Any] | None:
    """The last result, or None when this node never verified (or the file is unreadable)."""
    try:
        return orjson.loads((data_dir / RESULT_FILE).read_bytes())
    except (FileNotFoundError, orjson.JSONDecodeError):
        return None
