"""The OpenAPI document lists the errors each operation answers, in the error body's shape.

Most are derived from the route itself: a route that needs a bearer token can answer
401, one that needs a permission 403, one with a path id 404, one with parameters or
a body 422. Routers declare the rest (409 on writes, 429 on login) with `errors()`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import fastapi.routing
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field

from node.api.deps import current_viewer, required_permission

ERROR_REF = {"$ref": "#/components/schemas/ErrorBody"}
DESCRIPTIONS = {
    400: "The request cannot be used as sent (a body that is not JSON, a bad batch)",
    401: "No valid bearer token: log in at POST /api/v1/auth/login",
    403: "The caller's role lacks the permission this needs",
    404: "No such row, or not one this caller may see",
    409: "Conflicts with the stored state (a key another row holds, a read-only copy...)",
    413: "The body is larger than this node accepts",
    422: "Invalid input: error.fields names each bad field with its reason",
    429: "Too many failed attempts; try again later",
}


class ErrorDetail(BaseModel):
    code: str = Field(description="machine-readable: invalid, not_found, conflict...")
    message: str = Field(description="for people: what is wrong and what to do")
    fields: dict[str, str] | None = Field(None, description="bad field -> reason")


class ErrorBody(BaseModel):
    """Every error the API answers has this shape."""

    error: ErrorDetail


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route or router that answers these error statuses too."""
    return {status: {"description": DESCRIPTIONS[status]} for status in statuses}


def _dependencies(dependant: Dependant) -> Iterator[Dependant]:
    for sub in dependant.dependencies:
        yield sub
        yield from _dependencies(sub)


def _api_routes(routes: list[Any]) -> Iterator[Any]:
    """The documented API routes, as mounted (FastAPI >= 0.16x nests included routers
    and gives each route's effective prefix and dependencies through a RouteContext)."""
    contexts = getattr(fastapi.routing, "iter_route_contexts", None)
    for route in contexts(routes) if contexts else routes:
        original = getattr(route, "original_route", route)
        if isinstance(original, APIRoute) and route.include_in_schema:
            yield route


def _needs_bearer(route: APIRoute) -> bool:
    return any(sub.call is current_viewer for sub in _dependencies(route.dependant))


def derived_errors(route: APIRoute) -> set[int]:
    """The error statuses a route's dependencies and parameters imply."""
    calls = {sub.call for sub in _dependencies(route.dependant)}
    found: set[int] = set()
    if _needs_bearer(route):
        found.add(401)
    if any(required_permission(call) is not None for call in calls):
        found.add(403)
    dependant = route.dependant
    if dependant.path_params:
        found.add(404)
    if dependant.path_params or dependant.query_params or dependant.body_params:
        found.add(422)
    if dependant.body_params:
        found.add(400)  # FastAPI's answer to a body it cannot parse at all
    return found


def _document(operation: dict[str, Any], statuses: set[int], bearer: bool) -> None:
    responses = operation.setdefault("responses", {})
    statuses |= {int(s) for s in responses if s.isdigit() and 400 <= int(s) < 500}
    for status in sorted(statuses):
        described = responses.get(str(status), {}).get("description")
        responses[str(status)] = {
            "description": described or DESCRIPTIONS.get(status, "Error"),
            "content": {"application/json": {"schema": ERROR_REF}},
        }
    if bearer:  # login's 401 and federation's signed requests take no bearer token
        operation["security"] = [{"bearer": []}]


def document_errors(schema: dict[str, Any], routes: list[Any]) -> None:
    """Add each operation's error responses (ErrorBody) and the bearer scheme to `schema`."""
    components = schema.setdefault("components", {})
    body = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
    components.setdefault("schemas", {}).update(body.pop("$defs", {}), ErrorBody=body)
    components["securitySchemes"] = {"bearer": {"type": "http", "scheme": "bearer"}}
    for route in _api_routes(routes):
        path = schema["paths"].get(route.path_format, {})
        for method in route.methods:
            if operation := path.get(method.lower()):
                _document(operation, derived_errors(route), _needs_bearer(route))
    for unused in ("HTTPValidationError", "ValidationError"):
        components["schemas"].pop(unused, None)  # FastAPI's 422 shape; ours is ErrorBody


def install_openapi(app: FastAPI) -> None:
    """Make `app.openapi()` return the document with its error responses filled in."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        schema = app.openapi_schema
        if schema is None:
            schema = generate()  # which caches it on the app
            document_errors(schema, app.routes)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented hook
