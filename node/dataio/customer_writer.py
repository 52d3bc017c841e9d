"""Writing checked customers in bulk, stamped exactly as the ORM hook would stamp them.

Core statements bypass node.db.stamping, so seq, origin, origin_version and times are
set here: one seq allocation for the whole import, in file order.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import bindparam, insert, update
from sqlalchemy.orm import Session

from node.customers.resource import next_customer_no
from node.customers.search_terms import customer_search_terms
from node.dataio.import_plan import CHUNK, PLANNED_FIELDS, TABLE, Planned, Tracker
from node.db.base import new_id
from node.db.counters import SEQ, allocate
from node.db.types import utcnow


def write_customers(session: Session, planned: list[Planned], tracker: Tracker) -> tuple[int, int]:
    """Insert and update the planned rows, stamped as the ORM hook would; return the
    numbers inserted and updated."""
    if not planned:
        return 0, 0
    local: str = session.info["node_code"]
    number_at = PLANNED_FIELDS.index("customer_no")
    _reserve_given_numbers(session, [p.values[number_at] for p in planned], local)
    unnumbered = sum(1 for p in planned if p.existing is None and p.values[number_at] is None)
    numbers = iter(next_customer_no(session, unnumbered) if unnumbered else [])
    # One allocation for the whole import: consecutive seqs in file order, taken in this
    # transaction like the stamping hook takes them in a flush.
    seq = allocate(session, SEQ, len(planned))
    now = utcnow()
    tracker.start("writing customers", len(planned))
    inserted = updated = 0
    add = insert(TABLE)
    # The version is counted in the statement, not from the plan read before the lock.
    change = (
        update(TABLE)
        .where(TABLE.c.id == bindparam("b_id"))
        .values(origin_version=TABLE.c.origin_version + 1)
    )
    for start in range(0, len(planned), CHUNK):
        inserts: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        for item in planned[start : start + CHUNK]:
            values = dict(zip(PLANNED_FIELDS, item.values, strict=True))
            values["search_terms"] = customer_search_terms(
                values["name"], values["home_address"], values["company_address"]
            )
            values["seq"] = seq
            values["updated_at"] = now
            seq += 1
            if item.existing is None:
                values["customer_no"] = values["customer_no"] or next(numbers)
                values["joined_at"] = values["joined_at"] or now
                values.update(
                    id=new_id(), origin=local, origin_version=1, created_at=now, deleted_at=None
                )
                inserts.append(values)
            else:
                values["b_id"] = item.existing["id"]
                updates.append(values)
        if inserts:
            session.execute(add, inserts)
        if updates:
            session.execute(change, updates)
        inserted += len(inserts)
        updated += len(updates)
        tracker.advance(len(inserts) + len(updates))
    return inserted, updated


def _reserve_given_numbers(session: Session, numbers: list[str | None], local: str) -> None:
    """Move the customer_no counter past numbers the file gives in this node's own format,
    so numbers generated later (here or by the API) cannot collide with them."""
    pattern = re.compile(rf"^{re.escape(local)}-(\d{{8}})$")
    given = [int(m.group(1)) for n in numbers if n and (m := pattern.match(n))]
    if not given:
        return
    last = allocate(session, "customer_no", 0) - 1
    if max(given) > last:
        allocate(session, "customer_no", max(given) - last)
