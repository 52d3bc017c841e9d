"""Federation: batches."""
