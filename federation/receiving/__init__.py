"""Receiving: the parent's side, one straight line for every way in. intake.py parses
and authenticates a batch once, apply.py writes it with the checkpoint in one
transaction (apply_postgres.py or apply_sqlite.py, both under newer_wins.py: rules 1,
5, 6), service.py counts, quarantines and builds the Answer that endpoints.py (HTTP) and
sftp/inbox.py render. Must not import sending/ or sftp/: a province's relay is woken
through Receiver.on_applied, and transports call in, never the other way round.
"""
