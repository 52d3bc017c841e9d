"""What `fedcrm demo` prints at the end: nodes, replication, verification, HQ figures, URLs."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table

from node.demo.plan import Plan
from node.demo.watch import Verification, open_database, row_counts

LEVELS = {"hq": "总部", "province": "省", "city": "地市"}
SHOWN = ("customers", "subscriptions", "tickets", "interactions", "churn_events")


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f}%"


def nodes_table(root: Path, plan: Plan) -> Table:
    """Rows each node holds (its own and its subtree's), per level."""
    table = Table("level", "code", "name", "URL", *SHOWN, "all rows", title="节点 nodes")
    for node in plan.nodes:
        db = open_database(root, node)
        try:
            counts = row_counts(db)
        finally:
            db.dispose()
        table.add_row(
            LEVELS[node.level],
            node.code,
            node.name,
            node.url,
            *(f"{counts[t]:,}" for t in SHOWN),
            f"{sum(counts.values()):,}",
        )
    return table


def children_table(statuses: dict[str, list[dict]]) -> Table:
    table = Table(
        "parent",
        "child",
        "rows applied",
        "last batch",
        "lag s",
        "rejected",
        title="复制 replication",
    )
    for parent, children in statuses.items():
        for c in children:
            lag = c["lag_seconds"]
            table.add_row(
                parent,
                f"{c['code']} {c['name']}",
                f"{c['rows_applied']:,}",
                (c["last_batch_received"] or "never")[:19],
                "–" if lag is None else f"{lag:.1f}",
                str(c["rejected_batches"]),
            )
    return table


def verification_lines(results: list[Verification]) -> list[str]:
    lines = []
    for r in results:
        if r.ok:
            lines.append(
                f"[green]✔ verify at {r.node.code} {r.node.name}: "
                f"{r.tables_checked} (child, table, origin) digests match[/]"
            )
        else:
            lines.append(
                f"[red]✘ verify at {r.node.code} {r.node.name}:[/] " + "; ".join(r.divergences)
            )
    return lines


def figures_table(keys: dict, churn: dict, service: dict, by_province: dict) -> Table:
    """HQ's headline figures for the latest full month, and churn per province."""
    k, c, s = keys["total"], churn["total"], service["total"]
    table = Table("figure", "value", title=f"总部统计 HQ rollup, {keys['period']}")
    table.add_row("大客户 key accounts", f"{k['key_accounts']:,} of {k['customers']:,} customers")
    table.add_row("key-account revenue share", _pct(k["key_revenue_share"]))
    table.add_row("revenue held by the top 20% (80/20)", _pct(k["top20_revenue_share"]))
    table.add_row("monthly revenue", f"¥{k['revenue']:,.0f}")
    table.add_row("churn rate (流失率)", f"{_pct(c['churn_rate'])} ({c['churned']:,} churned)")
    table.add_row("churned monthly revenue", f"¥{c['churned_revenue']:,.0f}")
    table.add_row("SLA compliance", _pct(s["sla_rate"]))
    mean = s["satisfaction_mean"]
    table.add_row("satisfaction (1-5)", "–" if mean is None else f"{mean:.2f}")
    for row in by_province["rows"]:
        table.add_row(f"  churn rate {row['label']}", _pct(row["churn_rate"]))
    return table


def url_lines(plan: Plan, passwords: dict[str, str], web: bool) -> list[str]:
    lines = []
    for node in plan.nodes:
        extra = f"  web {node.url}/ui/" if web else ""
        lines.append(
            f"{node.code} {node.name}: API docs {node.url}/docs  metrics {node.url}/metrics{extra}"
            f"  (admin / {passwords[node.code]})"
        )
    return lines


def print_all(console: Console, *parts: object) -> None:
    for part in parts:
        if isinstance(part, list):
            for line in part:
                console.print(line)
        else:
            console.print(part)
