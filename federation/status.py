"""Replication status of a node: its parent link and each child (CLI and API)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from federation.registry.models import Checkpoint, ChildNode, OutboxState, QuarantinedBatch
from federation.registry.topology import subtree_sql
from federation.sending.capture import backlog
from federation.sending.setup import has_parent
from node.db.types import utcnow
from node.db.unit_of_work import Database
from node.settings import NodeSettings
from schemas.wire import TABLE_ORDER


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _parent_address(settings: NodeSettings) -> str:
    fed = settings.federation
    if fed.transport == "sftp":
        return f"sftp://{fed.sftp_username}@{fed.sftp_host}:{fed.sftp_port}{fed.sftp_inbox}"
    return settings.node.parent_url or ""


def parent_status(db: Database, settings: NodeSettings) -> dict[str, Any] | None:
    if not has_parent(settings):
        return None
    tables: list[dict[str, Any]] = []
    up = subtree_sql(db.node_code)
    with db.unit_of_work(write=False) as session, db.engine.connect() as conn:
        states = {s.table_name: s for s in session.execute(select(OutboxState)).scalars()}
        for table in TABLE_ORDER:
            state = states.get(table)
            acked = state.acked_seq if state else 0
            tables.append(
                {
                    "table": table,
                    "acked_seq": acked,
                    "backlog_rows": backlog(conn, table, acked, up),
                    "last_success": _iso(state.last_success_at if state else None),
                    "last_error": state.last_error if state else None,
                }
            )
    successes = [t["last_success"] for t in tables if t["last_success"]]
    return {
        "url": _parent_address(settings),
        "transport": settings.federation.transport,
        "last_success": min(successes) if len(successes) == len(tables) else None,
        "backlog_rows": sum(t["backlog_rows"] for t in tables),
        "tables": tables,
    }


def children_status(db: Database) -> list[dict[str, Any]]:
    now = utcnow()
    out = []
    with db.unit_of_work(write=False) as session:
        rejected = dict(
            session.execute(
                select(QuarantinedBatch.sender, func.count()).group_by(QuarantinedBatch.sender)
            ).all()
        )
        for child in session.execute(select(ChildNode).order_by(ChildNode.code)).scalars():
            points = (
                session.execute(select(Checkpoint).where(Checkpoint.sender == child.code))
                .scalars()
                .all()
            )
            newest = max((p.newest_change_at for p in points if p.newest_change_at), default=None)
            last = max((p.last_batch_at for p in points if p.last_batch_at), default=None)
            out.append(
                {
                    "code": child.code,
                    "name": child.name,
                    "level": child.level,
                    "revoked": child.revoked_at is not None,
                    "last_batch_received": _iso(last),
                    "rows_applied": sum(p.rows_applied for p in points),
                    "lag_seconds": (now - newest).total_seconds() if newest else None,
                    "rejected_batches": rejected.get(child.code, 0),
                    "tables": {p.table_name: p.last_seq for p in points},
                }
            )
    return out


def node_status(db: Database, settings: NodeSettings) -> dict[str, Any]:
    return {
        "node": {
            "code": settings.node.code,
            "name": settings.node.name,
            "level": settings.node.level.value,
        },
        "parent": parent_status(db, settings),
        "children": children_status(db),
    }
