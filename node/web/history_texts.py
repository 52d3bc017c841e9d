"""Names of the fields and rows a change history shows, in Chinese and English."""

from __future__ import annotations

# entity -> (zh-CN, en)
ENTITY_TEXTS: dict[str, tuple[str, str]] = {
    "customer": ("客户", "Customer"),
    "contact": ("联系人", "Contact"),
    "subscription": ("订购", "Subscription"),
    "contract": ("合同", "Contract"),
    "ticket": ("工单", "Ticket"),
}

# field -> (zh-CN, en); a field not listed shows its column name.
FIELD_TEXTS: dict[str, tuple[str, str]] = {
    "name": ("名称", "Name"),
    "type": ("类型", "Type"),
    "category": ("行业类别", "Category"),
    "grade": ("客户等级", "Grade"),
    "status": ("状态", "Status"),
    "gender": ("性别", "Gender"),
    "birth_date": ("出生日期", "Birth date"),
    "id_type": ("证件类型", "ID type"),
    "id_number": ("证件号码", "ID number"),
    "occupation": ("职业", "Occupation"),
    "phone": ("电话", "Phone"),
    "email": ("电子邮箱", "E-mail"),
    "company_address": ("单位地址", "Company address"),
    "home_address": ("家庭住址", "Home address"),
    "service_area": ("服务区域", "Service area"),
    "account_manager_id": ("客户经理", "Account manager"),
    "is_key_account": ("大客户", "Key account"),
    "joined_at": ("入网时间", "Joined"),
    "note": ("备注", "Note"),
    "department": ("部门", "Department"),
    "title": ("职务", "Title"),
    "decision_maker": ("决策人", "Decision maker"),
    "do_not_call": ("勿扰", "Do not call"),
    "product_id": ("产品", "Product"),
    "service_number": ("业务号码", "Service number"),
    "monthly_fee": ("月费", "Monthly fee"),
    "started_at": ("开始时间", "Started"),
    "ended_at": ("结束时间", "Ended"),
    "termination_reason": ("终止原因", "Termination reason"),
    "contract_no": ("合同编号", "Contract number"),
    "amount": ("金额", "Amount"),
    "signed_at": ("签订日期", "Signed"),
    "starts_at": ("生效日期", "Starts"),
    "ends_at": ("到期日期", "Ends"),
    "kind": ("工单类型", "Kind"),
    "severity": ("紧急程度", "Severity"),
    "technician_id": ("维修人员", "Technician"),
    "description": ("描述", "Description"),
    "due_at": ("到期时间", "Due"),
    "satisfaction": ("满意度", "Satisfaction"),
    "customer_id": ("客户", "Customer"),
    "deleted_at": ("删除", "Deleted"),
}

YES_NO: dict[str, tuple[str, str]] = {"true": ("是", "yes"), "false": ("否", "no")}
EMPTY = "—"
