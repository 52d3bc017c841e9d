"""Likely duplicates of a customer about to be registered: the same phone, or the same
name at a similar address. Found through the look-up's indexes (never a scan), among
the customers the registering person may see."""

from __future__ import annotations

from difflib import SequenceMatcher

from sqlalchemy import Select
from sqlalchemy.orm import Session

from node.customers.lookup import Lookup, QueryKind, lookup_rows
from node.customers.models import Customer

# Two addresses this alike (difflib's ratio) at the same name read as one household.
SIMILAR_ADDRESS = 0.8
# Same-name candidates read through the name look-up; a common name past this many is
# judged on the newest ones.
NAME_CANDIDATES = 200
SHOWN = 5


def similar_address(a: str | None, b: str | None) -> bool:
    """Whether two addresses are alike enough to be the same place (both given)."""
    if not a or not b:
        return False
    return SequenceMatcher(None, a, b).ratio() >= SIMILAR_ADDRESS


def likely_duplicates(
    session: Session,
    base: Select,
    name: str,
    phone: str | None,
    addresses: tuple[str | None, ...],
) -> list[Customer]:
    """Up to SHOWN customers of `base` with the same phone, or the same name and an
    address like one of `addresses`; same phone first."""
    found: dict[str, Customer] = {}
    if phone:
        for c in lookup_rows(session, base, Lookup(QueryKind.phone, phone), None, SHOWN):
            found[str(c.id)] = c
    if name.strip():
        same_name = lookup_rows(
            session, base, Lookup(QueryKind.text, name.strip()), None, NAME_CANDIDATES
        )
        for c in same_name:
            held = (c.home_address, c.company_address)
            if c.name == name.strip() and any(
                similar_address(a, b) for a in addresses for b in held
            ):
                found.setdefault(str(c.id), c)
    return list(found.values())[:SHOWN]


def same_person(session: Session, base: Select, name: str, phone: str) -> Customer | None:
    """A customer of `base` with exactly this name and (normalized) phone: the same
    person registered again, as near to certain as a CRM can tell."""
    for c in lookup_rows(session, base, Lookup(QueryKind.phone, phone), None, SHOWN):
        if c.name == name.strip():
            return c
    return None
