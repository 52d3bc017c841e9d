"""Who is asking: the signed-in user, their rights and where they ask from.

Free of any web framework, so domain services can know who is asking without
importing the API layer; `node.api.deps` turns a request into a Viewer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from node.auth.accounts import Role, User
from node.auth.permissions import AREA_SCOPED_ROLES, ROLE_PERMISSIONS, Perm
from node.auth.service import user_for_token


@dataclass
class Viewer:
    """Who is asking, with what rights, from where."""

    user: User
    node_code: str
    ip: str | None
    perms: frozenset[Perm] = field(default_factory=frozenset)
    token: str | None = None

    def can(self, perm: Perm) -> bool:
        return perm in self.perms

    @property
    def area(self) -> str | None:
        """The service area this viewer's reads are limited to, if any."""
        if Role(self.user.role) in AREA_SCOPED_ROLES:
            return self.user.service_area
        return None


def viewer_for_token(session: Session, token: str, ip: str | None) -> Viewer | None:
    """Who holds `token` (API bearer or web session cookie), or None if it is not valid."""
    user = user_for_token(session, token)
    if user is None:
        return None
    return Viewer(
        user=user,
        node_code=session.info["node_code"],
        ip=ip,
        perms=ROLE_PERMISSIONS[Role(user.role)],
        token=token,
    )
