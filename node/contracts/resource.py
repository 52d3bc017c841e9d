"""Contracts with customers."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any, ClassVar

from pydantic import Field
from sqlalchemy import Select
from sqlalchemy.orm import Session

from node.auth.permissions import Perm
from node.auth.viewer import Viewer
from node.contracts.models import Contract, ContractStatus
from node.crud.resource import Resource
from node.crud.schemas import ReplicatedRead, StrictInput, partial
from node.customers.scoping import customer_for_write, scope_to_customer_area
from node.db.counters import allocate
from node.errors import invalid


class ContractIn(StrictInput):
    customer_id: uuid.UUID
    contract_no: str | None = Field(None, min_length=1, max_length=40)
    amount: Decimal = Field(ge=0, max_digits=14, decimal_places=2)
    signed_at: date | None = None
    starts_at: date
    ends_at: date | None = None
    status: ContractStatus = ContractStatus.active


class ContractOut(ReplicatedRead):
    customer_id: uuid.UUID
    contract_no: str
    amount: Decimal
    signed_at: date | None
    starts_at: date
    ends_at: date | None
    status: str


class ContractResource(Resource[Contract]):
    path = "contracts"
    entity = "contract"
    keeps_history = True
    model = Contract
    create_schema = ContractIn
    update_schema = partial(ContractIn, "ContractPatch")
    read_schema = ContractOut
    read_perm = Perm.contracts_read
    write_perm = Perm.contracts_write
    filter_fields: ClassVar[dict[str, Any]] = {
        "customer_id": uuid.UUID,
        "status": ContractStatus,
        "contract_no": str,
    }
    order_fields = ("created_at", "updated_at", "starts_at", "amount")

    def scope(self, stmt: Select, viewer: Viewer) -> Select:
        return scope_to_customer_area(stmt, Contract.customer_id, viewer)

    def check_values(
        self, session: Session, viewer: Viewer, values: dict[str, Any], existing: Contract | None
    ) -> dict[str, Any]:
        customer_for_write(session, viewer, values["customer_id"])
        if values["ends_at"] is not None and values["ends_at"] < values["starts_at"]:
            raise invalid("ends_at", "is before starts_at")
        if not values["contract_no"]:
            values["contract_no"] = f"{viewer.node_code}-C{allocate(session, 'contract_no'):08d}"
        return values  # a contract_no another contract holds: Resource.check_storage
