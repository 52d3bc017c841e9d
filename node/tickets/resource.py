"""Work orders over HTTP: create, edit, list by queue, and move through states."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar

from pydantic import Field
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from node.auth.accounts import Role, User
from node.auth.permissions import Perm
from node.auth.viewer import Viewer
from node.crud.references import live_row
from node.crud.resource import Resource
from node.crud.schemas import ReplicatedRead, StrictInput, partial
from node.customers.scoping import customer_for_write
from node.db.counters import allocate
from node.db.types import utcnow
from node.dictionaries.lookup import dictionary_entry
from node.dictionaries.models import DictionaryKind
from node.errors import Conflict, PermissionDenied, invalid
from node.tickets import workflow
from node.tickets.models import Severity, Ticket, TicketEvent, TicketField, TicketStatus
from node.tickets.work_order_sms import send_work_order

SATISFACTION_LATER = "工单解决后才能评价满意度 (can only be given once the ticket is resolved)"


class TicketIn(StrictInput):
    customer_id: uuid.UUID
    kind: str = Field(min_length=1, max_length=40)
    severity: Severity = Severity.general
    description: str | None = Field(None, max_length=4000)
    service_area: str | None = None
    technician_id: uuid.UUID | None = None
    satisfaction: int | None = Field(None, ge=1, le=5)


class TicketOut(ReplicatedRead):
    ticket_no: str
    customer_id: uuid.UUID
    kind: str
    severity: str
    status: str
    service_area: str | None
    technician_id: uuid.UUID | None
    description: str | None
    due_at: datetime
    dispatched_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    repeat_of_id: uuid.UUID | None
    satisfaction: int | None


class TicketEventOut(ReplicatedRead):
    ticket_id: uuid.UUID
    from_status: str | None
    to_status: str
    actor_id: uuid.UUID | None
    at: datetime
    note: str | None
    field: str | None
    old_value: str | None
    new_value: str | None


class TransitionIn(StrictInput):
    to: TicketStatus
    note: str | None = Field(None, max_length=2000)
    technician_id: uuid.UUID | None = None


class TicketDetail(TicketOut):
    events: list[TicketEventOut]


class TicketResource(Resource[Ticket]):
    path = "tickets"
    entity = "ticket"
    keeps_history = True
    model = Ticket
    create_schema = TicketIn
    update_schema = partial(TicketIn, "TicketPatch")
    read_schema = TicketOut
    detail_schema = TicketDetail
    read_perm = Perm.tickets_read
    write_perm = Perm.tickets_write
    filter_fields: ClassVar[dict[str, Any]] = {
        "customer_id": uuid.UUID,
        "status": TicketStatus,
        "kind": str,
        "severity": Severity,
        "service_area": str,
        "technician_id": uuid.UUID,
    }
    order_fields = ("created_at", "updated_at", "due_at")

    def scope(self, stmt: Select, viewer: Viewer) -> Select:
        if viewer.user.role == Role.technician:
            return stmt.where(Ticket.technician_id == viewer.user.id)
        if viewer.area:
            stmt = stmt.where(Ticket.service_area == viewer.area)
        return stmt

    def check_values(
        self, session: Session, viewer: Viewer, values: dict[str, Any], existing: Ticket | None
    ) -> dict[str, Any]:
        customer = customer_for_write(session, viewer, values["customer_id"])
        dictionary_entry(session, DictionaryKind.ticket_kind, values["kind"], "kind")
        values["service_area"] = values["service_area"] or customer.service_area
        if viewer.area and values["service_area"] != viewer.area:
            # Writes keep to the same area as reads: the writer could not see it after.
            raise invalid(
                "service_area",
                f"不在您的服务区域 {viewer.area} 内 (outside your service area {viewer.area})",
            )
        dictionary_entry(
            session, DictionaryKind.service_area, values["service_area"], "service_area"
        )
        _check_technician(session, values["technician_id"])
        now = utcnow()
        if existing is None:
            if values["satisfaction"] is not None:
                raise invalid("satisfaction", SATISFACTION_LATER)
            values["ticket_no"] = f"{viewer.node_code}-T{allocate(session, 'ticket_no'):08d}"
            values["created_at"] = now  # the SLA clock starts when the ticket is opened
            values["due_at"] = workflow.due_at(now, values["severity"])
            values["repeat_of_id"] = workflow.find_repeat_of(
                session, values["customer_id"], values["kind"], now
            )
        else:
            if values["customer_id"] != existing.customer_id:
                raise invalid(
                    "customer_id",
                    "工单不能改到另一位客户名下 (a ticket cannot move to another customer)",
                )
            if values["satisfaction"] is not None and existing.status not in (
                TicketStatus.resolved,
                TicketStatus.closed,
            ):
                raise invalid("satisfaction", SATISFACTION_LATER)
            values["due_at"] = workflow.due_at(existing.created_at, values["severity"])
        return values

    def after_create(self, session: Session, viewer: Viewer, row: Ticket) -> None:
        workflow.add_event(
            session, row, None, TicketStatus.open, viewer.user.id, row.created_at, None
        )
        session.flush()

    def after_update(
        self, session: Session, viewer: Viewer, row: Ticket, before: dict[str, Any]
    ) -> None:
        now = utcnow()
        reassigned = None
        for field in (TicketField.technician_id, TicketField.severity):
            if field.value in before:
                old, new = before[field.value], getattr(row, field.value)
                event = workflow.add_change_event(
                    session, row, field, _text(old), _text(new), viewer.user.id, now
                )
                if field is TicketField.technician_id:
                    reassigned = event
        session.flush()
        if reassigned is not None and row.status == TicketStatus.dispatched:
            send_work_order(session, row, reassigned)  # the new technician is told

    def detail(self, session: Session, viewer: Viewer, row: Ticket) -> dict[str, Any]:
        events = session.execute(
            select(TicketEvent).where(TicketEvent.ticket_id == row.id).order_by(TicketEvent.seq)
        ).scalars()
        data = self.present(row, viewer, detail=True)
        data["events"] = [TicketEventOut.model_validate(e).model_dump(mode="json") for e in events]
        return data

    def transition(
        self, session: Session, viewer: Viewer, ticket_id: uuid.UUID, request: TransitionIn
    ) -> Ticket:
        ticket = self.get(session, viewer, ticket_id)
        self.ensure_local(ticket, viewer)
        target = request.to
        if viewer.user.role == Role.technician and target not in workflow.TECHNICIAN_MOVES:
            raise PermissionDenied(
                "装维人员只能开始处理或解决自己的工单 "
                "(a technician may only start or resolve their own tickets)"
            )
        if not workflow.allowed(ticket.status, target):
            raise Conflict(
                f"工单不能从 {ticket.status} 变为 {target.value} "
                f"(a ticket cannot go from {ticket.status} to {target.value})"
            )
        if request.technician_id is not None:
            if viewer.user.role == Role.technician and request.technician_id != viewer.user.id:
                raise PermissionDenied(
                    "装维人员不能改派工单，请找调度 "
                    "(a technician cannot reassign a ticket; ask a dispatcher)"
                )
            _check_technician(session, request.technician_id, field="technician_id")
            reassigned_from = ticket.technician_id
            ticket.technician_id = request.technician_id
            if reassigned_from not in (None, request.technician_id):
                workflow.add_change_event(
                    session,
                    ticket,
                    TicketField.technician_id,
                    _text(reassigned_from),
                    _text(request.technician_id),
                    viewer.user.id,
                    utcnow(),
                )
        if target is TicketStatus.dispatched and ticket.technician_id is None:
            raise invalid("technician_id", "派单需要选择维修人员 (dispatching needs a technician)")
        previous = ticket.status
        now = utcnow()
        workflow.apply_transition(ticket, target, now)
        event = workflow.add_event(
            session, ticket, previous, target, viewer.user.id, now, request.note
        )
        session.flush()
        if target is TicketStatus.dispatched:
            send_work_order(session, ticket, event)  # same transaction as the dispatch
        return ticket


def _check_technician(
    session: Session, technician_id: uuid.UUID | None, field: str = "technician_id"
) -> None:
    user = live_row(session, User, technician_id, field)
    if user is not None and user.role != Role.technician:
        raise invalid(
            field, f"用户 {user.username} 不是装维人员 (user {user.username} is not a technician)"
        )


def _text(value: uuid.UUID | str | None) -> str | None:
    return None if value is None else str(value)
