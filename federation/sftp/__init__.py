"""SFTP transport, for offices that may only open SSH (docs/federation.md rule 9): the
child's upload and answer wait (client.py, a federation.transport.Transport), the
parent's inbox ingest (inbox.py) and the folder layout both agree on. The inbox hands
batches to receiving.service like HTTP does and only renders its Answer; it must not
check or apply batches itself, nor import sending/ (that was an import cycle).
"""
