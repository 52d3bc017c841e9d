"""The products and staff every demo city starts with."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.orm import Session

from node.auth.accounts import Role, User
from node.db.base import new_id
from node.products.models import Product

# (code, name, type, monthly price in yuan); enterprise products are priced per contract.
PRODUCTS: tuple[tuple[str, str, str, str], ...] = (
    ("5G-59", "5G畅享套餐59元", "mobile", "59"),
    ("5G-99", "5G畅享套餐99元", "mobile", "99"),
    ("5G-129", "5G畅享套餐129元", "mobile", "129"),
    ("5G-199", "5G畅享套餐199元", "mobile", "199"),
    ("5G-299", "5G尊享套餐299元", "mobile", "299"),
    ("BB-300M", "300M光宽带", "broadband", "60"),
    ("BB-1000M", "千兆光宽带", "broadband", "120"),
    ("IPTV", "天翼高清IPTV", "iptv", "20"),
    ("FIX", "固定电话", "fixed_line", "25"),
    ("DL-100M", "政企专线100M", "dedicated_line", "3000"),
    ("DL-1G", "政企专线1G", "dedicated_line", "12000"),
    ("CLOUD", "天翼云主机", "cloud", "1800"),
)


@dataclass
class Staff:
    account_managers: list[User]
    agents: list[User]
    technicians: list[User]
    everyone: list[User]


def add_products(session: Session) -> dict[str, Product]:
    """The catalogue, keyed by product code."""
    products = {
        code: Product(id=new_id(), code=code, name=name, type=kind, monthly_price=Decimal(price))
        for code, name, kind, price in PRODUCTS
    }
    session.add_all(products.values())
    return products


def add_staff(session: Session, customers: int, surnames: list[str]) -> Staff:
    """Account managers, agents, a dispatcher and technicians, sized to the city.

    They have no password: they exist so that customers, calls and work orders have
    people to point at. The demo's admin is the one who logs in.
    """

    def people(prefix: str, role: Role, count: int, title: str, area: str | None) -> list[User]:
        return [
            User(
                id=new_id(),
                username=f"{prefix}{n:02d}",
                display_name=f"{surnames[(n * 7 + len(prefix)) % len(surnames)]}{title}{n}",
                role=role,
                service_area=area,
            )
            for n in range(1, count + 1)
        ]

    manager_count = max(2, customers // 1500)
    managers = people("am", Role.account_manager, manager_count, "经理", None)
    agents = people("agent", Role.agent, max(3, customers // 1000), "坐席", "urban")
    technicians = people("tech", Role.technician, max(3, customers // 800), "师傅", None)
    others = people("dispatch", Role.dispatcher, 1, "调度", "urban") + people(
        "lead", Role.team_lead, 1, "班长", None
    )
    everyone = managers + agents + technicians + others
    session.add_all(everyone)
    return Staff(managers, agents, technicians, everyone)
