"""Turning spreadsheet cells into customer field values (dates, yes/no, codes)."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Any

from openpyxl.utils.datetime import from_excel

from node.dataio.customer_columns import (
    FALSE_WORDS,
    GENDER_WORDS,
    ID_TYPE_WORDS,
    TRUE_WORDS,
    TYPE_WORDS,
    word_map,
)
from node.errors import NUL_REASON
from node.office_time import OFFICE_TZ

_TYPES = word_map(TYPE_WORDS)
_GENDERS = word_map(GENDER_WORDS)
_ID_TYPES = word_map(ID_TYPE_WORDS)
_DATE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[ T]+(\d{1,2})[:：](\d{1,2})(?:[:：](\d{1,2})(?:\.(\d{1,6}))?)?)?$"
)
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_ID_KEY_NOISE = re.compile(r"[\s\-]+")


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
    return value if value.tzinfo else value.replace(tzinfo=OFFICE_TZ)


def _parse_date_text(text: str) -> datetime:
    match = _DATE.match(text) or _COMPACT_DATE.match(text)
    try:
        if match:
            parts = [int(p) if p else 0 for p in match.groups()]
            if len(parts) > 6 and parts[6]:
                parts[6] = int(match.group(7).ljust(6, "0"))
            # The compact form (20190305) has no time: midnight, as datetime() defaults it.
            year, month, day, hour, minute, second, micro = [*parts, 0, 0, 0, 0][:7]
            return datetime(year, month, day, hour, minute, second, micro)
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


def cell_value(name: str, cell: Any) -> Any:
    """The value of field `name` from a cell; None if blank; ValueError if unreadable."""
    if cell is None or (isinstance(cell, str) and not cell.strip()):
        return None
    if isinstance(cell, str) and "\x00" in cell:
        # PostgreSQL cannot store it, SQLite would, and replicate it to a parent that
        # cannot; the API refuses it too (node.crud.schemas.check_storable).
        raise ValueError(NUL_REASON)
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


def id_key(value: Any) -> str | None:
    """An ID number as stored (CustomerIn normalises to upper case, no separators)."""
    if value is None:
        return None
    return _ID_KEY_NOISE.sub("", str(value)).upper() or None
