"""The inbox layout both sides agree on. One directory per child in the parent's inbox:

    <inbox>/<child code>/incoming/   batches: NAME.arrows, then NAME.manifest.json
    <inbox>/<child code>/acks/       NAME.json: the parent's answer to batch NAME
    <inbox>/<child code>/done/       applied batches (pruned after a while)
    <inbox>/<child code>/quarantine/ refused batches
    <inbox>/<child code>/checkpoint.json  what the parent holds from this child
    <inbox>/<child code>/down/       batches the parent serves down (its outbox to the
                                     child), and down/held.json: what the child holds

Every file is written under a ".part-" name and renamed into place, so a half-written
file is never seen under its final name; a batch counts only once its manifest (written
after the body) exists.
"""

from __future__ import annotations

INCOMING = "incoming"
ACKS = "acks"
DONE = "done"
QUARANTINE = "quarantine"
CHECKPOINT = "checkpoint.json"
DOWN = "down"
HELD = "held.json"
PART = ".part-"
BODY_SUFFIX = ".arrows"
MANIFEST_SUFFIX = ".manifest.json"


def batch_name(table: str, prev_seq: int, seq_end: int) -> str:
    """Deterministic, so re-uploading the same batch replaces it instead of adding one."""
    return f"{table}.{prev_seq:015d}-{seq_end:015d}"


def parse_name(name: str) -> tuple[str, int, int] | None:
    """(table, prev_seq, seq_end) of a batch_name, or None for any other name."""
    table, _, seqs = name.partition(".")
    prev, _, end = seqs.partition("-")
    if not (prev.isdigit() and end.isdigit()):
        return None
    return table, int(prev), int(end)


def sort_key(name: str) -> tuple[str, int]:
    table, _, seqs = name.partition(".")
    prev = seqs.split("-", 1)[0]
    return table, int(prev) if prev.isdigit() else 0
