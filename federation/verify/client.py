"""Asking each child for its digests and comparing them with ours."""

from __future__ import annotations

import httpx

from federation.batches.signatures import Signer
from federation.registry.service import list_children
from federation.verify.compare import Row, compare
from federation.verify.digest import node_digests
from node.db.unit_of_work import Database
from node.settings import Level


class VerifyError(Exception):
    """A child could not be asked (no URL, unreachable, refused)."""


def fetch_child_digests(url: str, code: str, signer: Signer, timeout: float = 120.0) -> dict:
    """Child `code`'s digests, asked with a request signed by this node's own key (the
    child holds its public key); the sender named is the child asked."""
    path = "/federation/v1/digest"
    headers = signer.request_headers(code, path)
    try:
        resp = httpx.get(url.rstrip("/") + path, headers=headers, timeout=timeout)
    except httpx.HTTPError as exc:
        raise VerifyError(f"child {code} at {url} is unreachable: {exc}") from None
    if resp.status_code != 200:
        raise VerifyError(
            f"child {code} refused the digest request: {resp.status_code} {resp.text[:200]}"
        )
    return resp.json()["tables"]


def verify_children(db: Database, signer: Signer) -> tuple[list[Row], list[str]]:
    """Compare with every active child; returns the rows and the children not checked."""
    with db.unit_of_work(write=False) as session:
        children = [
            (c.code, Level(c.level), c.url) for c in list_children(session) if c.revoked_at is None
        ]
    with db.engine.connect() as conn:
        mine = node_digests(conn)
    rows: list[Row] = []
    problems: list[str] = []
    for code, level, url in children:
        if not url:
            problems.append(f"child {code} has no URL: re-register it with --url to verify it")
            continue
        try:
            theirs = fetch_child_digests(url, code, signer)
        except VerifyError as exc:
            problems.append(str(exc))
            continue
        rows += compare(code, level, mine, theirs)
    return rows, problems
