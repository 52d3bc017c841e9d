"""Chinese display labels for group keys: node names, dictionary codes, staff names.

Codes come from the node's dictionaries (an admin may rename them), preferring this
node's own entries; node names come from the composition root (this node's settings
and the children it registered), so rollup/ need not know the federation registry.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from node.customers.models import CustomerType
from node.dictionaries.models import DictionaryEntry, DictionaryKind
from node.tickets.models import Severity
from node.users.models import User
from rollup.tenure import LABELS as TENURE_LABELS

MISSING = "未填写"
TOTAL_LABEL = "合计"

_FIXED: dict[str, dict[str, str]] = {
    "type": {CustomerType.individual.value: "个人客户", CustomerType.enterprise.value: "政企客户"},
    "severity": {Severity.major.value: "重大", Severity.general.value: "一般"},
    "tenure": dict(TENURE_LABELS),
    "key_account": {"true": "大客户", "false": "非大客户"},
}
_DICTIONARY_KIND = {
    "grade": DictionaryKind.customer_grade.value,
    "reason": DictionaryKind.churn_reason.value,
    "competitor": DictionaryKind.competitor.value,
    "kind": DictionaryKind.ticket_kind.value,
}
_HQ = "000000"


@dataclass
class Labels:
    nodes: dict[str, str] = field(default_factory=dict)
    dictionary: dict[tuple[str, str], str] = field(default_factory=dict)
    managers: dict[str, str] = field(default_factory=dict)

    def of(self, group_by: str, key: str | None) -> str:
        """The label to show for group `key` of a `group_by` grouping."""
        if group_by == "total":
            return TOTAL_LABEL
        if key is None or key == "":
            return MISSING
        if group_by in ("city", "province"):
            return self.node(key)
        if group_by == "account_manager":
            return self.managers.get(key, f"客户经理 {key[:8]}")
        if group_by in _FIXED:
            return _FIXED[group_by].get(key, key)
        if group_by in _DICTIONARY_KIND:
            return self.dictionary.get((_DICTIONARY_KIND[group_by], key), key)
        return key

    def node(self, code: str) -> str:
        if code in self.nodes:
            return self.nodes[code]
        if code == _HQ:
            return "总部"
        province = code[:2] + "0000"
        if code != province and province in self.nodes:
            return f"{self.nodes[province]} {code}"
        return code


def load_labels(session: Session, node_code: str, node_names: Mapping[str, str]) -> Labels:
    """Labels from the dictionaries and users this node holds, plus `node_names`."""
    dictionary: dict[tuple[str, str], str] = {}
    entries = session.execute(
        select(
            DictionaryEntry.kind,
            DictionaryEntry.code,
            DictionaryEntry.label,
            DictionaryEntry.origin,
        )
        .where(DictionaryEntry.deleted_at.is_(None))
        .order_by(DictionaryEntry.origin)
    ).all()
    # Any origin's label fills a gap; this node's own label wins.
    for kind, code, label, origin in entries:
        if origin == node_code or (kind, code) not in dictionary:
            dictionary[(kind, code)] = label
    managers = {
        uid.hex: name
        for uid, name in session.execute(
            select(User.id, User.display_name).where(User.deleted_at.is_(None))
        ).all()
    }
    return Labels(nodes=dict(node_names), dictionary=dictionary, managers=managers)
