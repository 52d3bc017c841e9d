"""Validation messages in the reader's language, for forms.

The API answers with pydantic's English messages (clients match on them); a person at a
form reads them in Chinese (English with the switch). Messages are chosen by pydantic's
error type with its context, and our own validators' texts by their exact wording; a
message not listed here shows as pydantic wrote it, never as nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from node.errors import NUL_REASON

# pydantic error type -> (zh-CN, en); {name} fills from the error's ctx.
BY_TYPE: dict[str, tuple[str, str]] = {
    "missing": ("必填", "Required"),
    "string_too_short": ("至少 {min_length} 个字符", "At least {min_length} characters"),
    "string_too_long": ("最多 {max_length} 个字符", "At most {max_length} characters"),
    "string_pattern_mismatch": ("格式不正确", "Wrong format"),
    "string_type": ("应为文字", "Must be text"),
    "enum": ("只能是：{expected}", "Must be one of: {expected}"),
    "literal_error": ("只能是：{expected}", "Must be one of: {expected}"),
    "int_parsing": ("应为整数", "Must be a whole number"),
    "int_type": ("应为整数", "Must be a whole number"),
    "int_from_float": ("应为整数", "Must be a whole number"),
    "float_parsing": ("应为数字", "Must be a number"),
    "decimal_parsing": ("应为数字", "Must be a number"),
    "finite_number": ("应为有限的数字", "Must be a finite number"),
    "greater_than": ("应大于 {gt}", "Must be greater than {gt}"),
    "greater_than_equal": ("不能小于 {ge}", "Must be at least {ge}"),
    "less_than": ("应小于 {lt}", "Must be less than {lt}"),
    "less_than_equal": ("不能大于 {le}", "Must be at most {le}"),
    "decimal_max_places": ("最多 {decimal_places} 位小数", "At most {decimal_places} decimals"),
    "decimal_max_digits": ("数字位数过多", "Too many digits"),
    "date_parsing": ("日期格式不正确", "Not a date"),
    "date_from_datetime_parsing": ("日期格式不正确", "Not a date"),
    "datetime_parsing": ("日期时间格式不正确", "Not a date and time"),
    "datetime_from_date_parsing": ("日期时间格式不正确", "Not a date and time"),
    "timezone_aware": ("需要带时区的时间", "Needs a time zone"),
    "uuid_parsing": ("不是有效的编号", "Not a valid id"),
    "bool_parsing": ("应为是或否", "Must be yes or no"),
    "extra_forbidden": ("不认识的字段", "Unknown field"),
}

# Our validators' own ValueError texts (node/customers, node/crud) -> zh-CN.
VALUE_ERRORS: dict[str, str] = {
    "not a phone number": "不是电话号码",
    "not a valid mainland China mobile or landline number": "不是有效的中国大陆手机或固话号码",
    "only mobile and landline numbers are accepted": "只接受手机和固话号码",
    "must be 18 characters: 17 digits and a check digit (0-9 or X)": (
        "应为 18 位：17 位数字加 1 位校验码（0-9 或 X）"
    ),
    "check digit does not match (GB 11643)": "校验码不符（GB 11643）",
    "birth date inside the number is not a real date": "号码中的出生日期不存在",
    "birth date inside the number is in the future": "号码中的出生日期在未来",
    "not an e-mail address": "不是电子邮箱地址",
    NUL_REASON: "不能包含空字符（\\x00）",
}
_VALUE_ERROR_PREFIX = "Value error, "


def field_message(error: Mapping[str, Any], lang: str) -> str:
    """One pydantic error as the reader's message."""
    texts = BY_TYPE.get(str(error.get("type")))
    context = {k: str(v) for k, v in (error.get("ctx") or {}).items()}
    if texts is not None:
        text = texts[0] if lang != "en" else texts[1]
        try:
            return text.format(**context)
        except (KeyError, IndexError):
            return text.split("{", 1)[0].rstrip("：: ") or text
    message = str(error.get("msg", ""))
    own = message.removeprefix(_VALUE_ERROR_PREFIX)
    if lang != "en" and own in VALUE_ERRORS:
        return VALUE_ERRORS[own]
    if lang != "en" and own.startswith("not a valid unified social credit code"):
        return "不是有效的统一社会信用代码（GB 32100）"
    return domain_message(own, lang)


# The services' own English refusals (node/crud, the resources' check_values) -> zh-CN,
# by pattern: the API keeps its wording, a form shows it in Chinese. Texts that already
# carry Chinese (most bilingual refusals) are shown as they are.
DOMAIN_MESSAGES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"is before started_at"), "不能早于开始时间"),
    (re.compile(r"is before starts_at"), "不能早于起始日期"),
    (re.compile(r"no [a-z _]+ with id .*"), "不存在或已删除"),
    (re.compile(r"at most (?P<n>\d+) characters"), "最多 {n} 个字符"),
    (re.compile(r"must be between (?P<low>\S+) and (?P<high>\S+)"), "应在 {low} 到 {high} 之间"),
    (re.compile(r".* already exists: .*"), "已被另一条记录使用，请换一个"),
    (re.compile(r".* is held by deleted .*"), "已被一条已删除的记录占用，请换一个"),
    (
        re.compile(r"kind and code cannot change.*"),
        "类别和代码不能修改（已有数据引用），请新增一项",
    ),
    (re.compile(r"a customer status needs a meaning.*"), "客户状态需要选择含义：在用、暂停或流失"),
)
_HAN = re.compile(r"[\u4e00-\u9fff]")


def domain_message(message: str, lang: str) -> str:
    """A service's refusal of one field, in the reader's language."""
    if lang == "en" or _HAN.search(message):
        return message
    own = VALUE_ERRORS.get(message)
    if own is not None:
        return own
    for pattern, text in DOMAIN_MESSAGES:
        if match := pattern.fullmatch(message):
            return text.format(**match.groupdict())
    return message
