"""Valid Chinese test data: resident IDs with real check digits, phones, payloads."""

from __future__ import annotations

import itertools

from node.customers.identifiers import resident_id_check_digit

_serial = itertools.count(1)


def resident_id(district: str = "430102", born: str = "19800101") -> str:
    """A resident ID with a correct GB 11643 check digit; unique per call."""
    body = f"{district}{born}{next(_serial) % 1000:03d}"
    return body + resident_id_check_digit(body)


def mobile(n: int | None = None) -> str:
    n = next(_serial) if n is None else n
    return f"139{n:08d}"


def customer_payload(**overrides: object) -> dict:
    payload: dict = {
        "name": "张建国",
        "id_number": resident_id(),
        "phone": mobile(),
        "home_address": "湖南省长沙市芙蓉区五一大道1号",
        "service_area": "urban",
        "grade": "gold",
        "category": "public",
    }
    payload.update(overrides)
    return payload
