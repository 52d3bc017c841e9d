"""Federation: every node's changes replicate upward as signed Arrow batches, under the
twelve rules of docs/federation.md. batches/ is the wire format both ends share,
sending/ the child's side, receiving/ the parent's, sftp/ the SSH-only transport (both
ends), registry/ children and per-sender state, verify/ digests (rule 7); transport.py,
storage.py, metrics.py and status.py serve several. These siblings must not import one
another in a cycle (import-linter, acyclic_siblings).
"""
