"""Federation: receiving."""
