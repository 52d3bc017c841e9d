"""Verify: a node proves it holds exactly what its children hold, per origin and table,
by order-independent digests, and names every divergence (docs/federation.md rule 7).
Read-only towards replicated data: it must not repair, apply or resend anything; the
operator's answer to a divergence is a resync (federation/resync.py, `fedcrm resync`).
"""
