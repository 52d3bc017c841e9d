"""Customers over HTTP: CRUD, look-up by `q`, masking, and the 360 view."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, ClassVar

from pydantic import BaseModel, Field
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from node.audit.service import record_by
from node.auth.accounts import User
from node.auth.permissions import Perm
from node.auth.viewer import Viewer
from node.crud.references import live_row
from node.crud.resource import Page, Resource
from node.crud.schemas import StrictInput, partial
from node.customers.duplicates import same_person
from node.customers.lookup import classify, count_matches, cursor_value, lookup_rows
from node.customers.models import Customer
from node.customers.schemas import CustomerIn, CustomerOut
from node.customers.search_terms import customer_search_terms
from node.db.counters import allocate
from node.db.types import utcnow
from node.dictionaries.lookup import dictionary_entry
from node.dictionaries.models import DictionaryKind
from node.errors import Conflict, invalid
from node.privacy.masking import mask_email, mask_id_number, mask_phone


def next_customer_no(session: Session, count: int = 1) -> list[str]:
    """Readable per-node numbers people quote on the phone: 430100-00000123."""
    first = allocate(session, "customer_no", count)
    code = session.info["node_code"]
    return [f"{code}-{n:08d}" for n in range(first, first + count)]


def mask_customer(data: dict[str, Any]) -> dict[str, Any]:
    data["phone"] = mask_phone(data.get("phone"))
    data["id_number"] = mask_id_number(data.get("id_number"))
    data["email"] = mask_email(data.get("email"))
    return data


class CustomerCreateQuery(StrictInput):
    """POST /api/v1/customers?duplicate_reason=...: register anyway, and why."""

    duplicate_reason: str | None = Field(None, min_length=2, max_length=500)


class CustomerResource(Resource[Customer]):
    path = "customers"
    entity = "customer"
    keeps_history = True
    create_query = CustomerCreateQuery
    masked_fields: ClassVar[dict[str, Callable[[str | None], str | None]]] = {
        "phone": mask_phone,
        "id_number": mask_id_number,
        "email": mask_email,
    }
    model = Customer
    create_schema = CustomerIn
    update_schema = partial(CustomerIn, "CustomerPatch")
    read_schema = CustomerOut
    read_perm = Perm.customers_read
    write_perm = Perm.customers_write
    detail_writes = True
    filter_fields: ClassVar[dict[str, Any]] = {
        "q": str,
        "status": str,
        "grade": str,
        "category": str,
        "type": str,
        "service_area": str,
        "is_key_account": bool,
        "origin": str,
    }
    order_fields = ("created_at", "updated_at", "joined_at", "customer_no", "name", "seq")

    def scope(self, stmt: Select, viewer: Viewer) -> Select:
        if viewer.area:
            stmt = stmt.where(Customer.service_area == viewer.area)
        return stmt

    def list(
        self,
        session: Session,
        viewer: Viewer,
        filters: dict[str, Any],
        limit: int = 50,
        cursor: str | None = None,
        order_by: str | None = None,
    ) -> Page:
        q = filters.pop("q", None)
        if q is None or not q.strip():
            return super().list(session, viewer, filters, limit, cursor, order_by)
        if order_by not in (None, "-seq"):
            raise invalid("order_by", "a look-up (q) returns the most recently changed first")
        return self.lookup(session, viewer, q, filters, limit, cursor)

    def lookup(
        self,
        session: Session,
        viewer: Viewer,
        q: str,
        filters: dict[str, Any],
        limit: int,
        cursor: str | None,
    ) -> Page:
        after = _key_cursor(cursor)
        stmt = self.base_query(viewer)
        for name, value in filters.items():
            if value is not None:
                stmt = stmt.where(getattr(Customer, name) == value)
        wanted = classify(q)
        rows = lookup_rows(session, stmt, wanted, after, limit + 1)
        dialect = session.get_bind().dialect.name
        last = rows[limit - 1] if len(rows) > limit else None
        next_cursor = str(cursor_value(last, wanted, dialect)) if last else None
        return Page([self.present(r, viewer, detail=False) for r in rows[:limit]], next_cursor)

    def count(self, session: Session, viewer: Viewer, filters: dict[str, Any], cap: int) -> int:
        """How many customers `list` would page through, exactly up to `cap`, else cap + 1."""
        filters = dict(filters)
        q = filters.pop("q", None)
        stmt = self.base_query(viewer)
        for name, value in filters.items():
            if value is not None:
                stmt = stmt.where(getattr(Customer, name) == value)
        wanted = classify(q) if q and q.strip() else None
        return count_matches(session, stmt, wanted, cap)

    def create(
        self,
        session: Session,
        viewer: Viewer,
        payload: BaseModel,
        duplicate_reason: str | None = None,
    ) -> Customer:
        """Register a customer; the same name and phone as a customer the viewer can see
        is the same person again (409 naming them) unless a reason is given, which the
        audit log keeps."""
        name, phone = getattr(payload, "name", ""), getattr(payload, "phone", None)
        twin = same_person(session, self.base_query(viewer), name, phone) if phone else None
        if twin is not None and duplicate_reason is None:
            raise Conflict(
                f"客户 {twin.customer_no} 已是同名同电话，确需再登记请说明原因 "
                f"(customer {twin.customer_no} ({twin.id}) has the same name and phone; "
                "give duplicate_reason to register anyway)"
            )
        row = super().create(session, viewer, payload)
        if duplicate_reason is not None:
            detail = {"reason": duplicate_reason} | ({"twin": str(twin.id)} if twin else {})
            record_by(
                session, viewer, "customer.created_despite_duplicates", "customer", row.id, detail
            )
        return row

    def check_values(
        self, session: Session, viewer: Viewer, values: dict[str, Any], existing: Customer | None
    ) -> dict[str, Any]:
        dictionary_entry(session, DictionaryKind.customer_status, values["status"], "status")
        dictionary_entry(session, DictionaryKind.customer_grade, values["grade"], "grade")
        dictionary_entry(session, DictionaryKind.customer_category, values["category"], "category")
        _keep_to_area(viewer, values)
        dictionary_entry(
            session, DictionaryKind.service_area, values["service_area"], "service_area"
        )
        live_row(session, User, values["account_manager_id"], "account_manager_id")
        _check_unique_id_number(session, values.get("id_number"), existing)
        if existing is None:
            values["customer_no"] = next_customer_no(session)[0]
            values["joined_at"] = values["joined_at"] or utcnow()
        elif values["joined_at"] is None:
            values["joined_at"] = existing.joined_at
        values["search_terms"] = customer_search_terms(
            values["name"], values["home_address"], values["company_address"]
        )
        return values

    def present(self, row: Customer, viewer: Viewer, detail: bool) -> dict[str, Any]:
        data = CustomerOut.model_validate(row).model_dump(mode="json")
        if not (detail and viewer.can(Perm.pii)):
            mask_customer(data)
        return data

    def detail(self, session: Session, viewer: Viewer, row: Customer) -> dict[str, Any]:
        data = self.present(row, viewer, detail=True)
        if viewer.can(Perm.pii) and (row.id_number or row.phone):
            record_by(
                session, viewer, "pii.read", "customer", row.id, {"fields": ["id_number", "phone"]}
            )
        return data


def _keep_to_area(viewer: Viewer, values: dict[str, Any]) -> None:
    """An area-bound writer's customers stay in their area: one they created or moved
    elsewhere they could no longer read (as tickets do, node.tickets.resource)."""
    if not viewer.area:
        return
    values["service_area"] = values["service_area"] or viewer.area
    if values["service_area"] != viewer.area:
        raise invalid(
            "service_area",
            f"不在您的服务区域 {viewer.area} 内 (outside your service area {viewer.area})",
        )


_KEY_CURSOR = re.compile(r"[0-9]{1,19}")  # ASCII only: str.isdigit() takes "²" too


def _key_cursor(cursor: str | None) -> int | None:
    """The key a look-up cursor continues after; a 64-bit column, so no larger."""
    if cursor is None:
        return None
    if not _KEY_CURSOR.fullmatch(cursor) or int(cursor) > 2**63 - 1:
        raise invalid("cursor", "is not a cursor this API issued")
    return int(cursor)


def _check_unique_id_number(
    session: Session, id_number: str | None, existing: Customer | None
) -> None:
    if not id_number:
        return
    stmt = select(Customer.customer_no).where(
        Customer.id_number == id_number,
        Customer.origin == session.info["node_code"],
        Customer.deleted_at.is_(None),
    )
    if existing is not None:
        stmt = stmt.where(Customer.id != existing.id)
    clash = session.execute(stmt).first()
    if clash:
        raise Conflict(
            f"客户 {clash[0]} 已使用此证件号 (customer {clash[0]} already has this ID number)"
        )
