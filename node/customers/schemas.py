"""Customer input and output shapes. Identifiers are validated and normalised here."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime

from pydantic import AwareDatetime, Field, ValidationInfo, field_validator, model_validator

from node.crud.schemas import ReplicatedRead, StrictInput
from node.customers.identifiers import (
    birth_date_of,
    gender_of,
    normalize_phone,
    normalize_resident_id,
    normalize_uscc,
)
from node.customers.models import CustomerType, Gender, IdType

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def check_phone(value: str | None) -> str | None:
    return normalize_phone(value) if value else None


def check_email(value: str | None) -> str | None:
    if value and not EMAIL.match(value):
        raise ValueError("not an e-mail address")
    return value or None


class CustomerIn(StrictInput):
    name: str = Field(min_length=1, max_length=100)
    type: CustomerType = CustomerType.individual
    category: str | None = None
    grade: str | None = None
    status: str = "active"
    gender: Gender | None = None
    birth_date: date | None = None
    id_type: IdType | None = None
    id_number: str | None = Field(None, max_length=32)
    occupation: str | None = Field(None, max_length=100)
    phone: str | None = None
    email: str | None = Field(None, max_length=200)
    company_address: str | None = Field(None, max_length=300)
    home_address: str | None = Field(None, max_length=300)
    service_area: str | None = None
    account_manager_id: uuid.UUID | None = None
    is_key_account: bool = False
    joined_at: AwareDatetime | None = None
    note: str | None = Field(None, max_length=4000)

    _phone = field_validator("phone")(check_phone)
    _email = field_validator("email")(check_email)

    @field_validator("id_number")
    @classmethod
    def _id_number(cls, value: str | None, info: ValidationInfo) -> str | None:
        if not value:
            return None
        id_type = info.data.get("id_type") or default_id_type(info.data.get("type"))
        if id_type == IdType.resident_id:
            return normalize_resident_id(value)
        if id_type == IdType.uscc:
            return normalize_uscc(value)
        return value.strip().upper()

    @model_validator(mode="after")
    def _derive_from_id(self) -> CustomerIn:
        if self.id_number and self.id_type is None:
            self.id_type = default_id_type(self.type)
        if self.id_type == IdType.resident_id and self.id_number:
            if self.birth_date is None:
                self.birth_date = birth_date_of(self.id_number)
            if self.gender is None:
                self.gender = Gender(gender_of(self.id_number))
        return self


def default_id_type(customer_type: str | None) -> IdType:
    return IdType.uscc if customer_type == CustomerType.enterprise else IdType.resident_id


class CustomerOut(ReplicatedRead):
    customer_no: str
    name: str
    type: str
    category: str | None
    grade: str | None
    status: str
    gender: str | None
    birth_date: date | None
    id_type: str | None
    id_number: str | None
    occupation: str | None
    phone: str | None
    email: str | None
    company_address: str | None
    home_address: str | None
    service_area: str | None
    account_manager_id: uuid.UUID | None
    is_key_account: bool
    joined_at: datetime
    note: str | None
