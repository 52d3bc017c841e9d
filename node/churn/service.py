"""Marking a customer churned: the event, the status and the subscriptions, atomically."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from node.churn.models import ChurnEvent
from node.customers.models import Customer
from node.dictionaries.lookup import codes_with_meaning, dictionary_entry
from node.dictionaries.models import DictionaryKind, StatusMeaning
from node.errors import Conflict, invalid
from node.history.service import record_changes
from node.subscriptions.models import Subscription, SubscriptionStatus


def mark_churned(
    session: Session,
    customer: Customer,
    churned_at: datetime,
    reason: str,
    competitor: str | None,
    note: str | None,
    *,
    actor_id: uuid.UUID | None,
) -> ChurnEvent:
    """Record the churn, set the churned status and end active subscriptions.

    All in the caller's unit of work: either everything happens or nothing does.
    """
    dictionary_entry(session, DictionaryKind.churn_reason, reason, "reason")
    dictionary_entry(session, DictionaryKind.competitor, competitor, "competitor")
    churned_codes = codes_with_meaning(session, StatusMeaning.churned)
    if not churned_codes:
        raise Conflict(
            "没有表示离网的客户状态，请管理员添加 "
            "(no customer status means 'churned'; an admin must add one)"
        )
    if customer.status in churned_codes:
        raise Conflict(
            f"客户 {customer.customer_no} 已离网 "
            f"(customer {customer.customer_no} is already churned)"
        )
    if churned_at < customer.joined_at:
        raise invalid("churned_at", "早于客户入网时间 (is before the customer joined)")
    subscriptions = (
        session.execute(
            select(Subscription).where(
                Subscription.customer_id == customer.id,
                Subscription.deleted_at.is_(None),
                Subscription.status != SubscriptionStatus.ended,
            )
        )
        .scalars()
        .all()
    )
    lost = sum((s.monthly_fee for s in subscriptions), Decimal("0"))
    for sub in subscriptions:
        before = {"status": sub.status, "ended_at": sub.ended_at}
        before["termination_reason"] = sub.termination_reason
        sub.status = SubscriptionStatus.ended
        sub.ended_at = churned_at
        sub.termination_reason = f"churn: {reason}"
        after = {name: getattr(sub, name) for name in before}
        record_changes(session, actor_id, "subscription", sub.id, before, after)
    before = {"status": customer.status}
    customer.status = churned_codes[0]
    record_changes(session, actor_id, "customer", customer.id, before, {"status": customer.status})
    event = ChurnEvent(
        customer_id=customer.id,
        churned_at=churned_at,
        reason=reason,
        competitor=competitor,
        lost_monthly_revenue=lost,
        note=note,
    )
    session.add(event)
    session.flush()
    return event
