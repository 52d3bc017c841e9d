"""fedcrm federation (built by later issues)."""
