"""fedcrm sms send-pending: run the SMS outbox once."""

from __future__ import annotations

from node.cli.context import console, fail, open_database, open_settings
from node.cli.help_texts import command_help
from node.cli.shared import DirArg, command_group
from node.sms.kannel import KannelClient
from node.sms.sender import run_outbox

sms_app = command_group("sms")


@sms_app.command("send-pending", help=command_help("sms.send-pending"))
def send_pending(data_dir: DirArg) -> None:
    """Send every due message once; exit 1 when Kannel could not be reached."""
    settings = open_settings(data_dir)
    if not settings.sms.enabled:
        fail(f"短信未启用 (SMS is off): set sms.enabled = true in {settings.data_dir}/node.toml")
    database = open_database(settings)
    client = KannelClient(settings.sms)
    try:
        report = run_outbox(database, settings.sms, client)
    finally:
        client.close()
        database.dispose()
    console.print(
        f"发送 {report.sent} 条，待重试 {report.retrying} 条，失败 {report.failed} 条 "
        f"(sent {report.sent}, to retry {report.retrying}, failed {report.failed})"
    )
    if report.unreachable:
        fail(
            f"短信网关无法连接，{len(report.unreachable)} 条稍后重试 "
            f"(Kannel unreachable at {settings.sms.sendsms_url}; "
            f"{len(report.unreachable)} to retry): {report.unreachable[-1]}",
            code=1,
        )
