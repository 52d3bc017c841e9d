"""Federation: change capture, Arrow batches, transports, apply, checkpoints, verify."""
