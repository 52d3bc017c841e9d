"""Upgrading an empty database gives exactly the models' schema, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from node.migrations.metadata import metadata


def test_head_matches_the_models(database):
    with database.engine.connect() as conn:
        ctx = MigrationContext.configure(
            conn,
            opts={
                "compare_type": True,
                "include_object": lambda obj, name, type_, *_: (
                    not (
                        type_ == "table"
                        and name
                        and name.startswith(("customer_fts", "customer_search"))
                    )
                ),
            },
        )
        diff = compare_metadata(ctx, metadata)
    assert diff == []


def test_lookup_indexes_exist(database):
    names = {ix["name"] for ix in inspect(database.engine).get_indexes("customers")}
    assert "ix_customers_phone" in names and "ix_customers_id_number" in names
    if database.dialect == "postgresql":
        with database.engine.connect() as conn:
            defs = (
                conn.exec_driver_sql(
                    "SELECT indexdef FROM pg_indexes WHERE tablename = 'customer_search'"
                )
                .scalars()
                .all()
            )
        assert any("gin (terms)" in d for d in defs)
    else:
        assert "customer_fts" in inspect(database.engine).get_table_names()
