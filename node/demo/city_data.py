"""Fill a new demo city's database with a realistic year of work, in one transaction."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from datetime import datetime

from node.customers.resource import next_customer_no
from node.db.counters import allocate
from node.db.types import utcnow
from node.db.unit_of_work import Database
from node.demo.activity import ActivityFactory
from node.demo.catalogue import add_products, add_staff
from node.demo.customers import CustomerFactory
from node.demo.divisions import City
from node.demo.identities import Identities

CHUNK = 500  # customers per flush: bounds memory, keeps progress moving


def generate_city(
    db: Database,
    city: City,
    customers: int,
    seed: int,
    progress: Callable[[int], None] = lambda _n: None,
    now: datetime | None = None,
) -> Counter[str]:
    """Generate `customers` customers with their year of activity; rows per table.

    Everything is written through the ORM, so the node's own change stamping gives
    every row its seq exactly as the API would. One transaction: a crash leaves the city
    empty, and `fedcrm demo` generates it again.
    """
    now = now or utcnow()
    rng = random.Random(f"{seed}:{city.code}")
    ids = Identities(city, rng)
    counts: Counter[str] = Counter()
    with db.unit_of_work() as session:
        products = add_products(session)
        staff = add_staff(session, customers, [ids.faker.last_name() for _ in range(50)])
        counts.update(products=len(session.new) - len(staff.everyone), users=len(staff.everyone))
        session.flush()

        def ticket_no() -> str:  # numbered as TicketResource numbers them
            return f"{city.code}-T{allocate(session, 'ticket_no'):08d}"

        people = CustomerFactory(ids, rng, products, staff, now)
        activity = ActivityFactory(rng, staff, now, ticket_no)
        for start in range(0, customers, CHUNK):
            size = min(CHUNK, customers - start)
            for number in next_customer_no(session, size):
                household = people.make(number)
                rows = household.rows + activity.rows(
                    household.customer, household.joined, household.churned
                )
                session.add_all(rows)
                counts.update(type(row).__tablename__ for row in rows)
            session.flush()
            progress(size)
    return counts
