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

from node.auth.accounts import User
from node.customers.models import CustomerType
from node.dictionaries.models import DictionaryEntry, DictionaryKind
from node.divisions import division_name
from node.tickets.models import Severity
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
        # A node this level never registered (HQ registers provinces, not their cities):
        # its standard name, else the code beside its province's name.
        if standard := division_name(code):
            return standard
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


FIGURE_TITLES = {
    "key-accounts": "大客户分析",
    "churn": "客户流失分析",
    "service": "服务质量分析",
    "value": "客户价值分析",
}
GROUP_TITLES = {
    "total": "范围",
    "city": "城市",
    "province": "省份",
    "grade": "客户等级",
    "type": "客户类型",
    "tenure": "在网时长",
    "key_account": "是否大客户",
    "reason": "流失原因",
    "competitor": "流失去向",
    "kind": "工单类型",
    "severity": "紧急程度",
    "month": "月份",
    "account_manager": "客户经理",
}
COLUMN_TITLES = {
    "key_accounts": "大客户数",
    "key_revenue": "大客户月收入(元)",
    "key_revenue_share": "大客户收入占比",
    "share_of_key_revenue": "占全部大客户收入",
    "customers": "期末在网客户",
    "revenue": "月收入(元)",
    "key_churned": "大客户流失数",
    "key_churned_revenue": "大客户流失月收入(元)",
    "key_churn_rate": "大客户流失率",
    "top20_revenue_share": "前20%客户收入占比",
    "customers_share_for_80": "贡献80%收入的客户占比",
    "pareto_exact": "二八分析精确",
    "active_at_start": "期初在网客户",
    "churned": "流失客户",
    "churned_from_start": "期初客户中流失",
    "churn_rate": "流失率",
    "churned_share": "占流失客户比例",
    "churned_revenue": "流失月收入(元)",
    "joined": "新入网客户",
    "opened": "新建工单",
    "resolved": "解决工单",
    "sla_resolved": "时限考核工单",
    "sla_met": "按时解决",
    "sla_rate": "时限达标率",
    "mean_hours_to_resolve": "平均解决时长(小时)",
    "repairs_opened": "故障报修",
    "repeat_repairs": "重复报修",
    "repeat_repair_rate": "重复报修率",
    "satisfaction_count": "满意度评价数",
    "satisfaction_mean": "平均满意度",
    "arpu": "户均月收入(元)",
    "churn_rate_12m": "近12个月月均流失率",
    "expected_lifetime_months": "预期在网月数",
    "lifetime_value": "客户生命周期价值(元)",
}
# Columns that are shares or rates (shown as percentages).
PERCENT_COLUMNS = frozenset(c for c in COLUMN_TITLES if "share" in c or "rate" in c)
