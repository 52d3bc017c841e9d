"""A steady trickle of everyday work at every city, through each city's own API.

Agents log calls, open work orders, dispatchers move them on, account managers update
customers, and now and then a new customer signs up, so replication lag and
throughput show in the metrics while the demo runs.
"""

from __future__ import annotations

import logging
import random
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

import httpx

from node.demo.identities import Identities
from node.demo.plan import DemoNode, city_of
from node.demo.watch import login

log = logging.getLogger("fedcrm.demo")


@dataclass
class CityWorker:
    """One city's simulated office: a thread issuing API calls at `rate` per second."""

    node: DemoNode
    password: str
    rate: float
    stop: threading.Event
    done: Counter[str] = field(default_factory=Counter)
    rng: random.Random = field(default_factory=random.Random)

    def run(self) -> None:
        try:
            with login(self.node, self.password) as api:
                self._work(api)
        except httpx.HTTPError as exc:
            log.warning("trickle at %s stopped: %s", self.node.code, exc)

    def _work(self, api: httpx.Client) -> None:
        ids = Identities(city_of(self.node.code), self.rng)
        customers = [c["id"] for c in api.get("/api/v1/customers?limit=200").json()["data"]]
        techs = api.get("/api/v1/users", params={"role": "technician", "limit": 50}).json()
        technicians = [u["id"] for u in techs["data"]]
        open_tickets: list[str] = []
        actions = (
            (self._call, 50),
            (self._ticket, 20),
            (self._dispatch, 15),
            (self._note, 10),
            (self._sign_up, 5),
        )
        while not self.stop.wait(1 / self.rate):
            action = self.rng.choices([a for a, _ in actions], [w for _, w in actions])[0]
            try:
                name = action(api, customers, technicians, open_tickets, ids)
                self.done[name] += 1
            except httpx.HTTPError as exc:
                self.done["errors"] += 1
                log.debug("trickle at %s: %s", self.node.code, exc)

    # Each action takes the same arguments: the client, the customer ids, the technician
    # ids, the open ticket ids and the city's identities.
    def _call(
        self, api: httpx.Client, customers: list[str], _t: list[str], _o: list[str], _i: Identities
    ) -> str:
        payload = {
            "customer_id": self.rng.choice(customers),
            "channel": "phone",
            "direction": "inbound",
            "ring_seconds": self.rng.randint(2, 30),
            "talk_seconds": self.rng.randint(30, 400),
            "outcome": "咨询",
            "summary": "客户来电咨询套餐资费",
        }
        api.post("/api/v1/interactions", json=payload).raise_for_status()
        return "calls"

    def _ticket(
        self,
        api: httpx.Client,
        customers: list[str],
        _t: list[str],
        open_tickets: list[str],
        _i: Identities,
    ) -> str:
        payload = {
            "customer_id": self.rng.choice(customers),
            "kind": "repair",
            "severity": self.rng.choice(("major", "general", "general")),
            "description": "宽带无法上网，光猫红灯闪烁",
        }
        resp = api.post("/api/v1/tickets", json=payload)
        resp.raise_for_status()
        open_tickets.append(resp.json()["id"])
        return "tickets opened"

    def _dispatch(
        self,
        api: httpx.Client,
        _c: list[str],
        technicians: list[str],
        open_tickets: list[str],
        _i: Identities,
    ) -> str:
        if not open_tickets:
            return "idle"
        ticket = open_tickets.pop(0)
        body = {"to": "dispatched", "technician_id": self.rng.choice(technicians)}
        api.post(f"/api/v1/tickets/{ticket}/transition", json=body).raise_for_status()
        return "tickets dispatched"

    def _note(
        self, api: httpx.Client, customers: list[str], _t: list[str], _o: list[str], _i: Identities
    ) -> str:
        body = {"note": f"客户经理回访记录 {self.rng.randint(1, 10**6)}"}
        api.patch(f"/api/v1/customers/{self.rng.choice(customers)}", json=body).raise_for_status()
        return "customers updated"

    def _sign_up(
        self, api: httpx.Client, customers: list[str], _t: list[str], _o: list[str], ids: Identities
    ) -> str:
        name, _gender, resident_id = ids.person(date.today())
        body = {
            "name": name,
            "id_number": resident_id,
            "phone": ids.mobile(),
            "home_address": ids.home_address(),
            "service_area": "urban",
            "grade": "standard",
            "category": "public",
        }
        resp = api.post("/api/v1/customers", json=body)
        resp.raise_for_status()
        customers.append(resp.json()["id"])
        return "customers signed up"


@dataclass
class Trickle:
    """Workers for every city; `start`, then `stop` when the demo ends."""

    workers: list[CityWorker]
    threads: list[threading.Thread] = field(default_factory=list)

    @classmethod
    def for_cities(cls, cities: list[DemoNode], passwords: dict[str, str], rate: float) -> Trickle:
        stop = threading.Event()
        return cls([CityWorker(c, passwords[c.code], rate, stop) for c in cities])

    def start(self) -> None:
        for worker in self.workers:
            thread = threading.Thread(target=worker.run, name=f"trickle-{worker.node.code}")
            thread.start()
            self.threads.append(thread)

    def totals(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for worker in self.workers:
            total.update(worker.done)
        total.pop("idle", None)
        return total

    def stop(self) -> None:
        if self.workers:
            self.workers[0].stop.set()
        for thread in self.threads:
            thread.join(timeout=30)
