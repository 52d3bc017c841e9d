"""SFTP transport: for offices that may only open SSH (DESIGN.md rule 9)."""
