"""Logging in and out, resolving bearer tokens, and limiting failed attempts."""

from __future__ import annotations

import hashlib
import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import SQLColumnExpression, func, select
from sqlalchemy.orm import Session

from node.audit.service import record
from node.auth.accounts import User
from node.auth.models import AccessToken, LoginAttempt
from node.auth.passwords import verify_password
from node.db.types import utcnow
from node.settings import AuthSection

log = logging.getLogger("fedcrm.auth")


@dataclass(frozen=True)
class LoginResult:
    token: str | None = None
    expires_in: int = 0
    failure: str | None = None  # "invalid" or "rate_limited"


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _failures_since(
    session: Session, column: SQLColumnExpression[str | None], value: str, hours: int = 1
) -> int:
    since = utcnow() - timedelta(hours=hours)
    stmt = select(func.count()).where(
        column == value, LoginAttempt.success.is_(False), LoginAttempt.at >= since
    )
    return int(session.execute(stmt).scalar_one())


def _rate_limited(session: Session, username: str, ip: str | None, limits: AuthSection) -> bool:
    if _failures_since(session, LoginAttempt.username, username) >= (
        limits.max_failed_logins_per_account_per_hour
    ):
        return True
    return ip is not None and _failures_since(session, LoginAttempt.ip, ip) >= (
        limits.max_failed_logins_per_address_per_hour
    )


def login(
    session: Session, username: str, password: str, ip: str | None, limits: AuthSection
) -> LoginResult:
    """Check credentials and issue a token. Every decision is recorded and audited.

    Returns a result instead of raising so the caller commits the failed attempt
    (the rate limit counts it) before answering 401 or 429.
    """
    if _rate_limited(session, username, ip, limits):
        session.add(LoginAttempt(username=username, ip=ip, success=False))
        record(session, "auth.login.rate_limited", actor=username, ip=ip)
        log.warning("login refused (rate limit) user=%r ip=%r", username, ip)
        return LoginResult(failure="rate_limited")
    local = session.info["node_code"]
    user = session.execute(
        select(User).where(User.username == username, User.origin == local)
    ).scalar_one_or_none()
    usable = user is not None and user.active and user.deleted_at is None
    if not verify_password(user.password_hash if user is not None and usable else None, password):
        session.add(LoginAttempt(username=username, ip=ip, success=False))
        record(session, "auth.login.failed", actor=username, ip=ip)
        log.info("login failed user=%r ip=%r", username, ip)  # %r: no forged lines
        return LoginResult(failure="invalid")
    assert user is not None
    token = secrets.token_urlsafe(32)
    ttl = limits.token_ttl_seconds
    session.add(
        AccessToken(
            token_hash=_token_hash(token),
            user_id=user.id,
            expires_at=utcnow() + timedelta(seconds=ttl),
        )
    )
    session.add(LoginAttempt(username=username, ip=ip, success=True))
    record(session, "auth.login.succeeded", actor_id=user.id, actor=username, ip=ip)
    log.info("login succeeded user=%r ip=%r", username, ip)
    return LoginResult(token=token, expires_in=ttl)


def user_for_token(session: Session, token: str) -> User | None:
    """The active user a live (unexpired, unrevoked) token belongs to, else None."""
    row = session.get(AccessToken, _token_hash(token))
    if row is None or row.revoked_at is not None or row.expires_at <= utcnow():
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.active or user.deleted_at is not None:
        return None
    return user


def logout(session: Session, token: str, ip: str | None) -> None:
    row = session.get(AccessToken, _token_hash(token))
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()
        record(session, "auth.logout", actor_id=row.user_id, ip=ip)


def revoke_tokens(session: Session, user_id: uuid.UUID, keep: str | None = None) -> int:
    """Revoke every live token of `user_id` except `keep` (the caller's own session when
    they change their own password); returns how many were revoked."""
    stmt = select(AccessToken).where(
        AccessToken.user_id == user_id,
        AccessToken.revoked_at.is_(None),
        AccessToken.expires_at > utcnow(),
    )
    kept = _token_hash(keep) if keep else None
    revoked = 0
    for row in session.execute(stmt).scalars():
        if row.token_hash != kept:
            row.revoked_at = utcnow()
            revoked += 1
    return revoked
