"""GET /api/v1/kb/suggestions: the articles suggested beside one ticket or on one
customer's 360 (node.knowledge.suggestions), for a reader of the knowledge base who
may also read that ticket or customer: the same permission and scope as
GET /api/v1/tickets/{id} and GET /api/v1/customers/{id}, so a ticket or customer the
caller cannot see is a 404 here too."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from node.api.deps import SessionDep, require
from node.api.openapi import errors
from node.auth.permissions import Perm
from node.auth.viewer import Viewer
from node.crud.schemas import StorableInput
from node.customers.resource import CustomerResource
from node.errors import InvalidFields, PermissionDenied
from node.knowledge.articles import tags_of
from node.knowledge.audiences import reach_of
from node.knowledge.suggestions import (
    DEFAULT_LIMIT,
    Suggestion,
    suggest_for_customer,
    suggest_for_ticket,
)
from node.tickets.resource import TicketResource

router = APIRouter(prefix="/api/v1/kb", tags=["knowledge base"])
Reader = Annotated[Viewer, Depends(require(Perm.kb_read))]
MAX_SUGGESTIONS = 20
ONE_OF = "give exactly one of ticket_id and customer_id"


class SuggestionQuery(StorableInput):
    ticket_id: uuid.UUID | None = Field(default=None, description="suggest beside this ticket")
    customer_id: uuid.UUID | None = Field(
        default=None, description="suggest on this customer's 360"
    )
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_SUGGESTIONS)


class SuggestionOut(BaseModel):
    id: uuid.UUID
    title: str = Field(description="the published version's title")
    kind: str
    tags: list[str]
    must_read: bool
    folder_id: uuid.UUID
    folder: str = Field(description="the name of the article's folder")
    published_at: datetime | None
    matched_kinds: list[str] = Field(description="the ticket kind codes its tags name")
    matched_products: list[str] = Field(description="the product codes its tags name")


class SuggestionsOut(BaseModel):
    data: list[SuggestionOut] = Field(description="the best match first")


def _out(s: Suggestion) -> dict[str, Any]:
    article = s.article
    return {
        "id": article.id,
        "title": s.title,
        "kind": article.kind,
        "tags": tags_of(article),
        "must_read": article.must_read,
        "folder_id": article.folder_id,
        "folder": s.folder,
        "published_at": article.published_at,
        "matched_kinds": list(s.kinds),
        "matched_products": list(s.products),
    }


def _need(viewer: Viewer, perm: Perm) -> None:
    if not viewer.can(perm):
        raise PermissionDenied(f"role {viewer.user.role} may not do this (needs {perm.value})")


def _one_of(query: SuggestionQuery) -> None:
    """Refuse (422 naming both) neither or both of ticket_id and customer_id."""
    if (query.ticket_id is None) == (query.customer_id is None):
        raise InvalidFields({"ticket_id": ONE_OF, "customer_id": ONE_OF})


@router.get("/suggestions", response_model=SuggestionsOut, responses=errors(404))
def suggestions(
    query: Annotated[SuggestionQuery, Query()], viewer: Reader, session: SessionDep
) -> dict[str, Any]:
    """Articles whose tags name the ticket's kind or a product of its customer's live
    subscriptions (`ticket_id`), or the products and open tickets' kinds of a customer
    (`customer_id`): both first, then the kind, then a product; must-read, then the
    newest first. Needs kb:read and the right to read that ticket or customer (404 for
    one the caller may not see)."""
    _one_of(query)
    if query.ticket_id is not None:
        tickets = TicketResource()
        _need(viewer, tickets.read_perm)
        ticket = tickets.get(session, viewer, query.ticket_id)
        found = suggest_for_ticket(session, ticket, reach_of(session, viewer), query.limit)
    else:
        assert query.customer_id is not None  # _one_of
        customers = CustomerResource()
        _need(viewer, customers.read_perm)
        customer = customers.get(session, viewer, query.customer_id)
        reach = reach_of(session, viewer)
        found = suggest_for_customer(session, customer.id, reach, query.limit)
    return {"data": [_out(s) for s in found]}
