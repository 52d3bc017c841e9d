"""Simple record forms described as data: which fields, how each is typed in, and how a
stored row fills it and a submitted form turns back into the API's values.

The generic page (templates/record_form.html) draws any such form; the pages that use it
(pages_customer_rows, pages_catalog) only say which fields and which resource. Values go
through the resource's own schemas, so the checks are the API's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import BaseModel
from sqlalchemy.orm import Session

from node.crud.resource import validate_model
from node.office_time import OFFICE_TZ
from node.web.forms import cleaned, parse

Choices = Callable[[Session, Callable[..., str]], list[tuple[str, str]]]


class Widget(StrEnum):
    text = "text"
    textarea = "textarea"
    number = "number"
    date = "date"
    datetime = "datetime-local"  # the office's wall clock (Asia/Shanghai)
    select = "select"
    checkbox = "checkbox"


@dataclass(frozen=True)
class FormField:
    name: str
    label: str  # i18n key
    widget: Widget = Widget.text
    required: bool = False  # marked with * (the schema decides; this only shows it)
    choices: Choices | None = None  # (value, text) for a select
    # On a change, an empty box keeps what is stored instead of clearing it: a value the
    # service would otherwise make up again (a contract number, a start time).
    keep_if_blank: bool = False
    masked: bool = False  # personal data: shown, and sent, only to a role with pii:read
    hint: str | None = None  # i18n key of a line under the field
    default: str | bool = ""  # what a new record's form starts with


def shown_value(value: Any, widget: Widget) -> Any:
    """A stored value as its input shows it (times in the office's zone)."""
    if value is None:
        return "" if widget is not Widget.checkbox else False
    if widget is Widget.datetime and isinstance(value, datetime):
        return value.astimezone(OFFICE_TZ).strftime("%Y-%m-%dT%H:%M")
    if isinstance(value, date | Decimal):
        return str(value)
    if widget is Widget.checkbox:
        return bool(value)
    return str(value)


def stored_values(row: Any, fields: tuple[FormField, ...], may_see_pii: bool) -> dict[str, Any]:
    """The form's starting values for `row` (None: a new one); personal data left empty
    for who may not see it (the page hints at it masked instead)."""
    if row is None:
        return {f.name: f.default or (False if f.widget is Widget.checkbox else "") for f in fields}
    values = {f.name: shown_value(getattr(row, f.name, None), f.widget) for f in fields}
    if not may_see_pii:
        values |= {f.name: "" for f in fields if f.masked}
    return values


def submitted_values(form: Mapping[str, Any], fields: tuple[FormField, ...]) -> dict[str, Any]:
    """What was typed, as text (a ticked box as True): redrawn as is when refused."""
    out: dict[str, Any] = {}
    for f in fields:
        raw = form.get(f.name)
        text = raw if isinstance(raw, str) else ""
        out[f.name] = text == "yes" if f.widget is Widget.checkbox else text
    return out


def office_datetime(value: str | None) -> str | None:
    """A datetime-local input (Beijing wall clock) as an ISO timestamp with its offset;
    a malformed one is passed on for the schema to name."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=OFFICE_TZ)
    return moment.isoformat()


def api_values(submitted: Mapping[str, Any], fields: tuple[FormField, ...]) -> dict[str, Any]:
    """The submitted form as the API's values: blanks None, times with their zone."""
    names = tuple(f.name for f in fields)
    values = cleaned(submitted, names)
    for f in fields:
        if f.widget is Widget.checkbox:
            values[f.name] = bool(submitted.get(f.name))
        elif f.widget is Widget.datetime:
            values[f.name] = office_datetime(values[f.name])
    return values


def changed_fields(
    fields: tuple[FormField, ...], values: Mapping[str, Any], may_see_pii: bool
) -> tuple[str, ...]:
    """The fields a change writes: an empty keep-if-blank box, or an empty masked box
    of a role that never saw the value, leaves the stored value as it is."""
    out = []
    for f in fields:
        blank = values.get(f.name) is None
        if blank and (f.keep_if_blank or (f.masked and not may_see_pii)):
            continue
        out.append(f.name)
    return tuple(out)


def parse_new(
    schema: type[BaseModel], values: dict[str, Any], fixed: dict[str, Any], lang: str
) -> BaseModel:
    """The create body; every bad field named at once in the reader's language."""
    return parse(schema, {**values, **fixed}, lang)


def parse_change(
    create_schema: type[BaseModel],
    update_schema: type[BaseModel],
    values: dict[str, Any],
    fixed: dict[str, Any],
    names: tuple[str, ...],
    lang: str,
) -> BaseModel:
    """The PATCH body of `names`: checked whole against the create schema first (so a
    blank required field is 「必填」 next to it), then only those fields, blanks as null."""
    full = parse(create_schema, {**values, **fixed}, lang)
    patch = {name: getattr(full, name) for name in names}
    return validate_model(update_schema, patch)
