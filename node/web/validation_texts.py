"""Validation messages in the reader's language, for forms.

The API answers with pydantic's English messages (clients match on them); a person at a
form reads them in Chinese (English with the switch). Messages are chosen by pydantic's
error type with its context, our own validators' texts by their exact wording, and the
services' refusals (the knowledge base's among them) by pattern; a message not listed
here shows as it was written, never as nothing.
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

# The knowledge base's refusals (node/knowledge) -> zh-CN. Each may carry the field it
# names ("name: ..."): a form shows the rest beside the field, a page the whole message,
# and the Chinese of either drops the English field name. They quote names people typed
# (「考勤」, article titles), so they are tried before texts with Chinese are passed over.
_FIELD = r"(?:[a-z_]+: )?"
_ID = r"(?P<id>[0-9a-f-]{36})"
KB_MESSAGES: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(
            _FIELD + r"a folder named 「(?P<name>.*)」 is already (?P<where>at the top|"
            r"in this folder) \((?P<id>[0-9a-f-]{36})\)",
            re.S,
        ),
        "{where}已有名为「{name}」的目录（{id}）",
    ),
    (
        re.compile(r"folder 「(?P<name>.*?)」 is not empty: it holds (?P<held>.+)", re.S),
        "目录「{name}」不是空的：其中有 {held}",
    ),
    (
        re.compile(_FIELD + r"a folder cannot move into itself or a folder inside it"),
        "目录不能移到它自己或它下面的目录中",
    ),
    (re.compile(_FIELD + r"must be after effective_from"), "应晚于生效日期"),
    (re.compile(_FIELD + r"no folder " + _ID), "没有这个目录（{id}）"),
    (re.compile(_FIELD + r"no article " + _ID), "没有这篇文章（{id}）"),
    (re.compile(r"article " + _ID + r" has no version (?P<n>\d+)"), "文章 {id} 没有第 {n} 版"),
    (
        re.compile(r"article " + _ID + r" has reached (?P<n>\d+) versions"),
        "文章 {id} 已达到 {n} 个版本",
    ),
    (
        re.compile(_FIELD + r"article " + _ID + r" is not a must-read article"),
        "文章 {id} 不是必读文章",
    ),
    (
        re.compile(
            _FIELD + r"(?P<user>\S+) wrote or submitted version (?P<n>\d+) "
            r"and cannot review it: another reviewer must"
        ),
        "{user} 编写或提交了第 {n} 版，不能审核它：须由另一位审核人审核",
    ),
    (
        re.compile(
            _FIELD + r"cannot move from (?P<state>[a-z_]+) to (?P<to_state>[a-z_]+) "
            r"\(only from (?P<from_state>[a-z_]+)\)"
        ),
        "不能从「{state}」转为「{to_state}」（只能从「{from_state}」转）",
    ),
    (
        re.compile(
            _FIELD + r"an article (?P<state>[a-z_]+) cannot be edited \(only draft or "
            r"published; send it back to draft first\)"
        ),
        "「{state}」的文章不能修改（只能修改草稿或已发布的文章；请先退回草稿）",
    ),
    (
        re.compile(r"role (?P<role>\S+) may not see drafts \(needs kb:write\)"),
        "角色 {role} 无权查看草稿（需要 kb:write 权限）",
    ),
    (re.compile(_FIELD + r"is not a cursor this API issued"), "不是本系统给出的翻页位置"),
    (
        re.compile(
            _FIELD + r"this (?P<what>article|folder) belongs to node (?P<owner>\d{6}); only "
            r"node \d{6} may change it \(this node is (?P<here>\d{6})\)"
        ),
        "这{what}由上级节点 {owner} 发布，只能在 {owner} 修改（本节点 {here}）",
    ),
)
# Words the knowledge base's messages fill in, by the group that holds them (the
# states as the pages name them: node.web.kb_labels).
_STATES = {"draft": "草稿", "in_review": "待审核", "published": "已发布", "archived": "已归档"}
_KB_WORDS: dict[str, dict[str, str]] = {
    "where": {"at the top": "顶级目录中", "in this folder": "这个目录中"},
    "state": _STATES,
    "to_state": _STATES,
    "from_state": _STATES,
    "what": {"article": "篇文章", "folder": "个目录"},
}
# What a non-empty folder holds: "2 folder(s): a、b; 1 article(s): x" (the names as
# written, joined by 、; the article part only after "; " and a count).
_HELD = re.compile(
    r"(?:(?P<folders>\d+) folder\(s\): (?P<folder_names>.*?))?(?:; )?"
    r"(?:(?P<articles>\d+) article\(s\): (?P<article_names>.*))?",
    re.S,
)


def _held(text: str) -> str:
    """A non-empty folder's contents in Chinese (as written if the shape is unknown)."""
    match = _HELD.fullmatch(text)
    if match is None or not (match["folders"] or match["articles"]):
        return text
    parts = []
    if match["folders"]:
        parts.append(f"{match['folders']} 个目录：{match['folder_names']}")
    if match["articles"]:
        parts.append(f"{match['articles']} 篇文章：{match['article_names']}")
    return "；".join(parts)


def kb_message(message: str) -> str | None:
    """A knowledge-base refusal in Chinese, None when it is not one of theirs."""
    for pattern, text in KB_MESSAGES:
        if match := pattern.fullmatch(message):
            groups = {
                name: _KB_WORDS.get(name, {}).get(value, value)
                for name, value in match.groupdict().items()
            }
            if groups.get("held") is not None:
                groups["held"] = _held(groups["held"])
            return text.format(**groups)
    return None


def domain_message(message: str, lang: str) -> str:
    """A service's refusal of one field, in the reader's language."""
    if lang == "en":
        return message
    kb = kb_message(message)
    if kb is not None:
        return kb
    if _HAN.search(message):
        return message
    own = VALUE_ERRORS.get(message)
    if own is not None:
        return own
    for pattern, text in DOMAIN_MESSAGES:
        if match := pattern.fullmatch(message):
            return text.format(**match.groupdict())
    return message
