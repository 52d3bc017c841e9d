"""SFTP transport: for offices that may only open SSH (docs/federation.md rule 9)."""
