"""Federation: registry."""
