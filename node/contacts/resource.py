"""Contacts at a customer."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, ClassVar

from pydantic import Field, field_validator
from sqlalchemy import Select
from sqlalchemy.orm import Session

from node.auth.permissions import Perm
from node.auth.viewer import Viewer
from node.contacts.models import Contact
from node.crud.resource import Resource
from node.crud.schemas import ReplicatedRead, StrictInput, partial
from node.customers.schemas import check_email, check_phone
from node.customers.scoping import customer_for_write, scope_to_customer_area
from node.privacy.masking import mask_email, mask_phone


class ContactIn(StrictInput):
    customer_id: uuid.UUID
    name: str = Field(min_length=1, max_length=100)
    department: str | None = Field(None, max_length=100)
    title: str | None = Field(None, max_length=100)
    phone: str | None = None
    email: str | None = Field(None, max_length=200)
    decision_maker: bool = False
    do_not_call: bool = False

    _phone = field_validator("phone")(check_phone)
    _email = field_validator("email")(check_email)


class ContactOut(ReplicatedRead):
    customer_id: uuid.UUID
    name: str
    department: str | None
    title: str | None
    phone: str | None
    email: str | None
    decision_maker: bool
    do_not_call: bool


class ContactResource(Resource[Contact]):
    path = "contacts"
    entity = "contact"
    keeps_history = True
    masked_fields: ClassVar[dict[str, Callable[[str | None], str | None]]] = {
        "phone": mask_phone,
        "email": mask_email,
    }
    model = Contact
    create_schema = ContactIn
    update_schema = partial(ContactIn, "ContactPatch")
    read_schema = ContactOut
    read_perm = Perm.contacts_read
    write_perm = Perm.contacts_write
    filter_fields: ClassVar[dict[str, Any]] = {"customer_id": uuid.UUID, "decision_maker": bool}
    order_fields = ("created_at", "updated_at", "name")

    def scope(self, stmt: Select, viewer: Viewer) -> Select:
        return scope_to_customer_area(stmt, Contact.customer_id, viewer)

    def check_values(
        self, session: Session, viewer: Viewer, values: dict[str, Any], existing: Contact | None
    ) -> dict[str, Any]:
        customer_for_write(session, viewer, values["customer_id"])
        return values

    def present(self, row: Contact, viewer: Viewer, detail: bool) -> dict[str, Any]:
        data = ContactOut.model_validate(row).model_dump(mode="json")
        if not (detail and viewer.can(Perm.pii)):
            data["phone"] = mask_phone(data["phone"])
            data["email"] = mask_email(data["email"])
        return data
