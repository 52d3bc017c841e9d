"""Masking of personal data (phone and ID numbers) for lists, logs and exports."""

from __future__ import annotations


def _mask(value: str | None, keep_head: int, keep_tail: int) -> str | None:
    if not value:
        return value
    if len(value) <= keep_head + keep_tail:
        return "*" * len(value)
    hidden = len(value) - keep_head - keep_tail
    return value[:keep_head] + "*" * hidden + value[len(value) - keep_tail :]


def mask_phone(phone: str | None) -> str | None:
    """138****5678: keep the carrier prefix and the last four digits."""
    return _mask(phone, 3, 4)


def mask_id_number(id_number: str | None) -> str | None:
    """430***********1234: keep the province prefix and the last four characters."""
    return _mask(id_number, 3, 4)


def mask_email(email: str | None) -> str | None:
    if not email or "@" not in email:
        return email
    local, _, domain = email.partition("@")
    return (local[:1] + "***@" + domain) if local else email
