"""The rows that hang off a customer and are changed from its 360: contacts,
subscriptions and contracts, each described as a form over its API resource."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from node.auth.permissions import Perm
from node.auth.viewer import Viewer
from node.contacts.resource import ContactResource
from node.contracts.models import Contract, ContractStatus
from node.contracts.resource import ContractResource
from node.crud.resource import Resource
from node.products.models import Product
from node.subscriptions.models import SubscriptionStatus
from node.subscriptions.resource import SubscriptionResource
from node.web.form_fields import FormField, Widget


@dataclass(frozen=True)
class RowKind:
    path: str  # /ui/customers/{id}/<path>/...
    resource: Resource[Any]
    title: str  # i18n key: what one row is called (联系人, 业务, 合同)
    fields: tuple[FormField, ...]
    deletable: bool = False

    @property
    def perm(self) -> Perm:
        return self.resource.write_perm


def product_choices(session: Session, t: Callable[..., str]) -> list[tuple[str, str]]:
    """The node's live products, by name (code and monthly price shown to tell them apart)."""
    rows = session.execute(
        select(Product.id, Product.code, Product.name, Product.monthly_price)
        .where(Product.deleted_at.is_(None))
        .order_by(Product.name, Product.code)
    ).all()
    return [(str(r.id), f"{r.name}（{r.code}，{r.monthly_price}）") for r in rows]


def _statuses(prefix: str, codes: type[ContractStatus] | type[SubscriptionStatus]) -> Any:
    def choices(session: Session, t: Callable[..., str]) -> list[tuple[str, str]]:
        return [(c.value, t(f"{prefix}.{c.value}")) for c in codes]

    return choices


CONTACTS = RowKind(
    "contacts",
    ContactResource(),
    "row.contact",
    (
        FormField("name", "col.name", required=True),
        FormField("department", "row.department"),
        FormField("title", "row.job_title"),
        FormField("phone", "col.phone", masked=True),
        FormField("email", "field.email", masked=True),
        FormField("decision_maker", "row.decision_maker", Widget.checkbox),
        FormField("do_not_call", "row.do_not_call", Widget.checkbox),
    ),
    deletable=True,
)
SUBSCRIPTIONS = RowKind(
    "subscriptions",
    SubscriptionResource(),
    "row.subscription",
    (
        FormField("product_id", "col.product", Widget.select, True, product_choices),
        FormField("service_number", "col.service_number", masked=True),
        FormField("monthly_fee", "col.fee", Widget.number, hint="row.fee_hint"),
        FormField("started_at", "row.started_at", Widget.datetime, keep_if_blank=True),
        FormField(
            "status",
            "col.status",
            Widget.select,
            True,
            _statuses("sub", SubscriptionStatus),
            default="active",
        ),
    ),
)
CONTRACTS = RowKind(
    "contracts",
    ContractResource(),
    "row.contract",
    (
        FormField("contract_no", "row.contract_no", keep_if_blank=True, hint="row.no_hint"),
        FormField("amount", "row.amount", Widget.number, required=True),
        FormField("signed_at", "row.signed_at", Widget.date),
        FormField("starts_at", "row.starts_at", Widget.date, required=True),
        FormField("ends_at", "row.ends_at", Widget.date),
        FormField(
            "status",
            "col.status",
            Widget.select,
            True,
            _statuses("contract", ContractStatus),
            default="active",
        ),
    ),
)
ROW_KINDS: tuple[RowKind, ...] = (CONTACTS, SUBSCRIPTIONS, CONTRACTS)


def customer_contracts(
    session: Session, viewer: Viewer, customer_id: uuid.UUID
) -> list[dict[str, Any]] | None:
    """The customer's contracts, newest start first, for a viewer with contracts:read
    (None: no such section), as the API's contracts resource shows them."""
    resource = CONTRACTS.resource
    if not viewer.can(resource.read_perm):
        return None
    stmt = (
        resource.base_query(viewer)
        .where(Contract.customer_id == customer_id)
        .order_by(Contract.starts_at.desc())
    )
    return [resource.present(c, viewer, detail=True) for c in session.scalars(stmt)]
