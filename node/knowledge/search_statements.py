"""The statements knowledge-base search runs, built once per shape and run with the
query's values bound by name: building a SELECT with a dozen EXISTS and comparisons
costs more Python time than the database spends on a page (docs/benchmarks.md).

Names bound at execution: `lead` (the term walked), `o0`, `o1` ... (the other terms),
`like` (the typed text as a LIKE pattern), `plo` / `phi` (a pinyin prefix's range),
`day` (today, for what readers may see), `audiences` (the reader's audience ids),
`at` / `vid` (the cursor), `n` (rows wanted), `t0`, `t1` ... (terms counted), `ids`
(version ids)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import (
    BindParameter,
    Boolean,
    ColumnElement,
    Date,
    Integer,
    Select,
    and_,
    bindparam,
    exists,
    func,
    not_,
    or_,
    select,
    true,
    tuple_,
)
from sqlalchemy.orm import aliased

from node.db.types import UTCDateTime
from node.knowledge.articles import visible_now
from node.knowledge.models import KbArticle, KbArticleVersion, KbSearchTerm, Status

RARITY_CAP = 2000  # postings counted per term to pick the one to walk
ROWS = bindparam("n", type_=Integer())
NEWEST_FIRST = (KbSearchTerm.rank_at.desc(), KbSearchTerm.version_id.desc())


ANY_AUDIENCE, EVERYBODY, SOME = 0, 1, 2


@dataclass(frozen=True)
class Checks:
    """What a candidate version must pass besides holding the walked term."""

    drafts: bool  # editors: each article's newest version; readers: what they may see
    others: int  # how many other terms the version must hold (o0, o1 ...)
    title_holds: bool | None  # the title must hold the text, must not, or either
    body_holds: bool  # the body must hold the text (a phrase's recheck)
    not_pinyin: bool  # the title's pinyin must not start with the prefix
    # Readers: NONE sees every article; EVERYBODY only those for everybody; SOME those
    # too and those for one of `audiences` (an empty IN list would cost SQLite a
    # subquery a row, so a reader in no audience gets the first form).
    audience: int = 0


def _like(column: Any) -> ColumnElement[bool]:
    return func.lower(column).like(bindparam("like"), escape="\\")


def pinyin_range(term: Any) -> ColumnElement[bool]:
    """`term` starts with the prefix: from `plo` up to `phi` (the prefix and "{")."""
    return and_(term >= bindparam("plo"), term < bindparam("phi"))


def _other_term(i: int) -> ColumnElement[bool]:
    other = aliased(KbSearchTerm)
    return exists().where(other.version_id == KbArticleVersion.id, other.term == bindparam(f"o{i}"))


def _has_pinyin() -> ColumnElement[bool]:
    other = aliased(KbSearchTerm)
    return exists().where(
        other.version_id == KbArticleVersion.id,
        other.in_title == true(),
        pinyin_range(other.term),
    )


def readable(drafts: bool, audience: int = ANY_AUDIENCE) -> list[ColumnElement[bool]]:
    """The version the caller may find: for editors each article's newest unless
    archived; for readers the published one of what they may see on `day` (with
    `audience`, of articles for everybody or for one of `audiences`)."""
    if drafts:
        return [
            KbArticleVersion.number == KbArticle.latest_number,
            KbArticle.status != Status.archived.value,
        ]
    day = bindparam("day", type_=Date())
    where = [KbArticleVersion.number == KbArticle.published_number, *visible_now(day)]
    if audience == EVERYBODY:
        where.append(KbArticle.audience_id.is_(None))
    elif audience == SOME:
        audiences: BindParameter[Any] = bindparam("audiences", expanding=True)
        where.append(or_(KbArticle.audience_id.is_(None), KbArticle.audience_id.in_(audiences)))
    return where


def after_cursor() -> ColumnElement[bool]:
    """Strictly after (`at`, `vid`) in the newest-first order."""
    bound = tuple_(
        bindparam("at", type_=UTCDateTime()),
        bindparam("vid", type_=KbSearchTerm.version_id.type),
    )
    return tuple_(KbSearchTerm.rank_at, KbSearchTerm.version_id) < bound


@cache
def rarity(count: int, titles_only: bool) -> Select:
    """One row: how many postings each of `t0` ... has (in titles only, if asked),
    counted up to RARITY_CAP."""

    def counted(i: int) -> Any:
        where = [KbSearchTerm.term == bindparam(f"t{i}")]
        if titles_only:
            where.append(KbSearchTerm.in_title == true())
        capped = select(KbSearchTerm.version_id).where(*where).limit(RARITY_CAP)
        return select(func.count()).select_from(capped.subquery()).scalar_subquery()

    return select(*(counted(i) for i in range(count)))


def _postings_where(pinyin: bool, after: bool) -> list[ColumnElement[bool]]:
    if pinyin:
        where = [KbSearchTerm.in_title == true(), pinyin_range(KbSearchTerm.term)]
    else:
        where = [
            KbSearchTerm.term == bindparam("lead"),
            KbSearchTerm.in_title == bindparam("in_title", type_=Boolean()),
        ]
    if after:
        where.append(after_cursor())
    return where


def _checked(checks: Checks) -> list[ColumnElement[bool]]:
    title = _like(KbArticleVersion.title)
    where = [*(_other_term(i) for i in range(checks.others))]
    if checks.title_holds is not None:
        where.append(title if checks.title_holds else not_(title))
    if checks.body_holds:
        where.append(_like(KbArticleVersion.body))
    if checks.not_pinyin:
        where.append(not_(_has_pinyin()))
    return [*where, *readable(checks.drafts, checks.audience)]


@cache
def postings(pinyin: bool, after: bool) -> Select:
    """The keys (rank_at, version_id) of the next `n` postings of `lead` (in the title
    or not: `in_title`), or of the title terms starting with the prefix, newest first:
    one table and its index read backwards, so the database stops at `n`."""
    return (
        select(KbSearchTerm.rank_at, KbSearchTerm.version_id)
        .where(*_postings_where(pinyin, after))
        .order_by(*NEWEST_FIRST)
        .limit(ROWS)
    )


@cache
def passing(checks: Checks) -> Select:
    """Which of the versions `ids` pass `checks`."""
    return (
        select(KbArticleVersion.id)
        .join(KbArticle, KbArticle.id == KbArticleVersion.article_id)
        .where(KbArticleVersion.id.in_(bindparam("ids", expanding=True)), *_checked(checks))
    )


@cache
def walk(checks: Checks, after: bool) -> Select:
    """`postings` of `lead` and `passing` in one statement: the first `n` keys that
    pass, for a database that follows the index and checks each row as it goes
    (SQLite). Given this join, PostgreSQL misjudged the LIKE and sorted every match."""
    return (
        select(KbSearchTerm.rank_at, KbSearchTerm.version_id)
        .join(KbArticleVersion, KbArticleVersion.id == KbSearchTerm.version_id)
        .join(KbArticle, KbArticle.id == KbArticleVersion.article_id)
        .where(*_postings_where(False, after), *_checked(checks))
        .order_by(*NEWEST_FIRST)
        .limit(ROWS)
    )


@cache
def versions() -> Select:
    """The versions `ids` with their articles."""
    return (
        select(KbArticleVersion, KbArticle)
        .join(KbArticle, KbArticle.id == KbArticleVersion.article_id)
        .where(KbArticleVersion.id.in_(bindparam("ids", expanding=True)))
    )
