"""What a checked import carries to the writer, and how it reports progress."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from node.customers.models import Customer
from node.customers.schemas import CustomerIn
from node.db.base import table_of

CHUNK = 2000  # rows checked per database look-up, and written per statement
INPUT_FIELDS: tuple[str, ...] = tuple(CustomerIn.model_fields)
TABLE = table_of(Customer)


class Tracker(Protocol):
    """Progress reporting, implemented by the CLI with a rich progress bar."""

    def start(self, description: str, total: int | None) -> None: ...

    def advance(self, amount: int) -> None: ...


class NullTracker:
    """Reports nothing."""

    def start(self, description: str, total: int | None) -> None:
        pass

    def advance(self, amount: int) -> None:
        pass


# What is kept of a good row until writing: a tuple, not a dict, as 100,000s are held.
PLANNED_FIELDS: tuple[str, ...] = (*INPUT_FIELDS, "customer_no")


@dataclass(slots=True)
class Planned:
    """A good row: its values in PLANNED_FIELDS order, and the customer it updates."""

    values: tuple[Any, ...]
    existing: dict[str, Any] | None
