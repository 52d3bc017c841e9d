"""A customer's last twelve months: work orders with their SLA outcome, and calls.

Tickets follow the real life cycle (open -> dispatched -> in progress -> resolved ->
closed) with an event per step; most meet their SLA (major 24 h, general 48 h), some are
late, the newest are still open. Repeat repairs point at the repair they repeat, as
node.tickets.workflow would have found. Resolved tickets often get a callback survey
(回访) call; customers also call in.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from node.customers.models import Customer
from node.db.base import Replicated, new_id
from node.demo.catalogue import Staff
from node.demo.customers import pick
from node.interactions.models import Interaction
from node.tickets.models import Ticket, TicketEvent
from node.tickets.workflow import REPEAT_WINDOW, due_at

KINDS = (
    ("repair", 45),
    ("inquiry", 15),
    ("billing", 13),
    ("complaint", 12),
    ("install", 10),
    ("relocation", 5),
)
DESCRIPTIONS = {
    "repair": (
        "宽带无法上网，光猫红灯闪烁",
        "固话无拨号音",
        "手机信号弱，室内无法通话",
        "IPTV频繁卡顿",
    ),
    "inquiry": ("咨询5G套餐资费", "咨询千兆宽带办理条件", "咨询携号转网政策"),
    "billing": ("本月话费异常偏高", "对流量扣费有疑问", "发票开具问题"),
    "complaint": ("装机师傅未按约定时间上门", "营业厅排队时间过长", "多次报修仍未解决"),
    "install": ("新装千兆宽带", "新装IPTV", "企业专线开通"),
    "relocation": ("搬家移机", "办公室搬迁，专线移机"),
}
CALL_TOPICS = (
    ("咨询", "查询套餐余量"),
    ("咨询", "咨询账单明细"),
    ("办理", "办理流量加油包"),
    ("报障", "反映网络故障"),
    ("投诉", "投诉服务态度"),
)
SATISFACTION = ((5, 42), (4, 33), (3, 14), (2, 7), (1, 4))


@dataclass
class ActivityFactory:
    rng: random.Random
    staff: Staff
    now: datetime
    ticket_no: Callable[[], str]  # the next ticket number

    def rows(
        self, customer: Customer, joined: datetime, churned: datetime | None
    ) -> list[Replicated]:
        start = max(joined, self.now - timedelta(days=365))
        end = churned or self.now
        if end <= start:
            return []
        years = (end - start).days / 365
        rate = 1.5 if customer.type == "enterprise" else 0.35
        rows: list[Replicated] = []
        repairs: list[Ticket] = []
        moments = sorted(
            start + (end - start) * self.rng.random() for _ in range(self._count(rate * years))
        )
        for opened in moments:
            rows += self._ticket(customer, opened, repairs)
        for _ in range(self._count((3.0 if customer.type == "enterprise" else 1.2) * years)):
            rows.append(self._call(customer, start + (end - start) * self.rng.random()))
        return rows

    def _count(self, mean: float) -> int:
        """A Poisson-like count with the given mean, cheap to draw."""
        whole = int(mean)
        return whole + (1 if self.rng.random() < mean - whole else 0)

    def _ticket(
        self, customer: Customer, opened: datetime, repairs: list[Ticket]
    ) -> list[Replicated]:
        kind = pick(self.rng, KINDS)
        major = self.rng.random() < (0.35 if customer.type == "enterprise" else 0.15)
        severity = "major" if major else "general"
        ticket = Ticket(
            id=new_id(),
            ticket_no=self.ticket_no(),
            customer_id=customer.id,
            kind=kind,
            severity=severity,
            service_area=customer.service_area,
            description=self.rng.choice(DESCRIPTIONS[kind]),
            created_at=opened,
            due_at=due_at(opened, severity),
            status="open",
        )
        if kind == "repair":
            earlier = [
                r
                for r in repairs
                if r.resolved_at and opened - REPEAT_WINDOW <= r.resolved_at <= opened
            ]
            ticket.repeat_of_id = earlier[-1].id if earlier else None
            repairs.append(ticket)
        events = [self._event(ticket, None, "open", opened)]
        sla = (due_at(opened, severity) - opened).total_seconds()
        late = self.rng.random() < 0.12
        took = sla * (self.rng.uniform(1.05, 3.0) if late else self.rng.uniform(0.05, 0.95))
        steps = (("dispatched", 0.15), ("in_progress", 0.3), ("resolved", 1.0))
        # A share of last week's work orders is still in the queue, some of them overdue.
        waiting = opened > self.now - timedelta(days=7) and self.rng.random() < 0.4
        for number, (status, share) in enumerate(steps):
            at = opened + timedelta(seconds=took * share)
            if at > self.now or (waiting and number >= self.rng.randint(0, 2)):
                break
            events.append(self._event(ticket, ticket.status, status, at))
            ticket.status = status
            if status == "dispatched":
                ticket.dispatched_at = at
                ticket.technician_id = self.rng.choice(self.staff.technicians).id
            elif status == "resolved":
                ticket.resolved_at = at
                score = pick(self.rng, SATISFACTION)
                ticket.satisfaction = max(1, score - 1) if late else score
        if ticket.resolved_at and ticket.resolved_at + timedelta(days=1) < self.now:
            closed = ticket.resolved_at + timedelta(days=1)
            events.append(self._event(ticket, "resolved", "closed", closed))
            ticket.status, ticket.closed_at = "closed", closed
        rows: list[Replicated] = [ticket, *events]
        if ticket.resolved_at and self.rng.random() < 0.5:
            rows.append(self._survey(customer, ticket, ticket.resolved_at))
        return rows

    def _event(self, ticket: Ticket, before: str | None, after: str, at: datetime) -> TicketEvent:
        return TicketEvent(
            ticket_id=ticket.id, from_status=before, to_status=after, at=at, created_at=at
        )

    def _survey(self, customer: Customer, ticket: Ticket, resolved_at: datetime) -> Interaction:
        at = min(self.now, resolved_at + timedelta(hours=self.rng.uniform(2, 48)))
        happy = (ticket.satisfaction or 0) >= 4
        return Interaction(
            customer_id=customer.id,
            channel="phone",
            direction="outbound",
            agent_id=self.rng.choice(self.staff.agents).id,
            started_at=at,
            created_at=at,
            ring_seconds=self.rng.randint(3, 25),
            talk_seconds=self.rng.randint(40, 240),
            answered=True,
            outcome="回访满意" if happy else "回访不满意",
            summary=f"工单{ticket.ticket_no}回访：客户评分{ticket.satisfaction}分",
        )

    def _call(self, customer: Customer, at: datetime) -> Interaction:
        outcome, summary = self.rng.choice(CALL_TOPICS)
        answered = self.rng.random() < 0.92
        return Interaction(
            customer_id=customer.id,
            channel=pick(self.rng, (("phone", 70), ("web", 12), ("sms", 8), ("visit", 10))),
            direction="inbound",
            agent_id=self.rng.choice(self.staff.agents).id if answered else None,
            started_at=at,
            created_at=at,
            ring_seconds=self.rng.randint(2, 60),
            talk_seconds=self.rng.randint(30, 600) if answered else 0,
            answered=answered,
            outcome=outcome if answered else "未接通",
            summary=summary if answered else None,
        )
