"""Every error leaves the API as JSON with a human-readable message (never a bare 500)."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from node.db.stamping import ForeignRowError
from node.errors import DomainError, InvalidFields, validation_fields

log = logging.getLogger("fedcrm.api")


def error_body(code: str, message: str, fields: dict[str, str] | None = None) -> dict:
    body: dict = {"error": {"code": code, "message": message}}
    if fields:
        body["error"]["fields"] = fields
    return body


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        fields = validation_fields(list(exc.errors()))
        message = "invalid input: " + "; ".join(f"{k}: {v}" for k, v in fields.items())
        return JSONResponse(error_body("invalid", message, fields), status_code=422)

    @app.exception_handler(InvalidFields)
    async def _invalid(_: Request, exc: InvalidFields) -> JSONResponse:
        return JSONResponse(
            error_body(exc.code, "invalid input: " + exc.message, exc.errors), status_code=422
        )

    @app.exception_handler(DomainError)
    async def _domain(_: Request, exc: DomainError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None
        fields = getattr(exc, "fields", None)  # Taken names the field a holder has
        return JSONResponse(
            error_body(exc.code, exc.message, fields),
            status_code=exc.status_code,
            headers=headers,
        )

    @app.exception_handler(ForeignRowError)
    async def _foreign(_: Request, exc: ForeignRowError) -> JSONResponse:
        return JSONResponse(error_body("foreign_row", str(exc)), status_code=409)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse(
            error_body("http_error", str(exc.detail)),
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse(
            error_body("internal", "internal error; the operator can find it in the node log"),
            status_code=500,
        )
