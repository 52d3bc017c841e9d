"""Signing in and out of the API: POST /api/v1/auth/login and /logout, GET /api/v1/auth/me.

The HTTP face of `node.auth.service`, kept with the accounts it answers about so auth
stays free of the web framework."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from node.api.deps import SessionDep, ViewerDep, client_ip
from node.api.errors import error_body
from node.api.openapi import errors
from node.auth import service
from node.crud.schemas import StorableInput
from node.users.resource import UserOut

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


class LoginIn(StorableInput):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=200)


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


@router.post("/login", response_model=TokenOut, responses=errors(401, 429))
def login(body: LoginIn, request: Request, session: SessionDep):
    limits = request.app.state.settings.auth
    result = service.login(session, body.username, body.password, client_ip(request), limits)
    # Returned, not raised, so the unit of work commits the failed attempt.
    if result.failure == "rate_limited":
        return JSONResponse(
            error_body("too_many_attempts", "too many failed logins; try again later"),
            status_code=429,
            headers={"Retry-After": "3600"},
        )
    if result.failure:
        return JSONResponse(
            error_body("unauthenticated", "wrong username or password"),
            status_code=401,
            headers={"WWW-Authenticate": "Bearer"},
        )
    return TokenOut(access_token=result.token or "", expires_in=result.expires_in)


@router.post("/logout", status_code=204)
def logout(viewer: ViewerDep, session: SessionDep) -> None:
    service.logout(session, viewer.token or "", viewer.ip)


@router.get("/me", response_model=UserOut)
def me(viewer: ViewerDep):
    return UserOut.model_validate(viewer.user)
