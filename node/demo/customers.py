"""One demo customer with what hangs off it: subscriptions, contacts, a contract, churn.

Individuals (92%) hold a mobile plan and often broadband and IPTV; enterprises hold
lines, dedicated lines and cloud; the biggest enterprises are key accounts (大客户) with
an account manager and a contract. About 13% of customers churn in a year, key
accounts far less, with the reasons and destinations of seed 003.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TypeVar

from node.churn.models import ChurnEvent
from node.contacts.models import Contact
from node.contracts.models import Contract
from node.customers.models import Customer
from node.customers.search_terms import customer_search_terms
from node.db.base import Replicated, new_id
from node.demo.catalogue import Staff
from node.demo.identities import Identities
from node.products.models import Product
from node.subscriptions.models import Subscription

CHURN_REASONS = (  # (code, weight)
    ("price", 30),
    ("competitor_offer", 25),
    ("network_quality", 15),
    ("service", 12),
    ("relocation", 10),
    ("other", 3),
)
COMPETITORS = (("china_mobile", 50), ("china_unicom", 35), ("china_broadnet", 8), ("other", 7))
CATEGORIES = ("business", "government", "education", "healthcare", "finance")
TITLES = (
    ("总经理", "总经办"),
    ("信息部经理", "信息部"),
    ("办公室主任", "办公室"),
    ("财务经理", "财务部"),
)
MONTHLY_CHURN = 0.012
T = TypeVar("T")
KEY_ACCOUNT_MONTHLY_CHURN = 0.003


def pick(rng: random.Random, weighted: tuple[tuple[T, int], ...]) -> T:
    """One value of (value, weight) pairs, drawn by weight."""
    return rng.choices([v for v, _ in weighted], [w for _, w in weighted])[0]


@dataclass
class Household:
    """A generated customer and its rows, with its lifetime for the activity generator."""

    customer: Customer
    rows: list[Replicated]
    joined: datetime
    churned: datetime | None


@dataclass
class CustomerFactory:
    ids: Identities
    rng: random.Random
    products: dict[str, Product]
    staff: Staff
    now: datetime

    def make(self, customer_no: str) -> Household:
        enterprise = self.rng.random() < 0.08
        customer = self._enterprise() if enterprise else self._individual()
        customer.customer_no = customer_no
        joined = self.now - timedelta(days=self.rng.uniform(0, 8 * 365))
        customer.joined_at = joined
        customer.created_at = joined
        subs = self._subscriptions(customer, enterprise, joined)
        self._grade(customer, enterprise, sum((s.monthly_fee for s in subs), Decimal("0")))
        churned = self._churn(customer, subs, joined)
        rows: list[Replicated] = [customer, *subs]
        if enterprise:
            rows += self._contacts(customer)
        if customer.is_key_account:
            fee = sum((s.monthly_fee for s in subs), Decimal("0"))
            rows.append(self._contract(customer, fee, joined))
        if churned is not None:
            rows.append(churned)
        customer.search_terms = customer_search_terms(
            customer.name, customer.home_address, customer.company_address
        )
        return Household(customer, rows, joined, churned.churned_at if churned else None)

    def _individual(self) -> Customer:
        name, gender, resident_id = self.ids.person(self.now.date())
        area = pick(self.rng, (("urban", 55), ("suburban", 25), ("county", 20)))
        return Customer(
            id=new_id(),
            name=name,
            type="individual",
            category="public",
            gender=gender,
            birth_date=datetime.strptime(resident_id[6:14], "%Y%m%d").date(),
            id_type="resident_id",
            id_number=resident_id,
            occupation=self.ids.faker.job()[:100],
            phone=self.ids.mobile(),
            home_address=self.ids.home_address(),
            service_area=area,
            status="active",
        )

    def _enterprise(self) -> Customer:
        name, credit_code = self.ids.company()
        return Customer(
            id=new_id(),
            name=name,
            type="enterprise",
            category=self.rng.choice(CATEGORIES),
            id_type="uscc",
            id_number=credit_code,
            phone=self.ids.mobile(),
            company_address=self.ids.office_address(),
            service_area="enterprise" if self.rng.random() < 0.6 else "urban",
            account_manager_id=self.rng.choice(self.staff.account_managers).id,
            status="active",
        )

    def _subscription(self, customer: Customer, code: str, started: datetime) -> Subscription:
        product = self.products[code]
        fee = product.monthly_price
        if product.type in ("dedicated_line", "cloud"):  # priced per contract
            fee = (fee * Decimal(self.rng.uniform(0.6, 2.5))).quantize(Decimal("1"))
        return Subscription(
            customer_id=customer.id,
            product_id=product.id,
            service_number=customer.phone if product.type == "mobile" else None,
            monthly_fee=fee,
            started_at=started,
            status="active",
        )

    def _subscriptions(
        self, customer: Customer, enterprise: bool, joined: datetime
    ) -> list[Subscription]:
        if enterprise:
            codes = ["FIX", "BB-1000M"]
            if self.rng.random() < 0.5:
                codes.append(self.rng.choice(("DL-100M", "DL-1G")))
            if self.rng.random() < 0.3:
                codes.append("CLOUD")
        else:
            codes = [
                pick(
                    self.rng,
                    (("5G-59", 25), ("5G-99", 30), ("5G-129", 25), ("5G-199", 14), ("5G-299", 6)),
                )
            ]
            if self.rng.random() < 0.55:
                codes.append("BB-1000M" if self.rng.random() < 0.3 else "BB-300M")
            if self.rng.random() < 0.2:
                codes.append("IPTV")
        later = (self.now - joined).total_seconds()
        return [
            self._subscription(
                customer, code, joined + timedelta(seconds=i and self.rng.uniform(0, later))
            )
            for i, code in enumerate(codes)
        ]

    def _grade(self, customer: Customer, enterprise: bool, fee: Decimal) -> None:
        customer.is_key_account = enterprise and fee >= Decimal("5000")
        if customer.is_key_account or fee >= Decimal("1000"):
            customer.grade = "diamond"
        elif fee >= Decimal("250"):
            customer.grade = "gold"
        elif fee >= Decimal("129"):
            customer.grade = "silver"
        else:
            customer.grade = "standard"

    def _contacts(self, customer: Customer) -> list[Contact]:
        contacts = []
        for n in range(self.rng.randint(1, 3)):
            title, department = TITLES[n]
            contacts.append(
                Contact(
                    customer_id=customer.id,
                    name=self.ids.faker.name(),
                    department=department,
                    title=title,
                    phone=self.ids.mobile(),
                    decision_maker=n == 0,
                )
            )
        return contacts

    def _contract(self, customer: Customer, fee: Decimal, joined: datetime) -> Contract:
        starts = max(joined.date(), (self.now - timedelta(days=self.rng.randint(30, 700))).date())
        return Contract(
            customer_id=customer.id,
            contract_no=f"HT-{customer.customer_no}",
            amount=fee * 12,
            signed_at=starts,
            starts_at=starts,
            ends_at=starts.replace(year=starts.year + 3),
            status="active",
        )

    def _churn(
        self, customer: Customer, subs: list[Subscription], joined: datetime
    ) -> ChurnEvent | None:
        """Maybe churn in the last year; `subs` loses what would only have started later."""
        monthly = KEY_ACCOUNT_MONTHLY_CHURN if customer.is_key_account else MONTHLY_CHURN
        window_start = max(joined, self.now - timedelta(days=365))
        months = (self.now - window_start).days / 30.4
        if self.rng.random() >= 1 - (1 - monthly) ** months:
            return None
        churned_at = window_start + (self.now - window_start) * self.rng.random()
        reason = pick(self.rng, CHURN_REASONS)
        if customer.type == "enterprise" and self.rng.random() < 0.3:
            reason = "business_closed"
        competitor = (
            None if reason in ("relocation", "business_closed") else pick(self.rng, COMPETITORS)
        )
        subs[:] = [sub for sub in subs if sub.started_at <= churned_at]
        for sub in subs:
            sub.status, sub.ended_at = "ended", churned_at
            sub.termination_reason = f"churn: {reason}"
        customer.status = "churned"
        return ChurnEvent(
            customer_id=customer.id,
            churned_at=churned_at,
            reason=reason,
            competitor=competitor,
            lost_monthly_revenue=sum((sub.monthly_fee for sub in subs), Decimal("0")),
        )
