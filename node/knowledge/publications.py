"""What HQ or a province publishes for the nodes below (docs/federation.md rule 11): one
KbPublication per article of its own that readers may see, rewritten whenever what they
see changes (a new published version, the article's fields, its folders' names), and a
tombstone once they may see it no more. A city has no node below and writes none."""

from __future__ import annotations

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from node.db.types import utcnow
from node.divisions import level_of
from node.knowledge.attachment_publications import sync_attachment_publications
from node.knowledge.audience_rules import rule_of
from node.knowledge.models import (
    KbArticle,
    KbArticleVersion,
    KbAudience,
    KbFolder,
    KbPublication,
    Status,
)
from node.settings import Level


def folder_chain(session: Session, folder_id: object) -> list[KbFolder]:
    """The folder and every folder above it, the top one first."""
    chain: list[KbFolder] = []
    current = session.get(KbFolder, folder_id)
    while current is not None and current not in chain:
        chain.append(current)
        current = session.get(KbFolder, current.parent_id) if current.parent_id else None
    return chain[::-1]


def audience_value(session: Session, audience_id: object) -> str | None:
    """The audience as a publication carries it down: id, name, owner and its lists
    (node.knowledge.published_shapes.PublishedAudience); None for every reader."""
    audience = session.get(KbAudience, audience_id) if audience_id is not None else None
    if audience is None:
        return None
    data = {"id": audience.id.hex, "name": audience.name, "owner": audience.owner}
    return orjson.dumps(data | rule_of(audience).to_json()).decode()


def _published_values(session: Session, article: KbArticle) -> dict[str, object]:
    number = article.published_number
    version = session.execute(
        select(KbArticleVersion).where(
            KbArticleVersion.article_id == article.id, KbArticleVersion.number == number
        )
    ).scalar_one()
    folders = [[f.id.hex, f.name] for f in folder_chain(session, article.folder_id)]
    return {
        "folders": orjson.dumps(folders).decode(),
        "kind": article.kind,
        "title": version.title,
        "body": version.body,
        "tags": article.tags,
        "must_read": article.must_read,
        "effective_from": article.effective_from,
        "expires_at": article.expires_at,
        "number": number,
        "published_at": article.published_at,
        "audience": audience_value(session, article.audience_id),
    }


def sync_publication(session: Session, article: KbArticle) -> None:
    """Bring the publication of an article of this node's in line with what its readers
    see now; nothing at a city, or for an article from above."""
    here: str = session.info["node_code"]
    if article.owner != here or level_of(here) is Level.city:
        return
    publication = session.get(KbPublication, article.id)
    if article.published_number is None or article.status == Status.archived.value:
        if publication is not None and publication.deleted_at is None:
            publication.deleted_at = publication.updated_at = utcnow()
            session.flush()
        sync_attachment_publications(session, article, visible=False)
        return
    values = _published_values(session, article)
    if publication is None:
        session.add(KbPublication(id=article.id, origin=here, **values))
    elif publication.deleted_at is not None or any(
        getattr(publication, name) != value for name, value in values.items()
    ):
        for name, value in values.items():
            setattr(publication, name, value)
        publication.deleted_at, publication.updated_at = None, utcnow()
    session.flush()
    sync_attachment_publications(session, article, visible=True)


def sync_folder_publications(session: Session, folder: KbFolder) -> None:
    """Republish the visible articles in `folder` and every folder inside it (after the
    folder was renamed or moved: the path below changes with it)."""
    inside = [folder.id]
    frontier = [folder.id]
    while frontier:
        frontier = list(
            session.execute(select(KbFolder.id).where(KbFolder.parent_id.in_(frontier))).scalars()
        )
        frontier = [f for f in frontier if f not in inside]
        inside.extend(frontier)
    articles = session.execute(
        select(KbArticle).where(
            KbArticle.folder_id.in_(inside), KbArticle.published_number.is_not(None)
        )
    ).scalars()
    for article in list(articles):
        sync_publication(session, article)
