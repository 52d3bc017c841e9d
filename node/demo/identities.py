"""Realistic, valid and unique personal data for demo customers.

Resident IDs carry the city's real district codes, a birth date and a GB 11643 check
digit; credit codes a GB 32100 check digit (both from node.customers.identifiers);
mobiles are mainland numbers phonenumbers accepts. Names and company names come from
Faker's zh_CN locale.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from faker import Faker

from node.customers.identifiers import credit_code_check_digit, resident_id_check_digit
from node.demo.divisions import City, roads_of

# Mainland mobile prefixes of the three operators (what agents see every day).
MOBILE_PREFIXES = (
    "133",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "153",
    "155",
    "157",
    "158",
    "159",
    "166",
    "173",
    "177",
    "180",
    "181",
    "182",
    "185",
    "186",
    "187",
    "188",
    "189",
    "191",
    "198",
    "199",
)
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_ESTATES = ("小区", "花园", "新村", "公寓", "家园", "苑")


@dataclass
class Identities:
    """Draws identities for one city; never repeats a phone, ID or credit code."""

    city: City
    rng: random.Random
    faker: Faker = field(init=False)
    _taken: set[str] = field(default_factory=set, init=False)

    def __post_init__(self) -> None:
        self.faker = Faker("zh_CN")
        self.faker.seed_instance(self.rng.getrandbits(32))

    def _unique(self, draw: Callable[[], str]) -> str:
        while True:
            value = draw()
            if value not in self._taken:
                self._taken.add(value)
                return value

    def person(self, today: date) -> tuple[str, str, str]:
        """(name, gender, resident ID) of an adult living in this city."""
        male = self.rng.random() < 0.5
        name = self.faker.name_male() if male else self.faker.name_female()
        district = self.rng.choice(self.city.districts)[0]
        born = today - timedelta(days=self.rng.randint(18 * 365, 80 * 365))

        def draw() -> str:
            serial = self.rng.randrange(0, 500) * 2 + (1 if male else 0)  # odd = male
            body = f"{district}{born:%Y%m%d}{serial:03d}"
            return body + resident_id_check_digit(body)

        return name, ("male" if male else "female"), self._unique(draw)

    def mobile(self) -> str:
        return self._unique(
            lambda: self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
        )

    def company(self) -> tuple[str, str]:
        """(company name, unified social credit code registered in this city)."""
        name = self.city.name.removesuffix("市") + self.faker.company()
        district = self.rng.choice(self.city.districts)[0]

        def draw() -> str:
            org = "".join(self.rng.choice(_USCC_ALPHABET) for _ in range(9))
            body = f"91{district}{org}"
            return body + credit_code_check_digit(body)

        return name, self._unique(draw)

    def home_address(self) -> str:
        district = self.rng.choice(self.city.districts)[1]
        road = self.rng.choice(roads_of(self.city))
        estate = self.faker.last_name() + self.rng.choice("家园景华") + self.rng.choice(_ESTATES)
        building, unit = self.rng.randint(1, 30), self.rng.randint(1, 4)
        room = self.rng.randint(1, 28) * 100 + self.rng.randint(1, 4)
        number = self.rng.randint(1, 399)
        return f"{self.city.name}{district}{road}{number}号{estate}{building}栋{unit}单元{room}室"

    def office_address(self) -> str:
        district = self.rng.choice(self.city.districts)[1]
        road = self.rng.choice(roads_of(self.city))
        number, floor = self.rng.randint(1, 999), self.rng.randint(1, 30)
        return f"{self.city.name}{district}{road}{number}号{floor}楼"
