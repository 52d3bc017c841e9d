"""Importing customers from a spreadsheet: check every row, then write all in one go.

Rows are checked with the API's rules (CustomerIn plus the reference checks of
CustomerResource.check_values), against the database and against each other, before
anything is written. Writing uses Core executemany in one transaction; Core statements
bypass the ORM stamping hook (node.db.stamping), so this module stamps seq, origin,
origin_version and times itself, exactly as that hook would.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from enum import Enum
from itertools import islice
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from openpyxl.utils.datetime import from_excel
from sqlalchemy import Row, bindparam, insert, select, update
from sqlalchemy.orm import Session

from node.audit.service import record
from node.crud.resource import validate_model
from node.customers.models import Customer
from node.customers.resource import next_customer_no
from node.customers.schemas import CustomerIn
from node.customers.search_terms import customer_search_terms
from node.dataio.customer_columns import (
    DICTIONARY_FIELDS,
    FALSE_WORDS,
    FIELD_HEADERS,
    GENDER_WORDS,
    ID_TYPE_WORDS,
    TRUE_WORDS,
    TYPE_WORDS,
    HeaderMap,
    export_header,
    map_headers,
    word_map,
)
from node.dataio.tabular import DataFileError, Sheet, open_sheet
from node.db.base import new_id
from node.db.counters import SEQ, allocate
from node.db.types import utcnow
from node.db.unit_of_work import Database
from node.dictionaries.models import DictionaryEntry
from node.errors import InvalidFields
from node.users.models import User

try:
    CHINA_TZ: tzinfo = ZoneInfo("Asia/Shanghai")
except ZoneInfoNotFoundError:  # no tz database: China has had no DST since 1991
    CHINA_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")

CHUNK = 2000  # rows checked per database look-up, and written per statement
_IN_CHUNK = 500  # values per IN (...) list
INPUT_FIELDS: tuple[str, ...] = tuple(CustomerIn.model_fields)
_TABLE = Customer.__table__
_EXISTING_COLUMNS = [
    _TABLE.c[name]
    for name in ("id", "origin", "deleted_at", "customer_no", "origin_version", "search_terms")
] + [_TABLE.c[name] for name in INPUT_FIELDS]

_TYPES = word_map(TYPE_WORDS)
_GENDERS = word_map(GENDER_WORDS)
_ID_TYPES = word_map(ID_TYPE_WORDS)
_DATE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[ T]+(\d{1,2})[:：](\d{1,2})(?:[:：](\d{1,2})(?:\.(\d{1,6}))?)?)?$"
)
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_ID_KEY_NOISE = re.compile(r"[\s\-]+")


class Tracker(Protocol):
    """Progress reporting, implemented by the CLI with a rich progress bar."""

    def start(self, description: str, total: int | None) -> None: ...

    def advance(self, amount: int) -> None: ...


class NullTracker:
    """Reports nothing."""

    def start(self, description: str, total: int | None) -> None:
        pass

    def advance(self, amount: int) -> None:
        pass


@dataclass
class RowProblem:
    """A bad row: its spreadsheet row number and the reason per field (or "row")."""

    row: int
    reasons: dict[str, str]

    def describe(self) -> str:
        return f"row {self.row}: " + "; ".join(
            reason if name == "row" else f"{name}: {reason}"
            for name, reason in self.reasons.items()
        )


@dataclass
class ImportResult:
    """What an import found and did. `applied` is False when nothing was written."""

    rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    applied: bool = False

    @property
    def skipped(self) -> int:
        return len(self.problems) if self.applied else 0


def import_customers(
    database: Database,
    path: Path,
    *,
    skip_invalid: bool = False,
    update_existing: bool = False,
    tracker: Tracker | None = None,
    actor: str | None = None,
) -> ImportResult:
    """Check every row of `path`, then import them all in one transaction.

    Nothing is written if any row is bad, unless `skip_invalid`, which writes the good
    rows. Raises DataFileError when the file itself cannot be used.
    """
    tracker = tracker or NullTracker()
    with open_sheet(path) as sheet:
        columns = _check_headers(sheet, update_existing)
        with database.unit_of_work() as session:
            # The checks and the writes share one transaction (BEGIN IMMEDIATE on
            # SQLite), so nothing can take an ID number between checking and writing.
            checker = _Checker(session, columns, update_existing)
            tracker.start("checking rows", sheet.approx_rows)
            for chunk in _chunks(sheet.rows, CHUNK):
                checker.check_chunk(chunk)
                tracker.advance(len(chunk))
            if checker.rows == 0:
                raise DataFileError(f"{path} has a header row but no data rows")
            result = ImportResult(
                rows=checker.rows,
                unchanged=checker.unchanged,
                problems=checker.problems,
                ignored_columns=[sheet.headers[i] for i in columns.read_only],
            )
            good = len(checker.planned) + checker.unchanged
            if checker.problems and (not skip_invalid or not good):
                return result
            result.inserted, result.updated = _write(session, checker.planned, tracker)
            result.applied = True
            record(
                session,
                "data.import",
                actor=actor,
                entity="customer",
                detail={
                    "file": str(path.resolve()),
                    "rows": result.rows,
                    "inserted": result.inserted,
                    "updated": result.updated,
                    "unchanged": result.unchanged,
                    "skipped": result.skipped,
                    "update_existing": update_existing,
                },
            )
    return result


def _chunks(rows: Iterator[tuple[int, list[Any]]], size: int) -> Iterator[list[Any]]:
    while chunk := list(islice(rows, size)):
        yield chunk


def _check_headers(sheet: Sheet, update_existing: bool) -> HeaderMap:
    columns = map_headers(sheet.headers)
    if columns.unknown:
        known = ", ".join(f"{export_header(name)}/{name}" for name in FIELD_HEADERS)
        raise DataFileError(
            f"{sheet.path}: unknown column(s): {', '.join(columns.unknown)}. Known columns: {known}"
        )
    if columns.duplicates:
        clashes = "; ".join(f"{', '.join(hs)} all mean {f}" for f, hs in columns.duplicates.items())
        raise DataFileError(f"{sheet.path}: more than one column for a field: {clashes}")
    if "name" not in columns.headers and not update_existing:
        raise DataFileError(f"{sheet.path}: no name column (姓名 or name)")
    return columns


# ---- turning cells into field values ---------------------------------------------------


def _as_text(cell: Any) -> str | None:
    if cell is None:
        return None
    if isinstance(cell, bool):
        return "true" if cell else "false"
    if isinstance(cell, float) and cell.is_integer():
        # Excel keeps numbers typed into a cell (phones, numbers) as floats.
        return str(int(cell))
    if isinstance(cell, datetime):
        return cell.isoformat(sep=" ")
    text = str(cell).strip()
    return text or None


def _parse_datetime(cell: Any) -> datetime:
    """An aware datetime from an Excel date, a serial number, or text in common forms."""
    if isinstance(cell, datetime):
        value = cell
    elif isinstance(cell, date):
        value = datetime.combine(cell, time())
    elif isinstance(cell, int | float) and not isinstance(cell, bool):
        try:
            value = from_excel(cell)  # a date cell without date formatting
        except (ValueError, OverflowError, TypeError):
            raise ValueError(f"{cell} is not a date") from None
    else:
        value = _parse_date_text(str(cell).strip())
    # Times without a zone come from people in China.
    return value if value.tzinfo else value.replace(tzinfo=CHINA_TZ)


def _parse_date_text(text: str) -> datetime:
    match = _DATE.match(text) or _COMPACT_DATE.match(text)
    try:
        if match:
            parts = [int(p) if p else 0 for p in match.groups()]
            if len(parts) > 6 and parts[6]:
                parts[6] = int(match.group(7).ljust(6, "0"))
            return datetime(*parts)  # type: ignore[misc]
        return datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            "not a date; write it like 2019-03-05, 2019/3/5 or 2019-03-05 14:30"
        ) from None


def _parse_bool(cell: Any) -> bool:
    if isinstance(cell, bool):
        return cell
    text = _as_text(cell)
    word = (text or "").lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError("must be 是 or 否 (or true/false, 1/0)")


def _convert(name: str, cell: Any) -> Any:
    """The value of field `name` from a cell; None if blank; ValueError if unreadable."""
    if cell is None or (isinstance(cell, str) and not cell.strip()):
        return None
    if name == "joined_at":
        return _parse_datetime(cell)
    if name == "birth_date":
        return _parse_datetime(cell).date()
    if name == "is_key_account":
        return _parse_bool(cell)
    if name == "id_number" and isinstance(cell, float) and cell >= 1e15:
        # Excel keeps 15 significant digits: an 18-digit number typed into a number
        # cell has already lost its last digits.
        raise ValueError("stored as a number in Excel, which drops digits; format as text")
    text = _as_text(cell)
    if text is None:
        return None
    if name == "type":
        return _TYPES.get(text.lower(), text)
    if name == "gender":
        return _GENDERS.get(text.lower(), text)
    if name == "id_type":
        return _ID_TYPES.get(text.lower(), text)
    return text


def _id_key(value: Any) -> str | None:
    """An ID number as stored (CustomerIn normalises to upper case, no separators)."""
    if value is None:
        return None
    return _ID_KEY_NOISE.sub("", str(value)).upper() or None


def _clean_reason(reason: str) -> str:
    reason = reason.removeprefix("Value error, ")
    return "missing" if reason == "Field required" else reason


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


# ---- checking --------------------------------------------------------------------------


# What is kept of a good row until writing: a tuple, not a dict, as 100,000s are held.
_PLANNED_FIELDS: tuple[str, ...] = (*INPUT_FIELDS, "customer_no")


@dataclass(slots=True)
class _Planned:
    """A good row: its values in _PLANNED_FIELDS order, and the customer it updates."""

    values: tuple[Any, ...]
    existing: dict[str, Any] | None


class _Dictionaries:
    """This node's dictionary codes and labels for the customer fields."""

    def __init__(self, session: Session, local: str) -> None:
        self.codes: dict[str, dict[str, bool]] = {kind: {} for kind in DICTIONARY_FIELDS.values()}
        self.labels: dict[str, dict[str, list[str]]] = {k: {} for k in self.codes}
        stmt = (
            select(
                DictionaryEntry.kind,
                DictionaryEntry.code,
                DictionaryEntry.label,
                DictionaryEntry.active,
            )
            .where(
                DictionaryEntry.origin == local,
                DictionaryEntry.deleted_at.is_(None),
                DictionaryEntry.kind.in_(list(self.codes)),
            )
            .order_by(DictionaryEntry.sort_order)
        )
        for kind, code, label, active in session.execute(stmt):
            self.codes[kind][code] = active
            self.labels[kind].setdefault(label.strip(), []).append(code)

    def resolve(self, kind: str, value: str) -> str:
        """The active code meant by `value` (a code or a label), or ValueError."""
        codes = self.codes[kind]
        code = value if value in codes else value.lower() if value.lower() in codes else None
        if code is None:
            candidates = self.labels[kind].get(value, [])
            if len(candidates) > 1:
                raise ValueError(
                    f"label {value!r} is used by several {kind} codes "
                    f"({', '.join(candidates)}); write the code"
                )
            code = candidates[0] if candidates else None
        if code is None or not codes[code]:
            what = "unknown" if code is None else "inactive"
            raise ValueError(
                f"{what} {kind} {value!r}; use an active code or label from "
                f"GET /api/v1/dictionaries?kind={kind}"
            )
        return code


class _Checker:
    """Checks rows chunk by chunk and keeps the good ones as planned writes."""

    def __init__(self, session: Session, columns: HeaderMap, update_existing: bool) -> None:
        self.session = session
        self.local: str = session.info["node_code"]
        self.columns = columns
        self.update_existing = update_existing
        self.dictionaries = _Dictionaries(session, self.local)
        self.users = set(
            session.execute(select(User.id).where(User.deleted_at.is_(None))).scalars()
        )
        self.rows = 0
        self.problems: list[RowProblem] = []
        self.planned: list[_Planned] = []
        self.unchanged = 0
        self.seen_ids: dict[str, int] = {}
        self.seen_numbers: dict[str, int] = {}
        self.seen_targets: dict[uuid.UUID, int] = {}

    def label(self, name: str) -> str:
        header = self.columns.headers.get(name)
        return name if header is None or header == name else f"{name} ({header})"

    def check_chunk(self, chunk: list[tuple[int, list[Any]]]) -> None:
        parsed = [(number, *self._parse(cells)) for number, cells in chunk]
        by_number, by_id = self._existing(parsed)
        for number, values, errors in parsed:
            self.rows += 1
            self._check_row(number, values, errors, by_number, by_id)

    def _parse(self, cells: list[Any]) -> tuple[dict[str, Any], dict[str, str]]:
        values: dict[str, Any] = {}
        errors: dict[str, str] = {}
        for index, name in self.columns.columns.items():
            try:
                value = _convert(name, cells[index] if index < len(cells) else None)
            except ValueError as exc:
                errors[name] = str(exc)
                continue
            if value is not None:
                values[name] = value
        return values, errors

    def _existing(
        self, parsed: list[tuple[int, dict[str, Any], dict[str, str]]]
    ) -> tuple[dict[str, dict[str, Any]], dict[str, list[dict[str, Any]]]]:
        """Customers these rows could clash with: by customer_no (any owner, even deleted,
        as the column is unique) and by ID number (live local customers, like the API)."""
        numbers = {v["customer_no"] for _, v, _ in parsed if "customer_no" in v}
        ids = {k for _, v, _ in parsed if (k := _id_key(v.get("id_number")))}
        by_number: dict[str, dict[str, Any]] = {}
        by_id: dict[str, list[dict[str, Any]]] = {}
        for part in _batched(numbers):
            stmt = select(*_EXISTING_COLUMNS).where(_TABLE.c.customer_no.in_(part))
            for row in self.session.execute(stmt):
                by_number[row.customer_no] = _as_dict(row)
        for part in _batched(ids):
            stmt = select(*_EXISTING_COLUMNS).where(
                _TABLE.c.id_number.in_(part),
                _TABLE.c.origin == self.local,
                _TABLE.c.deleted_at.is_(None),
            )
            for row in self.session.execute(stmt):
                by_id.setdefault(row.id_number, []).append(_as_dict(row))
        return by_number, by_id

    def _match(
        self,
        values: dict[str, Any],
        errors: dict[str, str],
        by_number: dict[str, dict[str, Any]],
        by_id: dict[str, list[dict[str, Any]]],
    ) -> dict[str, Any] | None:
        """The existing customer this row is about, if any; clashes go into `errors`."""
        number = values.get("customer_no")
        same_id = by_id.get(_id_key(values.get("id_number")) or "", [])
        match: dict[str, Any] | None = None
        if number is not None and number in by_number:
            found = by_number[number]
            if found["origin"] != self.local:
                errors["customer_no"] = (
                    f"{number} is a customer of node {found['origin']} (read-only here)"
                )
                return None
            if found["deleted_at"] is not None:
                errors["customer_no"] = f"{number} belonged to a deleted customer; not reusable"
                return None
            match = found
            others = [c["customer_no"] for c in same_id if c["id"] != found["id"]]
            if others:
                errors["id_number"] = f"belongs to customer {others[0]}, not {number}"
                return None
        elif same_id:
            if len(same_id) > 1:
                clash = ", ".join(c["customer_no"] for c in same_id)
                errors["id_number"] = f"matches several customers ({clash}); add 客户编号"
                return None
            match = same_id[0]
            if number is not None:
                errors["customer_no"] = (
                    f"the customer with this ID number is {match['customer_no']}, not {number}"
                )
                return None
        if match is not None and not self.update_existing:
            key = "customer_no" if number is not None else "id_number"
            errors[key] = f"customer {match['customer_no']} already exists; use --update-existing"
            return None
        return match

    def _check_row(
        self,
        number: int,
        values: dict[str, Any],
        errors: dict[str, str],
        by_number: dict[str, dict[str, Any]],
        by_id: dict[str, list[dict[str, Any]]],
    ) -> None:
        existing = self._match(values, errors, by_number, by_id)
        customer_no = values.pop("customer_no", None)
        if customer_no is not None and len(customer_no) > 20:
            errors["customer_no"] = "at most 20 characters"
        # An update is the customer as stored with the file's non-blank cells on top,
        # checked whole, as PATCH does; blank cells keep what is stored.
        candidate = values if existing is None else _input_fields(existing) | values
        clean: dict[str, Any] | None = None
        try:
            clean = validate_model(CustomerIn, candidate).model_dump()
        except InvalidFields as exc:
            for name, reason in exc.errors.items():
                errors.setdefault("row" if name == "body" else name, _clean_reason(reason))
        source = clean if clean is not None else candidate
        for name, kind in DICTIONARY_FIELDS.items():
            value = source.get(name)
            if value is None or name in errors:
                continue
            try:
                source[name] = self.dictionaries.resolve(kind, str(value))
            except ValueError as exc:
                errors[name] = str(exc)
        manager = source.get("account_manager_id")
        if isinstance(manager, uuid.UUID) and manager not in self.users:
            errors["account_manager_id"] = f"no user with id {manager}"
        self._check_duplicates(number, source, customer_no, existing, errors)
        if errors or clean is None:
            reasons = {self.label(n) if n != "row" else n: r for n, r in errors.items()}
            self.problems.append(RowProblem(number, reasons))
            return
        clean = {name: _plain(value) for name, value in clean.items()}
        clean["customer_no"] = existing["customer_no"] if existing else customer_no
        if existing is not None and all(clean[k] == existing[k] for k in _PLANNED_FIELDS):
            # Writing it anyway would replicate a no-op change to every parent.
            self.unchanged += 1
            return
        self.planned.append(_Planned(tuple(clean[k] for k in _PLANNED_FIELDS), existing))

    def _check_duplicates(
        self,
        number: int,
        values: dict[str, Any],
        customer_no: str | None,
        existing: dict[str, Any] | None,
        errors: dict[str, str],
    ) -> None:
        """Rows of the same file that are the same customer: the later ones are bad."""
        id_key = _id_key(values.get("id_number"))
        if id_key:
            first = self.seen_ids.setdefault(id_key, number)
            if first != number:
                errors.setdefault("id_number", f"same ID number as row {first}")
        if customer_no:
            first = self.seen_numbers.setdefault(customer_no, number)
            if first != number:
                errors.setdefault("customer_no", f"same customer number as row {first}")
        if existing is not None:
            first = self.seen_targets.setdefault(existing["id"], number)
            if first != number:
                errors.setdefault(
                    "row", f"updates the same customer {existing['customer_no']} as row {first}"
                )


def _as_dict(row: Row[Any]) -> dict[str, Any]:
    return dict(row._mapping)


def _input_fields(existing: dict[str, Any]) -> dict[str, Any]:
    return {name: existing[name] for name in INPUT_FIELDS if existing[name] is not None}


def _batched(values: Iterable[str]) -> Iterator[list[str]]:
    items = sorted(values)
    for start in range(0, len(items), _IN_CHUNK):
        yield items[start : start + _IN_CHUNK]


# ---- writing ---------------------------------------------------------------------------


def _write(session: Session, planned: list[_Planned], tracker: Tracker) -> tuple[int, int]:
    """Insert and update the planned rows, stamped as the ORM hook would; return the
    numbers inserted and updated."""
    if not planned:
        return 0, 0
    local: str = session.info["node_code"]
    number_at = _PLANNED_FIELDS.index("customer_no")
    _reserve_given_numbers(session, [p.values[number_at] for p in planned], local)
    unnumbered = sum(1 for p in planned if p.existing is None and p.values[number_at] is None)
    numbers = iter(next_customer_no(session, unnumbered) if unnumbered else [])
    # One allocation for the whole import: consecutive seqs in file order, taken in this
    # transaction like the stamping hook takes them in a flush.
    seq = allocate(session, SEQ, len(planned))
    now = utcnow()
    tracker.start("writing customers", len(planned))
    inserted = updated = 0
    add = insert(_TABLE)
    change = update(_TABLE).where(_TABLE.c.id == bindparam("b_id"))
    for start in range(0, len(planned), CHUNK):
        inserts: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        for item in planned[start : start + CHUNK]:
            values = dict(zip(_PLANNED_FIELDS, item.values, strict=True))
            values["search_terms"] = customer_search_terms(
                values["name"], values["home_address"], values["company_address"]
            )
            values["seq"] = seq
            values["updated_at"] = now
            seq += 1
            if item.existing is None:
                values["customer_no"] = values["customer_no"] or next(numbers)
                values["joined_at"] = values["joined_at"] or now
                values.update(
                    id=new_id(), origin=local, origin_version=1, created_at=now, deleted_at=None
                )
                inserts.append(values)
            else:
                values["b_id"] = item.existing["id"]
                values["origin_version"] = item.existing["origin_version"] + 1
                updates.append(values)
        if inserts:
            session.execute(add, inserts)
        if updates:
            session.execute(change, updates)
        inserted += len(inserts)
        updated += len(updates)
        tracker.advance(len(inserts) + len(updates))
    return inserted, updated


def _reserve_given_numbers(session: Session, numbers: list[str | None], local: str) -> None:
    """Move the customer_no counter past numbers the file gives in this node's own format,
    so numbers generated later (here or by the API) cannot collide with them."""
    pattern = re.compile(rf"^{re.escape(local)}-(\d{{8}})$")
    given = [int(m.group(1)) for n in numbers if n and (m := pattern.match(n))]
    if not given:
        return
    last = allocate(session, "customer_no", 0) - 1
    if max(given) > last:
        allocate(session, "customer_no", max(given) - last)
