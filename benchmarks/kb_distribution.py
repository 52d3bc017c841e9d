"""Knowledge-base articles and the dictionaries flowing down (issue 22, "Measure"): how
long until every city holds and verifies what HQ published.

What it does, in order:

1. Builds HQ 000000, the province 430000 and its cities 430100 and 430200 with the real
   CLI (`fedcrm init`, `user add`, `child add`, `parent set`) and serves each as its own
   `fedcrm serve` process, the pull interval an hour so only this script pulls.
2. Baseline, in the same run: the dictionaries and products HQ and the province seed
   flow down (`fedcrm pull` at the province, then at both cities side by side) and each
   child verifies what it holds against its parent (`fedcrm verify --from-parent`).
3. HQ publishes N articles (default 10,000) in 50 folders through the knowledge-base
   services, each written by one editor and approved by another, in transactions of 500;
   Markdown bodies of 150-400 characters built from telecom words, seeded.
4. The same pull and verify round again, timed per level; then every city is checked to
   hold exactly N published articles from HQ and to find a sample of them by search.

Prints the figures, the ratio of the articles' round to the baseline round, and one JSON
line last. Exit status 0 when every city holds and verifies them all.

Examples:
    python benchmarks/kb_distribution.py --articles 1000
    python benchmarks/kb_distribution.py --articles 10000 \\
        --postgres postgresql+psycopg://postgres@127.0.0.1:5432/fedcrm_bench_kb
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import lookup
import replication_data
from repl_topology import Node, Processes, cli, console, init_node, link_child, node_db_url
from repl_topology import serve as serve_node
from sqlalchemy import create_engine, text

from node.db.unit_of_work import Database
from node.knowledge import review
from node.knowledge.articles import ArticleFields, create_article
from node.knowledge.folders import create_folder

LAYOUT = (
    ("000000", "集团总部", "hq", None),
    ("430000", "湖南省", "province", "000000"),
    ("430100", "长沙市", "city", "430000"),
    ("430200", "株洲市", "city", "430000"),
)
CITIES = ("430100", "430200")
WORDS = tuple(
    [
        "宽带",
        "光猫",
        "机顶盒",
        "资费",
        "套餐",
        "停机",
        "复机",
        "故障",
        "报修",
        "营业厅",
        "96296",
        "话费",
        "积分",
        "携号转网",
        "提速",
        "装机",
        "移机",
        "过户",
        "发票",
        "实名",
        "欠费",
        "缴费",
        "千兆",
        "路由器",
        "信号",
        "网络电视",
        "固话",
        "副卡",
        "流量",
        "合约",
    ]
)
KINDS = ("policy", "rule", "announcement", "knowledge", "phone")
BATCH = 500


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/fedcrm-bench-kb-down"))
    parser.add_argument("--postgres", help="a PostgreSQL URL whose database name is a prefix")
    parser.add_argument("--seed", type=int, default=22)
    parser.add_argument("--sample", type=int, default=20, help="articles each city searches")
    return parser.parse_args(argv)


def build(args: argparse.Namespace, procs: Processes) -> dict[str, Node]:
    """The four nodes, linked, served (top first, each ready before the next)."""
    nodes: dict[str, Node] = {}
    for code, name, level, parent in LAYOUT:
        node_dir = args.workdir / code
        url = node_db_url(args, node_dir, f"kb_{code}")
        nodes[code] = Node(code, name, level, node_dir, lookup.free_port(), url, parent)
        init_node(nodes[code])
    for node in nodes.values():
        if node.parent is not None:
            link_child(node, nodes[node.parent])
    for node in nodes.values():
        proc = serve_node(procs, node, 3600.0)
        lookup.wait_ready(proc, node.url, 120, node.dir / "serve.log")
    return nodes


def _body(rng: random.Random, title: str) -> str:
    lines = [f"# {title}", ""]
    while sum(len(line) for line in lines) < rng.randint(150, 400):
        words = rng.sample(WORDS, 4)
        lines.append(f"- {words[0]}{words[1]}：请按{words[2]}规定办理{words[3]}业务。")
    return "\n".join(lines)


def publish(db: Database, count: int, seed: int) -> list[str]:
    """`count` articles approved at HQ, in 50 folders; their titles (each unique)."""
    rng = random.Random(seed)
    with db.unit_of_work() as session:
        folders = [create_folder(session, f"目录{i:02d}", None, "hq.editor").id for i in range(50)]
    titles: list[str] = []
    for start in range(0, count, BATCH):
        with db.unit_of_work() as session:
            for n in range(start, min(start + BATCH, count)):
                title = f"{rng.choice(WORDS)}{rng.choice(WORDS)}办理规定第{n:05d}号"
                fields = ArticleFields(
                    rng.choice(folders), KINDS[n % 5], [], n % 10 == 0, None, None
                )
                article = create_article(session, fields, title, _body(rng, title), "", "hq.editor")
                review.submit(session, article, "hq.editor")
                review.approve(session, article, "hq.reviewer")
                titles.append(title)
        console.print(f"  published {len(titles):,} of {count:,}", end="\r")
    console.print()
    return titles


def _timed_cli(args: list[str]) -> float:
    start = time.perf_counter()
    cli(args)
    return time.perf_counter() - start


def down_round(nodes: dict[str, Node]) -> dict[str, float]:
    """Pull at the province, then at both cities at once; verify each from its parent."""
    start = time.perf_counter()
    times = {"province pull": _timed_cli(["pull", str(nodes["430000"].dir)])}
    with ThreadPoolExecutor(len(CITIES)) as pool:
        pulls = pool.map(lambda c: _timed_cli(["pull", str(nodes[c].dir)]), CITIES)
        times["cities pull (slowest)"] = max(pulls)
    with ThreadPoolExecutor(len(nodes) - 1) as pool:
        codes = ("430000", *CITIES)
        verifies = pool.map(
            lambda c: _timed_cli(["verify", str(nodes[c].dir), "--from-parent"]), codes
        )
        times["verify (slowest)"] = max(verifies)
    times["until every city holds and verifies"] = time.perf_counter() - start
    return times


def held(node: Node) -> int:
    """Published articles from HQ the node holds."""
    engine = create_engine(node.db_url)
    try:
        with engine.connect() as conn:
            query = (
                "SELECT count(*) FROM kb_articles WHERE owner = '000000' AND status = 'published'"
            )
            return int(conn.execute(text(query)).scalar_one())
    finally:
        engine.dispose()


def found(node: Node, titles: list[str]) -> int:
    """How many of `titles` a reader at `node` finds by their number (an exact title hit)."""
    login = {"username": "admin", "password": replication_data.ADMIN_PASSWORD}
    with httpx.Client(base_url=node.url, timeout=30) as http:
        token = http.post("/api/v1/auth/login", json=login).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        hits = 0
        for title in titles:
            resp = http.get("/api/v1/kb/search", params={"q": title}, headers=headers)
            hits += any(hit["title"] == title for hit in resp.json()["data"])
    return hits


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    procs = Processes()
    try:
        console.print(f"building HQ, a province and two cities in {args.workdir} ...")
        nodes = build(args, procs)
        console.print("baseline: the dictionaries and products flow down")
        baseline = down_round(nodes)
        console.print(f"HQ publishes {args.articles:,} articles ...")
        hq = Database(nodes["000000"].db_url, "000000")
        start = time.perf_counter()
        titles = publish(hq, args.articles, args.seed)
        publish_seconds = time.perf_counter() - start
        hq.dispose()
        console.print("the articles flow down")
        measured = down_round(nodes)
        sample = random.Random(args.seed).sample(titles, min(args.sample, len(titles)))
        holding = {c: held(nodes[c]) for c in ("430000", *CITIES)}
        finding = {c: found(nodes[c], sample) for c in CITIES}
    except subprocess.CalledProcessError as exc:
        raise SystemExit(f"a command failed: {exc}") from exc
    finally:
        procs.stop_all()
    ok = all(n == args.articles for n in holding.values()) and all(
        n == len(sample) for n in finding.values()
    )
    _report(args, baseline, measured, publish_seconds, holding, finding, len(sample), ok)
    return 0 if ok else 1


def _report(
    args: argparse.Namespace,
    baseline: dict[str, float],
    measured: dict[str, float],
    publish_seconds: float,
    holding: dict[str, int],
    finding: dict[str, int],
    sample: int,
    ok: bool,
) -> None:
    backend = "postgresql" if args.postgres else "sqlite"
    console.print(f"\n[bold]{args.articles:,} articles, {backend}[/]")
    console.print(f"  published at HQ in {publish_seconds:.1f} s "
                  f"({args.articles / publish_seconds:,.0f} articles/s)")  # fmt: skip
    for step, seconds in measured.items():
        ratio = seconds / baseline[step] if baseline[step] else float("nan")
        console.print(f"  {step}: {seconds:.2f} s (baseline {baseline[step]:.2f} s, ×{ratio:.1f})")
    total = measured["until every city holds and verifies"]
    console.print(f"  {args.articles / total:,.0f} articles/s from HQ to every city, verified")
    console.print(f"  held (published from HQ): {holding}; found by title: {finding} of {sample}")
    console.print("[green]every city holds and verifies them[/]" if ok else "[red]MISSING[/]")
    print(json.dumps({
        "articles": args.articles, "backend": backend, "publish_seconds": publish_seconds,
        "baseline": baseline, "measured": measured, "held": holding, "found": finding,
        "ok": ok,
    }))  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
