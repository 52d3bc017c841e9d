"""A knowledge-base service's refusal shaped for a form: as node.web.forms does, and a
409 whose message starts with one of the form's field names (the services write
"name: a folder named ... is already here") shown beside that field, as is an error of
one item of a list field ("tags.2"). Every text is in the reader's language: the
services write English (the API's wording), validation_texts.domain_message turns it
into Chinese unless the reader switched to English."""

from __future__ import annotations

from node.errors import DomainError
from node.web.forms import FormErrors, as_form_errors
from node.web.validation_texts import domain_message


def kb_form_errors(exc: DomainError, lang: str, fields: tuple[str, ...]) -> FormErrors:
    """The errors to show beside `fields` (and above the form, for the rest)."""
    errors = as_form_errors(exc, lang)  # field texts already in the reader's language
    if errors.fields:  # one tag of the list ("tags.2") is shown beside the tags box
        shown: dict[str, str] = {}
        for name, text in errors.fields.items():
            head = name.split(".", 1)[0]
            shown.setdefault(head if head in fields else name, text)
        return FormErrors(shown, errors.message, errors.status_code)
    if errors.message:
        head, sep, rest = errors.message.partition(": ")
        if sep and head in fields:
            return FormErrors({head: domain_message(rest, lang)}, None, errors.status_code)
        return FormErrors({}, domain_message(errors.message, lang), errors.status_code)
    return errors
