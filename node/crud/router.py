"""Build the standard REST routes of a Resource: list, get, create, patch, delete."""

# No `from __future__ import annotations`: FastAPI reads these annotations at runtime,
# and they refer to the schemas of the resource being built.
import uuid
from types import GenericAlias
from typing import TYPE_CHECKING, Annotated, Any, TypeAlias

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, ConfigDict, Field, create_model

from node.api.deps import SessionDep, require, writes_on_read
from node.api.openapi import errors
from node.api.pagination import DEFAULT_LIMIT, MAX_LIMIT
from node.auth.viewer import Viewer
from node.crud.resource import Resource
from node.crud.schemas import StorableInput
from node.history.service import HistoryOut


def list_query_model(resource: Resource) -> type[BaseModel]:
    """The query parameters of the list route; unknown parameters are refused (422)."""
    fields: dict[str, Any] = {
        "limit": (int, Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)),
        "cursor": (str | None, None),
        "order_by": (str | None, Field(None, description=f"one of {resource.order_fields}")),
    }
    for name, annotation in resource.filter_fields.items():
        fields[name] = (annotation | None, None)
    return create_model(
        f"{resource.path.title().replace('-', '')}ListQuery", __base__=_ListQuery, **fields
    )


class _ListQuery(StorableInput):
    model_config = ConfigDict(extra="forbid")


class _NoOptions(StorableInput):
    """A create without query parameters (most): any given is refused, naming it."""

    model_config = ConfigDict(extra="forbid")


def page_model(resource: Resource) -> type[BaseModel]:
    fields: dict[str, Any] = {
        # list[read_schema], spelt out: a type expression cannot name a runtime value
        "data": (GenericAlias(list, (resource.read_schema,)), ...),
        "next_cursor": (str | None, None),
    }
    return create_model(f"{resource.read_schema.__name__}Page", **fields)


def crud_router(resource: Resource, *, writable: bool = True) -> APIRouter:
    router = APIRouter(prefix=f"/api/v1/{resource.path}", tags=[resource.path])
    # FastAPI reads the endpoints' annotations at run time, so they name the models of
    # this resource; a type checker cannot know classes made at run time and sees the
    # BaseModel each of them is.
    if TYPE_CHECKING:
        Query_: TypeAlias = BaseModel
        CreateQuery: TypeAlias = BaseModel
        Create: TypeAlias = BaseModel
        Update: TypeAlias = BaseModel
    else:
        Query_ = list_query_model(resource)
        CreateQuery = resource.create_query or _NoOptions
        Create = resource.create_schema
        Update = resource.update_schema
    Read = resource.read_schema
    reader = Annotated[Viewer, Depends(require(resource.read_perm))]
    writer = Annotated[Viewer, Depends(require(resource.write_perm))]
    controls = {"limit", "cursor", "order_by"}

    @router.get("", response_model=page_model(resource), summary=f"List {resource.path}")
    def list_rows(query: Annotated[Query_, Query()], viewer: reader, session: SessionDep):
        params = query.model_dump()
        filters = {k: v for k, v in params.items() if k not in controls}
        page = resource.list(
            session, viewer, filters, params["limit"], params["cursor"], params["order_by"]
        )
        return {"data": page.data, "next_cursor": page.next_cursor}

    @router.get(
        "/{item_id}",
        response_model=resource.detail_schema or Read,
        # Parts a viewer may not see are left out of the detail, not sent as null.
        response_model_exclude_unset=True,
        summary=f"Get one {resource.entity}",
    )
    def get_row(item_id: uuid.UUID, viewer: reader, session: SessionDep):
        return resource.detail(session, viewer, resource.get(session, viewer, item_id))

    if resource.detail_writes:
        writes_on_read(get_row)

    if resource.keeps_history:

        @router.get(
            "/{item_id}/history",
            response_model=HistoryOut,
            summary=f"Field changes of one {resource.entity}, newest first",
        )
        def row_history(item_id: uuid.UUID, viewer: reader, session: SessionDep):
            row = resource.get(session, viewer, item_id)
            return {"data": resource.history(session, viewer, [row.id])}

    if not writable:
        return router

    @router.post(
        "",
        response_model=Read,
        status_code=201,
        summary=f"Create a {resource.entity}",
        responses=errors(409),
    )
    def create_row(
        body: Create,
        viewer: writer,
        session: SessionDep,
        options: Annotated[CreateQuery, Query()],
    ):
        row = resource.create(session, viewer, body, **options.model_dump(exclude_none=True))
        return resource.present(row, viewer, detail=True)

    @router.patch(
        "/{item_id}",
        response_model=Read,
        summary=f"Change a {resource.entity}",
        responses=errors(409),
    )
    def update_row(item_id: uuid.UUID, body: Update, viewer: writer, session: SessionDep):
        row = resource.update(session, viewer, item_id, body)
        return resource.present(row, viewer, detail=True)

    @router.delete(
        "/{item_id}",
        status_code=204,
        summary=f"Delete (tombstone) a {resource.entity}",
        responses=errors(409),
    )
    def delete_row(item_id: uuid.UUID, viewer: writer, session: SessionDep):
        resource.delete(session, viewer, item_id)
        return Response(status_code=204)

    return router
