"""Customer look-up by what an agent types: phone, its last digits, ID number,
customer number, a Chinese name or address fragment, or pinyin.

Each kind uses an index (PERF_NOTES.md): b-trees for exact numbers, an expression
index for the last four phone digits, FTS5 bigram phrases on SQLite and a GIN index
over the same terms on PostgreSQL (table customer_search, migration 0006) for text.
Results come newest first, paged by a cursor on the column they are ordered by
(page_key): seq, the newest change first, except for text and pinyin, where the search
index hands rows out by their lifelong search_key, the newest customer first (so the
pages stay complete while customers are edited).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Select,
    SQLColumnExpression,
    Text,
    and_,
    any_,
    column,
    func,
    literal,
    literal_column,
    or_,
    select,
    table,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from node.customers.identifiers import normalize_phone
from node.customers.models import Customer
from node.customers.search_terms import fragment_terms

CUSTOMER_NO = re.compile(r"^\d{6}-\d{8}$")
RESIDENT_ID = re.compile(r"^\d{17}[\dX]$")
USCC = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")
DIGITS = re.compile(r"^\d{4,12}$")
PINYIN = re.compile(r"^[a-z]{2,40}$")
_SEPARATORS = re.compile(r"[\s\-()（）.]+")
# A caller ID as telephone systems send it: +86 / 0086 / 86 before a national number.
_INTERNATIONAL = re.compile(r"^(?:\+|00)?86(\d{9,12})$")

customer_fts = table("customer_fts", column("rowid"), column("terms"))
customer_search = table(
    "customer_search", column("search_key", BigInteger), column("terms", ARRAY(Text))
)


class QueryKind(StrEnum):
    customer_no = "customer_no"
    id_number = "id_number"
    phone = "phone"
    phone_tail = "phone_tail"
    pinyin = "pinyin"
    text = "text"


@dataclass(frozen=True)
class Lookup:
    kind: QueryKind
    value: str


def classify(q: str) -> Lookup:
    """Decide what the agent typed."""
    raw = q.strip()
    # Full-width digits and letters (１３９…, ＩＤ numbers typed in a Chinese IME) as ASCII.
    compact = _SEPARATORS.sub("", unicodedata.normalize("NFKC", raw))
    upper = compact.upper()
    if CUSTOMER_NO.match(raw):
        return Lookup(QueryKind.customer_no, raw)
    if RESIDENT_ID.match(upper) or (USCC.match(upper) and not upper.isdigit()):
        return Lookup(QueryKind.id_number, upper)
    if (caller := caller_number(compact)) is not None:
        return Lookup(QueryKind.phone, caller)
    if DIGITS.match(compact):
        full = (compact.startswith("1") and len(compact) == 11) or (
            compact.startswith("0") and len(compact) >= 10
        )
        return Lookup(QueryKind.phone if full else QueryKind.phone_tail, compact)
    if PINYIN.match(compact.lower()):
        return Lookup(QueryKind.pinyin, compact.lower())
    return Lookup(QueryKind.text, raw)


def caller_number(compact: str) -> str | None:
    """A mainland number written with its country code (+86, 0086, 86), as stored
    (normalize_phone), or None when `compact` is not one."""
    match = _INTERNATIONAL.match(compact)
    if match is None:
        return None
    try:
        return normalize_phone("+86" + match.group(1))
    except ValueError:
        return None


def _phone_tail(digits: str) -> ColumnElement[bool]:
    # The 3 must be a literal, as in the index expression: a bound parameter makes
    # SQLite miss ix_customers_phone_tail and scan every customer.
    tail = func.substr(Customer.phone, func.length(Customer.phone) - literal_column("3"))
    cond = tail == digits[-4:]
    if len(digits) > 4:
        cond = and_(cond, Customer.phone.like("%" + digits))
    return cond


def _text_recheck(fragment: str) -> ColumnElement[bool]:
    # Bigram phrases can also match across the end of one field and the start of the
    # next; the LIKE recheck on the few candidate rows removes those.
    pattern = f"%{fragment}%"
    return or_(
        Customer.name.like(pattern),
        Customer.home_address.like(pattern),
        Customer.company_address.like(pattern),
    )


def _fts_phrase(terms: list[str], prefix: bool) -> str:
    quoted = " ".join(t.replace('"', "") for t in terms)
    return f'"{quoted}"' + ("*" if prefix else "")


def page_key(lookup: Lookup, dialect: str) -> SQLColumnExpression[int]:
    """The column the results are ordered by, descending, and paged on."""
    if not uses_terms(lookup):
        return Customer.seq
    return customer_fts.c.rowid if dialect == "sqlite" else customer_search.c.search_key


def cursor_value(row: Customer, lookup: Lookup, dialect: str) -> int:
    """The cursor that continues after `row` (the value of its page_key)."""
    if not uses_terms(lookup):
        return row.seq
    # A term look-up joins the search index on search_key: every row it returns has one.
    assert row.search_key is not None
    return row.search_key


def apply_lookup(stmt: Select, lookup: Lookup, dialect: str, after: int | None) -> Select:
    """Restrict `stmt` (a select of Customer) to `lookup`, newest first, after a cursor."""
    stmt = _restrict(stmt, lookup, dialect)
    key = page_key(lookup, dialect)
    if after is not None:
        stmt = stmt.where(key < after)
    return stmt.order_by(key.desc())


def _restrict(stmt: Select, lookup: Lookup, dialect: str) -> Select:
    kind, value = lookup.kind, lookup.value
    if kind is QueryKind.customer_no:
        stmt = stmt.where(Customer.customer_no == value)
    elif kind is QueryKind.id_number:
        stmt = stmt.where(Customer.id_number == value)
    elif kind is QueryKind.phone:
        stmt = stmt.where(Customer.phone == value)
    elif kind is QueryKind.phone_tail:
        stmt = stmt.where(_phone_tail(value))
    else:
        return _apply_terms(stmt, lookup, dialect)
    return stmt


def _lookup_terms(lookup: Lookup) -> list[str]:
    return [lookup.value] if lookup.kind is QueryKind.pinyin else fragment_terms(lookup.value)


def _contains(terms: list[str]) -> ColumnElement[bool]:
    return customer_search.c.terms.op("@>", is_comparison=True)(literal(terms, ARRAY(Text)))


def _recheck(stmt: Select, lookup: Lookup) -> Select:
    if lookup.kind is not QueryKind.pinyin and len(lookup.value.strip()) > 2:
        stmt = stmt.where(_text_recheck(lookup.value.strip()))
    return stmt


def _apply_terms(stmt: Select, lookup: Lookup, dialect: str) -> Select:
    terms = _lookup_terms(lookup)
    if not terms:
        return stmt.where(literal(False))
    if dialect == "sqlite":
        match = _fts_phrase(terms, prefix=lookup.kind is QueryKind.pinyin)
        stmt = stmt.join(customer_fts, customer_fts.c.rowid == Customer.search_key).where(
            customer_fts.c.terms.op("MATCH")(match)
        )
    else:
        stmt = stmt.join(
            customer_search, customer_search.c.search_key == Customer.search_key
        ).where(_contains(terms))
    return _recheck(stmt, lookup)


# PostgreSQL estimates array containment poorly. For a rare bigram it may walk an index
# backwards through most of the table (1.5 s at 1M customers); for a common one it may
# read every match through GIN and sort them (145 ms for 20k matches); and a GIN bitmap
# is built whole before any LIMIT applies (25-50 ms for a district name that 20% of the
# addresses hold). So, in steps, each cheap where the one before was not:
# 1. the PG_NEWEST_WINDOW newest customers' terms, by customer_search's key (its newest
#    pages, in the cache: 1-2 ms), fill the page for any term held by over ~1%;
# 2. else up to PG_CANDIDATE_CAP keys from the GIN index on customer_search alone (a
#    narrow table: 0.1 ms for a rare bigram): fewer than the cap is every match, read
#    newest first by key;
# 3. at the cap, the term is dense after all behind the window (the agent's filters
#    took the window's matches): walk customer_search's key on from there, as the
#    planner is told to. Never in parallel: starting workers costs more than any step.
_NEWEST_FIRST_ONLY = ("enable_seqscan", "enable_bitmapscan", "enable_sort")
_SERIAL = ("max_parallel_workers_per_gather",)
PG_NEWEST_WINDOW = 2000
PG_CANDIDATE_CAP = 2000


def uses_terms(lookup: Lookup) -> bool:
    return lookup.kind in (QueryKind.text, QueryKind.pinyin)


def lookup_rows(
    session: Session, base: Select, lookup: Lookup, after: int | None, limit: int
) -> list[Customer]:
    """One page of a look-up (`limit` rows), newest first, after the cursor `after`."""
    dialect = session.get_bind().dialect.name
    if uses_terms(lookup) and not _lookup_terms(lookup):
        # Only punctuation: nothing to search for, so nothing found (and FTS5 would
        # read the characters as MATCH syntax).
        return []
    if dialect != "postgresql" or not uses_terms(lookup):
        stmt = apply_lookup(base, lookup, dialect, after)
        return list(session.execute(stmt.limit(limit)).scalars())
    with _planner_off(session, _SERIAL):
        return _postgres_term_rows(session, base, lookup, after, limit)


def count_matches(session: Session, base: Select, lookup: Lookup | None, cap: int) -> int:
    """How many customers `base` restricted to `lookup` (None: no look-up) holds, counted
    up to `cap` + 1 at most: past the cap a page says 「N+」 rather than count them all."""
    if lookup is not None and uses_terms(lookup) and not _lookup_terms(lookup):
        return 0
    dialect = session.get_bind().dialect.name
    stmt = base if lookup is None else _restrict(base, lookup, dialect)
    capped = stmt.with_only_columns(literal_column("1")).limit(cap + 1).subquery()
    return session.execute(select(func.count()).select_from(capped)).scalar_one()


def _postgres_term_rows(
    session: Session, base: Select, lookup: Lookup, after: int | None, limit: int
) -> list[Customer]:
    terms = _lookup_terms(lookup)
    if not terms:
        return []
    filtered = _recheck(base, lookup)
    hits, floor = _newest_hits(session, terms, after)
    rows = _rows_by_key(session, filtered, hits, limit)
    if len(rows) == limit or floor is None:
        return rows
    older = _older_term_rows(session, filtered, terms, floor, limit - len(rows))
    if older is None:  # dense behind the window: walk the key on from the floor
        with _planner_off(session, _NEWEST_FIRST_ONLY):
            stmt = apply_lookup(base, lookup, "postgresql", floor)
            older = list(session.execute(stmt.limit(limit - len(rows))).scalars())
    return rows + older


def _newest_hits(
    session: Session, terms: list[str], after: int | None
) -> tuple[list[int], int | None]:
    """The keys, newest first, of the PG_NEWEST_WINDOW newest customers (before `after`)
    whose terms match, and the oldest key looked at (None: no customer is older)."""
    key = customer_search.c.search_key
    stmt = select(key, _contains(terms)).order_by(key.desc()).limit(PG_NEWEST_WINDOW)
    if after is not None:
        stmt = stmt.where(key < after)
    seen = session.execute(stmt).all()
    floor = seen[-1][0] if len(seen) == PG_NEWEST_WINDOW else None
    return [k for k, hit in seen if hit], floor


def _older_term_rows(
    session: Session, filtered: Select, terms: list[str], floor: int, limit: int
) -> list[Customer] | None:
    """Up to `limit` rows older than `floor` from GIN candidates, or None when the
    candidates reach the cap (too many to read by key)."""
    # No `key < floor` in SQL: with it the planner may walk the key instead of GIN.
    candidates = select(customer_search.c.search_key).where(_contains(terms))
    keys = session.execute(candidates.limit(PG_CANDIDATE_CAP)).scalars().all()
    if len(keys) == PG_CANDIDATE_CAP:
        return None
    older = sorted((k for k in keys if k < floor), reverse=True)
    return _rows_by_key(session, filtered, older, limit)


def _rows_by_key(session: Session, stmt: Select, keys: list[int], limit: int) -> list[Customer]:
    """Up to `limit` rows of `stmt` among `keys` (newest first), reading the newest keys
    first, in growing chunks: most candidates pass the filters, so the first chunk
    usually fills the page, and reading all of up to 2,000 customers for a page of 20
    cost 60 ms on a cold cache."""
    rows: list[Customer] = []
    start, size = 0, 2 * limit
    while start < len(keys) and len(rows) < limit:
        chunk = keys[start : start + size]
        matching = Customer.search_key == any_(literal(chunk, ARRAY(BigInteger)))
        page = stmt.where(matching).order_by(Customer.search_key.desc())
        rows += session.execute(page.limit(limit - len(rows))).scalars()
        start, size = start + size, size * 4
    return rows


@contextmanager
def _planner_off(session: Session, settings: tuple[str, ...]) -> Iterator[None]:
    """Switch planner settings off for the statements inside, in this transaction only."""
    for name in settings:
        session.execute(text(f"SET LOCAL {name} = 0"))
    try:
        yield
    finally:
        for name in settings:
            session.execute(text(f"SET LOCAL {name} TO DEFAULT"))
