"""fedcrm rollup (built by later issues)."""
