"""Which user of this node an agent field of the PBX names.

The PBX names a member as SIP/8001, PJSIP/8001, Agent/1001 or Local/8001@from-queue/n;
without its technology and @context it is matched by 分机 (extension), then by 工号
(agent_no)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from node.auth.accounts import User


def member_name(agent: str) -> str:
    """The PBX's member name without its technology, @context and channel suffix."""
    name = agent.split("/", 1)[1] if "/" in agent else agent
    return name.split("@", 1)[0].split("/", 1)[0].split("-", 1)[0].strip()


def agents_by_name(session: Session) -> dict[str, uuid.UUID]:
    """This node's users by every name the PBX may call them, 分机 winning over 工号."""
    users = session.execute(
        select(User.id, User.extension, User.agent_no).where(
            User.origin == session.info["node_code"], User.deleted_at.is_(None)
        )
    ).all()
    by_name: dict[str, uuid.UUID] = {}
    for user_id, _, agent_no in users:  # 工号 first, so a 分机 wins when both match
        if agent_no:
            by_name[agent_no] = user_id
    for user_id, extension, _ in users:
        if extension:
            by_name[extension] = user_id
    return by_name


def agent_groups(session: Session, agents: Iterable[str]) -> dict[str, str]:
    """The group (组) of each agent the PBX names, by the user it names; "" for none."""
    by_name = agents_by_name(session)
    groups = dict(
        session.execute(
            select(User.id, User.agent_group).where(User.origin == session.info["node_code"])
        ).all()
    )
    found: dict[str, str] = {}
    for agent in set(agents):
        user_id = by_name.get(member_name(agent))
        found[agent] = (groups.get(user_id) or "") if user_id else ""
    return found
