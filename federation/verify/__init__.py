"""Federation: verify."""
