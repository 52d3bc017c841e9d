"""Every help text of the `fedcrm` command line, in Chinese and in English, and the
examples each command's help ends with.

The commands look their texts up here by key (`cli_text`, `command_help`), so a
translation is changed in one place. Texts are rendered with rich markup: no square
brackets in them (rich would take them for markup)."""

from __future__ import annotations

from node.cli.language import help_language

# key -> (Simplified Chinese, English). A command's key is its path with dots
# ("user.passwd"); the whole program's is "fedcrm"; a parameter's is "COMMAND.PARAM",
# or "node_dir" for the node directory every command but init and demo takes.
TEXTS: dict[str, tuple[str, str]] = {
    # the program and its groups
    "fedcrm": (
        "fedcrm：联邦式 CRM 的一个节点（市、省或总部）。",
        "fedcrm: a federated CRM node (city, province or HQ).",
    ),
    "fedcrm.verbose": ("输出调试日志", "Log debug messages"),
    "db": ("数据库迁移。", "Database migrations."),
    "user": ("员工用户。", "Staff users."),
    "child": ("本节点的下级节点（在上级执行）。", "Children of this node (at a parent)."),
    "parent": ("本节点与上级的连接（在下级执行）。", "This node's parent link (at a child)."),
    "key": ("本节点自己的签名密钥。", "This node's own signing key."),
    "quarantine": ("被拒收、留存待查的批次。", "Refused batches kept for inspection."),
    "cti": ("电话系统（PBX）的事件。", "Telephone system (PBX) events."),
    "sms": ("派工短信（经 Kannel 发送）。", "Work-order SMS (sent through Kannel)."),
    "surveys": (
        "回访问卷的导入与导出（JSON 文件），以及按关闭的工单补充回访任务。",
        "Callback questionnaires in and out as JSON files, and callbacks from closed work orders.",
    ),
    "node_dir": ("节点目录", "The node directory"),
    # surveys
    "surveys.import": (
        "导入上级下发的问卷文件：新问卷整份导入，已有问卷只补上本节点没有的已发布版本。\n\n"
        "文件有误时列出出错的字段路径，退出码非零，数据库不做任何改动。",
        "Import a questionnaire file handed down from above: a new questionnaire whole, "
        "a known one only the published versions this node lacks.\n\n"
        "A bad file is refused naming each wrong field path, with a non-zero exit and "
        "nothing changed.",
    ),
    "surveys.export": (
        "把问卷的已发布版本导出为 JSON 文件（草稿不导出），供下级节点导入。",
        "Export a questionnaire's published versions (never its draft) as a JSON file "
        "for the nodes below to import.",
    ),
    "surveys.fill": (
        "为自动补充的回访活动加入新关闭工单的客户一次（fedcrm serve 每分钟自动执行）。\n\n"
        "每个活动只取其工单类型、服务区域内、起始时间之后关闭且尚未回访过的工单。",
        "Add the customers of newly closed work orders to the self-filling callback "
        "campaigns once (fedcrm serve does it every minute).\n\n"
        "Each campaign takes only the work orders of its kind and service area, closed "
        "since its start, that no callback of it has covered yet.",
    ),
    "surveys.file_in": ("要导入的问卷文件", "The questionnaire file to import"),
    "surveys.file_out": ("导出到的文件", "The file to write"),
    "surveys.id": ("问卷编号", "The questionnaire id"),
    # sms
    "sms.send-pending": (
        "把到期的派工短信发送一次（fedcrm serve 每 sms.interval_seconds 秒自动发送）。\n\n"
        "发送失败的按退避时间重试，超过 sms.max_attempts 次即为失败；"
        "短信网关无法连接时退出码为 1。",
        "Send the due work-order messages once (fedcrm serve does it every "
        "sms.interval_seconds).\n\n"
        "A failed attempt is retried after a backoff, and the message fails after "
        "sms.max_attempts; exits 1 when Kannel cannot be reached.",
    ),
    # cti
    "cti.import": (
        "导入 Asterisk 的 queue_log，或通话详单 Master.csv（--format asterisk-cdr-csv）。\n\n"
        "同一文件导入两次、文件互相重叠或同一行重复出现都不会重复计数；"
        "未知事件按名称计数后跳过；格式错误的行按行号列出后跳过（--strict 时一行也不导入）。",
        "Import an Asterisk queue_log, or its call detail records Master.csv "
        "(--format asterisk-cdr-csv).\n\n"
        "The same file twice, overlapping files or a line written twice count once; "
        "unknown events are counted by name and skipped; malformed lines are listed by "
        "number and skipped (with --strict nothing is imported).",
    ),
    "cti.refigure": (
        "由本节点的话务汇总补齐按时段和队列的汇总及按天的话务和坐席工时汇总"
        "（升级到迁移 0024 或 0026 后运行一次）。\n\n"
        "重复运行不改变任何数据；新汇总随上行复制送到上级。",
        "Fill the sums per slot and queue, and the call and working-time sums per day, "
        "from this node's own figures (run once after upgrading to migration 0024 or "
        "0026).\n\n"
        "Running it again changes nothing; the new rows replicate upward as usual.",
    ),
    "cti.file": ("queue_log 或 Master.csv 文件", "The queue_log or Master.csv file"),
    "cti.format": ("文件格式", "The file's format"),
    "cti.strict": ("有格式错误的行时一行也不导入", "Import nothing when any line is malformed"),
    # init, serve, db
    "init": (
        "创建节点：写入 DIR/node.toml，创建并迁移数据库，填充字典。",
        "Create a node: write DIR/node.toml, create and migrate the database, seed dictionaries.",
    ),
    "init.data_dir": (
        "存放 node.toml 和 SQLite 文件的目录",
        "Directory for node.toml and the SQLite file",
    ),
    "init.level": ("hq、province 或 city", "hq, province or city"),
    "init.code": ("6 位行政区划代码；总部为 000000", "6-digit division code; HQ is 000000"),
    "init.name": ("显示名称，例如 长沙市", "Display name, e.g. 长沙市"),
    "init.parent_url": ("上级节点的基础 URL", "The parent node's base URL"),
    "init.db": ("SQLAlchemy 数据库 URL；默认 SQLite", "SQLAlchemy URL; default SQLite"),
    "init.host": ("监听地址", "Address to listen on"),
    "init.port": ("监听端口", "Port to listen on"),
    "serve": (
        "运行节点的 HTTP 服务。数据库未迁移到最新版本时拒绝启动。",
        "Run the node's HTTP server. Refuses to start on an unmigrated database.",
    ),
    "serve.fd": (
        "在继承的、已在监听的套接字（此文件描述符）上服务，而不是自己绑定端口；"
        "由启动者先占好端口（演示就是这样做的）",
        "Serve on an inherited socket already listening, this file descriptor, instead "
        "of binding the port itself; the supervisor holds the port first (as the demo does)",
    ),
    "db.upgrade": ("执行尚未执行的迁移。", "Apply pending migrations."),
    "db.current": (
        "显示数据库的迁移版本和代码的最新版本。",
        "Show the database's migration revision and the code's head.",
    ),
    # import, export
    "import": (
        "从 CSV 或 XLSX 导入客户（中文或英文表头）。\n\n"
        "先校验每一行；只要有一行不合格就一行也不导入（除非 --skip-invalid），"
        "并按行号列出每个不合格的行。",
        "Import customers from CSV or XLSX (Chinese or English headers).\n\n"
        "Every row is checked first; if any is bad, nothing is imported (unless "
        "--skip-invalid) and each bad row is listed with its row number.",
    ),
    "import.file": ("带表头行的 .csv 或 .xlsx 文件", ".csv or .xlsx with a header row"),
    "import.entity": ("文件里是什么数据", "What the file holds"),
    "import.skip_invalid": (
        "有不合格的行时也导入合格的行",
        "Import the good rows even if some are bad",
    ),
    "import.update_existing": (
        "更新按 customer_no 或证件号匹配到的客户",
        "Update customers matched by customer_no or ID number",
    ),
    "export": (
        "导出客户；除非 --unmasked，个人信息一律脱敏。",
        "Export customers, with personal data masked unless --unmasked.",
    ),
    "export.out": ("输出文件：.csv、.xlsx 或 .parquet", "Output file: .csv, .xlsx or .parquet"),
    "export.entity": ("导出什么数据", "What to export"),
    "export.unmasked": (
        "写出完整的电话和证件号（记入审计日志）",
        "Write full phone and ID numbers (audited)",
    ),
    # user
    "user.add": (
        "添加员工用户（提示输入密码，除非 --password-stdin）。",
        "Add a staff user (prompts for the password unless --password-stdin).",
    ),
    "user.list": ("列出本节点的员工用户。", "List this node's staff users."),
    "user.passwd": (
        "设置用户的密码，并让其在所有地方退出登录。",
        "Set a user's password and sign them out everywhere.",
    ),
    "user.disable": (
        "禁止用户登录并结束其会话（最后一个启用的管理员不能禁用）。",
        "Stop a user signing in and end their sessions (never the last active admin).",
    ),
    "user.enable": ("允许被禁用的用户重新登录。", "Let a disabled user sign in again."),
    "user.username": ("登录名", "Login name"),
    "user.role": ("角色，见 README 的角色表", "One of the roles in the README's table"),
    "user.display_name": ("显示名称，默认同登录名", "Shown name; default username"),
    "user.service_area": ("服务区域代码", "Service area code"),
    "user.password_stdin": ("从标准输入读取密码", "Read the password from stdin"),
    # key, child, parent
    "key.show": (
        "打印本节点的公钥（没有密钥时生成 DIR/node.key，权限 0600）。",
        "Print this node's public key (making DIR/node.key, mode 0600, if it has none).",
    ),
    "child.add": (
        "按公钥登记一个下级；打印本节点的公钥，供下级执行 parent set。",
        "Register a child by its public key; print this node's, for `parent set` there.",
    ),
    "child.rotate": (
        "让下级的签名改用新公钥验证（立即生效）。",
        "Make a child's signatures verify with a new public key (accepted at once).",
    ),
    "child.list": ("列出已登记的下级。", "List registered children."),
    "child.revoke": (
        "吊销一个下级：从此拒收它的批次和请求。",
        "Revoke a child: its batches and requests are refused from now on.",
    ),
    "child.code": ("下级的 6 位行政区划代码", "The child's 6-digit division code"),
    "child.name": ("下级的名称，例如 长沙市", "The child's name, e.g. 长沙市"),
    "child.level": ("province 或 city", "province or city"),
    "child.public_key": (
        "下级的公钥，即在下级执行 `fedcrm key show` 打印的内容",
        "The child's public key, as `fedcrm key show` prints it there",
    ),
    "child.url": (
        "下级的基础 URL，供 `fedcrm verify` 使用",
        "The child's base URL, for `fedcrm verify`",
    ),
    "child.sftp": (
        "下级通过 SFTP 发送：创建它的收件箱目录",
        "The child sends over SFTP: create its inbox folder",
    ),
    "child.hmac_days": (
        "密钥启用前建立的连接：其 HMAC 凭据继续有效的天数（0：立即失效）",
        "A link made before keys: days its HMAC credential stays accepted (0: none)",
    ),
    "parent.set": (
        "让本节点指向它的上级（HTTP 或 SFTP），并保存上级的公钥。",
        "Point this node at its parent (HTTP or SFTP) and keep the parent's public key.",
    ),
    "parent.rotate": (
        "保存上级（新的）公钥，从此用本节点自己的密钥签名。\n\n"
        "密钥启用前建立的连接会删除其凭据文件。",
        "Keep the parent's (new) public key and sign with this node's own key from now on "
        "(a link made before keys drops its credential file).",
    ),
    "parent.parent_key": (
        "上级的公钥，即在上级执行 `fedcrm key show` 打印的内容",
        "The parent's public key, as `fedcrm key show` prints it there",
    ),
    "parent.url": (
        "上级的基础 URL，例如 http://10.1.2.3:8100",
        "The parent's base URL, e.g. http://10.1.2.3:8100",
    ),
    "parent.transport": ("http（默认）或 sftp", "http (default) or sftp"),
    "parent.host": ("SFTP：上级的 SSH 主机", "SFTP: the parent's SSH host"),
    "parent.port": ("SFTP：SSH 端口", "SFTP: SSH port"),
    "parent.username": ("SFTP：SSH 用户名", "SFTP: SSH user"),
    "parent.key_file": ("SFTP：私钥文件", "SFTP: private key file"),
    "parent.known_hosts": (
        "SFTP：含上级主机密钥的 known_hosts 文件",
        "SFTP: known_hosts with the parent's host key",
    ),
    "parent.inbox": (
        "SFTP：本节点在上级收件箱中的目录",
        "SFTP: this node's folder in the parent's inbox",
    ),
    # replication by hand
    "ingest": (
        "立即应用本节点 SFTP 收件箱里等待的批次，写回应答，并为下级写好下发的批次。",
        "Apply the batches waiting in this node's SFTP inbox now, write their answers, and "
        "write what flows down into the children's outboxes.",
    ),
    "sync": (
        "立即向上级执行一轮完整复制，并打印发送了什么。",
        "Run one full replication cycle to the parent now and print what was sent.",
    ),
    "status": (
        "显示与上级的连接和每个下级：最近一次成功、积压、延迟、拒收。",
        "Show the parent link and every child: last success, backlog, lag, rejections.",
    ),
    "status.json": ("输出 JSON", "Print JSON"),
    "quarantine.list": ("列出被拒收的批次及原因。", "List refused batches with their reasons."),
    "quarantine.show": (
        "显示一个被拒收的批次：原因、清单、批次内容保存在哪里。",
        "Show one refused batch: reason, manifest, where its body is kept.",
    ),
    "quarantine.batch_id": ("批次编号，见 quarantine list", "The batch's id, from quarantine list"),
    "verify": (
        "核对本节点与每个下级持有的数据是否完全相同。\n\n"
        "按来源和表比较行数与摘要。全部一致时退出码为 0，否则为 1，并列出每一处不一致。",
        "Prove this node holds exactly what each child holds (count and digest per origin "
        "and table). Exit 0 when all match, 1 naming each divergence.",
    ),
    "verify.from_parent": (
        "同时核对本节点持有的上级下发数据是否与上级完全相同",
        "Also prove this node holds exactly what its parent serves down",
    ),
    "pull": (
        "立即从上级拉取下发的数据（数据字典、产品目录、知识库文章、回访问卷），并打印拉取了什么。",
        "Pull what the parent serves down (dictionaries, products, knowledge-base articles, "
        "questionnaires) now and print it.",
    ),
    "resync": (
        "让一个下级重新发送全部数据。\n\n用于新建或重建的上级。可续传，显示进度。",
        "Make a child resend everything.\n\nFor a new or rebuilt parent. Resumable, with progress.",
    ),
    "resync.child": ("下级的代码", "The child's code"),
    "resync.wait": (
        "显示进度，直到下级全部重新发送完毕",
        "Show progress until the child has resent all",
    ),
    "resync.timeout": ("最多等待的秒数", "Seconds to wait at most"),
    # rollup, report
    "rollup": (
        "本节点所持全部数据的大客户、流失、服务和价值指标。\n\n"
        "先重算自上次运行以来有变化的来源的部分结果（新节点、新月份或 --full 时全部重算），"
        "再显示指标。",
        "Key accounts, churn, service and value figures over everything this node holds.\n\n"
        "Recomputes the partials of origins that changed since the last run first (a new "
        "node, a new month or --full: all of them), then shows the figures.",
    ),
    "rollup.period": (
        "月份 YYYY-MM，默认最近一个完整的月",
        "Month YYYY-MM (default: the last complete month)",
    ),
    "rollup.by": (
        "分组：total, city, province, grade, type, tenure, key_account, reason, "
        "competitor, kind, severity, month, account_manager 之一（每种指标支持其中一部分）",
        "Group by: total, city, province, grade, type, tenure, key_account, reason, "
        "competitor, kind, severity, month, account_manager (each figure offers some)",
    ),
    "rollup.figure": ("哪些指标", "Which figures"),
    "rollup.format": ("输出格式", "Output format"),
    "rollup.out": ("写入这个文件", "Write to this file"),
    "rollup.refresh": ("先重算有变化的部分（默认）", "Recompute what changed first (default)"),
    "rollup.full": ("重算全部来源，不只是有变化的", "Recompute every origin, not only changed"),
    "report": (
        "写出汇总报告：一个带图表、可离线打开的中文 HTML 文件。",
        "Write the rollup report: one HTML file in Chinese with charts, that works offline.",
    ),
    "report.out": ("要写出的 HTML 文件", "The HTML file to write"),
    # demo
    "demo": (
        "在本机搭建并运行一个完整的联邦。\n\n"
        "用逼真的数据搭建总部、省和市，启动服务，复制到总部，核对并打印摘要；"
        "之后持续产生少量变更，直到按 Ctrl-C。",
        "Build HQ, provinces and cities with realistic data, serve them, replicate to HQ, "
        "verify, print a summary; then keep a trickle of changes flowing until Ctrl-C.",
    ),
    "demo.dir": ("各节点所在的目录；再次运行时沿用", "Where the nodes live; reused when run again"),
    "demo.provinces": ("总部下的省数（1-6）", "Provinces under HQ (1-6)"),
    "demo.cities_per_province": ("每个省下的市数", "Cities under each province"),
    "demo.customers_per_city": ("每个市生成的客户数", "Generated customers per city"),
    "demo.db": (
        "含 {code} 的数据库 URL 模板，例如 "
        "postgresql+psycopg://postgres@127.0.0.1:5432/fedcrm_demo_{code}；默认 SQLite",
        "Database URL template with {code}, e.g. "
        "postgresql+psycopg://postgres@127.0.0.1:5432/fedcrm_demo_{code}; default SQLite",
    ),
    "demo.once": (
        "核对后退出（核对通过时退出码为 0）",
        "Exit after verification (0 when it passes)",
    ),
    "demo.interval": (
        "每个节点两轮复制之间的秒数",
        "Seconds between replication cycles at each node",
    ),
    "demo.seed": ("生成数据的随机种子", "Seed of the generated data"),
    "demo.sftp": (
        "第一个市经演示用的 sshd（OpenSSH）以 SFTP 复制",
        "The first city replicates over SFTP through a demo sshd (OpenSSH)",
    ),
    "demo.port_base": (
        "新建的演示节点从这个端口起使用空闲端口",
        "A new demo's nodes listen on free ports from here up",
    ),
}

# What a user can type, taken from the README's layout: a city var/changsha (430100)
# under the province var/hunan (430000) under HQ var/hq, on one machine. Every line is
# parsed against the real commands by tests/test_cli_help.py.
_CITY_KEY = '"$(fedcrm key show var/changsha)"'
_PROVINCE_KEY = '"$(fedcrm key show var/hunan)"'
EXAMPLES: dict[str, tuple[str, ...]] = {
    "fedcrm": (
        "fedcrm init var/changsha --level city --code 430100 --name 长沙市",
        "fedcrm demo --dir var/demo --once",
    ),
    "init": (
        "fedcrm init var/changsha --level city --code 430100 --name 长沙市",
        "fedcrm init var/hunan --level province --code 430000 --name 湖南省 "
        "--db postgresql+psycopg://postgres@127.0.0.1:5432/fedcrm_430000 --port 8101",
    ),
    "serve": ("fedcrm serve var/changsha",),
    "db": ("fedcrm db upgrade var/changsha",),
    "db.upgrade": ("fedcrm db upgrade var/changsha",),
    "db.current": ("fedcrm db current var/changsha",),
    "import": (
        "fedcrm import var/changsha customers.xlsx",
        "fedcrm import var/changsha customers.csv --skip-invalid --update-existing",
    ),
    "export": (
        "fedcrm export var/changsha --out customers.xlsx",
        "fedcrm export var/changsha --out customers.csv --unmasked",
    ),
    "user": ("fedcrm user list var/changsha",),
    "user.add": (
        "fedcrm user add var/changsha --username zhangsan --role agent --display-name 张三",
    ),
    "user.list": ("fedcrm user list var/changsha",),
    "user.passwd": ("fedcrm user passwd var/changsha --username zhangsan",),
    "user.disable": ("fedcrm user disable var/changsha --username zhangsan",),
    "user.enable": ("fedcrm user enable var/changsha --username zhangsan",),
    "cti": ("fedcrm cti import var/changsha /var/log/asterisk/queue_log",),
    "cti.import": (
        "fedcrm cti import var/changsha /var/log/asterisk/queue_log",
        "fedcrm cti import var/changsha queue_log.1 --format asterisk-queue-log --strict",
        "fedcrm cti import var/changsha /var/log/asterisk/cdr-csv/Master.csv "
        "--format asterisk-cdr-csv",
    ),
    "cti.refigure": ("fedcrm cti refigure var/changsha",),
    "sms": ("fedcrm sms send-pending var/changsha",),
    "surveys": ("fedcrm surveys import var/changsha repair-callback.json",),
    "surveys.import": ("fedcrm surveys import var/changsha repair-callback.json",),
    "surveys.fill": ("fedcrm surveys fill var/changsha",),
    "surveys.export": (
        "fedcrm surveys export var/hunan 0190f000-0000-7000-8000-000000000001 repair-callback.json",
    ),
    "sms.send-pending": ("fedcrm sms send-pending var/changsha",),
    "key": ("fedcrm key show var/changsha",),
    "key.show": ("fedcrm key show var/changsha",),
    "child": ("fedcrm child list var/hunan",),
    "child.add": (
        "fedcrm child add var/hunan --code 430100 --name 长沙市 --level city "
        f"--url http://127.0.0.1:8100 --public-key {_CITY_KEY}",
    ),
    "child.rotate": (f"fedcrm child rotate var/hunan --code 430100 --public-key {_CITY_KEY}",),
    "child.list": ("fedcrm child list var/hunan",),
    "child.revoke": ("fedcrm child revoke var/hunan --code 430100",),
    "parent": (
        f"fedcrm parent set var/changsha --url http://127.0.0.1:8101 --parent-key {_PROVINCE_KEY}",
    ),
    "parent.set": (
        f"fedcrm parent set var/changsha --url http://127.0.0.1:8101 --parent-key {_PROVINCE_KEY}",
    ),
    "parent.rotate": (f"fedcrm parent rotate var/changsha --parent-key {_PROVINCE_KEY}",),
    "ingest": ("fedcrm ingest var/hunan",),
    "sync": ("fedcrm sync var/changsha",),
    "status": ("fedcrm status var/hunan", "fedcrm status var/hunan --json"),
    "quarantine": ("fedcrm quarantine list var/hunan",),
    "quarantine.list": ("fedcrm quarantine list var/hunan",),
    "quarantine.show": ("fedcrm quarantine show var/hunan 1",),
    "verify": ("fedcrm verify var/hunan", "fedcrm verify var/changsha --from-parent"),
    "pull": ("fedcrm pull var/changsha",),
    "resync": ("fedcrm resync var/hunan --child 430100",),
    "rollup": (
        "fedcrm rollup var/hunan --by city --figure churn",
        "fedcrm rollup var/hq --by province --format xlsx --out rollup.xlsx",
    ),
    "report": ("fedcrm report var/hq --out report.html",),
    "demo": ("fedcrm demo --dir var/demo --once", "fedcrm demo --provinces 1 --sftp"),
}

# (Chinese, English one example, English more than one)
EXAMPLE_HEADINGS = ("示例：", "Example:", "Examples:")


def cli_text(key: str) -> str:
    """The help text `key` in this run's language (Chinese unless the locale is English)."""
    chinese, english = TEXTS[key]
    return english if help_language() == "en" else chinese


def command_help(key: str) -> str:
    """A command's or group's help: its text, then its examples one a line.

    The examples are a paragraph of their own (after a blank line), which typer's rich
    help prints line by line, and out of the one-line summary in the command list."""
    examples = EXAMPLES[key]
    chinese, english_one, english_more = EXAMPLE_HEADINGS
    heading = chinese
    if help_language() == "en":
        heading = english_one if len(examples) == 1 else english_more
    return "\n".join([cli_text(key), "", heading, *examples])
