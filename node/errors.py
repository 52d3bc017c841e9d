"""Domain errors. Services raise these; the API maps them to HTTP, the CLI to exit codes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

# PostgreSQL refuses NUL in text, so every boundary refuses it with this reason.
NUL_REASON = "must not contain NUL characters (\\x00)"


class DomainError(Exception):
    status_code = 400
    code = "bad_request"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    status_code = 404
    code = "not_found"


class Conflict(DomainError):
    status_code = 409
    code = "conflict"


class Taken(Conflict):
    """A unique value another row holds, a deleted row too: names the field and the row."""

    def __init__(self, message: str, field: str, holder_id: str) -> None:
        super().__init__(message)
        self.fields = {field: message}
        self.holder_id = holder_id


class PayloadTooLarge(DomainError):
    """An upload larger than this node takes; the message names the field and the limit."""

    status_code = 413
    code = "too_large"


class PermissionDenied(DomainError):
    status_code = 403
    code = "forbidden"


class AuthenticationFailed(DomainError):
    status_code = 401
    code = "unauthenticated"


class TooManyAttempts(DomainError):
    status_code = 429
    code = "too_many_attempts"


class InvalidFields(DomainError):
    """One or more input fields are wrong; each is named with its reason."""

    status_code = 422
    code = "invalid"

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def invalid(field: str, reason: str) -> InvalidFields:
    return InvalidFields({field: reason})


def field_name(loc: tuple) -> str:
    """The name a pydantic error location is reported under (`items.0.name`)."""
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def validation_fields(errors: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Field name -> first message, from pydantic's error list (request or model)."""
    fields: dict[str, str] = {}
    for err in errors:
        fields.setdefault(field_name(tuple(err.get("loc", ()))), err.get("msg", "invalid"))
    return fields
