"""Staff users: admins manage them; passwords are argon2id hashes, never returned."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field
from sqlalchemy.orm import Session

from node.auth.accounts import Role, User
from node.auth.passwords import MIN_PASSWORD_LENGTH, hash_password
from node.auth.permissions import Perm
from node.auth.viewer import Viewer
from node.crud.constraints import check_unique, fit_columns
from node.crud.resource import Resource, validate_model
from node.crud.schemas import ReplicatedRead, StrictInput, partial
from node.dictionaries.lookup import dictionary_entry
from node.dictionaries.models import DictionaryKind
from node.errors import invalid

USERNAME_PATTERN = r"^[A-Za-z0-9_.\-]{2,64}$"


class UserIn(StrictInput):
    username: str = Field(pattern=USERNAME_PATTERN)
    display_name: str = Field(min_length=1, max_length=100)
    role: Role
    service_area: str | None = None
    active: bool = True
    password: str | None = Field(None, min_length=MIN_PASSWORD_LENGTH, max_length=200)


class UserOut(ReplicatedRead):
    username: str
    display_name: str
    role: str
    service_area: str | None
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
    filter_fields: ClassVar[dict[str, Any]] = {"role": Role, "service_area": str, "active": bool}
    order_fields = ("created_at", "username")
    default_order = "username"

    def check_values(
        self, session: Session, viewer: Viewer, values: dict[str, Any], existing: User | None
    ) -> dict[str, Any]:
        return check_user_values(session, values, existing)


def check_user_values(
    session: Session, values: dict[str, Any], existing: User | None
) -> dict[str, Any]:
    """Validate a user's fields and turn a given password into its hash."""
    dictionary_entry(
        session, DictionaryKind.service_area, values.get("service_area"), "service_area"
    )
    password = values.pop("password", None)
    if existing is None:
        if not password:
            raise invalid("password", f"required, at least {MIN_PASSWORD_LENGTH} characters")
    elif values["username"] != existing.username:
        raise invalid("username", "cannot change; create a new user and deactivate this one")
    if password:
        values["password_hash"] = hash_password(password)
    return values


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
