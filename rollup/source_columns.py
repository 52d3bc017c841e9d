"""What rollups read: each source table's columns, as SQL per dialect and as the one
Arrow schema both dialects are normalised to (see rollup.source for why they differ).

Shared by the in-process reader (rollup.source) and the SQLite child process
(rollup.sqlite_reader), so neither imports the other's reading code.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import pyarrow as pa

ID = pa.binary(16)
TS = pa.timestamp("us", tz="UTC")
_ORIGIN_RE = re.compile(r"^\d{6}$")

# Normalised schema of each table as the rollup sees it.
SCHEMAS: dict[str, pa.Schema] = {
    "customers": pa.schema(
        [
            ("id", ID),
            ("origin", pa.string()),
            ("type", pa.string()),
            ("grade", pa.string()),
            ("is_key_account", pa.bool_()),
            ("account_manager_id", ID),
            ("joined_at", TS),
        ]
    ),
    "subscriptions": pa.schema(
        [
            ("customer_id", ID),
            ("origin", pa.string()),
            ("fee_cents", pa.int64()),
            ("started_at", TS),
            ("ended_at", TS),
        ]
    ),
    "churn_events": pa.schema(
        [
            ("customer_id", ID),
            ("origin", pa.string()),
            ("churned_at", TS),
            ("reason", pa.string()),
            ("competitor", pa.string()),
            ("lost_cents", pa.int64()),
        ]
    ),
    "tickets": pa.schema(
        [
            ("customer_id", ID),
            ("origin", pa.string()),
            ("kind", pa.string()),
            ("severity", pa.string()),
            ("created_at", TS),
            ("resolved_at", TS),
            ("satisfaction", pa.int64()),
        ]
    ),
}

# Per table and column: the SQL expression on (sqlite, postgresql).
_COLUMNS: dict[str, dict[str, tuple[str, str]]] = {
    "customers": {
        "id": ("unhex(id)", "id"),
        "origin": ("origin", "origin"),
        "type": ("type", "type"),
        "grade": ("coalesce(grade, '')", "grade"),
        "is_key_account": ("is_key_account", "is_key_account"),
        "account_manager_id": (
            "coalesce(unhex(account_manager_id), x'')",
            "account_manager_id",
        ),
        "joined_at": ("joined_at", "joined_at"),
    },
    "subscriptions": {
        "customer_id": ("unhex(customer_id)", "customer_id"),
        "origin": ("origin", "origin"),
        "fee_cents": (
            "cast(round(monthly_fee * 100) as integer)",
            "(monthly_fee * 100)::bigint",
        ),
        "started_at": ("started_at", "started_at"),
        "ended_at": ("coalesce(ended_at, '')", "ended_at"),
    },
    "churn_events": {
        "customer_id": ("unhex(customer_id)", "customer_id"),
        "origin": ("origin", "origin"),
        "churned_at": ("churned_at", "churned_at"),
        "reason": ("reason", "reason"),
        "competitor": ("coalesce(competitor, '')", "competitor"),
        "lost_cents": (
            "cast(round(lost_monthly_revenue * 100) as integer)",
            "(lost_monthly_revenue * 100)::bigint",
        ),
    },
    "tickets": {
        "customer_id": ("unhex(customer_id)", "customer_id"),
        "origin": ("origin", "origin"),
        "kind": ("kind", "kind"),
        "severity": ("severity", "severity"),
        "created_at": ("created_at", "created_at"),
        "resolved_at": ("coalesce(resolved_at, '')", "resolved_at"),
        "satisfaction": ("satisfaction", "satisfaction"),
    },
}

TABLES = tuple(SCHEMAS)


def select_sql(table: str, dialect: str, origins: Sequence[str] | None = None) -> str:
    """The SELECT that reads `table`'s rollup columns, live rows only, maybe some origins."""
    which = 0 if dialect == "sqlite" else 1
    columns = ", ".join(f"{exprs[which]} AS {name}" for name, exprs in _COLUMNS[table].items())
    sql = f"SELECT {columns} FROM {table} WHERE deleted_at IS NULL"
    if origins is not None:
        sql += f" AND origin IN ({origin_list(origins)})"
    return sql


def origin_list(origins: Sequence[str]) -> str:
    """A SQL IN list of node codes; codes are checked to be 6 digits, so inlining is safe."""
    bad = [o for o in origins if not _ORIGIN_RE.match(o)]
    if bad:
        raise ValueError(f"not node codes: {bad[:5]}")
    return ", ".join(f"'{o}'" for o in origins) or "NULL"
