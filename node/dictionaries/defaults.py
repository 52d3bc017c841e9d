"""The seeded dictionaries every new node starts with (an admin may rename or add)."""

from __future__ import annotations

from node.dictionaries.models import DictionaryKind as K
from node.dictionaries.models import StatusMeaning as S

# (kind, code, label, meaning)
DEFAULT_ENTRIES: list[tuple[str, str, str, str | None]] = [
    (K.service_area, "urban", "城区营业部", None),
    (K.service_area, "suburban", "郊区营业部", None),
    (K.service_area, "county", "县域营业部", None),
    (K.service_area, "enterprise", "政企客户部", None),
    (K.customer_grade, "diamond", "钻石卡", None),
    (K.customer_grade, "gold", "金卡", None),
    (K.customer_grade, "silver", "银卡", None),
    (K.customer_grade, "standard", "普通", None),
    (K.customer_category, "public", "公众客户", None),
    (K.customer_category, "business", "商业客户", None),
    (K.customer_category, "government", "政府机关", None),
    (K.customer_category, "education", "教育", None),
    (K.customer_category, "healthcare", "医疗卫生", None),
    (K.customer_category, "finance", "金融", None),
    (K.customer_status, "active", "在网", S.active),
    (K.customer_status, "arrears", "欠费停机", S.suspended),
    (K.customer_status, "suspended", "报停", S.suspended),
    (K.customer_status, "churned", "离网", S.churned),
    (K.ticket_kind, "repair", "故障报修", None),
    (K.ticket_kind, "install", "装机", None),
    (K.ticket_kind, "relocation", "移机", None),
    (K.ticket_kind, "complaint", "投诉", None),
    (K.ticket_kind, "inquiry", "咨询", None),
    (K.ticket_kind, "billing", "账务查询", None),
    (K.churn_reason, "price", "资费偏高", None),
    (K.churn_reason, "network_quality", "网络质量差", None),
    (K.churn_reason, "service", "服务不满意", None),
    (K.churn_reason, "relocation", "搬迁离开服务区", None),
    (K.churn_reason, "competitor_offer", "竞争对手优惠", None),
    (K.churn_reason, "business_closed", "企业注销或停业", None),
    (K.churn_reason, "other", "其他", None),
    (K.competitor, "china_mobile", "中国移动", None),
    (K.competitor, "china_unicom", "中国联通", None),
    (K.competitor, "china_broadnet", "中国广电", None),
    (K.competitor, "other", "其他运营商", None),
    (K.call_outcome, "answered", "咨询已解答", None),
    (K.call_outcome, "repair_taken", "报修已受理", None),
    (K.call_outcome, "complaint_taken", "投诉已登记", None),
    (K.call_outcome, "business_done", "业务已办理", None),
    (K.call_outcome, "callback_needed", "需回电", None),
    (K.call_outcome, "transferred", "已转接", None),
    (K.call_outcome, "no_answer", "未接通", None),
]
