"""Rollups: statistics over everything a node holds (its own rows and its subtree's).

Read the replicated tables as Arrow, compute partial aggregates per (origin, month) that
merge exactly (sums, counts, minima and maxima only), keep them as snapshots, and derive
every figure at any level by merging partials. Imports the node's core only, never
`federation/`; the composition root (node/app.py, node/cli/) wires it in.
"""
