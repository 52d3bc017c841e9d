"""Downward distribution (docs/federation.md rule 11): a parent serves its own and its
ancestors' reference rows; a child pulls them, checks them as it would a child's batch,
and applies them with the same apply path."""
