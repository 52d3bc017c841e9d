"""Federation: sending."""
