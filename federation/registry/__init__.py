"""Registry: the federation state a node keeps in its own database (children and their
credential hashes, per-sender checkpoints, the outbox, quarantined batches) and the
topology rules of who nests under whom (rules 1 and 6). Tables and small queries only:
it must not apply, send or check batches, and imports no federation package but batches/.
"""
