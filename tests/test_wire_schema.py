"""schemas/ is the wire contract; it must match the node's tables column for column."""

from __future__ import annotations

import pyarrow as pa
import pytest
import sqlalchemy as sa

from node.db.types import UTCDateTime
from node.models import REPLICATED_MODELS
from schemas.wire import (
    MONEY,
    SCHEMA_VERSION,
    TABLES,
    TS,
    SchemaMismatch,
    check_compatible,
)

NEVER_SENT = {"seq", "search_key", "password_hash"}  # local to each node, or secret


def _arrow_type(column: sa.Column) -> pa.DataType:
    t = column.type
    if isinstance(t, UTCDateTime):
        return TS
    if isinstance(t, sa.Uuid):
        return pa.string()
    if isinstance(t, sa.Numeric):
        return MONEY
    if isinstance(t, sa.Boolean):
        return pa.bool_()
    if isinstance(t, sa.Integer):
        return pa.int64()
    if isinstance(t, sa.Date):
        return pa.date32()
    if isinstance(t, sa.String | sa.Text):
        return pa.string()
    raise AssertionError(f"no wire type for {column}")


@pytest.mark.parametrize("model", REPLICATED_MODELS, ids=lambda m: m.__tablename__)
def test_wire_schema_matches_table(model):
    wire = TABLES[model.__tablename__]
    columns = {c.name: c for c in model.__table__.columns if c.name not in NEVER_SENT}
    assert set(wire.names) == set(columns)
    for field in wire:
        column = columns[field.name]
        assert field.type == _arrow_type(column), field.name
        assert field.nullable == column.nullable, field.name


def test_every_replicated_table_has_a_wire_schema():
    assert set(TABLES) == {m.__tablename__ for m in REPLICATED_MODELS}


def test_older_schema_missing_a_nullable_column_is_accepted():
    older = pa.schema([f for f in TABLES["customers"] if f.name != "note"])
    assert check_compatible("customers", SCHEMA_VERSION - 1, older) == TABLES["customers"]


def test_newer_schema_is_refused_with_upgrade_advice():
    with pytest.raises(SchemaMismatch, match="upgrade the parent first") as err:
        check_compatible("customers", SCHEMA_VERSION + 1, TABLES["customers"])
    assert err.value.newer


def test_wrong_type_or_missing_required_column_is_refused():
    wrong = TABLES["customers"].set(
        TABLES["customers"].get_field_index("name"), pa.field("name", pa.int64(), False)
    )
    with pytest.raises(SchemaMismatch, match="name"):
        check_compatible("customers", SCHEMA_VERSION, wrong)
    missing = pa.schema([f for f in TABLES["customers"] if f.name != "name"])
    with pytest.raises(SchemaMismatch, match="required column 'name'"):
        check_compatible("customers", SCHEMA_VERSION - 1, missing)
