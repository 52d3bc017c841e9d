"""Validation and normalisation of Chinese identifiers: resident ID, USCC, phone numbers."""

from __future__ import annotations

from datetime import date

import phonenumbers
from stdnum import exceptions as stdnum_errors
from stdnum.cn import ric, uscc


def normalize_resident_id(value: str) -> str:
    """Return an 18-character resident ID (GB 11643) or raise ValueError.

    Checks length, digits, the check digit and the birth date. Deliberately not
    `ric.is_valid`: it also refuses district codes younger than the holder, and real
    IDs carry exactly that (a 1950-born resident of 430102, a code from 1983).
    """
    number = value.strip().upper()
    if len(number) != 18 or not number[:17].isdigit() or number[17] not in "0123456789X":
        raise ValueError("must be 18 characters: 17 digits and a check digit (0-9 or X)")
    # stdnum's contract: it takes the whole 18-character number and drops the last
    # character itself (pinned by tests/test_identifiers.py with the standard's example).
    if ric.calc_check_digit(number) != number[17]:
        raise ValueError("check digit does not match (GB 11643)")
    try:
        born = ric.get_birth_date(number)
    except stdnum_errors.ValidationError:
        raise ValueError("birth date inside the number is not a real date") from None
    if born > date.today():
        raise ValueError("birth date inside the number is in the future")
    return number


def resident_id_check_digit(body: str) -> str:
    """The GB 11643 check character for a 17-digit body (what generators append)."""
    if len(body) != 17 or not body.isdigit():
        raise ValueError("a resident ID body is 17 digits")
    return ric.calc_check_digit(body + "0")  # stdnum ignores the 18th character


def birth_date_of(resident_id: str) -> date:
    """The birth date encoded in an 18-character resident ID."""
    return ric.get_birth_date(resident_id)


def gender_of(resident_id: str) -> str:
    """The 17th digit is odd for men, even for women."""
    return "male" if int(resident_id[16]) % 2 else "female"


def normalize_uscc(value: str) -> str:
    """Return an 18-character unified social credit code (GB 32100) or raise ValueError."""
    try:
        return uscc.validate(value.strip().upper())
    except stdnum_errors.ValidationError as exc:
        # str() is the subclass's message (InvalidLength, InvalidChecksum...); the base
        # class has no `message` attribute to name
        raise ValueError(f"not a valid unified social credit code: {exc}") from None


def credit_code_check_digit(body: str) -> str:
    """The GB 32100 check character for the first 17 characters of a credit code."""
    if len(body) != 17:
        raise ValueError("a credit code body is 17 characters")
    return uscc.calc_check_digit(body)


def normalize_phone(value: str) -> str:
    """Return a mainland mobile (11 digits) or landline (0 + area code + number) or raise.

    Stored as national digits without separators, so the last-four-digits index works.
    """
    raw = value.strip()
    try:
        parsed = phonenumbers.parse(raw, "CN")
    except phonenumbers.NumberParseException:
        raise ValueError("not a phone number") from None
    if parsed.country_code != 86 or not phonenumbers.is_valid_number(parsed):
        raise ValueError("not a valid mainland China mobile or landline number")
    kind = phonenumbers.number_type(parsed)
    national = str(parsed.national_number)
    if kind == phonenumbers.PhoneNumberType.MOBILE:
        return national
    if kind in (
        phonenumbers.PhoneNumberType.FIXED_LINE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        return national if national.startswith("1") and len(national) == 11 else "0" + national
    raise ValueError("only mobile and landline numbers are accepted")
