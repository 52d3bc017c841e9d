"""The wire contract between levels: Arrow schemas of replicated tables, version, rules.

Imports nothing of fedcrm's own; tests/test_wire_schema.py holds it against the node's
tables so the two cannot drift apart.
"""
