"""A Resource describes one replicated entity; its methods are the CRUD service.

Domains subclass Resource with their schemas, filters and validation rules; the
generic router (node.crud.router) exposes them under /api/v1/<path>.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from node.api.pagination import (
    DEFAULT_LIMIT,
    apply_keyset,
    decode_cursor,
    encode_cursor,
    parse_order,
)
from node.auth.permissions import Perm
from node.auth.viewer import Viewer
from node.crud.constraints import check_unique, fit_columns
from node.db.base import Replicated
from node.db.types import utcnow
from node.errors import Conflict, InvalidFields, NotFound, validation_fields
from node.history.service import Change, changes_for, mask_change, record_changes

M = TypeVar("M", bound=Replicated)


@dataclass
class Page:
    data: list[dict[str, Any]]
    next_cursor: str | None


def validate_model(schema: type[BaseModel], values: dict[str, Any]) -> BaseModel:
    """Validate `values` against `schema`, turning pydantic errors into InvalidFields."""
    try:
        return schema.model_validate(values)
    except ValidationError as exc:
        raise InvalidFields(validation_fields(list(exc.errors()))) from None


class Resource(Generic[M]):
    path: ClassVar[str]
    entity: ClassVar[str]
    # Not a ClassVar only because a ClassVar cannot hold the type variable; set on the class.
    model: type[M]
    create_schema: ClassVar[type[BaseModel]]
    update_schema: ClassVar[type[BaseModel]]
    read_schema: ClassVar[type[BaseModel]]
    detail_schema: ClassVar[type[BaseModel] | None] = None  # GET one; defaults to read_schema
    detail_writes: ClassVar[bool] = False  # GET one writes (an audit row): needs a write lock
    read_perm: ClassVar[Perm]
    write_perm: ClassVar[Perm]
    filter_fields: ClassVar[dict[str, Any]] = {}
    order_fields: ClassVar[tuple[str, ...]] = ("created_at", "updated_at")
    default_order: ClassVar[str] = "-created_at"
    # Field-level history (who changed what, old -> new) for rows people edit by hand.
    keeps_history: ClassVar[bool] = False
    # Query parameters a create takes besides the body (passed to `create` by name).
    create_query: ClassVar[type[BaseModel] | None] = None
    # Personal data a viewer without pii:read sees masked, in rows and in their history.
    masked_fields: ClassVar[dict[str, Callable[[str | None], str | None]]] = {}

    # ---- hooks for domains -------------------------------------------------------
    def scope(self, stmt: Select, viewer: Viewer) -> Select:
        """Limit what `viewer` may see (service area, own tickets...)."""
        return stmt

    def check_values(
        self, session: Session, viewer: Viewer, values: dict[str, Any], existing: M | None
    ) -> dict[str, Any]:
        """Cross-field and reference checks; raise InvalidFields naming each bad field."""
        return values

    def after_create(self, session: Session, viewer: Viewer, row: M) -> None:
        """Side effects of a create in the same unit of work (events, numbers)."""

    def after_update(
        self, session: Session, viewer: Viewer, row: M, before: dict[str, Any]
    ) -> None:
        """Side effects of an update in the same unit of work; `before` holds the old
        value of each column that changed."""

    def check_delete(self, session: Session, viewer: Viewer, row: M) -> None:
        """Refuse a delete the domain forbids (raise Conflict saying why)."""

    def present(self, row: M, viewer: Viewer, detail: bool) -> dict[str, Any]:
        """The JSON shape of a row for this viewer (masking happens here)."""
        return self.read_schema.model_validate(row).model_dump(mode="json")

    def detail(self, session: Session, viewer: Viewer, row: M) -> dict[str, Any]:
        """The GET-one shape; may add related rows and audit what it reveals."""
        return self.present(row, viewer, detail=True)

    def history(self, session: Session, viewer: Viewer, ids: list[uuid.UUID]) -> list[Change]:
        """The field changes of these rows, newest first, masked as `present` masks."""
        changes = changes_for(session, {self.entity: ids})
        if viewer.can(Perm.pii) or not self.masked_fields:
            return changes
        return [mask_change(c, self.masked_fields) for c in changes]

    # ---- the service -------------------------------------------------------------
    def base_query(self, viewer: Viewer) -> Select:
        model = self.model
        stmt = select(model).where(model.deleted_at.is_(None))
        return self.scope(stmt, viewer)

    def list(
        self,
        session: Session,
        viewer: Viewer,
        filters: dict[str, Any],
        limit: int = DEFAULT_LIMIT,
        cursor: str | None = None,
        order_by: str | None = None,
    ) -> Page:
        order_by = order_by or self.default_order
        field, descending = parse_order(order_by, self.order_fields)
        column = getattr(self.model, field)
        stmt = self.base_query(viewer)
        for name, value in filters.items():
            if value is not None:
                stmt = stmt.where(getattr(self.model, name) == value)
        after = decode_cursor(cursor, order_by, column) if cursor else None
        stmt = apply_keyset(stmt, column, self.model.id, descending, after).limit(limit + 1)
        rows = list(session.execute(stmt).scalars())
        next_cursor = None
        if len(rows) > limit:
            rows = rows[:limit]
            last = rows[-1]
            next_cursor = encode_cursor(order_by, getattr(last, field), last.id)
        return Page([self.present(r, viewer, detail=False) for r in rows], next_cursor)

    def get(self, session: Session, viewer: Viewer, row_id: uuid.UUID) -> M:
        stmt = self.base_query(viewer).where(self.model.id == row_id)
        row = session.execute(stmt).scalar_one_or_none()
        if row is None:
            raise NotFound(f"no {self.entity} with id {row_id}")
        return row

    def ensure_local(self, row: M, viewer: Viewer) -> None:
        if row.origin != viewer.node_code:
            raise Conflict(
                f"this {self.entity} belongs to node {row.origin} and is read-only here; "
                f"change it at node {row.origin}"
            )

    def create(self, session: Session, viewer: Viewer, payload: BaseModel) -> M:
        values = self.check_values(session, viewer, payload.model_dump(), None)
        self.check_storage(session, values, None)
        row = self.model(**values)
        session.add(row)
        session.flush()
        self.after_create(session, viewer, row)
        return row

    def update(self, session: Session, viewer: Viewer, row_id: uuid.UUID, payload: BaseModel) -> M:
        row = self.get(session, viewer, row_id)
        self.ensure_local(row, viewer)
        patch = payload.model_dump(exclude_unset=True)
        current = {name: getattr(row, name, None) for name in self.create_schema.model_fields}
        merged = validate_model(self.create_schema, current | patch).model_dump()
        values = self.check_values(session, viewer, merged, row)
        self.check_storage(session, values, row)
        changed = {name for name, value in values.items() if getattr(row, name) != value}
        before = {name: getattr(row, name) for name in changed}
        for name in changed:
            setattr(row, name, values[name])
        session.flush()
        if self.keeps_history:
            record_changes(session, viewer.user.id, self.entity, row.id, before, values)
        self.after_update(session, viewer, row, before)
        return row

    def check_storage(self, session: Session, values: dict[str, Any], existing: M | None) -> None:
        """What the database would refuse, as field errors: a value that does not fit its
        column (422), a unique key another row holds, a deleted one too (409)."""
        fit_columns(self.model, values)
        check_unique(session, self.model, self.entity, values, existing)

    def delete(self, session: Session, viewer: Viewer, row_id: uuid.UUID) -> None:
        """Tombstone the row; it replicates as a delete and disappears from reads."""
        row = self.get(session, viewer, row_id)
        self.ensure_local(row, viewer)
        self.check_delete(session, viewer, row)
        row.deleted_at = utcnow()
        session.flush()
        if self.keeps_history:
            after = {"deleted_at": row.deleted_at}
            record_changes(
                session, viewer.user.id, self.entity, row.id, {"deleted_at": None}, after
            )
