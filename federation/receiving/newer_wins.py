"""Newer wins: the one place that says which incoming row may replace a held one.

A row is written only where it comes from the held row's own origin (a sender never
takes over a row it does not own, rule 1) and its origin_version is newer than the held
one, so applying any batch any number of times, in any order, converges
(docs/federation.md rule 5). Every path that writes received rows builds its SQL from
here: the PostgreSQL and SQLite apply paths and the bulk baseline of the replication
benchmark (benchmarks/repl_bulk.py). The condition reads the same in both dialects,
so the SQL each path runs is exactly what it ran when each wrote it out itself.
"""

from __future__ import annotations


def newer_than_held(incoming: str, held: str) -> str:
    """The SQL condition under which row `incoming` may replace row `held` (both are
    names a statement gives the two rows: `excluded` and the table in an upsert, an
    alias of the batch and the table in a join)."""
    return (
        f"{incoming}.origin = {held}.origin AND {incoming}.origin_version > {held}.origin_version"
    )


def upsert_sql(
    table: str, columns: list[str], source: str, insert_only: tuple[str, ...] = ()
) -> str:
    """INSERT .. ON CONFLICT that only ever moves a row forward, and only for its origin.

    `insert_only` columns are set when a row is inserted and kept by every update."""
    kept = {"id", *insert_only}
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in kept)
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) {source} "
        f"ON CONFLICT (id) DO UPDATE SET {updates} "
        f"WHERE {newer_than_held('excluded', table)}"
    )


def upsert_from(table: str, columns: list[str], source: str, exprs: list[str] | None = None) -> str:
    """The upsert of `columns` read (as `exprs`, default the columns) FROM `source`.

    A new customer also gets its search key: the seq it arrives with, kept for life
    (node.customers.models), which both databases' search indexes are keyed by."""
    exprs = exprs or list(columns)
    insert_only: tuple[str, ...] = ()
    if table == "customers":
        columns, exprs, insert_only = [*columns, "search_key"], [*exprs, "seq"], ("search_key",)
    select = f"SELECT {', '.join(exprs)} FROM {source}"
    return upsert_sql(table, columns, select, insert_only=insert_only)
