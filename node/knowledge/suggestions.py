"""Suggested articles (issue 22 §3): the articles a reader may see whose tags name a
ticket's kind or a product the customer subscribes to, beside a ticket and on the 360.

A tag is matched whole: "宽带" suggests an article tagged 宽带, never one tagged 宽带提速.
Tags are a JSON list in a text column (no table of their own), so the database narrows
by the quoted code in that text and Python keeps only the articles holding the tag.

Rank: articles matching both a kind and a product, then a kind, then a product; within
each, must-read first, then the most recently published.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

import orjson
from sqlalchemy import ColumnElement, case, false, or_, select
from sqlalchemy.orm import Session

from node.knowledge.articles import published_titles, tags_of, visible_now
from node.knowledge.audiences import Reach, reached
from node.knowledge.models import KbArticle, KbFolder
from node.products.models import Product
from node.subscriptions.models import Subscription, SubscriptionStatus
from node.tickets.models import OPEN_TICKET_STATES, Ticket

DEFAULT_LIMIT = 5
# Candidates read per suggestion shown: a text match that is no whole tag (a quote
# inside another tag, SQLite's case-blind LIKE) is dropped in Python, so the database
# is asked for more than is shown.
ROOM = 4
EXTRA_ROOM = 20
# Codes looked for at most: a customer with more products or ticket kinds than this is
# matched on the first ones (sorted), so one request stays one bounded query.
MAX_CODES = 50
_LIKE_ESCAPE = "\\"


@dataclass(frozen=True)
class Suggestion:
    """One suggested article, the title readers see, and the codes its tags matched."""

    article: KbArticle
    title: str
    folder: str
    kinds: tuple[str, ...]
    products: tuple[str, ...]


@dataclass(frozen=True)
class Wanted:
    """The codes an article's tags are matched against."""

    kinds: frozenset[str]
    products: frozenset[str]


def _like_literal(text: str) -> str:
    """`text` as a LIKE pattern matching itself only (escape character backslash)."""
    for char in (_LIKE_ESCAPE, "%", "_"):
        text = text.replace(char, _LIKE_ESCAPE + char)
    return text


def _quoted_forms(code: str) -> set[str]:
    """How `code` may stand as a JSON string in the tags text: as this node writes it
    (orjson, UTF-8 as is) and ASCII-escaped (json.dumps' default), double quote included."""
    return {orjson.dumps(code).decode(), json.dumps(code)}


def has_tag(code: str) -> ColumnElement[bool]:
    """The articles whose tags text holds `code` as a quoted JSON string: a superset of
    those tagged `code` (checked whole in Python by `_matched`)."""
    patterns = sorted(_quoted_forms(code))
    return or_(
        *(KbArticle.tags.like(f"%{_like_literal(form)}%", escape=_LIKE_ESCAPE) for form in patterns)
    )


def _any_tag(codes: Iterable[str]) -> ColumnElement[bool]:
    conditions = [has_tag(code) for code in sorted(codes)]
    return or_(*conditions) if conditions else false()


def _bounded(codes: Iterable[str]) -> frozenset[str]:
    return frozenset(sorted({c for c in codes if c})[:MAX_CODES])


def live_product_codes(session: Session, customer_id: uuid.UUID) -> frozenset[str]:
    """The product codes of the customer's live subscriptions (not ended, not deleted)."""
    stmt = (
        select(Product.code)
        .join(Subscription, Subscription.product_id == Product.id)
        .where(
            Subscription.customer_id == customer_id,
            Subscription.deleted_at.is_(None),
            Subscription.status != SubscriptionStatus.ended.value,
        )
        .distinct()
    )
    return _bounded(session.execute(stmt).scalars())


def open_ticket_kinds(session: Session, customer_id: uuid.UUID) -> frozenset[str]:
    """The kind codes of the customer's open tickets (as the 360 counts them open)."""
    stmt = (
        select(Ticket.kind)
        .where(
            Ticket.customer_id == customer_id,
            Ticket.deleted_at.is_(None),
            Ticket.status.in_([s.value for s in OPEN_TICKET_STATES]),
        )
        .distinct()
    )
    return _bounded(session.execute(stmt).scalars())


def wanted_for_ticket(session: Session, ticket: Ticket) -> Wanted:
    """The ticket's kind and the products its customer subscribes to."""
    products = live_product_codes(session, ticket.customer_id)
    return Wanted(kinds=_bounded([ticket.kind]), products=products)


def wanted_for_customer(session: Session, customer_id: uuid.UUID) -> Wanted:
    """The kinds of the customer's open tickets and the products it subscribes to."""
    kinds = open_ticket_kinds(session, customer_id)
    return Wanted(kinds=kinds, products=live_product_codes(session, customer_id))


def suggest_for_ticket(
    session: Session, ticket: Ticket, reach: Reach, limit: int = DEFAULT_LIMIT
) -> list[Suggestion]:
    """Up to `limit` visible articles (for the audiences `reach` holds) tagged with the
    ticket's kind or a product of its customer's live subscriptions, the best first."""
    return suggest(session, wanted_for_ticket(session, ticket), reach, limit)


def suggest_for_customer(
    session: Session, customer_id: uuid.UUID, reach: Reach, limit: int = DEFAULT_LIMIT
) -> list[Suggestion]:
    """Up to `limit` visible articles (for the audiences `reach` holds) tagged with a
    product of the customer's live subscriptions or the kind of one of its open
    tickets, the best match first."""
    return suggest(session, wanted_for_customer(session, customer_id), reach, limit)


def _rank(s: Suggestion) -> tuple[int, bool, float, str]:
    tier = 0 if s.kinds and s.products else 1 if s.kinds else 2
    published = s.article.published_at
    newest = -published.timestamp() if published is not None else 0.0
    return (tier, not s.article.must_read, newest, s.article.id.hex)


def suggest(
    session: Session, wanted: Wanted, reach: Reach, limit: int = DEFAULT_LIMIT
) -> list[Suggestion]:
    """Up to `limit` articles readers may see now (of the audiences `reach` holds) whose
    tags hold one of the wanted codes whole, ranked as the module says."""
    if limit < 1 or not (wanted.kinds or wanted.products):
        return []
    kind_hit, product_hit = _any_tag(wanted.kinds), _any_tag(wanted.products)
    # The same order as `_rank`, so the rows read are the best candidates.
    tier = case((kind_hit & product_hit, 0), (kind_hit, 1), else_=2)
    stmt = (
        select(KbArticle, KbFolder.name)
        .join(KbFolder, KbFolder.id == KbArticle.folder_id)
        .where(*visible_now(), *reached(reach), or_(kind_hit, product_hit))
        .order_by(
            tier,
            KbArticle.must_read.desc(),
            KbArticle.published_at.desc().nulls_last(),
            KbArticle.id,
        )
        .limit(limit * ROOM + EXTRA_ROOM)
    )
    rows = session.execute(stmt).all()
    titles = published_titles(session, [article for article, _ in rows])
    found = []
    for article, folder in rows:
        tags = set(tags_of(article))
        kinds, products = tags & wanted.kinds, tags & wanted.products
        if kinds or products:
            title = titles.get(article.id, article.title)
            found.append(
                Suggestion(article, title, folder, tuple(sorted(kinds)), tuple(sorted(products)))
            )
    return sorted(found, key=_rank)[:limit]
