"""What customer columns are called in spreadsheets, and the words used for their values.

Import accepts any of the Chinese names below or the English field name; export writes
the first Chinese name, so an export can be imported again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# field -> accepted Chinese headers; the first one is what exports write.
FIELD_HEADERS: dict[str, tuple[str, ...]] = {
    "customer_no": ("客户编号", "客户号"),
    "name": ("姓名", "客户名称", "客户姓名"),
    "type": ("客户类型",),
    "id_type": ("证件类型",),
    "id_number": ("证件号码", "身份证号", "证件号", "身份证号码"),
    "phone": ("手机号", "手机", "联系电话", "电话", "手机号码"),
    "email": ("邮箱", "电子邮件", "电子邮箱"),
    "gender": ("性别",),
    "birth_date": ("出生日期",),
    "occupation": ("职业",),
    "home_address": ("地址", "家庭地址", "住址"),
    "company_address": ("单位地址", "公司地址"),
    "service_area": ("服务区域", "营业区"),
    "category": ("客户类别", "类别"),
    "grade": ("客户等级", "等级"),
    "status": ("状态",),
    "is_key_account": ("大客户", "是否大客户"),
    "joined_at": ("入网时间", "入网日期"),
    "account_manager_id": ("客户经理ID",),
    "note": ("备注",),
}

# Columns an export writes for people to read that an import must not apply: the owning
# node is decided by where a row is imported, not by the file.
READ_ONLY_HEADERS: dict[str, tuple[str, ...]] = {
    "origin": ("归属节点",),
}

# The order exports write; the importable fields, then the read-only ones.
EXPORT_FIELDS: tuple[str, ...] = (*FIELD_HEADERS, *READ_ONLY_HEADERS)

# Values that are enums in the schema, in the words people use (first = export label).
TYPE_WORDS: dict[str, tuple[str, ...]] = {
    "individual": ("个人", "个人客户"),
    "enterprise": ("企业", "政企", "企业客户", "政企客户"),
}
GENDER_WORDS: dict[str, tuple[str, ...]] = {
    "male": ("男", "m"),
    "female": ("女", "f"),
}
ID_TYPE_WORDS: dict[str, tuple[str, ...]] = {
    "resident_id": ("居民身份证", "身份证"),
    "uscc": ("统一社会信用代码", "营业执照"),
    "passport": ("护照",),
}
TRUE_WORDS = frozenset({"是", "true", "1", "yes", "y", "t", "√"})
FALSE_WORDS = frozenset({"否", "false", "0", "no", "n", "f", "×"})
BOOL_LABELS = {True: "是", False: "否"}

# Fields whose values are codes of a dictionary kind (node.dictionaries).
DICTIONARY_FIELDS: dict[str, str] = {
    "status": "customer_status",
    "grade": "customer_grade",
    "category": "customer_category",
    "service_area": "service_area",
}

_HEADER_NOISE = re.compile(r"[\s*＊:：]+")


def normalize_header(header: str) -> str:
    """Drop spaces, `*` required-markers and colons that templates add; fold case."""
    return _HEADER_NOISE.sub("", header).lower()


def _aliases() -> dict[str, str]:
    aliases: dict[str, str] = {}
    for name, headers in (FIELD_HEADERS | READ_ONLY_HEADERS).items():
        for header in (name, *headers):
            aliases[normalize_header(header)] = name
    return aliases


HEADER_ALIASES: dict[str, str] = _aliases()


def word_map(words: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """Lower-cased word or code -> code, for the enum value tables above."""
    mapping: dict[str, str] = {}
    for code, labels in words.items():
        mapping[code] = code
        for label in labels:
            mapping[label.lower()] = code
    return mapping


def export_header(name: str) -> str:
    """The Chinese header an export writes for field `name`."""
    return (FIELD_HEADERS | READ_ONLY_HEADERS)[name][0]


@dataclass
class HeaderMap:
    """How a file's columns map to fields."""

    columns: dict[int, str] = field(default_factory=dict)  # column index -> field
    read_only: dict[int, str] = field(default_factory=dict)  # column index -> ignored field
    headers: dict[str, str] = field(default_factory=dict)  # field -> header as in the file
    unknown: list[str] = field(default_factory=list)
    duplicates: dict[str, list[str]] = field(default_factory=dict)  # field -> its headers


def map_headers(headers: list[str]) -> HeaderMap:
    """Map header cells to fields. Empty headers are ignored; unknown ones are listed."""
    result = HeaderMap()
    seen: dict[str, list[str]] = {}
    for index, header in enumerate(headers):
        if not header:
            continue
        name = HEADER_ALIASES.get(normalize_header(header))
        if name is None:
            result.unknown.append(header)
            continue
        seen.setdefault(name, []).append(header)
        if name in READ_ONLY_HEADERS:
            result.read_only[index] = name
        else:
            result.columns[index] = name
            result.headers.setdefault(name, header)
    result.duplicates = {name: hs for name, hs in seen.items() if len(hs) > 1}
    return result
