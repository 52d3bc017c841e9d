"""A change history as people read it: field names, labels for codes, names for ids,
Beijing times; who made each change."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from node.auth.viewer import Viewer
from node.contacts.models import Contact
from node.contacts.resource import ContactResource
from node.contracts.models import Contract
from node.contracts.resource import ContractResource
from node.crud.resource import Resource
from node.history.service import SHOWN_AT_MOST, Change
from node.products.models import Product
from node.subscriptions.models import Subscription
from node.subscriptions.resource import SubscriptionResource
from node.web.choices import user_names
from node.web.history_texts import EMPTY, ENTITY_TEXTS, FIELD_TEXTS, YES_NO
from node.web.i18n import code_labeller
from node.web.rendering import local_time

# Fields holding a dictionary code, by the dictionary they come from.
DICTIONARY_FIELDS = {
    "grade": "customer_grade",
    "category": "customer_category",
    "service_area": "service_area",
    "kind": "ticket_kind",
}
USER_FIELDS = frozenset({"technician_id", "account_manager_id"})
TIME_FIELDS = frozenset(
    {"joined_at", "started_at", "ended_at", "due_at", "deleted_at", "dispatched_at"}
)
# Ticket and subscription states and severities have fixed words (i18n.CODE_LABELS).
CODED_FIELDS = frozenset({"severity"})


@dataclass(frozen=True)
class ShownChange:
    at: str
    who: str
    what: str
    old: str
    new: str


def _value_text(
    change: Change,
    value: str | None,
    lang: str,
    labels: Mapping[tuple[str, str], str],
    names: Mapping[str, str],
) -> str:
    index = 1 if lang == "en" else 0
    field = change.field
    if value is None:
        return EMPTY
    if field in USER_FIELDS or field == "product_id":
        return names.get(value, value)
    if field in TIME_FIELDS:
        return local_time(value)
    if value in YES_NO:
        return YES_NO[value][index]
    if field in DICTIONARY_FIELDS:
        return labels.get((DICTIONARY_FIELDS[field], value), value)
    if field == "status":
        return _status_text(change.entity, value, lang, labels)
    if field in CODED_FIELDS:
        return code_labeller(lang)(value)
    return value


def _status_text(entity: str, value: str, lang: str, labels: Mapping[tuple[str, str], str]) -> str:
    label = code_labeller(lang)
    if entity == "customer":
        return labels.get(("customer_status", value), value)
    if entity == "subscription":
        return label(f"sub_{value}")
    return label(value)


def _referenced_names(session: Session, changes: list[Change]) -> dict[str, str]:
    """Display names of the users and products the changes and their authors name."""
    user_ids: set[uuid.UUID] = {c.actor_id for c in changes if c.actor_id}
    product_ids: set[uuid.UUID] = set()
    for c in changes:
        for value in (c.old_value, c.new_value):
            if value and c.field in USER_FIELDS:
                user_ids.add(uuid.UUID(value))
            elif value and c.field == "product_id":
                product_ids.add(uuid.UUID(value))
    names = {str(k): v for k, v in user_names(session, user_ids).items()}
    if product_ids:
        rows = session.execute(
            select(Product.id, Product.name).where(Product.id.in_(product_ids))
        ).all()
        names.update({str(pid): name for pid, name in rows})
    return names


def shown_changes(
    session: Session,
    changes: list[Change],
    lang: str,
    labels: Mapping[tuple[str, str], str],
    with_entity: bool = False,
) -> list[ShownChange]:
    """The changes ready for a page, newest first as given."""
    index = 1 if lang == "en" else 0
    names = _referenced_names(session, changes)

    def text(value: str | None, change: Change) -> str:
        return _value_text(change, value, lang, labels, names)

    shown = []
    for c in changes:
        field = FIELD_TEXTS.get(c.field, (c.field, c.field))[index]
        if with_entity:
            field = f"{ENTITY_TEXTS.get(c.entity, (c.entity, c.entity))[index]} · {field}"
        who = names.get(str(c.actor_id), EMPTY) if c.actor_id else EMPTY
        shown.append(
            ShownChange(local_time(c.at), who, field, text(c.old_value, c), text(c.new_value, c))
        )
    return shown


# The rows hanging off a customer whose changes its page shows with its own.
_ATTACHED: tuple[tuple[Resource[Any], type[Contact | Subscription | Contract]], ...] = (
    (ContactResource(), Contact),
    (SubscriptionResource(), Subscription),
    (ContractResource(), Contract),
)


def customer_changes(
    session: Session, viewer: Viewer, customers: Resource[Any], customer_id: uuid.UUID
) -> list[Change]:
    """The customer's changes and those of its contacts, subscriptions and contracts the
    viewer may read, newest first (each masked as its own resource masks)."""
    changes = customers.history(session, viewer, [customer_id])
    for resource, model in _ATTACHED:
        if not viewer.can(resource.read_perm):
            continue
        ids = session.execute(select(model.id).where(model.customer_id == customer_id))
        changes += resource.history(session, viewer, list(ids.scalars()))
    changes.sort(key=lambda c: c.at, reverse=True)
    return changes[:SHOWN_AT_MOST]
