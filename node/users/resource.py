"""Staff users: admins manage them; passwords are argon2id hashes, never returned."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from node.auth.accounts import Role, User
from node.auth.password_policy import MAX_LENGTH, MIN_LENGTH, WeakPassword, check_password
from node.auth.passwords import hash_password
from node.auth.permissions import Perm
from node.auth.service import revoke_tokens
from node.auth.viewer import Viewer
from node.crud.constraints import check_unique, fit_columns
from node.crud.resource import Resource, validate_model
from node.crud.schemas import ReplicatedRead, StrictInput, partial
from node.customers.identifiers import normalize_phone
from node.dictionaries.lookup import dictionary_entry
from node.dictionaries.models import DictionaryKind
from node.errors import Conflict, NotFound, invalid

USERNAME_PATTERN = r"^[A-Za-z0-9_.\-]{2,64}$"
AGENT_NO_PATTERN = r"^[A-Za-z0-9]{1,20}$"  # 工号
EXTENSION_PATTERN = r"^[0-9]{2,10}$"  # 分机: the digits a PBX dials


class UserIn(StrictInput):
    username: str = Field(pattern=USERNAME_PATTERN)
    display_name: str = Field(min_length=1, max_length=100)
    role: Role
    service_area: str | None = None
    department: str | None = Field(None, max_length=40)
    agent_group: str | None = Field(None, max_length=40)
    agent_no: str | None = Field(None, pattern=AGENT_NO_PATTERN)
    extension: str | None = Field(None, pattern=EXTENSION_PATTERN)
    mobile: str | None = None
    active: bool = True
    # Length and strength: node.auth.password_policy, with a message naming the rule.
    password: str | None = Field(None, max_length=MAX_LENGTH)


class UserOut(ReplicatedRead):
    username: str
    display_name: str
    role: str
    service_area: str | None
    department: str | None
    agent_group: str | None
    agent_no: str | None
    extension: str | None
    mobile: str | None
    active: bool


class UserResource(Resource[User]):
    path = "users"
    entity = "user"
    model = User
    create_schema = UserIn
    update_schema = partial(UserIn, "UserPatch")
    read_schema = UserOut
    read_perm = Perm.users_read
    write_perm = Perm.users_write
    filter_fields: ClassVar[dict[str, Any]] = {
        "role": Role,
        "service_area": str,
        "department": str,
        "agent_group": str,
        "agent_no": str,
        "extension": str,
        "active": bool,
    }
    order_fields = ("created_at", "username")
    default_order = "username"

    def check_values(
        self, session: Session, viewer: Viewer, values: dict[str, Any], existing: User | None
    ) -> dict[str, Any]:
        values = check_user_values(session, values, existing)
        if existing is not None and not (values["active"] and values["role"] == Role.admin):
            keep_an_admin(session, existing)
        return values

    def after_update(
        self, session: Session, viewer: Viewer, row: User, before: dict[str, Any]
    ) -> None:
        if "password_hash" in before:
            # A new password ends every other session: whoever knew the old one is out.
            own = viewer.token if viewer.user.id == row.id else None
            revoke_tokens(session, row.id, keep=own)

    def check_delete(self, session: Session, viewer: Viewer, row: User) -> None:
        keep_an_admin(session, row)


def keep_an_admin(session: Session, leaving: User) -> None:
    """Conflict if `leaving` is the node's last active admin (deleted, deactivated or
    demoted, nobody could manage users any more)."""
    if not (leaving.active and leaving.role == Role.admin):
        return
    others = session.execute(
        select(func.count()).where(
            User.origin == session.info["node_code"],
            User.role == Role.admin,
            User.active.is_(True),
            User.deleted_at.is_(None),
            User.id != leaving.id,
        )
    ).scalar_one()
    if not others:
        raise Conflict(
            f"{leaving.username} 是本节点最后一个启用的管理员，不能删除、停用或降级 "
            "(the last active admin cannot be deleted, deactivated or demoted; "
            "make another user admin first)"
        )


def check_user_values(
    session: Session, values: dict[str, Any], existing: User | None
) -> dict[str, Any]:
    """Validate a user's fields and turn a given password into its hash."""
    dictionary_entry(
        session, DictionaryKind.service_area, values.get("service_area"), "service_area"
    )
    for kind in (DictionaryKind.service_department, DictionaryKind.agent_group):
        name = "department" if kind is DictionaryKind.service_department else "agent_group"
        dictionary_entry(session, kind, values.get(name), name)
    values["mobile"] = _mobile(values.get("mobile"))
    password = values.pop("password", None)
    if existing is None:
        if not password:
            raise invalid("password", f"必填，至少 {MIN_LENGTH} 个字符 (required)")
    elif values["username"] != existing.username:
        raise invalid("username", "cannot change; create a new user and deactivate this one")
    if password:
        try:
            check_password(password, values["username"])
        except WeakPassword as exc:
            raise invalid("password", str(exc)) from exc
        values["password_hash"] = hash_password(password)
    return values


def _mobile(value: str | None) -> str | None:
    """A mainland mobile number as 11 digits, whatever separators it was typed with."""
    if not value:
        return None
    try:
        number = normalize_phone(value)
    except ValueError:
        number = ""
    if len(number) != 11 or not number.startswith("1"):
        raise invalid("mobile", "不是有效的中国大陆手机号码 (not a mainland China mobile number)")
    return number


def add_user(
    session: Session,
    username: str,
    display_name: str,
    role: Role,
    password: str,
    service_area: str | None = None,
) -> User:
    """Create a user (CLI and demo path); same checks as the API."""
    payload = validate_model(
        UserIn,
        {
            "username": username,
            "display_name": display_name,
            "role": role,
            "service_area": service_area,
            "password": password,
        },
    )
    values = check_user_values(session, payload.model_dump(), None)
    # The API's create runs the same storage checks (a username taken, even by a
    # deleted user, is a 409 naming that user).
    fit_columns(User, values)
    check_unique(session, User, UserResource.entity, values)
    user = User(**values)
    session.add(user)
    session.flush()
    return user


def local_user(session: Session, username: str) -> User:
    """This node's own (not replicated, not deleted) user called `username`."""
    user = session.execute(
        select(User).where(
            User.origin == session.info["node_code"],
            User.username == username,
            User.deleted_at.is_(None),
        )
    ).scalar_one_or_none()
    if user is None:
        raise NotFound(f"本节点没有用户 {username} (no such user on this node)")
    return user


def change_password(session: Session, username: str, password: str) -> User:
    """Set a user's password (same policy as the API) and end every session they have."""
    user = local_user(session, username)
    try:
        check_password(password, username)
    except WeakPassword as exc:
        raise invalid("password", str(exc)) from exc
    user.password_hash = hash_password(password)
    revoke_tokens(session, user.id)
    return user


def set_active(session: Session, username: str, active: bool) -> User:
    """Enable or disable a user; disabling ends their sessions and never leaves the node
    without an active admin."""
    user = local_user(session, username)
    if not active:
        keep_an_admin(session, user)
        revoke_tokens(session, user.id)
    user.active = active
    return user
