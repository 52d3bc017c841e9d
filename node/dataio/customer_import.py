"""Importing customers from a spreadsheet: check every row, then write all in one go.

Rows are checked with the API's rules (CustomerIn plus the reference checks of
CustomerResource.check_values), against the database and against each other, before
anything is written. Writing uses Core executemany in one transaction; Core statements
bypass the ORM stamping hook (node.db.stamping), so this module stamps seq, origin,
origin_version and times itself, exactly as that hook would.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import Enum
from itertools import islice
from pathlib import Path
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from node.audit.service import record
from node.auth.accounts import User
from node.crud.resource import validate_model
from node.customers.identifiers import normalize_phone
from node.customers.schemas import CustomerIn
from node.dataio.cell_values import cell_value, id_key
from node.dataio.customer_columns import (
    DICTIONARY_FIELDS,
    FIELD_HEADERS,
    HeaderMap,
    export_header,
    map_headers,
)
from node.dataio.customer_writer import write_customers
from node.dataio.import_plan import (
    CHUNK,
    INPUT_FIELDS,
    PLANNED_FIELDS,
    TABLE,
    NullTracker,
    Planned,
    Tracker,
)
from node.dataio.tabular import DataFileError, Sheet, open_sheet
from node.db.unit_of_work import Database
from node.dictionaries.lookup import usable_entries
from node.errors import InvalidFields

_IN_CHUNK = 500  # values per IN (...) list
_EXISTING_COLUMNS = [
    TABLE.c[name]
    for name in ("id", "origin", "deleted_at", "customer_no", "origin_version", "search_terms")
] + [TABLE.c[name] for name in INPUT_FIELDS]


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
            result.inserted, result.updated = write_customers(session, checker.planned, tracker)
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


def _clean_reason(reason: str) -> str:
    reason = reason.removeprefix("Value error, ")
    return "missing" if reason == "Field required" else reason


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


# ---- checking --------------------------------------------------------------------------


class _Dictionaries:
    """The dictionary codes and labels this node uses for the customer fields."""

    def __init__(self, session: Session) -> None:
        self.codes: dict[str, dict[str, bool]] = {kind: {} for kind in DICTIONARY_FIELDS.values()}
        self.labels: dict[str, dict[str, list[str]]] = {k: {} for k in self.codes}
        # Its own codes and those that flowed down from above, the nearest owner's label
        # per code (node.dictionaries.lookup).
        for entry in usable_entries(session, *self.codes):
            kind, code, label = entry.kind, entry.code, entry.label
            self.codes[kind][code] = entry.active
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
        self.dictionaries = _Dictionaries(session)
        self.users = set(
            session.execute(select(User.id).where(User.deleted_at.is_(None))).scalars()
        )
        self.rows = 0
        self.problems: list[RowProblem] = []
        self.planned: list[Planned] = []
        self.unchanged = 0
        self.seen_ids: dict[str, int] = {}
        self.seen_numbers: dict[str, int] = {}
        self.seen_targets: dict[uuid.UUID, int] = {}
        self.seen_people: dict[tuple[str, str], int] = {}
        self.stored_people: dict[tuple[str, str], str] = {}

    def label(self, name: str) -> str:
        header = self.columns.headers.get(name)
        return name if header is None or header == name else f"{name} ({header})"

    def check_chunk(self, chunk: list[tuple[int, list[Any]]]) -> None:
        parsed = [(number, *self._parse(cells)) for number, cells in chunk]
        by_number, by_id = self._existing(parsed)
        self.stored_people = self._stored_people(parsed)
        for number, values, errors in parsed:
            self.rows += 1
            self._check_row(number, values, errors, by_number, by_id)

    def _parse(self, cells: list[Any]) -> tuple[dict[str, Any], dict[str, str]]:
        values: dict[str, Any] = {}
        errors: dict[str, str] = {}
        for index, name in self.columns.columns.items():
            try:
                value = cell_value(name, cells[index] if index < len(cells) else None)
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
        ids = {k for _, v, _ in parsed if (k := id_key(v.get("id_number")))}
        by_number: dict[str, dict[str, Any]] = {}
        by_id: dict[str, list[dict[str, Any]]] = {}
        for part in _batched(numbers):
            stmt = select(*_EXISTING_COLUMNS).where(TABLE.c.customer_no.in_(part))
            for row in self.session.execute(stmt):
                by_number[row.customer_no] = _as_dict(row)
        for part in _batched(ids):
            stmt = select(*_EXISTING_COLUMNS).where(
                TABLE.c.id_number.in_(part),
                TABLE.c.origin == self.local,
                TABLE.c.deleted_at.is_(None),
            )
            for row in self.session.execute(stmt):
                by_id.setdefault(row.id_number, []).append(_as_dict(row))
        return by_number, by_id

    def _stored_people(
        self, parsed: list[tuple[int, dict[str, Any], dict[str, str]]]
    ) -> dict[tuple[str, str], str]:
        """(name, phone) -> customer number of the live local customers these rows'
        phones belong to: a new row with both the same is the same person again."""
        phones = {p for _, v, _ in parsed if (p := _phone_key(v.get("phone")))}
        people: dict[tuple[str, str], str] = {}
        for part in _batched(phones):
            stmt = select(TABLE.c.name, TABLE.c.phone, TABLE.c.customer_no).where(
                TABLE.c.phone.in_(part),
                TABLE.c.origin == self.local,
                TABLE.c.deleted_at.is_(None),
            )
            for name, phone, number in self.session.execute(stmt):
                people.setdefault((name, phone), number)
        return people

    def _match(
        self,
        values: dict[str, Any],
        errors: dict[str, str],
        by_number: dict[str, dict[str, Any]],
        by_id: dict[str, list[dict[str, Any]]],
    ) -> dict[str, Any] | None:
        """The existing customer this row is about, if any; clashes go into `errors`."""
        number = values.get("customer_no")
        same_id = by_id.get(id_key(values.get("id_number")) or "", [])
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
        if existing is not None and all(clean[k] == existing[k] for k in PLANNED_FIELDS):
            # Writing it anyway would replicate a no-op change to every parent.
            self.unchanged += 1
            return
        self.planned.append(Planned(tuple(clean[k] for k in PLANNED_FIELDS), existing))

    def _check_same_person(
        self,
        number: int,
        values: dict[str, Any],
        existing: dict[str, Any] | None,
        errors: dict[str, str],
    ) -> None:
        """The same name and phone twice in one file, or a new row for a customer already
        stored with both: the same person registered again."""
        phone, name = _phone_key(values.get("phone")), str(values.get("name") or "").strip()
        if not (phone and name):
            return
        first = self.seen_people.setdefault((name, phone), number)
        if first != number:
            errors.setdefault(
                "row", f"与第 {first} 行同名同电话 (same name and phone as row {first})"
            )
        stored = self.stored_people.get((name, phone))
        if existing is None and stored is not None:
            errors.setdefault(
                "row",
                f"与已有客户 {stored} 同名同电话，要更新请填写其客户编号 "
                f"(same name and phone as customer {stored}; give its customer number to "
                "update it)",
            )

    def _check_duplicates(
        self,
        number: int,
        values: dict[str, Any],
        customer_no: str | None,
        existing: dict[str, Any] | None,
        errors: dict[str, str],
    ) -> None:
        """Rows of the same file that are the same customer: the later ones are bad."""
        key = id_key(values.get("id_number"))
        if key:
            first = self.seen_ids.setdefault(key, number)
            if first != number:
                errors.setdefault("id_number", f"same ID number as row {first}")
        if customer_no:
            first = self.seen_numbers.setdefault(customer_no, number)
            if first != number:
                errors.setdefault("customer_no", f"same customer number as row {first}")
        self._check_same_person(number, values, existing, errors)
        if existing is not None:
            first = self.seen_targets.setdefault(existing["id"], number)
            if first != number:
                errors.setdefault(
                    "row", f"updates the same customer {existing['customer_no']} as row {first}"
                )


def _phone_key(value: Any) -> str | None:
    """A phone as stored (normalized), or None if it is not a phone number."""
    if not value:
        return None
    try:
        return normalize_phone(str(value))
    except ValueError:
        return None


def _as_dict(row: Row[Any]) -> dict[str, Any]:
    return dict(row._mapping)


def _input_fields(existing: dict[str, Any]) -> dict[str, Any]:
    return {name: existing[name] for name in INPUT_FIELDS if existing[name] is not None}


def _batched(values: Iterable[str]) -> Iterator[list[str]]:
    items = sorted(values)
    for start in range(0, len(items), _IN_CHUNK):
        yield items[start : start + _IN_CHUNK]
