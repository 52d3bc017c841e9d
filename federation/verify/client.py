"""Asking each child for its digests and comparing them with ours."""

from __future__ import annotations

import time

import httpx

from federation.batches.manifest import TAG_HEADER, request_tag
from federation.registry.service import list_children
from federation.verify.compare import Row, compare
from federation.verify.digest import node_digests
from node.db.unit_of_work import Database
from node.settings import Level


class VerifyError(Exception):
    """A child could not be asked (no URL, unreachable, refused)."""


def fetch_child_digests(url: str, code: str, key: bytes, timeout: float = 120.0) -> dict:
    path = "/federation/v1/digest"
    ts = f"{time.time():.3f}"
    headers = {
        "x-fedcrm-sender": code,
        "x-fedcrm-timestamp": ts,
        TAG_HEADER: request_tag(key, code, ts, path),
    }
    try:
        resp = httpx.get(url.rstrip("/") + path, headers=headers, timeout=timeout)
    except httpx.HTTPError as exc:
        raise VerifyError(f"child {code} at {url} is unreachable: {exc}") from None
    if resp.status_code != 200:
        raise VerifyError(
            f"child {code} refused the digest request: {resp.status_code} {resp.text[:200]}"
        )
    return resp.json()["tables"]


def verify_children(db: Database) -> tuple[list[Row], list[str]]:
    """Compare with every active child; returns the rows and the children not checked."""
    with db.unit_of_work(write=False) as session:
        children = [
            (c.code, Level(c.level), c.url, bytes.fromhex(c.key_hash))
            for c in list_children(session)
            if c.revoked_at is None
        ]
    with db.engine.connect() as conn:
        mine = node_digests(conn)
    rows: list[Row] = []
    problems: list[str] = []
    for code, level, url, key in children:
        if not url:
            problems.append(f"child {code} has no URL: re-register it with --url to verify it")
            continue
        try:
            theirs = fetch_child_digests(url, code, key)
        except VerifyError as exc:
            problems.append(str(exc))
            continue
        rows += compare(code, level, mine, theirs)
    return rows, problems
