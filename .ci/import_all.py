"""Import every module of the product: run in a venv holding the runtime dependencies only,
it fails on any module the code imports that no runtime dependency provides."""

from __future__ import annotations

import importlib
import pkgutil
import sys

PACKAGES = ("schemas", "node", "federation", "rollup")
# Alembic runs env.py itself, inside a migration context; a __main__ runs the CLI.
SKIP = {"node.migrations.env", "node.cli.__main__"}


def main() -> int:
    failed, count = [], 0
    for name in PACKAGES:
        package = importlib.import_module(name)
        for info in pkgutil.walk_packages(package.__path__, f"{name}."):
            if info.name in SKIP:
                continue
            count += 1
            try:
                importlib.import_module(info.name)
            except ImportError as exc:
                failed.append(f"{info.name}: {exc}")
    for line in failed:
        print(f"cannot import {line}", file=sys.stderr)
    print(f"imported {count - len(failed)} of {count} modules with runtime dependencies only")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
