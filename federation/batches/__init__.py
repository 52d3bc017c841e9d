"""Batches: the wire format both ends share, the manifest with its HMAC tag and the
Arrow IPC body with its bounds (docs/federation.md rule 4). Pure functions of bytes and
tables: it must not touch a database or a transport, nor import another federation
package, since every one of them imports it.
"""
