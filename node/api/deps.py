"""Request-scoped dependencies: the unit of work, the caller (a request turned into a
`node.auth.viewer.Viewer`), and permission checks."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated, Any
from weakref import WeakKeyDictionary, WeakSet

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from node.auth.permissions import Perm
from node.auth.viewer import Viewer, viewer_for_token
from node.db.unit_of_work import Database
from node.errors import NUL_REASON, AuthenticationFailed, InvalidFields, PermissionDenied

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# The GET endpoints that write, and the permission each check made by `require` needs:
# kept here by function rather than as attributes set on the functions, so both are
# typed. Weak, so they keep no app's routes alive (the tests build many apps).
_WRITING_READS: WeakSet[Callable[..., Any]] = WeakSet()
_PERMISSION_CHECKS: WeakKeyDictionary[Callable[..., Any], Perm] = WeakKeyDictionary()


def writes_on_read(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a GET endpoint that writes (an audit row), so it gets a write transaction."""
    _WRITING_READS.add(endpoint)
    return endpoint


def _wants_write(request: Request) -> bool:
    route = request.scope.get("route")
    # `in` is False for what cannot be weakly referenced (None: a route without one)
    marked = getattr(route, "endpoint", None) in _WRITING_READS
    return marked or request.method not in SAFE_METHODS


def refuse_nul_parameters(request: Request) -> None:
    """Refuse a NUL character in any query or path parameter, naming it (422).

    An app-wide dependency: PostgreSQL refuses NUL in text, so a filter or search term
    holding one would otherwise fail as a 500 on whatever route it reaches.
    """
    params = [*request.query_params.multi_items(), *request.path_params.items()]
    bad = {name: NUL_REASON for name, value in params if "\x00" in str(value)}
    if bad:
        raise InvalidFields(bad)


def get_session(request: Request) -> Iterator[Session]:
    """The request's one transaction: committed after the endpoint returns, before the
    response is sent (scope="function"), rolled back on any error."""
    db: Database = request.app.state.db
    with db.unit_of_work(write=_wants_write(request)) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise AuthenticationFailed("missing bearer token: log in at POST /api/v1/auth/login")
    return token.strip()


def current_viewer(request: Request, session: SessionDep) -> Viewer:
    viewer = viewer_for_token(session, _bearer(request), client_ip(request))
    if viewer is None:
        raise AuthenticationFailed("token is invalid, expired or revoked: log in again")
    return viewer


ViewerDep = Annotated[Viewer, Depends(current_viewer)]


def require(perm: Perm) -> Callable[[Viewer], Viewer]:
    """A dependency that lets the request through only with `perm`."""

    def _check(viewer: ViewerDep) -> Viewer:
        if not viewer.can(perm):
            raise PermissionDenied(f"role {viewer.user.role} may not do this (needs {perm.value})")
        return viewer

    _PERMISSION_CHECKS[_check] = perm  # the OpenAPI lists its 403
    return _check


def required_permission(call: Callable[..., Any] | None) -> Perm | None:
    """The permission `call` checks if `require` made it, else None."""
    return _PERMISSION_CHECKS.get(call) if call is not None and call in _PERMISSION_CHECKS else None
