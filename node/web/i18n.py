"""Interface texts in Simplified Chinese (the default) and English.

One table, keyed by a short id; a page asks `t("key")` and gets the text in the
viewer's language (cookie `fedcrm_lang`). A missing English text falls back to the
Chinese one, a missing key shows itself (so a gap is visible, never a crash).
"""

from __future__ import annotations

from collections.abc import Callable

from rollup.entry import COLUMN_TITLES, GROUP_TITLES

DEFAULT_LANG = "zh-CN"
LANGS = ("zh-CN", "en")
LANG_COOKIE = "fedcrm_lang"

# key -> (zh-CN, en)
TEXTS: dict[str, tuple[str, str]] = {
    "app.title": ("客户关系管理", "Customer relations"),
    "nav.search": ("客户查询", "Customers"),
    "nav.tickets": ("工单队列", "Ticket queue"),
    # The queue's bulk form (pages_ticket_bulk): dispatch, reassign, close.
    "bulk.title": ("批量处理", "Bulk actions"),
    "bulk.select_all": ("全选本页", "Select all on this page"),
    "bulk.select_row": ("选择 {no}", "Select {no}"),
    "bulk.action": ("操作", "Action"),
    "bulk.dispatch": ("派单", "Dispatch"),
    "bulk.reassign": ("改派", "Reassign"),
    "bulk.close": ("关闭", "Close"),
    "bulk.ids": ("工单", "Tickets"),
    "bulk.submit": ("处理选中的工单", "Apply to the ticked tickets"),
    "bulk.hint": (
        "勾选工单后选择操作，一次最多 {max} 件。备注记入派单、关闭的处理记录；改派不改变状态。",
        "Tick tickets, then choose an action; at most {max} at a time. The note goes into "
        "the history of dispatched and closed tickets; reassigning keeps the status.",
    ),
    "bulk.summary": ("已处理 {done} 件，{refused} 件未处理", "{done} done, {refused} not done"),
    "bulk.refused": ("未处理的工单", "Tickets left as they were"),
    "bulk.none_selected": ("请至少勾选一件工单", "Tick at least one ticket"),
    "bulk.too_many": (
        "一次最多处理 {max} 件，本次选了 {n} 件",
        "At most {max} tickets at a time; {n} were sent",
    ),
    "bulk.bad_id": ("不是有效的工单编号：{value}", "Not a ticket id: {value}"),
    "bulk.need_action": ("请选择派单、改派或关闭", "Choose dispatch, reassign or close"),
    "bulk.need_technician": (
        "派单和改派需要选择维修人员",
        "Dispatching and reassigning need a technician",
    ),
    "bulk.unknown_technician": (
        "不是本节点在岗的装维人员",
        "Not an active technician of this node",
    ),
    "bulk.note_too_long": ("备注最多 {max} 个字符", "The note takes at most {max} characters"),
    "bulk.why.missing": (
        "工单不存在，或不在您的服务区域内",
        "No such ticket, or it is outside your service area",
    ),
    "bulk.why.foreign": (
        "工单属于其他节点，此处只读",
        "The ticket belongs to another node: read-only here",
    ),
    "bulk.why.same": ("已经派给这位维修人员", "It is already with this technician"),
    "bulk.why.other": (
        "系统拒绝了此工单，请打开工单单独办理以查看原因",
        "Refused; open the ticket and do it there to see why",
    ),
    "bulk.cannot.dispatch": (
        "{status}的工单不能派单",
        "A ticket that is {status} cannot be dispatched",
    ),
    "bulk.cannot.reassign": (
        "{status}的工单不能改派",
        "A ticket that is {status} cannot be reassigned",
    ),
    "bulk.cannot.close": ("{status}的工单不能关闭", "A ticket that is {status} cannot be closed"),
    "nav.my_tickets": ("我的工单", "My tickets"),
    # The queue's filters, saved views and refresh (issue 19 §8).
    "queue.filters": ("筛选条件", "Filters"),
    # Not 「维修人员」: the bulk form beside it picks the technician to dispatch to.
    "queue.technician": ("处理人", "Handled by"),
    "queue.unassigned": ("未派单", "Unassigned"),
    "queue.tech_unknown": ("未知维修人员（{who}）", "Unknown technician ({who})"),
    "queue.opened_from": ("受理日期从", "Opened from"),
    "queue.opened_to": ("至", "to"),
    "queue.city": ("城市", "City"),
    "queue.clear": ("清除筛选", "Clear filters"),
    "queue.refreshed": ("刷新于 {time}", "Refreshed at {time}"),
    "views.title": ("视图", "Views"),
    "views.mine": ("我的视图", "My views"),
    "views.shared": ("共享视图", "Shared views"),
    "views.none": ("还没有保存的视图", "No saved views yet"),
    "views.name": ("视图名称", "View name"),
    "views.share": ("共享给本节点所有人", "Share with everyone on this node"),
    "views.save": ("保存为视图", "Save as view"),
    "views.delete": ("删除", "Delete"),
    "views.delete_label": ("删除视图「{name}」", "Delete view “{name}”"),
    "views.is_shared": ("已共享", "shared"),
    "views.by": ("{who} 共享", "shared by {who}"),
    "views.current": ("当前", "current"),
    "views.bad_query": (
        "筛选条件无法读取，请重新筛选后再保存",
        "The filters could not be read: filter again, then save",
    ),
    "my.none": ("目前没有派给您的在办工单", "No open tickets are assigned to you"),
    "nav.key_accounts": ("大客户", "Key accounts"),
    "nav.dashboard": ("经营看板", "Dashboard"),
    "nav.federation": ("同步状态", "Federation"),
    "nav.logout": ("退出登录", "Log out"),
    "nav.notifications": ("通知", "Notifications"),
    "notice.assigned": ("新派给我的工单", "Newly assigned to me"),
    "notice.breaching": ("即将超时的工单", "About to breach"),
    "notice.digest": ("今日超时汇总", "Today's overdue digest"),
    "notice.nothing_new": ("自上次查看以来没有新的", "Nothing new since you last looked"),
    "notice.overdue_count": ("目前有 {n} 张工单已超时。", "{n} tickets are overdue now."),
    "notice.no_overdue": ("目前没有超时工单。", "No ticket is overdue."),
    "notice.digest_seen": ("今天的汇总已看过。", "You have seen today's digest."),
    "notice.open_overdue": ("查看超时工单", "Open the overdue tickets"),
    "notice.none_for_role": ("您的角色没有工单通知。", "Your role gets no ticket notifications."),
    # Editing what a city owns (pages_customer_edit, pages_customer_rows, pages_catalog).
    "edit.customer": ("编辑客户", "Edit customer"),
    "edit.link": ("编辑", "Edit"),
    "edit.cancel": ("返回", "Back"),
    "edit.masked_hint": (
        "您的角色无权查看完整手机号、证件号和邮箱：留空则保持原值，填写则替换。",
        "Your role may not see the full phone, ID number and e-mail: leave them empty "
        "to keep them, type a new value to replace them.",
    ),
    "edit.foreign": (
        "该记录属于节点 {origin}，此处只读，请在该节点修改。",
        "This record belongs to node {origin}: read-only here; change it there.",
    ),
    "c360.contracts": ("合同", "Contracts"),
    "row.add": ("添加", "Add "),
    "row.edit": ("修改", "Edit "),
    "row.contact": ("联系人", "contact"),
    "row.subscription": ("业务", "subscription"),
    "row.contract": ("合同", "contract"),
    "row.department": ("部门", "Department"),
    "row.job_title": ("职务", "Title"),
    "row.decision_maker": ("决策人", "Decision maker"),
    "row.do_not_call": ("勿电话打扰", "Do not call"),
    "row.started_at": ("开通时间", "Started"),
    "row.fee_hint": ("留空则按产品月费", "Empty: the product's monthly price"),
    "row.contract_no": ("合同编号", "Contract no."),
    "row.no_hint": ("新建时留空则自动编号", "Empty on a new contract: numbered for you"),
    "row.amount": ("金额(元)", "Amount (yuan)"),
    "row.signed_at": ("签订日期", "Signed"),
    "row.starts_at": ("起始日期", "Starts"),
    "row.ends_at": ("终止日期", "Ends"),
    "row.delete": ("删除", "Delete"),
    "row.confirm_delete": ("确认删除此记录", "Yes, delete this record"),
    "row.need_confirm": ("请勾选确认删除", "Tick the box to confirm"),
    "sub.active": ("在用", "Active"),
    "sub.suspended": ("暂停", "Suspended"),
    "sub.ended": ("已终止", "Ended"),
    "contract.draft": ("草拟", "Draft"),
    "contract.active": ("生效", "Active"),
    "contract.expired": ("已到期", "Expired"),
    "contract.terminated": ("已解除", "Terminated"),
    "nav.products": ("产品管理", "Products"),
    "nav.dictionaries": ("字典管理", "Dictionaries"),
    "catalog.products": ("产品目录", "Product catalogue"),
    "catalog.product": ("产品", "Product"),
    "catalog.new_product": ("新建产品", "New product"),
    "catalog.code": ("代码", "Code"),
    "catalog.name": ("名称", "Name"),
    "catalog.product_type": ("产品类型", "Product type"),
    "catalog.monthly_price": ("月价格(元)", "Monthly price (yuan)"),
    "catalog.product_code_hint": (
        "字母、数字、下划线或连字符",
        "Letters, digits, underscores or hyphens",
    ),
    "catalog.dictionaries": ("字典", "Dictionaries"),
    "catalog.new_entry": ("新增字典项", "New entry"),
    "catalog.kind": ("字典类别", "Kind"),
    "catalog.label": ("显示名称", "Label"),
    "catalog.sort_order": ("排序", "Order"),
    "catalog.active": ("可选用", "Offered"),
    "catalog.meaning": ("状态含义", "Meaning"),
    "catalog.meaning_hint": ("仅客户状态需要", "Customer statuses only"),
    "catalog.entry_code_hint": (
        "小写字母、数字或下划线，保存后不能修改",
        "Lower-case letters, digits or underscores; cannot change once saved",
    ),
    "ptype.mobile": ("移动业务", "Mobile"),
    "ptype.broadband": ("宽带", "Broadband"),
    "ptype.fixed_line": ("固话", "Fixed line"),
    "ptype.iptv": ("IPTV", "IPTV"),
    "ptype.dedicated_line": ("专线", "Dedicated line"),
    "ptype.cloud": ("云业务", "Cloud"),
    "ptype.bundle": ("融合套餐", "Bundle"),
    "meaning.active": ("在用", "Active"),
    "meaning.suspended": ("暂停", "Suspended"),
    "meaning.churned": ("流失", "Churned"),
    "dict_kind.service_area": ("服务区域", "Service areas"),
    "dict_kind.customer_grade": ("客户等级", "Customer grades"),
    "dict_kind.customer_category": ("客户类别", "Customer categories"),
    "dict_kind.customer_status": ("客户状态", "Customer statuses"),
    "dict_kind.ticket_kind": ("工单类型", "Ticket kinds"),
    "dict_kind.churn_reason": ("流失原因", "Churn reasons"),
    "dict_kind.competitor": ("竞争对手", "Competitors"),
    "dict_kind.call_outcome": ("来电结果", "Call outcomes"),
    "dict_kind.service_department": ("服务部门", "Service departments"),
    "dict_kind.agent_group": ("坐席组", "Agent groups"),
    "dict_kind.not_ready_reason": ("示忙原因", "Not-ready reasons"),
    "nav.skip": ("跳到正文", "Skip to content"),
    "lang.switch": ("English", "中文"),
    "call.open_ticket": ("同时开工单", "Also open a ticket"),
    "call.ticket_opened": ("已开工单，查看", "Ticket opened: view it"),
    "call.its_ticket": ("所开工单", "Its ticket"),
    "merge.title": ("合并重复客户", "Merge a duplicate"),
    "merge.explain": (
        "把重复登记的客户合并到「{name}」：其联系人、订购、合同、工单、接触记录和离网记录都转到本客户，"
        "本客户空着的资料由它补上，它本身删除并指向本客户。此操作记入修改记录和审计日志。",
        "Merge a duplicate into “{name}”: its contacts, subscriptions, contracts, tickets, "
        "interactions and churn move here, this customer's empty fields are filled from it, "
        "and it is deleted, pointing here. Recorded in the history and the audit log.",
    ),
    "merge.duplicate_no": ("重复客户的客户编号", "Duplicate's customer number"),
    "merge.reason": ("合并原因", "Reason"),
    "merge.confirm": ("我已核对，两条记录是同一客户", "I have checked: both are the same customer"),
    "merge.submit": ("合并到本客户", "Merge into this customer"),
    "merge.need_number": ("请填写重复客户的客户编号", "Enter the duplicate's customer number"),
    "merge.unknown_number": (
        "没有这个客户编号（或不在您的服务区域内）",
        "No customer with this number (or not in your service area)",
    ),
    "merge.need_reason": ("请填写合并原因（500 字以内）", "Give a reason (at most 500 characters)"),
    "merge.need_confirm": ("请勾选确认", "Tick to confirm"),
    "merge.landed": (
        "您打开的客户已合并到这位客户",
        "The customer you opened was merged into this one",
    ),
    "history.title": ("修改记录", "Change history"),
    "history.at": ("时间", "When"),
    "history.who": ("修改人", "By"),
    "history.field": ("项目", "Field"),
    "history.old": ("原值", "Before"),
    "history.new": ("新值", "After"),
    "history.none": ("尚无修改", "No changes yet"),
    "ticket.reassigned": ("改派", "Reassigned"),
    "ticket.edit": ("修改工单", "Change the ticket"),
    "ticket.keep_technician": ("不变", "Keep as is"),
    "ticket.edit_note": (
        "改紧急程度会按新的时限重算到期时间；改派和改紧急程度都记入工单处理记录。",
        "A new severity recomputes the due time; reassignments and severity changes "
        "are recorded in the ticket's history.",
    ),
    "ticket.severity_changed": ("紧急程度", "Severity"),
    "login.title": ("登录", "Log in"),
    "login.username": ("用户名", "Username"),
    "login.password": ("密码", "Password"),
    "login.submit": ("登录", "Log in"),
    "login.wrong": ("用户名或密码错误", "Wrong username or password"),
    "login.required": ("请填写此项", "Please fill this in"),
    "login.nul": ("不能包含空字符（\\x00）", "Must not contain NUL characters (\\x00)"),
    "login.rate_limited": (
        "登录失败次数过多，请一小时后再试",
        "Too many failed logins; try again in an hour",
    ),
    "csrf.title": ("请求被拒绝", "Request refused"),
    "csrf.message": (
        "表单校验失败（CSRF 令牌缺失或无效）。请返回、刷新页面后重新提交。",
        "The form check failed (missing or invalid CSRF token). Go back, reload the page "
        "and submit again.",
    ),
    "error.title": ("出错了", "Something went wrong"),
    "error.back": ("返回", "Back"),
    "error.not_found": ("没有这个页面，请从菜单进入", "There is no such page; start from the menu"),
    "error.bad_address": ("网址中的参数不正确", "A parameter in the address is wrong"),
    "error.http": ("请求无法处理（{status}）", "The request cannot be handled ({status})"),
    "error.internal": (
        "系统内部错误，运维人员可在节点日志中查到原因",
        "Internal error; the operator can find it in the node log",
    ),
    "error.forbidden": ("您的角色无权执行此操作", "Your role may not do this"),
    "form.fix": ("请修改标出的项目", "Please correct the marked fields"),
    "form.saved": ("已保存", "Saved"),
    "role.admin": ("管理员", "Admin"),
    "role.team_lead": ("班长", "Team lead"),
    "role.agent": ("坐席", "Agent"),
    "role.account_manager": ("客户经理", "Account manager"),
    "role.dispatcher": ("调度", "Dispatcher"),
    "role.technician": ("装维", "Technician"),
    "role.analyst": ("分析员", "Analyst"),
    "users.title": ("用户管理", "Users"),
    "users.department": ("服务部门", "Department"),
    "users.group": ("组", "Group"),
    "users.none": ("无", "None"),
    "users.all": ("全部", "All"),
    "filter.apply": ("筛选", "Filter"),
    "table.empty": (
        "没有符合条件的记录，可放宽筛选条件再试。",
        "Nothing matches; widen the filters.",
    ),
    "users.new": ("新建用户", "New user"),
    "users.display_name": ("显示名", "Display name"),
    "users.role": ("角色", "Role"),
    "users.active": ("启用", "Enabled"),
    "users.any_area": ("不限区域", "Any area"),
    "users.password_new": ("新密码", "New password"),
    "users.password_hint": (
        "留空则不改；设置新密码会让该用户在其他地方的登录全部失效",
        "Leave empty to keep it; a new password signs the user out everywhere else",
    ),
    "yes": ("是", "Yes"),
    "no": ("否", "No"),
    "nav.users": ("用户管理", "Users"),
    "nav.callcenter": ("话务统计", "Call center"),
    "users.agent_no": ("工号", "Agent number"),
    "users.extension": ("分机号", "Extension"),
    "users.mobile": ("手机（接收派工短信）", "Mobile (work orders by SMS)"),
    # CCmonitor (pages_callcenter): the call center's figures.
    "cc.title": ("话务统计", "Call center figures"),
    "cc.from": ("开始时间", "From"),
    "cc.to": ("结束时间（不含）", "To (not included)"),
    "cc.slot_size": ("时段", "Slot"),
    "cc.slot_15m": ("15 分钟", "15 minutes"),
    "cc.slot_30m": ("30 分钟", "30 minutes"),
    "cc.slot_60m": ("1 小时", "1 hour"),
    "cc.slot_day": ("按天", "Day"),
    "cc.group_by": ("分组", "Rows by"),
    "cc.group_slot": ("只按时段", "Slot only"),
    "cc.group_queue": ("按队列", "Queue"),
    "cc.group_agent": ("按坐席", "Agent"),
    "cc.slot": ("时段开始", "Slot start"),
    "cc.by_queue": ("队列", "Queue"),
    "cc.by_agent": ("坐席", "Agent"),
    "cc.total": ("合计", "Total"),
    "cc.offered": ("来电数", "Offered"),
    "cc.answered": ("应答数", "Answered"),
    "cc.abandoned": ("放弃", "Abandoned"),
    "cc.short_abandoned": ("其中短放弃", "of which short"),
    "cc.timeouts": ("超时", "Timed out"),
    "cc.exit_empty": ("无坐席退出", "Left: nobody in queue"),
    "cc.exit_key": ("按键退出", "Left by key"),
    "cc.service_level": ("服务水平", "Service level"),
    "cc.abandon_rate": ("放弃率", "Abandon rate"),
    "cc.asa": ("平均应答等待（秒）", "ASA (s)"),
    "cc.att": ("平均通话（秒）", "ATT (s)"),
    "cc.max_wait": ("最长等待（秒）", "Longest wait (s)"),
    "cc.transfers": ("转接", "Transfers"),
    "cc.ring_no_answer": ("振铃未接", "Rang, not answered"),
    "nav.board": ("班长监控", "Supervisor board"),
    "nav.agent_state": ("坐席状态", "My state"),
    "agent.title": ("坐席状态", "My agent state"),
    "agent.current": ("当前状态", "Current state"),
    "agent.since": ("自", "since"),
    "agent.reason": ("原因", "Reason"),
    "agent.hint": (
        "签到后示闲即可接听队列来电；示忙请选择原因。振铃、通话和话后处理随电话自动变化。",
        "Sign in and go ready to take queue calls; pick a reason to go not ready. Ringing, "
        "on a call and wrap-up follow the telephone.",
    ),
    "agent.state.signed_out": ("已签退", "Signed out"),
    "agent.state.ready": ("示闲", "Ready"),
    "agent.state.not_ready": ("示忙", "Not ready"),
    "agent.state.ringing": ("振铃", "Ringing"),
    "agent.state.on_call": ("通话中", "On a call"),
    "agent.state.wrap_up": ("话后处理", "Wrap-up"),
    "agent.move.sign_in": ("签到", "Sign in"),
    "agent.move.ready": ("示闲", "Ready"),
    "agent.move.not_ready": ("示忙", "Not ready"),
    "agent.move.signed_out": ("签退", "Sign out"),
    "board.title": ("班长监控", "Supervisor board"),
    "board.refresh": ("每 {seconds} 秒自动刷新", "Refreshes every {seconds} s"),
    "board.today": ("今日话务", "Today"),
    "board.queues": ("排队来电", "Calls waiting"),
    "board.waiting": ("等待数", "Waiting"),
    "board.longest": ("最长等待（秒）", "Longest wait (s)"),
    "board.none_waiting": ("当前没有排队的来电", "No calls waiting"),
    "board.agents": ("坐席状态", "Agents"),
    "board.no_group": ("未分组", "No group"),
    "board.no_agents": ("本节点没有坐席", "No agents at this node"),
    "board.name": ("姓名", "Name"),
    "board.agent_no": ("工号", "Agent no."),
    "board.extension": ("分机", "Extension"),
    "board.state": ("状态", "State"),
    "board.reason": ("原因", "Reason"),
    "board.since": ("开始时间", "Since"),
    "board.duration": ("持续", "Time in state"),
    "cc.hint": (
        "来电按进入队列的时间计入时段，无论何时结束。服务水平 = 服务水平时限内应答数 ÷"
        "（来电数 − 短放弃）。数据来自 fedcrm cti import 导入的 Asterisk queue_log。",
        "A call counts in the slot it entered the queue in, however late it ends. Service "
        "level = answered within the threshold ÷ (offered − short abandons). From the "
        "Asterisk queue_log imported with fedcrm cti import.",
    ),
    "search.label": ("手机号、证件号或姓名", "Phone, ID number or name"),
    "search.hint": (
        "输入手机号（或后4位）、证件号、客户编号、姓名片段或拼音，结果即时显示；按 ↓ 选择。",
        "Type a phone (or its last 4 digits), ID number, customer number, part of a name or "
        "pinyin; results appear as you type; press ↓ to pick one.",
    ),
    "search.none": (
        "没有找到客户。可换用手机号后四位、证件号、客户编号或拼音再试；确是新客户请新建。",
        "No customer found. Try the phone's last four digits, the ID number, the customer "
        "number or pinyin; if this is a new customer, register them.",
    ),
    "pager.label": ("翻页", "Pages"),
    "pager.total": ("共 {total} 条", "{total} in all"),
    "pager.more": ("共 {total}+ 条", "More than {total}"),
    "pager.range": ("，第 {first}–{last} 条", ", showing {first}–{last}"),
    "pager.previous": ("上一页", "Previous"),
    "pager.next": ("下一页", "Next"),
    "search.readonly": (
        "本级节点的客户数据来自下级同步，只读。",
        "Customers here are replicated from the nodes below: read-only.",
    ),
    "col.customer_no": ("客户编号", "Customer no."),
    "col.name": ("姓名/名称", "Name"),
    "col.phone": ("手机号", "Phone"),
    "col.id_number": ("证件号", "ID number"),
    "col.grade": ("等级", "Grade"),
    "col.status": ("状态", "Status"),
    "col.area": ("服务区域", "Service area"),
    "col.origin": ("所属节点", "Node"),
    "col.address": ("地址", "Address"),
    "col.revenue": ("月收入(元)", "Monthly revenue (yuan)"),
    "col.manager": ("客户经理", "Account manager"),
    "col.open_tickets": ("未结工单", "Open tickets"),
    "col.product": ("产品", "Product"),
    "col.service_number": ("业务号码", "Service number"),
    "col.fee": ("月费(元)", "Monthly fee (yuan)"),
    "col.ticket_no": ("工单号", "Ticket no."),
    "col.kind": ("类型", "Kind"),
    "col.severity": ("紧急程度", "Severity"),
    "col.customer": ("客户", "Customer"),
    "col.due": ("时限", "Due"),
    "col.sla": ("剩余时间", "Time left"),
    "col.technician": ("维修人员", "Technician"),
    "col.opened": ("创建时间", "Opened"),
    "c360.profile": ("客户资料", "Profile"),
    "c360.contacts": ("联系人", "Contacts"),
    "c360.subscriptions": ("在用业务", "Subscriptions"),
    "c360.tickets": ("未结工单", "Open tickets"),
    "c360.timeline": ("接触记录", "Interactions"),
    "c360.churn": ("流失记录", "Churn"),
    "c360.none": ("无", "None"),
    "c360.masked": (
        "您的角色无权查看完整证件号和手机号，已做脱敏处理。",
        "Your role may not see full ID and phone numbers: they are masked.",
    ),
    "c360.readonly": (
        "该客户属于节点 {origin}，此处只读。",
        "This customer belongs to node {origin}: read-only here.",
    ),
    "action.call": ("记录来电", "Log a call"),
    "customer.new": ("新建客户", "New customer"),
    "customer.create": ("保存客户", "Save customer"),
    "customer.register": ("登记为新客户", "Register as a new customer"),
    "customer.duplicates": (
        "可能已有此客户（同一号码，或同名且地址相近）。请先核对；确实是另一位客户时，写明原因后仍然创建。",
        "This customer may exist already (same number, or same name at a similar address). "
        "Check first; if it is someone else, give the reason and create anyway.",
    ),
    "customer.duplicate_reason": ("仍然创建的原因", "Why create anyway"),
    "customer.create_anyway": ("仍然创建", "Create anyway"),
    "customer.new_here": (
        "在本节点登记的客户归本节点所有，不会出现在下级城市",
        "A customer registered here belongs to this node, not to a city below",
    ),
    "customer_type.individual": ("个人客户", "Individual"),
    "customer_type.enterprise": ("集团客户", "Enterprise"),
    "field.customer_type": ("客户类型", "Customer type"),
    "field.home_address": ("家庭地址", "Home address"),
    "field.company_address": ("单位地址", "Company address"),
    "field.email": ("电子邮箱", "E-mail"),
    "action.ticket": ("新建工单", "Open a ticket"),
    "action.churn": ("标记流失", "Mark churned"),
    "churn.unknown_destination": ("未知", "Unknown"),
    "churn.need_destination": (
        "请选择流失去向；不清楚时选「未知」",
        "Choose where the customer went; 「Unknown」 when nobody knows",
    ),
    "churn.confirm": (
        "确认该客户离网：其在用业务将全部终止，此处不能撤销",
        "Confirm the churn: every subscription ends, and it cannot be undone here",
    ),
    "churn.need_confirm": ("请勾选确认", "Tick the box to confirm"),
    "churn.already": (
        "该客户已离网，不能再次标记流失",
        "This customer has churned; it cannot be marked again",
    ),
    "field.channel": ("渠道", "Channel"),
    "field.direction": ("方向", "Direction"),
    "field.talk_seconds": ("通话时长(秒)", "Talk time (s)"),
    "field.outcome": ("结果", "Outcome"),
    "field.summary": ("摘要", "Summary"),
    "field.kind": ("工单类型", "Kind"),
    "field.severity": ("紧急程度", "Severity"),
    "field.description": ("问题描述", "Description"),
    "field.churned_at": ("流失日期", "Churn date"),
    "field.reason": ("流失原因", "Reason"),
    "field.competitor": ("流失去向", "Competitor"),
    "field.note": ("备注", "Note"),
    "field.technician": ("维修人员", "Technician"),
    "field.to": ("变更为", "Move to"),
    "field.area": ("服务区域", "Service area"),
    "field.status": ("状态", "Status"),
    "field.period": ("统计月份", "Month"),
    "choose": ("请选择", "Choose"),
    "all": ("全部", "All"),
    "submit.save": ("保存", "Save"),
    "submit.filter": ("筛选", "Filter"),
    "tickets.title": ("工单队列", "Ticket queue"),
    "tickets.overdue": ("已超时", "Overdue"),
    "tickets.load": ("在办 {n} 件", "{n} open"),
    "sla.soon": ("即将超时", "About to breach"),
    "sla.met": ("按时完成，提前 {by}", "Met, {by} early"),
    "sla.missed": ("超时完成，晚了 {by}", "Missed by {by}"),
    "tickets.left": ("剩余", "left"),
    "tickets.none": (
        "队列中没有工单。可改选其他区域、状态或时限筛选；新工单在客户页开。",
        "No tickets in this queue. Try another area, status or SLA filter; new tickets "
        "are opened on a customer's page.",
    ),
    "ticket.history": ("处理记录", "History"),
    "ticket.transition": ("状态变更", "Change status"),
    "ticket.no_moves": ("此工单当前没有可执行的状态变更", "No status change is possible now"),
    "export.xlsx": ("导出 Excel", "Export to Excel"),
    "dash.title": ("经营看板", "Dashboard"),
    "dash.children": ("下级对比", "Nodes compared"),
    "dash.churn_rate": ("流失率", "Churn rate"),
    "dash.key_share": ("大客户收入占比", "Key-account revenue share"),
    "dash.sla": ("时限达标率", "SLA compliance"),
    "dash.satisfaction": ("平均满意度", "Satisfaction"),
    "dash.trend": ("流失趋势（近12个月）", "Churn trend (12 months)"),
    "dash.pareto": ("大客户二八分析", "Key accounts 80/20"),
    "dash.reasons": ("流失原因", "Churn reasons"),
    "dash.destinations": ("流失去向", "Churn destinations"),
    "dash.refresh": ("重新计算", "Recompute"),
    "dash.refreshing": (
        "已开始重新计算，稍后刷新页面即可看到最新数据。",
        "Recomputing; reload the page in a moment to see the new figures.",
    ),
    "dash.unavailable": (
        "统计数据尚未计算。下级数据同步后会自动计算；也可点「重新计算」立即计算。",
        "No figures computed yet. They are computed once the children's data has arrived; "
        "press Recompute to compute them now.",
    ),
    "dash.computed_at": ("数据计算于", "Computed at"),
    "dash.scope": ("统计范围", "Scope"),
    "dash.customers": ("查看该市客户（只读）", "This city's customers (read-only)"),
    "dash.month_to_date": ("本月至今", "month to date"),
    "dash.up": ("返回上级", "Up one level"),
    "dash.drill": ("点击名称查看下级", "Click a name to drill down"),
    "fed.title": ("同步状态", "Federation status"),
    "fed.parent": ("上级链路", "Parent link"),
    "fed.per_table": ("各数据表上送情况", "Per table"),
    "fed.no_parent": ("本节点没有上级（总部）", "This node has no parent (HQ)"),
    "fed.children": ("下级节点", "Children"),
    "fed.no_children": ("没有登记下级节点", "No children registered"),
    "fed.rejected": ("被拒批次", "Rejected batches"),
    "fed.none_rejected": ("没有被拒批次", "No rejected batches"),
    "fed.verify": ("最近一次一致性校验", "Last verify"),
    "fed.verify_never": (
        "从未运行（请运行 fedcrm verify DIR）",
        "Never run (run fedcrm verify DIR)",
    ),
    "fed.verify_ok": (
        "全部一致，共比对 {n} 项（下级、表、来源）",
        "all {n} (child, table, origin) digests match",
    ),
    "fed.verify_bad": (
        "发现不一致（本节点行数 / 下级行数）：",
        "divergences (rows here / at the child):",
    ),
    "fed.origin": ("来源", "origin"),
    "fed.url": ("地址", "Address"),
    "fed.transport": ("传输方式", "Transport"),
    "fed.last_success": ("最近成功", "Last success"),
    "fed.backlog": ("积压行数", "Backlog rows"),
    "fed.last_error": ("最近错误", "Last error"),
    "fed.table": ("数据表", "Table"),
    "fed.code": ("代码", "Code"),
    "fed.name": ("名称", "Name"),
    "fed.level": ("级别", "Level"),
    "fed.last_batch": ("最近收到批次", "Last batch"),
    "fed.rows_applied": ("已应用行数", "Rows applied"),
    "fed.lag": ("延迟(秒)", "Lag (s)"),
    "fed.received_at": ("收到时间", "Received"),
    "fed.sender": ("发送方", "Sender"),
    "fed.reason": ("原因", "Reason"),
    "fed.revoked": ("已吊销", "revoked"),
    "ka.title": ("大客户", "Key accounts"),
    "ka.mine": ("我负责的大客户", "My key accounts"),
    "ka.none": (
        "没有大客户。在客户资料中标为大客户后会列在这里。",
        "No key accounts. Customers marked as key accounts in their profile are listed here.",
    ),
    "never": ("从未", "never"),
}

# Codes shown to people (ticket states, severities, channels): code -> (zh-CN, en)
CODE_LABELS: dict[str, tuple[str, str]] = {
    "open": ("待派单", "Open"),
    "dispatched": ("已派单", "Dispatched"),
    "in_progress": ("处理中", "In progress"),
    "resolved": ("已解决", "Resolved"),
    "closed": ("已关闭", "Closed"),
    "reopened": ("重新打开", "Reopened"),
    "major": ("重大（24小时）", "Major (24 h)"),
    "general": ("一般（48小时）", "General (48 h)"),
    "phone": ("电话", "Phone"),
    "sms": ("短信", "SMS"),
    "visit": ("上门", "Visit"),
    "email": ("邮件", "E-mail"),
    "web": ("网上营业厅", "Web"),
    "inbound": ("呼入", "Inbound"),
    "outbound": ("呼出", "Outbound"),
    "sub_active": ("在用", "Active"),
    "sub_suspended": ("暂停", "Suspended"),
    "sub_ended": ("已终止", "Ended"),
    "city": ("地市", "City"),
    "province": ("省", "Province"),
    "hq": ("总部", "HQ"),
}


# English for rollup's column and grouping titles (rollup.labels has the Chinese).
FIGURE_TITLES_EN: dict[str, str] = {
    "customers": "Customers at end",
    "revenue": "Monthly revenue (yuan)",
    "churn_rate": "Churn rate",
    "key_revenue_share": "Key-account revenue share",
    "sla_rate": "SLA compliance",
    "satisfaction_mean": "Satisfaction",
    "active_at_start": "Customers at start",
    "churned": "Churned",
    "churned_share": "Share of churned",
    "churned_revenue": "Churned revenue (yuan)",
    "total": "Scope",
    "city": "City",
    "province": "Province",
    "month": "Month",
    "reason": "Reason",
    "competitor": "Competitor",
}


def figure_titler(lang: str) -> Callable[[str], str]:
    """title(key): a rollup column or grouping title in `lang` (rollup's own Chinese)."""

    def title(key: str) -> str:
        if lang == "en" and key in FIGURE_TITLES_EN:
            return FIGURE_TITLES_EN[key]
        return COLUMN_TITLES.get(key) or GROUP_TITLES.get(key) or key

    return title


def pick_lang(value: str | None) -> str:
    """The language a cookie value asks for, or the default."""
    return value if value in LANGS else DEFAULT_LANG


def translator(lang: str) -> Callable[..., str]:
    """t(key, **values) in `lang`; values fill {placeholders}."""
    index = 1 if lang == "en" else 0

    def t(key: str, **values: object) -> str:
        pair = TEXTS.get(key)
        text = key if pair is None else (pair[index] or pair[0])
        return text.format(**values) if values else text

    return t


def code_labeller(lang: str) -> Callable[[str | None], str]:
    """label(code): a person's word for a status or severity code (the code if unknown)."""
    index = 1 if lang == "en" else 0

    def label(code: str | None) -> str:
        if code is None:
            return ""
        pair = CODE_LABELS.get(str(code))
        return pair[index] if pair else str(code)

    return label


def role_label(role: str, lang: str) -> str:
    """A role as people call it: 坐席, 调度, 装维, 班长, 客户经理, 分析员, 管理员."""
    return translator(lang)(f"role.{role}")
