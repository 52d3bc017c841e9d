"""群组: named audiences an article can be limited to, and what a reader may reach.

An article with no audience is for every reader; with one, only for readers the
audience's rule reaches (node.knowledge.audience_rules). Editors (kb:write) see every
article whatever its audience: they write and review them. Audiences are few (a node's
editors name them), so a reader's reach is worked out in Python once a request, and the
database filters articles by a list of audience ids.

An audience travels down inside the publications of the articles that use it, so a node
below holds a read-only copy with the same id and its owner's code."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

import orjson
from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from node.api.pagination import keyset_page
from node.auth.accounts import Role
from node.auth.permissions import ROLE_PERMISSIONS, Perm
from node.auth.viewer import Viewer
from node.db.types import utcnow
from node.dictionaries.lookup import dictionary_entry
from node.dictionaries.models import DictionaryKind
from node.divisions import level_of
from node.errors import Conflict, NotFound, invalid
from node.knowledge.audience_rules import (
    DIMENSIONS,
    AudienceRule,
    ReaderFacts,
    reaches,
    rule_of,
)
from node.knowledge.models import KbArticle, KbAudience
from node.knowledge.ownership import ensure_own
from node.knowledge.publications import sync_publication
from node.knowledge.published_shapes import PublishedAudience
from node.settings import check_division_code

# The audiences a reader is in; None: every audience (an editor).
Reach = frozenset[uuid.UUID] | None
AUDIENCE_ORDERS = ("name", "created_at")
NOTHING_NAMED = (
    "群组至少要限定一项：角色、层级、节点或服务区域 (name at least one role, level, node "
    "or area; an article for everybody has no audience)"
)


def facts_of(viewer: Viewer) -> ReaderFacts:
    """What an audience asks of the signed-in reader."""
    return ReaderFacts(viewer.user.role, viewer.node_code, viewer.user.service_area)


def reach_of(session: Session, viewer: Viewer) -> Reach:
    """The audiences `viewer` reads within: None for editors (every audience)."""
    if viewer.can(Perm.kb_write):
        return None
    return reach_for(session, facts_of(viewer))


def reach_for(session: Session, reader: ReaderFacts) -> frozenset[uuid.UUID]:
    """The ids of the audiences whose rule reaches `reader`."""
    rows = session.execute(select(KbAudience)).scalars()
    return frozenset(a.id for a in rows if reaches(rule_of(a), reader))


def reached(reach: Reach) -> list[ColumnElement[bool]]:
    """The condition on KbArticle that keeps what `reach` may see."""
    if reach is None:
        return []
    if not reach:  # no empty IN list: SQLite would run a subquery a row for it
        return [KbArticle.audience_id.is_(None)]
    return [or_(KbArticle.audience_id.is_(None), KbArticle.audience_id.in_(sorted(reach)))]


def is_reached(article: KbArticle, reach: Reach) -> bool:
    """`reached` for one article."""
    return reach is None or article.audience_id is None or article.audience_id in reach


def get_audience(session: Session, audience_id: uuid.UUID, field: str | None = None) -> KbAudience:
    """The audience; NotFound, or 422 naming `field` when a body refers to it."""
    audience = session.get(KbAudience, audience_id)
    if audience is None:
        if field is not None:
            raise invalid(field, f"no audience {audience_id} (see GET /api/v1/kb/audiences)")
        raise NotFound(f"no audience {audience_id}")
    return audience


def check_rule(session: Session, rule: AudienceRule) -> AudienceRule:
    """422 naming the list that is wrong: no list at all, a node code that is not a
    division, an area this node has no dictionary entry for."""
    if not any(getattr(rule, name) for name in DIMENSIONS):
        raise invalid("roles", NOTHING_NAMED)
    for role in rule.roles:
        if Perm.kb_read not in ROLE_PERMISSIONS[Role(role)]:
            raise invalid("roles", f"{role}: 这个角色不能阅读知识库 (cannot read the KB)")
    for code in rule.nodes:
        try:
            check_division_code(code, level_of(code))
        except ValueError as exc:
            raise invalid("nodes", f"{code!r}: {exc}") from None
    for area in rule.areas:
        dictionary_entry(session, DictionaryKind.service_area, area, "areas")
    return AudienceRule(*(tuple(dict.fromkeys(getattr(rule, n))) for n in DIMENSIONS))


def _check_name_free(session: Session, name: str, other_than: uuid.UUID | None) -> None:
    stmt = select(KbAudience.id).where(
        KbAudience.owner == session.info["node_code"], KbAudience.name == name
    )
    if other_than is not None:
        stmt = stmt.where(KbAudience.id != other_than)
    taken = session.execute(stmt.limit(1)).scalar_one_or_none()
    if taken is not None:
        raise Conflict(f"name: an audience named 「{name}」 already exists ({taken})")


def _store(audience: KbAudience, rule: AudienceRule) -> None:
    for name in DIMENSIONS:
        setattr(audience, name, orjson.dumps(list(getattr(rule, name))).decode())


def create_audience(session: Session, name: str, rule: AudienceRule, username: str) -> KbAudience:
    """A new audience of this node's; 409 if it has one of that name."""
    rule = check_rule(session, rule)
    _check_name_free(session, name, None)
    audience = KbAudience(name=name, owner=session.info["node_code"], created_by=username)
    _store(audience, rule)
    session.add(audience)
    session.flush()
    return audience


def update_audience(
    session: Session, audience: KbAudience, name: str, rule: AudienceRule
) -> KbAudience:
    """Rename and/or redefine; the published articles that use it are republished, so
    the nodes below apply the new rule too."""
    ensure_own(session, audience)
    rule = check_rule(session, rule)
    _check_name_free(session, name, audience.id)
    audience.name, audience.updated_at = name, utcnow()
    _store(audience, rule)
    session.flush()
    for article in _articles_using(session, audience.id):
        sync_publication(session, article)
    return audience


def _articles_using(session: Session, audience_id: uuid.UUID) -> list[KbArticle]:
    stmt = select(KbArticle).where(KbArticle.audience_id == audience_id)
    return list(session.execute(stmt).scalars())


def delete_audience(session: Session, audience: KbAudience) -> None:
    """Delete an audience no article uses; 409 naming how many and which do."""
    ensure_own(session, audience)
    stmt = select(func.count(), func.min(KbArticle.title)).where(
        KbArticle.audience_id == audience.id
    )
    used, example = session.execute(stmt).one()
    if used:
        raise Conflict(
            f"audience 「{audience.name}」 is used by {used} article(s), e.g. 「{example}」: "
            "choose another audience for them first"
        )
    session.delete(audience)
    session.flush()


def list_audiences(
    session: Session, limit: int, cursor: str | None, order_by: str | None
) -> tuple[list[KbAudience], str | None]:
    """A page of the audiences this node holds (its own and those from above)."""
    return keyset_page(session, KbAudience, limit, cursor, order_by or "name", AUDIENCE_ORDERS)


def all_audiences(session: Session) -> list[KbAudience]:
    """Every audience this node holds, by name (for a form's choices)."""
    return list(session.execute(select(KbAudience).order_by(KbAudience.name)).scalars())


def take_published(session: Session, value: str | None) -> uuid.UUID | None:
    """The audience a publication from above carries, kept (or updated) here under its
    id and owner; its id, or None for an article for everybody."""
    if not value:
        return None
    data = PublishedAudience.model_validate_json(value)  # checked on receipt already
    audience_id = uuid.UUID(hex=data.id)
    audience = session.get(KbAudience, audience_id)
    if audience is None:
        audience = KbAudience(id=audience_id, owner=data.owner, created_by=data.owner)
        session.add(audience)
    audience.name, audience.owner, audience.updated_at = data.name, data.owner, utcnow()
    _store(audience, AudienceRule.from_json(data.model_dump()))
    session.flush()
    return audience_id


def names_of(session: Session, ids: Iterable[uuid.UUID | None]) -> dict[uuid.UUID, str]:
    """The names of the audiences `ids` (for lists that show them)."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.execute(select(KbAudience.id, KbAudience.name).where(KbAudience.id.in_(wanted)))
    return {row.id: row.name for row in rows}
