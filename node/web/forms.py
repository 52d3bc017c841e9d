"""Form input for the services: blank fields become None, errors go next to fields."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ValidationError

from node.errors import DomainError, InvalidFields, Taken, field_name
from node.web.validation_texts import domain_message, field_message


class FormErrors(Exception):
    """What to show beside the fields of a form (and above it, for the rest)."""

    def __init__(
        self, fields: dict[str, str], message: str | None = None, status_code: int = 422
    ) -> None:
        super().__init__(message or "; ".join(f"{k}: {v}" for k, v in fields.items()))
        self.fields = fields
        self.message = message
        self.status_code = status_code  # the API's status for the same refusal


def cleaned(form: Mapping[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    """The named fields of a submitted form, stripped, blanks as None (never the CSRF)."""
    out: dict[str, Any] = {}
    for name in names:
        value = form.get(name)
        if isinstance(value, str):
            value = value.strip()
        out[name] = value if value not in ("", None) else None
    return out


def parse(schema: type[BaseModel], values: dict[str, Any], lang: str) -> BaseModel:
    """Validate with the API's schema; each bad field is named as the API names it, with
    its message in the reader's language (validation_texts)."""
    try:
        return schema.model_validate({k: v for k, v in values.items() if v is not None})
    except ValidationError as exc:
        fields: dict[str, str] = {}
        for error in exc.errors():
            name = field_name(tuple(error.get("loc", ())))
            fields.setdefault(name, field_message(error, lang))
        raise InvalidFields(fields) from None


def as_form_errors(exc: DomainError, lang: str | None = None) -> FormErrors:
    """A service's refusal, shaped for a form: per-field errors, or one message. With
    `lang`, the services' English field texts are shown in the reader's language, and a
    unique value another row holds (409) is named next to its field."""
    if isinstance(exc, InvalidFields):
        return FormErrors(_in_lang(exc.errors, lang))
    if isinstance(exc, Taken) and lang is not None:
        return FormErrors(_in_lang(exc.fields, lang), None, exc.status_code)
    return FormErrors({}, exc.message, exc.status_code)


def _in_lang(errors: Mapping[str, str], lang: str | None) -> dict[str, str]:
    if lang is None:
        return dict(errors)
    return {name: domain_message(text, lang) for name, text in errors.items()}
