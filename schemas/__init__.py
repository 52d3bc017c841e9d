"""fedcrm schemas (built by later issues)."""
