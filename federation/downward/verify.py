"""`fedcrm verify` turned round (docs/federation.md rule 11): this node holds exactly
the rows its parent serves down, per table and origin."""

from __future__ import annotations

import httpx

from federation.batches.signatures import Signer
from federation.downward.digests import held_from_above
from federation.registry.topology import ancestors
from federation.verify.client import VerifyError
from federation.verify.compare import Digests, Row
from node.db.unit_of_work import Database


def fetch_parent_digests(url: str, code: str, signer: Signer, timeout: float = 120.0) -> Digests:
    """What the parent at `url` serves down, asked with a request this node signs."""
    path = "/federation/v1/down/digest"
    headers = signer.request_headers(code, path)
    try:
        resp = httpx.get(url.rstrip("/") + path, headers=headers, timeout=timeout)
    except httpx.HTTPError as exc:
        raise VerifyError(f"the parent at {url} is unreachable: {exc}") from None
    if resp.status_code != 200:
        raise VerifyError(
            f"the parent refused the digest request: {resp.status_code} {resp.text[:200]}"
        )
    tables: Digests = resp.json()["tables"]
    return tables


def verify_from_above(db: Database, parent_url: str, signer: Signer) -> list[Row]:
    """One row per (table, origin above this node) that either side holds; `child` is
    this node, `parent_rows` what the parent serves, `child_rows` what is held here."""
    above = ancestors(db.node_code)
    theirs = fetch_parent_digests(parent_url, db.node_code, signer)
    mine = held_from_above(db, above)
    rows = []
    for table in sorted(set(mine) | set(theirs)):
        here = mine.get(table, {})
        there = {o: v for o, v in theirs.get(table, {}).items() if o in above}
        for origin in sorted(set(here) | set(there)):
            a, b = there.get(origin), here.get(origin)
            rows.append(
                Row(
                    db.node_code,
                    table,
                    origin,
                    int(a["rows"]) if a else 0,
                    int(b["rows"]) if b else 0,
                    a == b,
                )
            )
    return rows
