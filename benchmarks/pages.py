"""Server time of the web pages agents use most, at N customers and T tickets (issue 19
"Measure": p99 under 100 ms on SQLite and under 150 ms on PostgreSQL).

What it does, in order:

1. Builds (or reuses, see --workdir/--fresh) a city node 430100 with N synthetic
   customers, as benchmarks/lookup.py does (its building blocks, imported), a team_lead
   user (`fedcrm user add`), --technicians technicians spread over the service areas
   (the product's add_user), and T tickets spread over the customers
   (benchmarks/synthetic_tickets.py: two years of them, mostly closed or resolved, some
   thousands open at 2M, the field kinds with a technician). The tickets are bulk-loaded
   a chunk at a time through a staging table and one INSERT .. SELECT that joins each
   to its customer and technician (executemany on SQLite, COPY on PostgreSQL), with the
   secondary indexes dropped first and recreated from the migration's own definitions;
   the script checks that every index of the tickets model exists afterwards.
2. Starts `fedcrm serve DIR` on a free loopback port, logs in through the web login form
   (CSRF cookie and field, then the session cookie), and finds the deep pages by
   following `rel="next"` links 49 times: page 50 of the queue, of the queue of closed
   tickets, and of a search (20 a page, so one with over 980 matches), each where the
   list is that long.
3. Times, interleaved round-robin on one keep-alive client so machine noise hits every
   kind alike, --requests GETs of each kind: GET /healthz (the floor); the search page
   with its count for a 2-character name fragment drawn from the loaded rows, common
   given names (at 1M customers thousands match: 「共 1000+ 条」) and rare ones (a few
   match); the ticket queue (open tickets, the earliest due first) and the queue of
   closed tickets; the customer 360 of random customers that have tickets (every fourth
   one with an open ticket); the page-50 URLs found in step 2. Every answer must be a
   200 with what the page should show (the count 「共 N 条」, the range of page 50, the
   customer's number on the 360).
4. Reads the server's own time from each response's `Server-Timing: app;dur=MS` header
   (the primary figure: the server's time until its headers, the page rendered) beside
   the client's round trip, and prints p50/p95/p99/max of both per kind, each p99 over
   the floor's and over the target, then one JSON line for machines. Exit status 0 when
   every kind's server p99 is under the target and every answer was as expected, else 1.

Examples:
    python benchmarks/pages.py --customers 20000 --tickets 40000
    python benchmarks/pages.py --customers 20000 --tickets 40000 \\
        --postgres postgresql+psycopg://postgres@127.0.0.1:5432/fedcrm_bench_pages
    python benchmarks/pages.py            # 1,000,000 customers, 2,000,000 tickets, SQLite
"""

from __future__ import annotations

import argparse
import html
import json
import random
import re
import statistics
import sys
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
from rich.table import Table
from sqlalchemy import Engine, func, inspect, select

# Run as a script (python benchmarks/pages.py): make the sibling modules importable.
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import lookup
import synthetic_customers as synth
import synthetic_tickets as st
from lookup import console, phase

from node.auth.accounts import Role
from node.customers.models import Customer
from node.db.engine import make_engine
from node.db.unit_of_work import Database
from node.tickets.models import OPEN_TICKET_STATES, Ticket
from node.users.resource import add_user
from node.web.pages_customers import SEARCH_LIMIT
from node.web.pages_tickets import QUEUE_PAGE
from node.web.paging import COUNT_CAP

USERNAME = "lead"
PASSWORD = "pages-timing-node-4Rz"  # a throw-away node, never a real one
TECH_PASSWORD = "field-visits-node-8Kw"
TARGET_P99_MS = {"sqlite": 100.0, "postgresql": 150.0}
DEPTH = 50  # "a page 50 deep in a list"
COUNT_RE = re.compile(r'data-field="count">共 (\d+)(\+?) 条')
NEXT_RE = re.compile(r'<a href="([^"]+)" rel="next"')
SERVER_TIMING_RE = re.compile(r"\bapp;dur=([0-9.]+)")


# ---- the node: lookup.py's customers, then technicians and tickets ------------------


def add_technicians(node: lookup.Node, per_area: int, seed: int) -> None:
    """`per_area` technicians in each service area of the synthetic customers, by the
    product's own add_user (what `fedcrm user add` runs), in one transaction."""
    rng = random.Random(f"{seed}:technicians")
    surnames = [s for s, _ in synth.SURNAMES[:40]]
    given = synth.POPULAR_MALE + synth.POPULAR_FEMALE
    db = Database(node.db_url, synth.NODE_CODE)
    try:
        with db.unit_of_work() as session:
            for area in st.AREAS:
                for n in range(per_area):
                    name = rng.choice(surnames) + rng.choice(given)
                    username = f"tech-{area}-{n + 1:03d}"
                    add_user(session, username, name, Role.technician, TECH_PASSWORD, area)
    finally:
        db.dispose()


def _counters(conn: Any) -> dict[str, int]:
    return {str(n): int(v) for n, v in conn.execute("SELECT name, value FROM counters")}


def ticket_layout(conn: Any, args: argparse.Namespace, per_area: int) -> st.TicketLayout:
    """Where the tickets start numbering, after everything the node holds."""
    low, high, count = conn.execute("SELECT min(seq), max(seq), count(*) FROM customers").fetchone()
    if high - low + 1 != count:
        raise SystemExit("the customers' seqs are not contiguous: not a synthetic load")
    counters = _counters(conn)
    return st.TicketLayout(
        count=args.tickets,
        seq_start=counters["seq"] + 1,
        ticket_no_start=counters.get("ticket_no", 0) + 1,
        customers=count,
        customer_seq_start=low,
        tech_slots=per_area,
        now_ms=int(time.time() * 1000),
        seed=args.seed,
    )


def load_tickets(node: lookup.Node, args: argparse.Namespace) -> dict[str, Any]:
    """NodeRecipe.fill: technicians, then the tickets; returns the load's figures."""
    started = time.perf_counter()
    per_area = max(1, args.technicians // len(st.AREAS))
    add_technicians(node, per_area, args.seed)
    phases: dict[str, float] = {"technicians": time.perf_counter() - started}
    console.print(f"  {per_area * len(st.AREAS)} technicians: {phases['technicians']:.1f} s")
    started = time.perf_counter()
    if node.backend == "sqlite":
        with lookup.sqlite_bulk(node.data_dir / "node.db") as conn:
            conn.execute("BEGIN")
            layout = _load_tickets(conn, node.backend, args, per_area, phases)
            with phase(phases, "commit"):
                conn.execute("COMMIT")
    else:
        import psycopg

        with psycopg.connect(lookup.psycopg_conninfo(node.db_url)) as pg:
            lookup.pg_bulk_settings(pg)
            layout = _load_tickets(pg, node.backend, args, per_area, phases)
            with phase(phases, "commit"):
                pg.commit()
        lookup.pg_vacuum_analyze(node.db_url, ("tickets",), phases)
    seconds = time.perf_counter() - started
    stats = lookup.LoadStats(
        args.tickets, seconds, args.tickets / seconds, args.workers, None, phases
    )
    console.print(
        f"[bold]loaded {args.tickets:,} tickets in {seconds:.1f} s "
        f"({stats.rows_per_s:,.0f} rows/s)[/]"
    )
    return {**asdict(stats), "technicians": per_area * len(st.AREAS), "now_ms": layout.now_ms}


def _load_tickets(
    conn: Any, backend: str, args: argparse.Namespace, per_area: int, phases: dict[str, float]
) -> st.TicketLayout:
    """The load inside one transaction of `conn` (sqlite3 or psycopg)."""
    if conn.execute("SELECT count(*) FROM tickets").fetchone()[0]:
        raise SystemExit(f"{args.workdir or 'the node'} already holds tickets")
    layout = ticket_layout(conn, args, per_area)
    if backend == "sqlite":
        ddl = synth.sqlite_lookup_ddl(conn, "tickets")
        indexes = [(name, sql) for kind, name, sql in ddl if kind == "index"]
    else:
        indexes = lookup.pg_secondary_indexes(conn, ("tickets",))
    for name, _ in indexes:
        conn.execute(f'DROP INDEX "{name}"')
    for sql in st.STAGE_SQL:
        conn.execute(sql)

    def insert(rows: list[tuple[Any, ...]]) -> None:
        if backend == "sqlite":
            conn.executemany(st.insert_stage_sqlite(), rows)
        else:
            with conn.cursor() as cur, cur.copy(st.copy_stage_sql()) as copy:
                copy.write("".join(st.pg_copy_line(r) for r in rows))
        added = conn.execute(st.INSERT_SQL).rowcount
        if added != len(rows):
            raise SystemExit(f"{len(rows) - added} tickets found no customer")
        conn.execute(f"DELETE FROM {st.STAGE}")

    lookup.generate_into(layout, args, insert, phases, st.generate_chunk, "tickets")
    with phase(phases, "create ticket indexes"):
        for _, sql in indexes:
            conn.execute(sql)
    for table in (st.STAGE, st.TECHNICIANS):
        conn.execute(f"DROP TABLE {table}")
    last = {"seq": layout.seq_start + layout.count - 1}
    last["ticket_no"] = layout.ticket_no_start + layout.count - 1
    lookup.set_counters(conn, backend, last)
    return layout


def check_ticket_indexes(engine: Engine) -> list[str]:
    """The tickets table's indexes; exits when one the model declares is missing."""
    present = {ix["name"] for ix in inspect(engine).get_indexes("tickets")}
    declared = {ix.name for ix in Ticket.__table__.indexes}
    missing = sorted(str(n) for n in declared - present)
    if missing:
        raise SystemExit(f"tickets indexes missing after the load: {missing}")
    return sorted(str(n) for n in present)


# ---- what to ask for ---------------------------------------------------------------------


@dataclass(frozen=True)
class Probe:
    """One request and what its answer must show."""

    url: str
    expect: str | None = None  # text the page must contain
    counted: bool = False  # the page must show its count 「共 N 条」


@dataclass(frozen=True)
class Kind:
    key: str
    label: str
    probes: list[Probe]


def _uuid(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def draw_probes(engine: Engine, rounds: int, seed: int) -> dict[str, list[Probe]]:
    """Searches and customer 360s made from randomly chosen loaded rows."""
    rng = random.Random(f"{seed}:pages")
    popular = set(synth.POPULAR_MALE + synth.POPULAR_FEMALE)
    with engine.connect() as conn:
        low, high = conn.execute(select(func.min(Customer.seq), func.max(Customer.seq))).one()
        seqs = rng.sample(range(low, high + 1), min(30 * rounds, high - low + 1))
        names = sorted(conn.execute(select(Customer.name).where(Customer.seq.in_(seqs))).scalars())
        t_low, t_high = conn.execute(select(func.min(Ticket.seq), func.max(Ticket.seq))).one()
        t_seqs = rng.sample(range(t_low, t_high + 1), min(rounds, t_high - t_low + 1))
        with_tickets = sorted(
            str(c)
            for c in conn.execute(select(Ticket.customer_id).where(Ticket.seq.in_(t_seqs)))
            .scalars()
            .all()
        )
        open_ids = sorted(
            str(c)
            for c in conn.execute(
                select(Ticket.customer_id).where(Ticket.status.in_(OPEN_TICKET_STATES))
            ).scalars()
        )
        rng.shuffle(with_tickets)
        picked = rng.sample(open_ids, min(len(open_ids), rounds // 4))
        for i, cid in enumerate(picked):  # every fourth customer has an open ticket
            with_tickets[min(4 * i, len(with_tickets) - 1)] = cid
        ids = [_uuid(c) for c in with_tickets]
        numbers = {
            _uuid(i): no
            for i, no in conn.execute(
                select(Customer.id, Customer.customer_no).where(Customer.id.in_(ids))
            )
        }
    rng.shuffle(names)
    common = [n[-2:] for n in names if n[-2:] in popular]
    rare = [n[-2:] for n in names if n[-2:] not in popular]

    def search(fragments: list[str]) -> list[Probe]:
        return [Probe(f"/ui/customers?q={q}", counted=True) for q in _cycle(fragments, rounds)]

    return {
        "search_common": search(common),
        "search_rare": search(rare),
        "customer_360": [
            Probe(f"/ui/customers/{cid}", expect=numbers[cid]) for cid in _cycle(ids, rounds)
        ],
    }


def _cycle(items: list[Any], n: int) -> list[Any]:
    if not items:
        raise SystemExit("nothing to draw requests from: is the node empty?")
    return [items[i % len(items)] for i in range(n)]


def deep_candidates(engine: Engine) -> list[str]:
    """Search fragments likely to have over 980 matches: the three commonest 2-character
    given names of a sample, then (for small nodes) its two commonest surnames. The first
    that has a page 50 is timed."""
    with engine.connect() as conn:
        names = conn.execute(select(Customer.name).order_by(Customer.seq).limit(20_000)).scalars()
        given: Counter[str] = Counter()
        surnames: Counter[str] = Counter()
        for name in names:
            given[name[-2:]] += len(name) == 3  # surname + 2 characters
            surnames[name[0]] += 1
    return [q for q, _ in given.most_common(3)] + [q for q, _ in surnames.most_common(2)]


def page_deep(client: httpx.Client, url: str, depth: int = DEPTH) -> tuple[str | None, int]:
    """The URL of page `depth` of the list at `url`, reached by its "next" links as a
    reader would, or None and the number of pages the list has."""
    for page in range(1, depth):
        resp = client.get(url)
        if resp.status_code != 200:
            raise SystemExit(f"GET {url}: HTTP {resp.status_code}")
        m = NEXT_RE.search(resp.text)
        if m is None:
            return None, page
        url = html.unescape(m.group(1))
    return url, depth


def deep_kinds(client: httpx.Client, engine: Engine, rounds: int) -> tuple[list[Kind], list[str]]:
    """Page 50 of the queue, of the closed tickets' queue and of a search, where the list
    is that long; and why each missing one is missing."""
    kinds: list[Kind] = []
    skipped: list[str] = []
    first_queue = f"第 {(DEPTH - 1) * QUEUE_PAGE + 1}–{DEPTH * QUEUE_PAGE} 条"
    for key, label, start in (
        ("queue_p50", "queue p50", "/ui/tickets"),
        ("queue_closed_p50", "queue closed p50", "/ui/tickets?status=closed"),
    ):
        url, pages = page_deep(client, start)
        if url is None:
            skipped.append(f"{label}: the list has {pages} pages")
        else:
            kinds.append(Kind(key, label, [Probe(url, first_queue, True)] * rounds))
    first_search = f"第 {(DEPTH - 1) * SEARCH_LIMIT + 1}–{DEPTH * SEARCH_LIMIT} 条"
    tried = deep_candidates(engine)
    for q in tried:
        url, pages = page_deep(client, f"/ui/customers?q={q}")
        if url is not None:
            label = f"search p50 ({q})"
            kinds.append(Kind("search_p50", label, [Probe(url, first_search, True)] * rounds))
            break
    else:
        skipped.append(f"search, page 50: none of {tried} has {DEPTH} pages")
    return kinds, skipped


def all_kinds(drawn: dict[str, list[Probe]], deep: list[Kind], rounds: int) -> list[Kind]:
    def same(url: str) -> list[Probe]:
        return [Probe(url, counted=True)] * rounds

    return [
        Kind("floor", "floor /healthz", [Probe("/healthz")] * rounds),
        Kind("search_common", "search, common name", drawn["search_common"]),
        Kind("search_rare", "search, rare name", drawn["search_rare"]),
        Kind("queue", "queue (open)", same("/ui/tickets")),
        Kind("queue_closed", "queue closed", same("/ui/tickets?status=closed")),
        Kind("customer_360", "customer 360", drawn["customer_360"]),
        *deep,
    ]


# ---- logging in and timing -------------------------------------------------------------


def web_login(client: httpx.Client) -> None:
    """Log in as a person does: the form's CSRF cookie and field, then the session cookie."""
    form = client.get("/ui/login")
    form.raise_for_status()
    m = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    if m is None:
        raise SystemExit("the login form has no CSRF field")
    data = {"username": USERNAME, "password": PASSWORD, "csrf_token": m.group(1), "next": "/ui/"}
    resp = client.post("/ui/login", data=data)
    if resp.status_code != 303 or "fedcrm_session" not in client.cookies:
        raise SystemExit(f"web login failed: HTTP {resp.status_code}")


@dataclass
class Samples:
    server_ms: list[float] = field(default_factory=list)
    client_ms: list[float] = field(default_factory=list)
    counts: list[tuple[int, bool]] = field(default_factory=list)  # (count, capped)
    problems: list[str] = field(default_factory=list)


def check(resp: httpx.Response, probe: Probe, samples: Samples) -> None:
    """Record what is wrong with the answer, if anything."""
    if resp.status_code != 200:
        samples.problems.append(f"{probe.url}: HTTP {resp.status_code}")
        return
    body = resp.text
    if probe.counted:
        m = COUNT_RE.search(body)
        if m is None:
            samples.problems.append(f"{probe.url}: no count 「共 N 条」")
        else:
            samples.counts.append((int(m.group(1)), m.group(2) == "+"))
    if probe.expect is not None and probe.expect not in body:
        samples.problems.append(f"{probe.url}: {probe.expect!r} not on the page")


def measure(
    client: httpx.Client, kinds: list[Kind], warmup: int, rounds: int
) -> dict[str, Samples]:
    """Every kind once a round, in turn; the first `warmup` rounds are not recorded."""
    out = {k.key: Samples() for k in kinds}
    with lookup.load_progress() as progress:
        task = progress.add_task("timing pages", total=warmup + rounds, rate="")
        for r in range(warmup + rounds):
            for kind in kinds:
                probe = kind.probes[r % len(kind.probes)]
                t0 = time.perf_counter_ns()
                resp = client.get(probe.url)
                elapsed = (time.perf_counter_ns() - t0) / 1e6
                m = SERVER_TIMING_RE.search(resp.headers.get("server-timing", ""))
                if m is None:
                    raise SystemExit(f"{probe.url}: no Server-Timing header")
                if r < warmup:
                    continue
                s = out[kind.key]
                s.server_ms.append(float(m.group(1)))
                s.client_ms.append(elapsed)
                check(resp, probe, s)
            progress.update(task, advance=1)
    return out


# ---- report ------------------------------------------------------------------------------


def summary(samples: list[float]) -> dict[str, float]:
    q = statistics.quantiles(samples, n=100, method="inclusive")
    return {
        "p50_ms": statistics.median(samples),
        "p95_ms": q[94],
        "p99_ms": q[98],
        "max_ms": max(samples),
    }


def _short(url: str, most: int = 100) -> str:
    """A deep page's URL carries the cursors of the 49 pages before it: cut for show."""
    return url if len(url) <= most else url[: most - 3] + "..."


def _rounded(d: dict[str, float]) -> dict[str, float]:
    return {k: round(v, 2) for k, v in d.items()}


def _counts_text(counts: list[tuple[int, bool]]) -> str:
    if not counts:
        return "-"
    values = sorted(n for n, _ in counts)
    capped = sum(1 for _, more in counts if more)
    text = f"{values[0]}–{values[-1]}"
    return text + (f", {capped} at {COUNT_CAP}+" if capped else "")


def report(
    node: lookup.Node,
    args: argparse.Namespace,
    kinds: list[Kind],
    samples: dict[str, Samples],
    skipped: list[str],
    indexes: list[str],
) -> dict[str, Any]:
    target = TARGET_P99_MS[node.backend]
    floor = summary(samples["floor"].server_ms)
    table = Table(
        title=f"web pages: {node.backend}, {args.customers:,} customers, {args.tickets:,} "
        f"tickets, {args.requests} sequential GETs per kind; server = Server-Timing app;dur, "
        f"client = round trip; target p99 < {target:.0f} ms"
    )
    columns = ("kind", "server p50", "p95", "p99", "max", "client p50", "client p99")
    for col in (*columns, "p99/floor", "p99/target", "count shown", "checks"):
        table.add_column(col, justify="left" if col in ("kind", "checks") else "right")
    result: dict[str, Any] = {}
    for kind in kinds:
        s = samples[kind.key]
        server, client = summary(s.server_ms), summary(s.client_ms)
        over = kind.key != "floor" and server["p99_ms"] >= target
        p99 = f"{server['p99_ms']:.1f}"
        table.add_row(
            kind.label,
            f"{server['p50_ms']:.1f}",
            f"{server['p95_ms']:.1f}",
            f"[bold red]{p99}[/]" if over else p99,
            f"{server['max_ms']:.1f}",
            f"{client['p50_ms']:.1f}",
            f"{client['p99_ms']:.1f}",
            f"{server['p99_ms'] / floor['p99_ms']:.1f}",
            f"{server['p99_ms'] / target:.2f}",
            _counts_text(s.counts),
            f"[red]{len(s.problems)} wrong[/]" if s.problems else "ok",
        )
        result[kind.key] = {
            "label": kind.label,
            "example": _short(kind.probes[0].url),
            "server": _rounded(server),
            "client": _rounded(client),
            "p99_over_floor": round(server["p99_ms"] / floor["p99_ms"], 2),
            "p99_over_target": round(server["p99_ms"] / target, 3),
            "counts": {
                "min": min(n for n, _ in s.counts),
                "max": max(n for n, _ in s.counts),
                "capped": sum(1 for _, more in s.counts if more),
            }
            if s.counts
            else None,
            "wrong": len(s.problems),
            "wrong_examples": s.problems[:3],
        }
    console.print(table)
    for kind in kinds:
        console.print(f"  {kind.label}: e.g. {_short(kind.probes[0].url)}")
    console.print(f"tickets indexes: {', '.join(indexes)}")
    for why in skipped:
        console.print(f"[yellow]not timed: {why}[/]")
    over_target = [k for k, r in result.items() if k != "floor" and r["server"]["p99_ms"] >= target]
    wrong = {k: r["wrong_examples"] for k, r in result.items() if r["wrong"]}
    for key, examples in wrong.items():
        console.print(f"[bold red]{key}: wrong answers, e.g. {examples}[/]")
    ok = not over_target and not wrong
    failing = over_target + [f"{key} wrong" for key in wrong]
    lookup.print_verdict(f"target server p99 < {target:.0f} ms ({node.backend})", failing, floor)
    load = asdict(node.load) if node.load else None
    return {
        "benchmark": "pages",
        "backend": node.backend,
        "customers": args.customers,
        "tickets": args.tickets,
        "technicians": args.technicians,
        "requests_per_kind": args.requests,
        "warmup": args.warmup,
        "workdir": str(node.data_dir),
        "load": {"cached": load is None, "customers": load, "tickets": node.filled},
        "ticket_indexes": indexes,
        "kinds": result,
        "not_timed": skipped,
        "target_p99_ms": target,
        "over_target": over_target,
        "wrong": sorted(wrong),
        "pass": ok,
    }


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    lookup.add_node_options(p, "pages", "N-T")
    p.add_argument("--tickets", type=int, default=2_000_000, help="tickets to load")
    p.add_argument("--technicians", type=int, default=60,
                   help="technicians, split evenly over the service areas")  # fmt: skip
    p.add_argument("--requests", type=int, default=200, help="timed GETs per kind")
    p.add_argument("--warmup", type=int, default=10, help="untimed rounds first")
    args = p.parse_args(argv)
    if args.customers < 1 or args.tickets < 1 or args.requests < 2:
        p.error("--customers and --tickets must be >= 1 and --requests >= 2")
    if args.technicians < len(st.AREAS):
        p.error(f"--technicians must be >= {len(st.AREAS)} (one per service area)")
    return args


def recipe(args: argparse.Namespace) -> lookup.NodeRecipe:
    return lookup.NodeRecipe(
        "pages",
        USERNAME,
        PASSWORD,
        "team_lead",
        size=f"{args.customers}-{args.tickets}",
        keys={
            "tickets": args.tickets,
            "technicians": args.technicians,
            "tickets_version": st.VERSION,
        },
        counts={"tickets": args.tickets},
        fill=load_tickets,
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    lookup.terminate_on_sigterm()
    node = lookup.prepare_node(args, recipe(args))
    engine = make_engine(node.db_url)
    try:
        indexes = check_ticket_indexes(engine)
        rounds = args.warmup + args.requests
        drawn = draw_probes(engine, rounds, args.seed)
        with (
            lookup.running_server(node, args.ready_timeout) as base,
            httpx.Client(base_url=base, timeout=120.0, trust_env=False) as client,
        ):
            web_login(client)
            with console.status("following next links to page 50..."):
                deep, skipped = deep_kinds(client, engine, rounds)
            kinds = all_kinds(drawn, deep, rounds)
            samples = measure(client, kinds, args.warmup, args.requests)
    finally:
        engine.dispose()
    result = report(node, args, kinds, samples, skipped, indexes)
    # Last line, plain print: machine-readable regardless of the terminal's width.
    print(json.dumps(result, ensure_ascii=False), flush=True)
    return 0 if result["pass"] else 1


if __name__ == "__main__":
    sys.exit(main())
